//! What a sample of runs says about one figure: its size, mean, standard
//! deviation, a 95% confidence interval for the mean, and its range.
//!
//! The interval is Student's t: mean ± t(0.975, n − 1) · s / √n, where s
//! is the sample standard deviation (with n − 1 in its denominator) and the
//! quantile comes from `statrs`. It assumes the runs are independent draws
//! — they are: each seed gives every model its own random streams — and
//! that the mean is near normally distributed, which holds better the more
//! seeds there are. With one run there is no spread: the standard
//! deviation and the interval are absent, and with none the mean, minimum
//! and maximum are too.
//!
//! Values are written to 9 significant digits: the last bits of a quantile
//! may differ between two machines' maths libraries, and a sweep's summary
//! must be the same wherever it is computed (by one machine, or by
//! `procsim merge` from a cluster's shards).

use statrs::distribution::{ContinuousCDF, StudentsT};

/// The confidence of the interval.
pub const CONFIDENCE: f64 = 0.95;

/// The statistics of one figure over a sample.
#[derive(Clone, Debug, PartialEq)]
pub struct Spread {
    pub n: usize,
    pub mean: Option<f64>,
    pub sd: Option<f64>,
    /// The confidence interval of the mean: low and high.
    pub ci: Option<(f64, f64)>,
    pub min: Option<f64>,
    pub max: Option<f64>,
}

impl Spread {
    /// The statistics of `sample`, summed in its order.
    pub fn of(sample: &[f64]) -> Spread {
        let n = sample.len();
        let mean = (n > 0).then(|| sample.iter().sum::<f64>() / n as f64);
        let min = sample.iter().copied().reduce(f64::min);
        let max = sample.iter().copied().reduce(f64::max);
        let sd = mean.filter(|_| n > 1).map(|mean| {
            let squares: f64 = sample.iter().map(|x| (x - mean).powi(2)).sum();
            (squares / (n - 1) as f64).sqrt()
        });
        let ci = mean.zip(sd).map(|(mean, sd)| {
            let half = t_quantile(n - 1) * sd / (n as f64).sqrt();
            (mean - half, mean + half)
        });
        Spread { n, mean, sd, ci, min, max }
    }

    /// The columns after `n`, as written: mean, sd, low, high, min, max
    /// (empty where absent).
    pub fn cells(&self) -> [String; 6] {
        let cell = |x: Option<f64>| x.map(written).unwrap_or_default();
        [
            cell(self.mean),
            cell(self.sd),
            cell(self.ci.map(|c| c.0)),
            cell(self.ci.map(|c| c.1)),
            cell(self.min),
            cell(self.max),
        ]
    }
}

/// The two-sided quantile of Student's t with `freedom` degrees of freedom
/// for [`CONFIDENCE`]: t(0.975, freedom).
pub fn t_quantile(freedom: usize) -> f64 {
    let t = StudentsT::new(0.0, 1.0, freedom as f64).expect("a positive number of degrees of freedom");
    t.inverse_cdf(1.0 - (1.0 - CONFIDENCE) / 2.0)
}

/// `x` to 9 significant digits, in the shortest form that reads back the
/// same (`12.5`, `3.21250397`, `1234567.89`).
pub fn written(x: f64) -> String {
    let rounded: f64 = format!("{x:.8e}").parse().expect("a number reads back");
    let text = format!("{rounded}");
    if text == "-0" { "0".to_owned() } else { text }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_interval_of_a_known_sample_is_students() {
        // The sample's sd is √(32/7) = 2.1380899; a t table's t(0.975, 7) is
        // 2.364624; so the half-width is 2.364624 · 2.1380899 / √8 = 1.787488
        // (R: t.test(c(2, 4, 4, 4, 5, 5, 7, 9))$conf.int).
        let s = Spread::of(&[2.0, 4.0, 4.0, 4.0, 5.0, 5.0, 7.0, 9.0]);
        assert_eq!(s.n, 8);
        assert_eq!(s.mean, Some(5.0));
        assert!((s.sd.unwrap() - 2.138_089_935).abs() < 1e-9);
        assert!((t_quantile(7) - 2.364_624_252).abs() < 1e-6);
        let (low, high) = s.ci.unwrap();
        assert!((low - 3.212_512).abs() < 1e-6 && (high - 6.787_488).abs() < 1e-6, "{low} {high}");
        assert_eq!((s.min, s.max), (Some(2.0), Some(9.0)));
        assert_eq!(s.cells(), ["5", "2.13808994", "3.21251208", "6.78748792", "2", "9"]);
        // Two runs: qt(0.975, 1) is 12.7062.
        let (low, high) = Spread::of(&[10.0, 12.0]).ci.unwrap();
        assert!((high - 11.0 - 12.706_204_736).abs() < 1e-6 && (11.0 - low - 12.706_204_736).abs() < 1e-6);
    }

    #[test]
    fn one_run_has_no_spread_and_none_has_nothing() {
        let one = Spread::of(&[7.0]);
        assert_eq!(one.cells(), ["7", "", "", "", "7", "7"]);
        assert_eq!(Spread::of(&[]).cells(), ["", "", "", "", "", ""]);
        assert_eq!(Spread::of(&[3.0, 3.0, 3.0]).cells(), ["3", "0", "3", "3", "3", "3"]);
    }

    #[test]
    fn values_are_written_to_nine_significant_digits() {
        assert_eq!(written(1.0 / 3.0), "0.333333333");
        assert_eq!(written(1234567.891234), "1234567.89");
        assert_eq!(written(-1e-20), "-0.00000000000000000001");
        assert_eq!(written(0.0), "0");
    }
}
