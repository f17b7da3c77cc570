//! A login's terminal (`[shells.terminal]`): the pseudo-terminal that sshd
//! makes for each session, through which its shell does job control as
//! bash does.
//!
//! Without it, the shells model plays the terminal from outside the
//! machine: ^Z is a SIGTSTP that appears in a job's group, and a dropped
//! connection a SIGHUP that appears in the shell. The kernel's own terminal
//! paths then never run. With a terminal they do (semantics §11):
//!
//! * the login acquires the terminal right after setsid (TIOCSCTTY, rule
//!   45), and ignores SIGTSTP, SIGTTIN and SIGTTOU, as an interactive shell
//!   does: its group is orphaned (its parent, init, is in another session),
//!   so without ignoring SIGTTOU it could not take back a terminal it gave
//!   away (rule 50);
//! * a job's processes set those three signals back to their defaults
//!   before they exec (bash's `default_tty_job_signals`), or ^Z and the
//!   job-control check could not stop them;
//! * a foreground job gets the terminal by tcsetpgrp (rule 51), and the
//!   shell takes it back the same way once the job has ended or stopped;
//!   `fg` is tcsetpgrp then SIGCONT, `bg` SIGCONT alone;
//! * ^Z is a key typed on the terminal: SIGTSTP to its foreground group
//!   (rule 55);
//! * a job started in the background may read the terminal, as a program
//!   asking a question does: the job-control check stops its whole group
//!   with SIGTTIN (rule 50), and its read is pending until the group is
//!   continued (rule 52). A later `fg` gives it the terminal and the read
//!   goes through; `bg` continues it in the background, where the read
//!   stops it again;
//! * `exit` by the session leader sends SIGHUP to the terminal's foreground
//!   group and frees the terminal (rule 56); sshd then closes the master. A
//!   dropped connection (`shells.hangup`) closes the master while the shell
//!   is still there: the terminal hangs up, and the shell gets SIGHUP and
//!   SIGCONT (rule 57), of which it dies; as it exits, the group that had
//!   the foreground gets SIGHUP and SIGCONT too (rule 56);
//! * a process that has lost its terminal with its session gets ENXIO
//!   when it reads (rule 49).
//!
//! A scenario that leaves the table out has no terminals: its shells make
//! none of these calls and draw nothing more from their stream, and its
//! `run.csv` has no terminal columns, so its tables and run id are those it
//! had before terminals existed.

use crate::engine::SimDuration;
use crate::model::{Disposition, Signal};
use crate::workload::Prelude;
use crate::workload::distribution::{Distribution, Probability};
use serde::{Deserialize, Serialize};

/// The `[shells.terminal]` table: each login gets a terminal.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default, expecting = "a table")]
pub struct TerminalParams {
    /// A job started in the background (`&`) reads the terminal …
    pub read_in_background: Probability,
    /// … once it has done this much of its work (no read if its work is
    /// shorter).
    pub read_after: Distribution,
}

impl Default for TerminalParams {
    fn default() -> Self {
        TerminalParams {
            read_in_background: Probability::new(0.3).expect("a probability"),
            read_after: Distribution::Exponential { mean: SimDuration::from_millis(1_000) },
        }
    }
}

/// A login with a terminal: SIGCHLD back to its default, a new session, the
/// terminal acquired, and the job-control signals ignored.
pub const LOGIN: &[Prelude] = &[
    Prelude::DEFAULT_CHLD,
    Prelude::Setsid,
    Prelude::Tiocsctty,
    Prelude::Sigaction(Signal::Tstp, Disposition::Ignore),
    Prelude::Sigaction(Signal::Ttin, Disposition::Ignore),
    Prelude::Sigaction(Signal::Ttou, Disposition::Ignore),
];

/// What a job's process of a shell with a terminal does before it execs: it
/// takes the job-control signals back to their defaults (the shell's SIG_IGN
/// would survive the exec), then, under `nohup`, ignores SIGHUP.
pub fn job_prelude(nohup: bool) -> &'static [Prelude] {
    const TSTP: Prelude = Prelude::Sigaction(Signal::Tstp, Disposition::Default);
    const TTIN: Prelude = Prelude::Sigaction(Signal::Ttin, Disposition::Default);
    const TTOU: Prelude = Prelude::Sigaction(Signal::Ttou, Disposition::Default);
    if nohup {
        &[TSTP, TTIN, TTOU, Prelude::Sigaction(Signal::Hup, Disposition::Ignore), Prelude::Exec]
    } else {
        &[TSTP, TTIN, TTOU, Prelude::Exec]
    }
}
