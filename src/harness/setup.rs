//! How the harness runs: what a caller may choose ([`Options`]), and what the
//! harness finds it does on this machine ([`HarnessInfo`]), which a caller can
//! learn without running a script.

use super::exit_status::{ExitStatusRequest, ExitStatusSource};
use std::fmt;

/// The caller's choices for a run.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Options {
    /// How to learn the exit status of processes the kernel reaps by itself.
    pub exit_status: ExitStatusRequest,
}

/// How the harness runs here.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct HarnessInfo {
    pub privilege: Privilege,
    pub exit_status: ExitStatusSource,
}

/// The right by which the harness creates `init`'s PID namespace.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Privilege {
    /// The harness runs as root and creates the PID namespace directly.
    Root,
    /// The harness creates a user namespace with the PID namespace, and maps
    /// its user to root there.
    UserNamespace,
}

impl Privilege {
    /// The privilege of the calling process.
    #[cfg(target_os = "linux")]
    pub(crate) fn here() -> Privilege {
        // SAFETY: geteuid has no preconditions.
        if unsafe { libc::geteuid() } == 0 { Privilege::Root } else { Privilege::UserNamespace }
    }

    pub fn name(self) -> &'static str {
        match self {
            Privilege::Root => "root",
            Privilege::UserNamespace => "user-namespace",
        }
    }
}

impl fmt::Display for Privilege {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}
