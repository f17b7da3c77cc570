//! Distributions of durations and counts, and how a scenario writes them.
//!
//! A duration is drawn from one of
//! `{ dist = "constant", value = "2s" }`,
//! `{ dist = "uniform", min = "1s", max = "3s" }`,
//! `{ dist = "exponential", mean = "5s" }` (the gaps of a Poisson process), or
//! `{ dist = "lognormal", median = "10min", sigma = 1.0 }` (lifetimes: most
//! are short, a few are very long); a count from `3` or `{ min = 1, max = 4 }`
//! (uniform). Samples are whole nanoseconds.
//!
//! The logarithm and exponential used to sample are computed here, with
//! only the IEEE-754 basic operations (correctly rounded everywhere), rather
//! than by the platform's math library, whose last bit may differ from one
//! machine to the next: a seed gives the same samples on every machine.

use crate::engine::time::SimDuration;
use crate::workload::value::{DATETIME_KEY, Number, TableSeed, WholeSeed, number};
use rand::{Rng, RngExt};
use serde::de::DeserializeSeed;
use serde::de::{self, Deserializer, MapAccess, Visitor};
use serde::{Deserialize, Serialize, Serializer};
use std::fmt;
use std::marker::PhantomData;

/// The largest `sigma` of a log-normal distribution (beyond it a sample
/// overflows any duration).
const MAX_SIGMA: f64 = 10.0;

/// A distribution of durations.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Distribution {
    Constant(SimDuration),
    Uniform { min: SimDuration, max: SimDuration },
    Exponential { mean: SimDuration },
    LogNormal { median: SimDuration, sigma: f64 },
}

impl Distribution {
    /// One sample.
    pub fn sample<R: Rng + ?Sized>(&self, rng: &mut R) -> SimDuration {
        match *self {
            Distribution::Constant(d) => d,
            Distribution::Uniform { min, max } => SimDuration(rng.random_range(min.nanos()..=max.nanos())),
            Distribution::Exponential { mean } => {
                let u: f64 = rng.random();
                nanos(-(mean.nanos() as f64) * portable::ln(1.0 - u))
            }
            Distribution::LogNormal { median, sigma } => {
                nanos(median.nanos() as f64 * portable::exp(sigma * standard_normal(rng)))
            }
        }
    }
}

impl Distribution {
    /// The mean of a sample, in nanoseconds.
    pub fn mean_nanos(&self) -> f64 {
        match *self {
            Distribution::Constant(d) => d.nanos() as f64,
            Distribution::Uniform { min, max } => (min.nanos() as f64 + max.nanos() as f64) / 2.0,
            Distribution::Exponential { mean } => mean.nanos() as f64,
            Distribution::LogNormal { median, sigma } => median.nanos() as f64 * portable::exp(sigma * sigma / 2.0),
        }
    }
}

/// A duration in nanoseconds, rounded; saturates (and NaN is 0).
fn nanos(x: f64) -> SimDuration {
    SimDuration(x.round() as u64)
}

/// A standard normal sample (Marsaglia's polar method: only `ln` and `sqrt`).
fn standard_normal<R: Rng + ?Sized>(rng: &mut R) -> f64 {
    loop {
        let u = 2.0 * rng.random::<f64>() - 1.0;
        let v = 2.0 * rng.random::<f64>() - 1.0;
        let s = u * u + v * v;
        if s > 0.0 && s < 1.0 {
            return u * (-2.0 * portable::ln(s) / s).sqrt();
        }
    }
}

impl fmt::Display for Distribution {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Distribution::Constant(d) => write!(f, "constant(value={d})"),
            Distribution::Uniform { min, max } => write!(f, "uniform(min={min}, max={max})"),
            Distribution::Exponential { mean } => write!(f, "exponential(mean={mean})"),
            Distribution::LogNormal { median, sigma } => write!(f, "lognormal(median={median}, sigma={sigma})"),
        }
    }
}

impl Serialize for Distribution {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

/// Serializes an optional distribution, `none` when absent.
pub fn serialize_optional<S: Serializer>(d: &Option<Distribution>, s: S) -> Result<S::Ok, S::Error> {
    match d {
        Some(d) => d.serialize(s),
        None => s.serialize_str("none"),
    }
}

/// A distribution as written, before its keys are checked against its kind.
#[derive(Deserialize)]
#[serde(deny_unknown_fields, expecting = "a distribution, such as `{ dist = \"exponential\", mean = \"5s\" }`")]
struct Written {
    dist: String,
    value: Option<SimDuration>,
    min: Option<SimDuration>,
    max: Option<SimDuration>,
    mean: Option<SimDuration>,
    median: Option<SimDuration>,
    sigma: Option<Number>,
}

impl Written {
    /// The keys given, other than `dist`.
    fn given(&self) -> Vec<&'static str> {
        let keys = [
            ("value", self.value.is_some()),
            ("min", self.min.is_some()),
            ("max", self.max.is_some()),
            ("mean", self.mean.is_some()),
            ("median", self.median.is_some()),
            ("sigma", self.sigma.is_some()),
        ];
        keys.into_iter().filter_map(|(k, given)| given.then_some(k)).collect()
    }
}

impl TryFrom<Written> for Distribution {
    type Error = String;

    fn try_from(w: Written) -> Result<Distribution, String> {
        let (d, keys): (Option<Distribution>, &[&str]) = match w.dist.as_str() {
            "constant" => (w.value.map(Distribution::Constant), &["value"]),
            "uniform" => (w.min.zip(w.max).map(|(min, max)| Distribution::Uniform { min, max }), &["min", "max"]),
            "exponential" => (w.mean.map(|mean| Distribution::Exponential { mean }), &["mean"]),
            "lognormal" => (
                w.median.zip(w.sigma).map(|(median, Number(sigma))| Distribution::LogNormal { median, sigma }),
                &["median", "sigma"],
            ),
            other => {
                return Err(format!(
                    "unknown distribution `{other}`: expected `constant`, `uniform`, `exponential` or `lognormal`"
                ));
            }
        };
        let given = w.given();
        if let Some(extra) = given.iter().find(|k| !keys.contains(k)) {
            return Err(format!(
                "`{extra}` is not a parameter of the {} distribution (it takes {})",
                w.dist,
                keys.join(", ")
            ));
        }
        let d = d.ok_or_else(|| format!("the {} distribution needs {}", w.dist, keys.join(" and ")))?;
        match d {
            Distribution::Uniform { min, max } if min > max => {
                Err(format!("uniform: min ({min}) is above max ({max})"))
            }
            Distribution::Exponential { mean } if mean.nanos() == 0 => {
                Err("exponential: the mean must be positive (write a constant 0s for none)".to_owned())
            }
            Distribution::LogNormal { median, .. } if median.nanos() == 0 => {
                Err("lognormal: the median must be positive".to_owned())
            }
            Distribution::LogNormal { sigma, .. } if !(0.0..=MAX_SIGMA).contains(&sigma) => {
                Err(format!("lognormal: sigma must be from 0 to {MAX_SIGMA}, not {sigma}"))
            }
            d => Ok(d),
        }
    }
}

impl<'de> Deserialize<'de> for Distribution {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Distribution, D::Error> {
        TableSeed::<Written>(PhantomData).deserialize(d)?.try_into().map_err(de::Error::custom)
    }
}

/// A count drawn uniformly from `min..=max`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct Count {
    pub min: u32,
    pub max: u32,
}

impl Count {
    pub fn exactly(n: u32) -> Count {
        Count { min: n, max: n }
    }

    pub fn sample<R: Rng + ?Sized>(&self, rng: &mut R) -> u32 {
        rng.random_range(self.min..=self.max)
    }
}

impl<'de> Deserialize<'de> for Count {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Count, D::Error> {
        struct CountVisitor;
        impl<'de> Visitor<'de> for CountVisitor {
            type Value = Count;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a count, or a range `{ min = 1, max = 4 }`")
            }
            fn visit_i64<E: de::Error>(self, n: i64) -> Result<Count, E> {
                u32::try_from(n)
                    .map(Count::exactly)
                    .map_err(|_| E::custom(format!("a count from 0 to {}, not {n}", u32::MAX)))
            }
            fn visit_i128<E: de::Error>(self, n: i128) -> Result<Count, E> {
                Err(E::custom(format!("a count from 0 to {}, not {n}", u32::MAX)))
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Count, A::Error> {
                let (mut min, mut max) = (None, None);
                while let Some(key) = map.next_key::<String>()? {
                    let slot = match key.as_str() {
                        "min" => &mut min,
                        "max" => &mut max,
                        DATETIME_KEY => return Err(de::Error::invalid_type(de::Unexpected::Other("datetime"), &self)),
                        other => return Err(de::Error::unknown_field(other, &["min", "max"])),
                    };
                    *slot = Some(map.next_value_seed(WholeSeed::<u32>(PhantomData))?);
                }
                let min = min.ok_or_else(|| de::Error::missing_field("min"))?;
                let max = max.ok_or_else(|| de::Error::missing_field("max"))?;
                if min > max {
                    return Err(de::Error::custom(format!("min ({min}) is above max ({max})")));
                }
                Ok(Count { min, max })
            }
        }
        d.deserialize_any(CountVisitor)
    }
}

/// A probability, from 0 to 1.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
#[serde(transparent)]
pub struct Probability(f64);

impl Probability {
    pub fn new(p: f64) -> Option<Probability> {
        (0.0..=1.0).contains(&p).then_some(Probability(p))
    }

    /// Whether the event can happen at all (the probability is above 0).
    pub fn is_possible(self) -> bool {
        self.0 > 0.0
    }

    /// Whether the event happens this time.
    pub fn draw<R: Rng + ?Sized>(self, rng: &mut R) -> bool {
        rng.random_bool(self.0)
    }
}

impl<'de> Deserialize<'de> for Probability {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Probability, D::Error> {
        let p = number(d, "a probability from 0 to 1")?;
        Probability::new(p).ok_or_else(|| de::Error::custom(format!("a probability is from 0 to 1, not {p}")))
    }
}

/// `ln` and `exp` from the basic operations alone (after fdlibm, as musl
/// has them), so that their results are the same bit for bit everywhere.
mod portable {
    const LN2_HI: f64 = f64::from_bits(0x3fe6_2e42_fee0_0000);
    const LN2_LO: f64 = f64::from_bits(0x3dea_39ef_3579_3c76);

    /// The natural logarithm of a positive, normal `x`.
    pub fn ln(x: f64) -> f64 {
        const LG: [f64; 7] = [
            f64::from_bits(0x3fe5_5555_5555_5593),
            f64::from_bits(0x3fd9_9999_9997_fa04),
            f64::from_bits(0x3fd2_4924_9422_9359),
            f64::from_bits(0x3fcc_71c5_1d8e_78af),
            f64::from_bits(0x3fc7_4664_96cb_03de),
            f64::from_bits(0x3fc3_9a09_d078_c69f),
            f64::from_bits(0x3fc2_f112_df3e_5244),
        ];
        debug_assert!(x.is_normal() && x > 0.0, "ln of {x}");
        let bits = x.to_bits();
        // Reduce x to 2^k · m with m in [sqrt(2)/2, sqrt(2)).
        let hx = ((bits >> 32) as u32).wrapping_add(0x3ff0_0000 - 0x3fe6_a09e);
        let k = (hx >> 20) as i32 - 0x3ff;
        let hx = (hx & 0x000f_ffff) + 0x3fe6_a09e;
        let m = f64::from_bits((u64::from(hx) << 32) | (bits & 0xffff_ffff));
        let f = m - 1.0;
        let hfsq = 0.5 * f * f;
        let s = f / (2.0 + f);
        let z = s * s;
        let w = z * z;
        let t1 = w * (LG[1] + w * (LG[3] + w * LG[5]));
        let t2 = z * (LG[0] + w * (LG[2] + w * (LG[4] + w * LG[6])));
        let r = t2 + t1;
        let dk = f64::from(k);
        s * (hfsq + r) + dk * LN2_LO - hfsq + f + dk * LN2_HI
    }

    /// e^x, for x clamped to ±700 (beyond, any sample saturates anyway).
    pub fn exp(x: f64) -> f64 {
        const INV_LN2: f64 = f64::from_bits(0x3ff7_1547_652b_82fe);
        const P: [f64; 5] = [
            f64::from_bits(0x3fc5_5555_5555_553e),
            f64::from_bits(0xbf66_c16c_16be_bd93),
            f64::from_bits(0x3f11_566a_af25_de2c),
            f64::from_bits(0xbebb_bd41_c5d2_6bf1),
            f64::from_bits(0x3e66_3769_72be_a4d0),
        ];
        let x = x.clamp(-700.0, 700.0);
        let ax = x.abs();
        // Reduce x to k·ln2 + r with |r| ≤ ln2/2.
        let (k, hi, lo) = if ax > 0.5 * std::f64::consts::LN_2 {
            let k = if ax >= 1.5 * std::f64::consts::LN_2 {
                (INV_LN2 * x + if x < 0.0 { -0.5 } else { 0.5 }) as i32
            } else if x < 0.0 {
                -1
            } else {
                1
            };
            (k, x - f64::from(k) * LN2_HI, f64::from(k) * LN2_LO)
        } else if ax > f64::from_bits(0x3e30_0000_0000_0000) {
            (0, x, 0.0)
        } else {
            return 1.0 + x;
        };
        let r = hi - lo;
        let rr = r * r;
        let c = r - rr * (P[0] + rr * (P[1] + rr * (P[2] + rr * (P[3] + rr * P[4]))));
        let y = 1.0 + (r * c / (2.0 - c) - lo + hi);
        y * f64::from_bits(((0x3ff + k) as u64) << 52)
    }

    #[cfg(test)]
    mod tests {
        /// Distance in units in the last place.
        fn ulps(a: f64, b: f64) -> u64 {
            (a.to_bits() as i64 - b.to_bits() as i64).unsigned_abs()
        }

        #[test]
        fn ln_agrees_with_the_platform_to_an_ulp() {
            let mut x = 1e-300;
            while x < 1e300 {
                for m in [1.0, 1.1, 1.41, 1.5, 1.999, 2.5, 7.3] {
                    assert!(ulps(super::ln(x * m), (x * m).ln()) <= 1, "ln({})", x * m);
                }
                x *= 3.7;
            }
            assert_eq!(super::ln(1.0), 0.0);
        }

        #[test]
        fn exp_agrees_with_the_platform_to_an_ulp() {
            let mut x = -700.0;
            while x < 700.0 {
                assert!(ulps(super::exp(x), x.exp()) <= 1, "exp({x})");
                x += 0.0137;
            }
            assert_eq!(super::exp(0.0), 1.0);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;
    use rand_chacha::ChaCha8Rng;

    fn mean_of(d: Distribution) -> f64 {
        let mut rng = ChaCha8Rng::seed_from_u64(3);
        let n = 20_000;
        (0..n).map(|_| d.sample(&mut rng).nanos() as f64).sum::<f64>() / f64::from(n)
    }

    #[test]
    fn samples_have_the_right_centre() {
        let exp = mean_of(Distribution::Exponential { mean: SimDuration(1_000_000) });
        assert!((exp / 1e6 - 1.0).abs() < 0.03, "{exp}");
        let uni = mean_of(Distribution::Uniform { min: SimDuration(100), max: SimDuration(300) });
        assert!((uni - 200.0).abs() < 2.0, "{uni}");
        // The mean of a log-normal is median · e^(σ²/2).
        let logn = mean_of(Distribution::LogNormal { median: SimDuration(1_000_000), sigma: 0.5 });
        assert!((logn / 1e6 / 0.125f64.exp() - 1.0).abs() < 0.03, "{logn}");
    }
}
