//! The exit codes of `procsim`, one enum for every command (as ripgrep
//! has), so that a code means the same thing whatever printed it. The README
//! lists them; scripts and CI branch on them.

use std::fmt::Display;
use std::io::Write;
use std::process::ExitCode;

/// How a command ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Exit {
    /// 0: it did what was asked.
    Success,
    /// 1: a comparison failed (conform), or the kernel is no known Linux
    /// (probe, `--semantics host`).
    Mismatch,
    /// 2: bad input: a parse error, an unreadable file, a bad argument.
    BadInput,
    /// 3: a replay script's operation was invalid at run time.
    InvalidOperation,
    /// 4: the kernel harness cannot run here.
    NoHarness,
    /// 5: the results could not be written.
    CannotWrite,
    /// 6: a run stopped before it outgrew the machine, or because a tick
    /// would carry more events than its budget; its results so far are
    /// written.
    Outgrown,
    /// 7: a measurement of `procsim bench` failed.
    MeasurementFailed,
    /// 8: a run of a sweep failed (the others went on; its row says why).
    RunsFailed,
    /// 130 (128 + SIGINT): a run stopped on SIGINT; its results so far are
    /// written.
    Interrupted,
    /// 143 (128 + SIGTERM): a run stopped on SIGTERM; its results so far are
    /// written.
    Terminated,
    /// 0: stdout was closed by its reader (`procsim … | head -1`): the
    /// command stopped there, quietly ([`super::output`] says why 0).
    Closed,
}

impl Exit {
    pub fn code(self) -> u8 {
        match self {
            Exit::Success => 0,
            Exit::Mismatch => 1,
            Exit::BadInput => 2,
            Exit::InvalidOperation => 3,
            Exit::NoHarness => 4,
            Exit::CannotWrite => 5,
            Exit::Outgrown => 6,
            Exit::MeasurementFailed => 7,
            Exit::RunsFailed => 8,
            Exit::Interrupted => 130,
            Exit::Terminated => 143,
            Exit::Closed => 0,
        }
    }

    /// Prints `error: MESSAGE` on stderr and gives this exit. (A stderr
    /// that cannot be written leaves no one to tell: the exit code still
    /// says it.)
    pub fn error(self, message: impl Display) -> Exit {
        let _ = writeln!(std::io::stderr(), "error: {message}");
        self
    }
}

/// A sweep asked of what cannot be: said on stderr, and exit 2.
impl From<procsim::sweep::SweepError> for Exit {
    fn from(error: procsim::sweep::SweepError) -> Exit {
        Exit::BadInput.error(error)
    }
}

impl From<Exit> for ExitCode {
    fn from(exit: Exit) -> ExitCode {
        ExitCode::from(exit.code())
    }
}

/// What a command's steps return: a value, or the exit that ends the
/// command (its message already printed).
pub type Outcome<T = Exit> = Result<T, Exit>;
