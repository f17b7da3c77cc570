//! The closing table of `procsim compare` over many scripts: how many
//! differences each decision explains, in how many scripts, and where it was
//! first seen.
//!
//! The table counts by [`Decision`], not by number: a kernel variant is
//! documented by a rule of the reference semantics (§9), whose number could
//! collide with a row of the seed's table (§6.3), and it must never be
//! counted as one. Seed rows come first, in row order, then the variants.

use super::Comparison;
use crate::semantics::Decision;
use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

/// What one decision explains over the comparisons summed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Tally {
    /// Differences it explains (alone or with others).
    pub differences: usize,
    /// Scripts with at least one of them.
    pub scripts: usize,
    /// The first: script, line and field.
    pub first: String,
}

/// Counts of differences by decision over many comparisons.
#[derive(Debug, Default)]
pub struct Summary {
    tallies: BTreeMap<Decision, Tally>,
    scripts: usize,
    diverging: usize,
}

impl Summary {
    /// Adds the comparison of the script called `name`.
    pub fn add(&mut self, name: &str, comparison: &Comparison) {
        self.scripts += 1;
        self.diverging += usize::from(!comparison.differences.is_empty());
        let mut seen = BTreeSet::new();
        for d in &comparison.differences {
            for &decision in d.explanation.decisions() {
                let tally = self.tallies.entry(decision).or_insert_with(|| Tally {
                    differences: 0,
                    scripts: 0,
                    first: format!("{name} {} {}", comparison.line_name(d.key.line), d.key.field),
                });
                tally.differences += 1;
                if seen.insert(decision) {
                    tally.scripts += 1;
                }
            }
        }
    }

    /// Each decision that explained a difference, with its tally: seed rows
    /// in row order, then kernel variants.
    pub fn tallies(&self) -> impl Iterator<Item = (Decision, &Tally)> {
        self.tallies.iter().map(|(&decision, tally)| (decision, tally))
    }
}

impl fmt::Display for Summary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "== summary: {} of {} scripts diverge", self.diverging, self.scripts)?;
        let names: Vec<(String, &Tally)> = self.tallies().map(|(d, tally)| (d.to_string(), tally)).collect();
        let width = names.iter().map(|(name, _)| name.len()).chain(["decision".len()]).max().unwrap_or_default();
        writeln!(f, "{:<width$} {:>11} {:>8}  first occurrence", "decision", "differences", "scripts")?;
        for (name, Tally { differences, scripts, first }) in names {
            writeln!(f, "{name:<width$} {differences:>11} {scripts:>8}  {first}")?;
        }
        Ok(())
    }
}
