//! The canonical replay report: what `procsim replay` and `procsim kernel` print.
//!
//! Both the simulator and the kernel harness fill in a [`Report`]; its `Display`
//! is the byte-exact text of the replay format, so the two can be diffed.

use crate::io::script::{Label, Script, Tty};
pub use crate::model::ExitStatus;
use crate::model::{Errno, Signal};
use std::fmt::{self, Write};

/// The result of one operation.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Outcome {
    Ok,
    /// `reap` of a child that has not exited yet (waitpid returned 0).
    Busy,
    Err(Errno),
    /// Version 3: the call made its process stop before it returned.
    Stopped,
}

impl fmt::Display for Outcome {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Outcome::Ok => f.write_str("ok"),
            Outcome::Busy => f.write_str("busy"),
            Outcome::Stopped => f.write_str("stopped"),
            Outcome::Err(e) => write!(f, "{e}"),
        }
    }
}

/// Why an operation's actor could not act (the script stops there, exit 3).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Invalid {
    Stopped,
    Zombie,
    Gone,
    /// The operation would end `init`.
    Init,
    /// Version 3: a namespace init's job-control check would restart its
    /// call for ever (rule 58); predicted, never run.
    Livelock,
}

impl fmt::Display for Invalid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Invalid::Stopped => "stopped",
            Invalid::Zombie => "zombie",
            Invalid::Gone => "gone",
            Invalid::Init => "init",
            Invalid::Livelock => "livelock",
        })
    }
}

/// A process's state at the end of a script.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ProcState {
    Running,
    Stopped,
    Zombie,
}

/// One line of the state section: `proc`, or (version 2) `thread`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ProcLine {
    /// A process that still exists (running, stopped or zombie).
    Present {
        label: Label,
        state: ProcState,
        /// `None` for `init` (its parent is outside the script).
        parent: Option<Label>,
        pgrp: Label,
        sid: Label,
        /// getpid, getpgid(0), getsid(0) as the process sees them.
        ns: [u32; 3],
        /// Version 3: its controlling terminal's label (rendered only in a
        /// version-3 report).
        ctty: Option<Label>,
        caught: Vec<Signal>,
        /// For zombies.
        exit: Option<ExitStatus>,
    },
    /// A reaped process.
    Gone { label: Label, exit: ExitStatus },
    /// Version 2: a live thread that does not lead its process.
    Thread {
        label: Label,
        /// Running or stopped.
        state: ProcState,
        /// The label leading its process now.
        leader: Label,
        /// Its tid as its own namespace sees it (gettid()).
        tid: u32,
        caught: Vec<Signal>,
    },
    /// Version 2: a task that ended while not leading its process, or a
    /// leader replaced by another thread's `exec`.
    ThreadGone { label: Label },
    /// Version 3: a terminal.
    Tty {
        label: Tty,
        /// The label of its session's leader.
        session: Option<Label>,
        /// The label of the task whose pid is its foreground group's number.
        fg: Option<Label>,
        hung_up: bool,
    },
}

/// A whole report.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Report {
    /// `(line number, outcome)` of every operation performed.
    pub outcomes: Vec<(usize, Outcome)>,
    /// The operation that stopped the script, if any.
    pub invalid: Option<(usize, Invalid)>,
    /// One line per created label, in creation order (terminals included).
    pub procs: Vec<ProcLine>,
}

/// Which report lines count when two reports are compared.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Level {
    /// Identical after `CHLD` is removed from every `caught=` list.
    #[default]
    Core,
    /// Identical byte for byte.
    Strict,
}

impl Report {
    /// The exit code of `procsim replay`/`procsim kernel` for this report.
    pub fn exit_code(&self) -> i32 {
        if self.invalid.is_some() { 3 } else { 0 }
    }

    /// Renders the report with the script's label names.
    pub fn render(&self, script: &Script) -> String {
        let mut out = String::new();
        for (line, outcome) in &self.outcomes {
            let _ = writeln!(out, "{line}: {outcome}");
        }
        if let Some((line, why)) = self.invalid {
            let _ = writeln!(out, "{line}: invalid {why}");
        }
        out.push_str("== state\n");
        let terminals = script.version() >= 3;
        let name = |label: Option<Label>| label.map_or("-", |l| script.name(l));
        let caught = |caught: &[Signal]| {
            if caught.is_empty() {
                "-".to_owned()
            } else {
                caught.iter().map(|s| s.name()).collect::<Vec<_>>().join(",")
            }
        };
        let state = |state: &ProcState| match state {
            ProcState::Running => "running",
            ProcState::Stopped => "stopped",
            ProcState::Zombie => "zombie",
        };
        for proc in &self.procs {
            match proc {
                ProcLine::Present { label, state: s, parent, pgrp, sid, ns, ctty, caught: c, exit } => {
                    let _ = write!(
                        out,
                        "proc {} {} parent={} pgrp={} sid={} ns={}/{}/{} ",
                        script.name(*label),
                        state(s),
                        name(*parent),
                        script.name(*pgrp),
                        script.name(*sid),
                        ns[0],
                        ns[1],
                        ns[2],
                    );
                    if terminals {
                        let _ = write!(out, "ctty={} ", name(*ctty));
                    }
                    let _ = write!(out, "caught={}", caught(c));
                    if let Some(exit) = exit {
                        let _ = write!(out, " exit={exit}");
                    }
                    out.push('\n');
                }
                ProcLine::Gone { label, exit } => {
                    let _ = writeln!(out, "proc {} gone exit={exit}", script.name(*label));
                }
                ProcLine::Thread { label, state: s, leader, tid, caught: c } => {
                    let _ = writeln!(
                        out,
                        "thread {} {} leader={} tid={tid} caught={}",
                        script.name(*label),
                        state(s),
                        script.name(*leader),
                        caught(c)
                    );
                }
                ProcLine::ThreadGone { label } => {
                    let _ = writeln!(out, "thread {} gone", script.name(*label));
                }
                ProcLine::Tty { label, session, fg, hung_up } => {
                    let hung_up = if *hung_up { " hung-up" } else { "" };
                    let _ = writeln!(
                        out,
                        "tty {} session={} fg={}{hung_up}",
                        script.name(label.0),
                        name(*session),
                        name(*fg)
                    );
                }
            }
        }
        out
    }
}

impl fmt::Display for Level {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Level::Core => "core",
            Level::Strict => "strict",
        })
    }
}

impl std::str::FromStr for Level {
    type Err = String;

    fn from_str(text: &str) -> Result<Level, String> {
        match text {
            "core" => Ok(Level::Core),
            "strict" => Ok(Level::Strict),
            _ => Err(format!("unknown level `{text}`: expected `core` or `strict`")),
        }
    }
}

impl Level {
    /// A rendered report as this level compares it: at the core level, `CHLD`
    /// is removed from every `caught=` list, `proc` and `thread` lines alike
    /// (a list left empty reads `-`).
    pub fn normalize(self, report: &str) -> String {
        if self == Level::Strict {
            return report.to_owned();
        }
        let mut out = String::with_capacity(report.len());
        for line in report.lines() {
            let words: Vec<String> = line
                .split(' ')
                .map(|word| match word.strip_prefix("caught=") {
                    Some(list) if line.starts_with("proc ") || line.starts_with("thread ") => {
                        let kept: Vec<&str> = list.split(',').filter(|s| *s != "CHLD" && *s != "-").collect();
                        format!("caught={}", if kept.is_empty() { "-".to_owned() } else { kept.join(",") })
                    }
                    _ => word.to_owned(),
                })
                .collect();
            out.push_str(&words.join(" "));
            out.push('\n');
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_core_level_drops_chld_from_proc_and_thread_lines() {
        let report = "1: ok\n== state\nproc p running parent=init pgrp=init sid=init ns=2/1/1 caught=CHLD,HUP\n\
                      thread t running leader=p tid=3 caught=CHLD\nthread u gone\n";
        assert_eq!(
            Level::Core.normalize(report),
            "1: ok\n== state\nproc p running parent=init pgrp=init sid=init ns=2/1/1 caught=HUP\n\
             thread t running leader=p tid=3 caught=-\nthread u gone\n"
        );
        assert_eq!(Level::Strict.normalize(report), report);
    }
}
