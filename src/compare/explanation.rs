//! Why a field differs between two profiles: the decisions that cause it,
//! found by the experiments of the module docs of [`crate::compare`] (leave
//! one out, add one in, shrink).
//!
//! An explanation names [`Decision`]s, never bare row numbers, so that a
//! kernel variant (documented by a rule of the reference semantics, §9) can
//! never be read as the row of the seed's table (§6.3) with the same number.

use super::{Key, Runs};
use crate::semantics::{Decision, Semantics};
use std::fmt;

/// Why the field under `against` differs from the base's.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Explanation {
    /// Each of these decisions is needed: with any one of them taken the
    /// base's way, the field is the base's.
    Needs(Vec<Decision>),
    /// No decision is needed, but each of these alone makes the difference.
    AnyOf(Vec<Decision>),
    /// None is needed and none is enough alone; these make it together, and
    /// each is needed among them.
    Together(Vec<Decision>),
}

impl Explanation {
    /// The decisions named: seed rows in row order, then kernel variants.
    pub fn decisions(&self) -> &[Decision] {
        match self {
            Explanation::Needs(decisions) | Explanation::AnyOf(decisions) | Explanation::Together(decisions) => {
                decisions
            }
        }
    }

    /// The seed rows named (a kernel variant has none).
    pub fn rows(&self) -> Vec<u8> {
        self.decisions()
            .iter()
            .filter_map(|d| match d {
                Decision::Seed(rule) => Some(rule.row()),
                Decision::Variant(_) => None,
            })
            .collect()
    }
}

impl fmt::Display for Explanation {
    /// `row 5`, `rows 4+5`, `rows 3 or 19`, `variant orphan-hup-stopped-only`,
    /// `row 5 and variant orphan-hup-stopped-only`: the seed rows together,
    /// then the variants, then how they combine if there are several.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (join, between, how) = match self {
            Explanation::Needs(_) => ("+", " and ", "each needed"),
            Explanation::AnyOf(_) => (" or ", ", or ", "each enough alone"),
            Explanation::Together(_) => ("+", " and ", "together, none needed alone"),
        };
        let decisions = self.decisions();
        let mut groups: Vec<(&str, &str, Vec<String>)> = Vec::new();
        for &decision in decisions {
            let (one, several, name) = match decision {
                Decision::Seed(rule) => ("row", "rows", rule.row().to_string()),
                Decision::Variant(variant) => ("variant", "variants", variant.name().to_owned()),
            };
            match groups.last_mut() {
                Some((kind, _, names)) if *kind == one => names.push(name),
                _ => groups.push((one, several, vec![name])),
            }
        }
        let groups: Vec<String> = groups
            .into_iter()
            .map(|(one, several, names)| {
                format!("{} {}", if names.len() == 1 { one } else { several }, names.join(join))
            })
            .collect();
        f.write_str(&groups.join(between))?;
        if decisions.len() > 1 || matches!(self, Explanation::Together(_)) {
            write!(f, " ({how})")?;
        }
        Ok(())
    }
}

/// The explanation of the difference at `key` between the base profile of
/// `runs`, where the field is `base_value`, and `against`, where it is
/// `against_value`; see the module docs of [`crate::compare`].
pub(super) fn explain(
    runs: &mut Runs,
    against: Semantics,
    key: Key,
    base_value: &Option<String>,
    against_value: &Option<String>,
) -> Explanation {
    let base = runs.base;
    let decisions = base.differences(against);
    let against_fields = runs.differing(against, key.line);
    let needed: Vec<Decision> = decisions
        .iter()
        .copied()
        .filter(|&d| {
            let switched_back = against.toggled(d);
            runs.value(switched_back, key) == *base_value
                && runs.differing(switched_back, key.line).is_subset(&against_fields)
        })
        .collect();
    if !needed.is_empty() {
        return Explanation::Needs(needed);
    }
    let alone: Vec<(Decision, Option<String>)> =
        decisions.iter().map(|&d| (d, runs.value(base.toggled(d), key))).collect();
    // Alone giving `against`'s value first; else alone making any difference.
    for exact in [true, false] {
        let enough: Vec<Decision> = alone
            .iter()
            .filter(|(_, v)| if exact { v == against_value } else { v != base_value })
            .map(|&(d, _)| d)
            .collect();
        if !enough.is_empty() {
            return Explanation::AnyOf(enough);
        }
    }
    let mut kept = against;
    for &decision in &decisions {
        if runs.value(kept.toggled(decision), key) != *base_value {
            kept = kept.toggled(decision);
        }
    }
    Explanation::Together(base.differences(kept))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::semantics::{Rule, Variant};

    #[test]
    fn mixed_lists_name_rows_then_variants() {
        let row = |rule: Rule| Decision::Seed(rule);
        let variant = Decision::Variant(Variant::OrphanHupStoppedOnly);
        let cases = [
            (Explanation::Needs(vec![row(Rule::ReparentUnseen)]), "row 5"),
            (
                Explanation::Needs(vec![row(Rule::OrphanCheckOnGroupChange), row(Rule::ReparentUnseen)]),
                "rows 4+5 (each needed)",
            ),
            (Explanation::Needs(vec![variant]), "variant orphan-hup-stopped-only"),
            (
                Explanation::AnyOf(vec![row(Rule::UnlistedLeftGroup), row(Rule::ScanSkipsForeignSessions), variant]),
                "rows 3 or 19, or variant orphan-hup-stopped-only (each enough alone)",
            ),
            (
                Explanation::Together(vec![row(Rule::ReparentUnseen), variant]),
                "row 5 and variant orphan-hup-stopped-only (together, none needed alone)",
            ),
        ];
        for (explanation, text) in cases {
            assert_eq!(explanation.to_string(), text);
        }
        assert_eq!(Explanation::Together(vec![row(Rule::ReparentUnseen), variant]).rows(), [5]);
    }
}
