//! Semantics profiles: whose rules the machine follows — mainline Linux's,
//! a Linux kernel that differs from mainline in a known way, or those of
//! gVisor's 2018 "seed" (`pkg/sentry/kernel/sessions.go` and the files
//! around it at its first check-in).
//!
//! The model is the same under every profile; a profile only changes some
//! [`Decision`]s. There are two kinds:
//!
//! * a seed [`Rule`], one per row of the table of differences in the
//!   reference semantics (§6.3), where the seed decides differently from
//!   Linux. Every place in the code where one decides asks
//!   [`Semantics::seed`]; what the seed keeps beside the Linux state is kept
//!   only while some seed rule is in force ([`Semantics::has_seed_rules`]);
//! * a kernel [`Variant`]: a Linux kernel people run that is not mainline
//!   (a vendor patch, say). A variant changes one decision inside a Linux
//!   path and keeps none of the seed's state; the decision point asks
//!   [`Semantics::variant`].
//!
//! A [`Semantics`] is the set of decisions in force: none for mainline Linux,
//! every rule for `gvisor-2018`. Users name one with a [`Spec`]
//! (`linux+orphan-hup-stopped-only`), or ask for `host`, the variant the
//! running kernel shows ([`Requested`]; `procsim probe` finds it).
//!
//! Any set of decisions is a well-defined machine too: with one left out,
//! that decision is taken the mainline way. `procsim compare` uses this to
//! tell which decision explains a difference (see [`crate::compare`]).
//!
//! Rows of §6.3 with no rule here: 11 (no terminal is modelled), 26 (every
//! sender may signal every process, so no EPERM arises), 28 (no synchronous
//! signal is modelled, so Linux's dequeue order is the seed's: lowest first)
//! and 29 (the seed translates ids exactly as Linux does).

mod rule;
mod spec;
mod variant;

pub use rule::{Rule, SEED_TASKS_LIMIT};
pub use spec::{Base, Requested, Spec, SpecError};
pub use variant::Variant;

use std::fmt;

/// The decisions in force, read at every decision point.
/// The low 32 bits are seed rules, the high 32 kernel variants.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct Semantics(u64);

impl Semantics {
    /// Mainline Linux: no seed rule, no variant.
    pub const LINUX: Semantics = Semantics(0);

    /// Every seed rule: gVisor's 2018 seed.
    pub fn gvisor_2018() -> Semantics {
        Semantics::of(Rule::ALL)
    }

    /// Exactly these seed rules, and no variant.
    pub fn of(rules: impl IntoIterator<Item = Rule>) -> Semantics {
        rules.into_iter().fold(Semantics::LINUX, Semantics::with)
    }

    /// Whether the seed's `rule` decides.
    pub fn seed(self, rule: Rule) -> bool {
        self.holds(Decision::Seed(rule))
    }

    /// Whether the kernel variant `variant` decides.
    pub fn variant(self, variant: Variant) -> bool {
        self.holds(Decision::Variant(variant))
    }

    /// Whether `decision` is in force.
    pub fn holds(self, decision: Decision) -> bool {
        self.0 & decision.bit() != 0
    }

    /// Whether any seed rule is in force. Then the seed's extra state (its
    /// `ancestors` counts, its id index) is kept; kernel variants keep none.
    pub fn has_seed_rules(self) -> bool {
        self.0 as u32 != 0
    }

    /// These decisions, and `decision` too.
    pub fn with(self, decision: impl Into<Decision>) -> Semantics {
        Semantics(self.0 | decision.into().bit())
    }

    /// These decisions, but not `decision`.
    pub fn without(self, decision: impl Into<Decision>) -> Semantics {
        Semantics(self.0 & !decision.into().bit())
    }

    /// These decisions with `decision` switched: added if absent, removed if
    /// present.
    pub fn toggled(self, decision: Decision) -> Semantics {
        Semantics(self.0 ^ decision.bit())
    }

    /// The seed rules in force, in row order.
    pub fn rules(self) -> impl Iterator<Item = Rule> {
        Rule::ALL.into_iter().filter(move |&r| self.seed(r))
    }

    /// The decisions in force: seed rules in row order, then variants.
    pub fn decisions(self) -> impl Iterator<Item = Decision> {
        Decision::all().filter(move |&d| self.holds(d))
    }

    /// The decisions in force in one of `self` and `other` but not both.
    pub fn differences(self, other: Semantics) -> Vec<Decision> {
        Semantics(self.0 ^ other.0).decisions().collect()
    }
}

/// One place where semantics can part: a seed rule or a kernel variant.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Decision {
    Seed(Rule),
    Variant(Variant),
}

impl Decision {
    /// Every decision: seed rules in row order, then variants.
    pub fn all() -> impl Iterator<Item = Decision> {
        Rule::ALL.into_iter().map(Decision::Seed).chain(Variant::ALL.into_iter().map(Decision::Variant))
    }

    fn bit(self) -> u64 {
        match self {
            Decision::Seed(rule) => u64::from(rule.bit()),
            Decision::Variant(variant) => u64::from(variant.bit()) << 32,
        }
    }

    /// What the decision does, in a line.
    pub fn describe(self) -> &'static str {
        match self {
            Decision::Seed(rule) => rule.describe(),
            Decision::Variant(variant) => variant.describe(),
        }
    }

    /// Where it comes from: the seed's function, or the rule of the
    /// reference semantics that documents the variant.
    pub fn source(self) -> String {
        match self {
            Decision::Seed(rule) => rule.seed_source().to_owned(),
            Decision::Variant(variant) => format!("semantics rule {}", variant.rule()),
        }
    }
}

impl From<Rule> for Decision {
    fn from(rule: Rule) -> Decision {
        Decision::Seed(rule)
    }
}

impl From<Variant> for Decision {
    fn from(variant: Variant) -> Decision {
        Decision::Variant(variant)
    }
}

impl fmt::Display for Decision {
    /// `row 5`, or `variant orphan-hup-stopped-only`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Decision::Seed(rule) => write!(f, "row {}", rule.row()),
            Decision::Variant(variant) => write!(f, "variant {}", variant.name()),
        }
    }
}
