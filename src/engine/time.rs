//! Simulated time: integer nanoseconds, so that every run adds and compares
//! times exactly and the same way on every machine.
//!
//! [`SimTime`] is an instant since the start of a run, [`SimDuration`] a span.
//! Durations are written as a decimal number and a unit (`250ns`, `10us`,
//! `1.5ms`, `3s`, `2min`, `1h`); [`SimDuration`] parses and prints that form
//! exactly, without going through floating point.

use serde::de::{self, Deserializer, Visitor};
use serde::{Deserialize, Serialize, Serializer};
use std::fmt;
use std::ops::Add;
use std::str::FromStr;

/// An instant of simulated time, in nanoseconds since the start of the run.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct SimTime(pub u64);

/// A span of simulated time, in nanoseconds.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct SimDuration(pub u64);

impl SimTime {
    /// The start of a run.
    pub const ZERO: SimTime = SimTime(0);

    /// Nanoseconds since the start.
    pub fn nanos(self) -> u64 {
        self.0
    }

    /// The time from `earlier` to `self`, zero if `earlier` is later.
    pub fn since(self, earlier: SimTime) -> SimDuration {
        SimDuration(self.0.saturating_sub(earlier.0))
    }
}

impl Add<SimDuration> for SimTime {
    type Output = SimTime;
    /// Saturates: a time past the end of representable time is the end.
    fn add(self, d: SimDuration) -> SimTime {
        SimTime(self.0.saturating_add(d.0))
    }
}

/// The units a duration may be written in, largest first, with their length
/// in nanoseconds.
const UNITS: [(&str, u64); 6] = [
    ("h", 3_600_000_000_000),
    ("min", 60_000_000_000),
    ("s", 1_000_000_000),
    ("ms", 1_000_000),
    ("us", 1_000),
    ("ns", 1),
];

impl SimDuration {
    pub const fn from_millis(n: u64) -> SimDuration {
        SimDuration(n * 1_000_000)
    }

    pub fn nanos(self) -> u64 {
        self.0
    }
}

/// Why a duration could not be read.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum DurationError {
    #[error("`{0}` is not a duration: write a number and a unit, such as \"10ms\", \"1.5s\" or \"2min\"")]
    Syntax(String),
    #[error("`{0}` has an unknown unit: use ns, us, ms, s, min or h")]
    Unit(String),
    #[error("`{0}` is not a whole number of nanoseconds")]
    Fraction(String),
    #[error("`{0}` is too long (the longest is about 584 years)")]
    Overflow(String),
}

impl FromStr for SimDuration {
    type Err = DurationError;

    /// Parses `<digits>[.<digits>]<unit>` exactly.
    fn from_str(s: &str) -> Result<SimDuration, DurationError> {
        let text = s.trim();
        let split = text.find(|c: char| !(c.is_ascii_digit() || c == '.')).unwrap_or(text.len());
        let (number, unit) = text.split_at(split);
        let (whole, fraction) = number.split_once('.').unwrap_or((number, ""));
        if whole.is_empty() || (number.contains('.') && fraction.is_empty()) || fraction.contains('.') {
            return Err(DurationError::Syntax(s.to_owned()));
        }
        let scale = UNITS.iter().find(|(name, _)| *name == unit.trim()).map(|&(_, ns)| ns).ok_or_else(|| {
            if unit.is_empty() { DurationError::Syntax(s.to_owned()) } else { DurationError::Unit(s.to_owned()) }
        })?;
        let overflow = || DurationError::Overflow(s.to_owned());
        let whole: u64 = whole.parse().map_err(|_| overflow())?;
        let mut nanos = whole.checked_mul(scale).ok_or_else(overflow)?;
        // Each fractional digit is worth a tenth of the one before it.
        let mut place = scale;
        for digit in fraction.bytes().map(|b| u64::from(b - b'0')) {
            if place % 10 != 0 && digit != 0 {
                return Err(DurationError::Fraction(s.to_owned()));
            }
            place /= 10;
            nanos = nanos.checked_add(digit * place).ok_or_else(overflow)?;
        }
        Ok(SimDuration(nanos))
    }
}

impl fmt::Display for SimDuration {
    /// The largest unit that writes the duration exactly as a whole number
    /// (`0s` for zero), so that printing and parsing round-trip.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.0 == 0 {
            return f.write_str("0s");
        }
        let (name, ns) =
            UNITS.iter().find(|(_, ns)| self.0.is_multiple_of(*ns)).expect("every duration is whole nanoseconds");
        write!(f, "{}{name}", self.0 / ns)
    }
}

impl fmt::Display for SimTime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", SimDuration(self.0))
    }
}

/// A scenario writes a duration as a string: `"10ms"`.
impl<'de> Deserialize<'de> for SimDuration {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<SimDuration, D::Error> {
        struct Text;
        impl Visitor<'_> for Text {
            type Value = SimDuration;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a duration such as \"10ms\", \"1.5s\" or \"2min\"")
            }
            fn visit_str<E: de::Error>(self, s: &str) -> Result<SimDuration, E> {
                s.parse().map_err(E::custom)
            }
        }
        d.deserialize_str(Text)
    }
}

impl Serialize for SimDuration {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_units_and_fractions_exactly() {
        let cases =
            [("250ns", 250), ("10us", 10_000), ("1.5ms", 1_500_000), ("3s", 3_000_000_000), ("2min", 120_000_000_000)];
        for (text, nanos) in cases {
            assert_eq!(text.parse::<SimDuration>(), Ok(SimDuration(nanos)), "{text}");
        }
        assert_eq!("0.000000001s".parse::<SimDuration>(), Ok(SimDuration(1)));
        assert_eq!("1h".parse::<SimDuration>(), Ok(SimDuration(3_600_000_000_000)));
    }

    #[test]
    fn rejects_what_is_not_a_duration() {
        for text in ["", "s", "10", "1.s", ".5s", "1.2.3s", "-1s", "1 parsec"] {
            assert!(text.parse::<SimDuration>().is_err(), "{text}");
        }
        assert!(matches!("1.5ns".parse::<SimDuration>(), Err(DurationError::Fraction(_))));
        assert!(matches!("10days".parse::<SimDuration>(), Err(DurationError::Unit(_))));
        assert!(matches!("99999999999h".parse::<SimDuration>(), Err(DurationError::Overflow(_))));
    }

    #[test]
    fn printing_round_trips() {
        for nanos in [0, 1, 1_000, 1_500_000, 90_000_000_000, 7_200_000_000_000, 123_456_789] {
            let d = SimDuration(nanos);
            assert_eq!(d.to_string().parse::<SimDuration>(), Ok(d));
        }
        assert_eq!(SimDuration(90_000_000_000).to_string(), "90s");
        assert_eq!(SimDuration(120_000_000_000).to_string(), "2min");
    }
}
