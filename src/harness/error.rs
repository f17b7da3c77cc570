//! What can stop a script from running on the real kernel.
//!
//! Every variant is fatal for the run: the harness kills what it started and
//! reports nothing (`procsim kernel` exits 4). An *invalid operation* of the
//! script is not an error here: it is part of the [`Report`](crate::io::report::Report).

use std::io;
use std::time::Duration;

/// Why the kernel harness could not produce a report.
#[derive(Debug, thiserror::Error)]
pub enum KernelError {
    /// This machine lacks something the harness needs (privileges, a kernel feature, Linux).
    #[error("the kernel harness cannot run here: {0}")]
    CannotRun(String),
    /// The script needs a newer version of the replay format than the harness runs.
    #[error(
        "the script is version {version} of the replay format, and the kernel harness runs version {speaks} at most"
    )]
    TooNew { version: u8, speaks: u8 },
    /// A system call of the harness itself failed.
    #[error("{call} failed: {source}")]
    Syscall {
        call: &'static str,
        #[source]
        source: io::Error,
    },
    /// A puppet could not do its part and said so before it quit.
    #[error("puppet `{label}` failed at {step}: {source}")]
    Puppet {
        label: String,
        step: &'static str,
        #[source]
        source: io::Error,
    },
    /// The kernel answered with an errno the replay format has no name for.
    #[error("the kernel returned errno {errno} ({}), which the replay format cannot report", io::Error::from_raw_os_error(*errno))]
    UnexpectedErrno { errno: i32 },
    /// Something the harness relies on did not hold: a broken puppet or a kernel that
    /// behaves in a way the harness does not understand.
    #[error("{0}")]
    Unexpected(String),
    /// The process events connector lost events, so it cannot tell how every
    /// process of the script ended.
    #[error(
        "the process events connector lost events ({0}), so it cannot tell how every process ended; \
         run again on a quieter machine, or use `--exit-status pidfd` (Linux 6.15 or later)"
    )]
    EventsLost(String),
    /// The processes did not settle: something kept running on the puppets' CPU.
    #[error("the script's processes did not settle within {0:?}")]
    Timeout(Duration),
    /// An error while performing the operation on a script line.
    #[error("line {line}: {source}")]
    AtLine {
        line: usize,
        #[source]
        source: Box<KernelError>,
    },
}

impl KernelError {
    /// The error of a failed system call of the harness, with the errno it left.
    pub(crate) fn last_os(call: &'static str) -> KernelError {
        KernelError::Syscall { call, source: io::Error::last_os_error() }
    }

    pub(crate) fn syscall(call: &'static str, source: io::Error) -> KernelError {
        KernelError::Syscall { call, source }
    }

    /// Puts the error in the context of a script line.
    pub(crate) fn at_line(self, line: usize) -> KernelError {
        KernelError::AtLine { line, source: Box::new(self) }
    }
}
