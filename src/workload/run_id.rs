//! The run id: a short name for a run's results that depends on what the run
//! simulates and nothing else.
//!
//! It is `r` and the first 16 hex digits (8 bytes) of the SHA-256 of a
//! canonical serialization of the run's inputs ([`canonical`]), so the same
//! inputs give the same id on every machine, every time, and any change to
//! them gives another: never the time, a pid, a path or a random number.
//! SHA-256 is chosen over faster hashes because every language's standard
//! library has it: the id can be recomputed from `run.csv` and the scenario
//! file with nothing but Python's `hashlib`. The `r` keeps the id a word:
//! about one hex string in 770 is all digits, or digits around one `e`,
//! which pandas and R would read as a number (`1e45…` as infinity).
//!
//! 64 bits make a collision among a million runs about as likely as one in
//! 37 million.
//!
//! What goes in, in this order, each field as its name, a space, the length
//! of its value in bytes, a newline, the value and a newline:
//!
//! 1. `format`: `procsim-run-id/1` (this serialization's version);
//! 2. `procsim`: procsim's version (the same inputs may give other results
//!    under another version);
//! 3. `scenario`: the scenario's name (its file's stem);
//! 4. `text`: the text of the scenario file, byte for byte (empty for a
//!    scenario built in code);
//! 5. `seed`: the seed in effect, in decimal;
//! 6. `semantics`: the spec the machine follows (`linux`, `gvisor-2018`, …;
//!    never `host`, which is resolved first);
//! 7. one field per parameter column of `run.csv` (the columns after
//!    `max_events_per_tick`: every parameter in effect, defaults and
//!    overrides such as `--duration` included), named `param.` and the
//!    column's name, in the order of the columns, with `run.csv`'s values.
//!
//! So the id can be checked from a run's `run.csv` and its scenario file.
//!
//! The limits a run is held to (`--max-processes`, the events budget) are
//! not inputs: they change how far a run gets, not what it computes, and
//! `run.csv`'s `status` says whether it got to the end. Every row of
//! `metrics.csv` and `events.csv` starts with the run id: it is the key that
//! joins them to `run.csv`.

use crate::workload::Scenario;
use sha2::{Digest, Sha256};
use std::fmt;

/// The version of the canonical serialization.
pub const FORMAT: &str = "procsim-run-id/1";

/// A run's id: `r` and 16 lowercase hex digits.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct RunId([u8; 8]);

impl RunId {
    /// The id of a run of `scenario` (whose `host` semantics is resolved).
    pub fn of(scenario: &Scenario) -> RunId {
        let digest = Sha256::digest(canonical(scenario));
        RunId(digest[..8].try_into().expect("SHA-256 has 32 bytes"))
    }
}

impl fmt::Display for RunId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("r")?;
        self.0.iter().try_for_each(|b| write!(f, "{b:02x}"))
    }
}

/// The bytes the run id is the hash of (see the module's documentation).
pub fn canonical(scenario: &Scenario) -> Vec<u8> {
    let mut out = Vec::new();
    let mut field = |name: &str, value: &str| {
        out.extend_from_slice(format!("{name} {}\n", value.len()).as_bytes());
        out.extend_from_slice(value.as_bytes());
        out.push(b'\n');
    };
    field("format", FORMAT);
    field("procsim", env!("CARGO_PKG_VERSION"));
    field("scenario", &scenario.name);
    field("text", &scenario.source);
    field("seed", &scenario.seed.to_string());
    field("semantics", &scenario.spec().to_string());
    for (key, value) in scenario.parameters() {
        field(&format!("param.{key}"), &value);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const TEXT: &str = "seed = 3\nduration = \"1s\"\ntick = \"10ms\"\n[shells]\ninitial = 2\n";

    #[test]
    fn the_canonical_form_is_length_prefixed_fields() {
        let scenario = Scenario::parse("x.toml", TEXT).unwrap();
        let text = String::from_utf8(canonical(&scenario)).unwrap();
        assert!(text.starts_with("format 16\nprocsim-run-id/1\nprocsim "), "{text}");
        assert!(text.contains(&format!("\ntext {}\n{TEXT}\n", TEXT.len())));
        assert!(text.contains("\nseed 1\n3\nsemantics 5\nlinux\n"));
        assert!(text.contains("\nparam.shells.initial 1\n2\n"));
        let id = RunId::of(&scenario).to_string();
        assert!(id.len() == 17 && id.starts_with('r'), "{id}");
    }
}
