//! The probe scripts: short replay scripts whose reports tell the members of
//! the Linux family apart.
//!
//! Each kernel variant has a script on which the simulator's report with the
//! variant differs from its report without it (a unit test keeps it so), and
//! the baseline script is the replay format's example, which every known
//! Linux answers the same way: a kernel that fails it differs from all of
//! them in some way nobody has named yet.

use crate::semantics::Variant;

/// A probe script.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ProbeScript {
    /// Its name: `baseline`, or the name of the variant it shows.
    pub name: &'static str,
    /// The variant it shows (none for the baseline).
    pub shows: Option<Variant>,
    pub text: &'static str,
}

/// The replay format's example: a shell dies leaving a stopped job, whose
/// group is sent SIGHUP and SIGCONT and dies of the SIGHUP.
const BASELINE: &str = "\
# The replay format's example: every known Linux gives the same report.
fork init sh
setsid sh
fork sh job
dispose job HUP default
setpgid sh job 0
signal - STOP job
exit sh
";

/// A group orphaned by its shell's exit with one stopped member (`job`) and
/// one running member (`k`), both catching SIGHUP and SIGCONT (inherited
/// from `init`): mainline sends both signals to both, the variant SIGHUP to
/// `job` only.
const ORPHAN_HUP_STOPPED_ONLY: &str = "\
# Whom the orphaned-group SIGHUP reaches: every member (mainline) or only
# the stopped ones (orphan-hup-stopped-only, rule 38).
fork init sh
setsid sh
fork sh job
setpgid sh job 0
fork job k
signal - STOP job
exit sh
";

/// Every probe script: the baseline, then one per variant.
pub const SCRIPTS: [ProbeScript; 1 + Variant::ALL.len()] = [
    ProbeScript { name: "baseline", shows: None, text: BASELINE },
    ProbeScript {
        name: "orphan-hup-stopped-only",
        shows: Some(Variant::OrphanHupStoppedOnly),
        text: ORPHAN_HUP_STOPPED_ONLY,
    },
];
