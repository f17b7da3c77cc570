//! Kernel variants: Linux kernels that people run and that differ from
//! mainline in a way the reference semantics documents (`docs/semantics.md`,
//! "Kernel variants").
//!
//! "Linux" is a family. A vendor kernel can carry a patch that changes a
//! job-control decision, and a simulator that claims to be checked against
//! the kernel it runs on must be able to say which member of the family it
//! follows. A variant is named in a semantics spec after `linux+`
//! (`linux+orphan-hup-stopped-only`); `procsim probe` finds the variants the
//! running kernel shows.

/// One known way in which a Linux kernel differs from mainline.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Variant {
    /// The orphaned-group pair (`kill_orphaned_pgrp`) sends SIGHUP only to
    /// the members whose process is stopped; SIGCONT still goes to every
    /// member (rule 38). Mainline and POSIX send both to every member.
    OrphanHupStoppedOnly,
}

impl Variant {
    /// Every variant, in the canonical order of a spec.
    pub const ALL: [Variant; 1] = [Variant::OrphanHupStoppedOnly];

    /// Its name in a spec.
    pub fn name(self) -> &'static str {
        match self {
            Variant::OrphanHupStoppedOnly => "orphan-hup-stopped-only",
        }
    }

    /// The variant with this name.
    pub fn named(name: &str) -> Option<Variant> {
        Variant::ALL.into_iter().find(|v| v.name() == name)
    }

    /// The rule of the reference semantics that documents it.
    pub fn rule(self) -> u8 {
        match self {
            Variant::OrphanHupStoppedOnly => 38,
        }
    }

    /// What the variant does, in a line.
    pub fn describe(self) -> &'static str {
        match self {
            Variant::OrphanHupStoppedOnly => "the orphaned-group SIGHUP reaches only the stopped members",
        }
    }

    pub(super) fn bit(self) -> u32 {
        1 << self as u32
    }
}
