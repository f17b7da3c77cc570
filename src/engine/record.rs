//! What an applied event did: which operation of the machine, by whom, on
//! what, and with what result — the rows of `events.csv` and the per-kind
//! counts of `metrics.csv`.
//!
//! Every event performs at most one operation. An event whose actor has died
//! (or whose plan was overtaken, such as the end of a job that has since been
//! stopped) performs none: it is *cancelled*, counted but not recorded.

use crate::engine::time::SimTime;
use crate::model::{Errno, Signal, TtyId};

/// An operation on the machine. The discriminants are the positions in
/// [`Op::ALL`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Op {
    Fork,
    /// `clone(CLONE_NEWPID)`.
    Clone,
    Exit,
    Exec,
    Setsid,
    Setpgid,
    /// `waitpid`.
    Wait,
    Kill,
    /// A key the user types on a terminal: a signal from the terminal
    /// driver to a process group (the suspend character).
    Tty,
    Sigaction,
    /// `prctl(PR_SET_CHILD_SUBREAPER)`.
    Subreaper,
    /// `clone(CLONE_THREAD)`: a new thread.
    Thread,
    /// `SYS_exit`: one thread ends (`Exit` is `exit_group`).
    ExitThread,
    /// `tgkill`: a signal to one thread.
    Tkill,
    /// `ioctl(TIOCSCTTY)`: a session leader acquires a terminal.
    Ctty,
    /// `tcsetpgrp`: a group is given the terminal's foreground.
    Tcsetpgrp,
    /// A read from the controlling terminal.
    TtyRead,
    /// A terminal's master is closed (the connection dropped, or the
    /// session's shell is gone): the terminal is hung up.
    Hangup,
}

impl Op {
    pub const ALL: [Op; 18] = [
        Op::Fork,
        Op::Clone,
        Op::Exit,
        Op::Exec,
        Op::Setsid,
        Op::Setpgid,
        Op::Wait,
        Op::Kill,
        Op::Tty,
        Op::Sigaction,
        Op::Subreaper,
        Op::Thread,
        Op::ExitThread,
        Op::Tkill,
        Op::Ctty,
        Op::Tcsetpgrp,
        Op::TtyRead,
        Op::Hangup,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Op::Fork => "fork",
            Op::Clone => "clone",
            Op::Exit => "exit",
            Op::Exec => "exec",
            Op::Setsid => "setsid",
            Op::Setpgid => "setpgid",
            Op::Wait => "wait",
            Op::Kill => "kill",
            Op::Tty => "tty",
            Op::Sigaction => "sigaction",
            Op::Subreaper => "subreaper",
            Op::Thread => "thread",
            Op::ExitThread => "exit_thread",
            Op::Tkill => "tkill",
            Op::Ctty => "ctty",
            Op::Tcsetpgrp => "tcsetpgrp",
            Op::TtyRead => "ttyread",
            Op::Hangup => "hangup",
        }
    }
}

/// How an operation ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Status {
    Ok,
    /// `waitpid` found the child still running.
    Busy,
    Err(Errno),
    /// The actor was stopped and could not run.
    Stopped,
}

/// The kinds of failure counted per tick: each errno, then a stopped actor.
pub const ERRORS: [Status; 15] = [
    Status::Err(Errno::EPERM),
    Status::Err(Errno::ESRCH),
    Status::Err(Errno::ECHILD),
    Status::Err(Errno::EAGAIN),
    Status::Err(Errno::ENOMEM),
    Status::Err(Errno::EACCES),
    Status::Err(Errno::EINVAL),
    Status::Err(Errno::ENOSPC),
    Status::Err(Errno::ENOENT),
    Status::Err(Errno::EINTR),
    Status::Err(Errno::EIO),
    Status::Err(Errno::ENXIO),
    Status::Err(Errno::EBADF),
    Status::Err(Errno::ENOTTY),
    Status::Stopped,
];

impl Status {
    pub fn name(self) -> &'static str {
        match self {
            Status::Ok => "ok",
            Status::Busy => "busy",
            Status::Err(e) => e.name(),
            Status::Stopped => "stopped",
        }
    }

    /// Its place in [`ERRORS`], if it is a failure.
    fn error_index(self) -> Option<usize> {
        match self {
            Status::Ok | Status::Busy => None,
            failure => ERRORS.iter().position(|&e| e == failure),
        }
    }
}

/// One performed operation. Process and group numbers are as the root
/// namespace sees them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Record {
    pub time: SimTime,
    /// The event's sequence number in the queue.
    pub sequence: u64,
    pub op: Op,
    /// The acting task — a process's pid, or a thread's tid; `None` for the
    /// terminal or a sender outside.
    pub actor: Option<u32>,
    /// The task acted on: the child forked or reaped, the process moved or
    /// signalled, the thread made or signalled.
    pub target: Option<u32>,
    /// The process group acted on: the group joined, the group signalled.
    pub group: Option<u32>,
    pub signal: Option<Signal>,
    /// The terminal acted on, by a key, a hangup or TIOCSCTTY (not in
    /// `events.csv`: a replay of the stream needs it).
    pub tty: Option<TtyId>,
    pub status: Status,
}

/// How many operations of each kind the events of one tick performed.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct TickCounts {
    /// Operations performed, by [`Op`] (in the order of [`Op::ALL`]).
    pub ops: [u64; Op::ALL.len()],
    /// Failures, by kind (in the order of [`ERRORS`]).
    pub errors: [u64; ERRORS.len()],
    /// Failures, by [`Op`].
    pub failed_ops: [u64; Op::ALL.len()],
    /// Events that performed nothing.
    pub cancelled: u64,
}

impl TickCounts {
    /// Operations performed.
    pub fn performed(&self) -> u64 {
        self.ops.iter().sum()
    }

    /// Operations that failed.
    pub fn failed(&self) -> u64 {
        self.errors.iter().sum()
    }

    /// Operations of kind `op` that failed.
    pub fn failed_op(&self, op: Op) -> u64 {
        self.failed_ops[op as usize]
    }
}

/// The operations of the tick under way.
#[derive(Clone, Debug, Default)]
pub struct TickLog {
    pub counts: TickCounts,
    /// The records themselves, when they are kept.
    pub records: Vec<Record>,
    pub keep_records: bool,
}

impl TickLog {
    /// Counts (and keeps, if asked) one performed operation.
    pub fn note(&mut self, record: Record) {
        self.counts.ops[record.op as usize] += 1;
        if let Some(i) = record.status.error_index() {
            self.counts.errors[i] += 1;
            self.counts.failed_ops[record.op as usize] += 1;
        }
        if self.keep_records {
            self.records.push(record);
        }
    }

    /// The bytes the kept records' buffer takes.
    pub fn bytes(&self) -> u64 {
        (self.records.capacity() * std::mem::size_of::<Record>()) as u64
    }

    /// Clears the counts and records for the next tick.
    pub fn reset(&mut self) {
        self.counts = TickCounts::default();
        self.records.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_op_counts_at_its_place_in_all() {
        for (i, op) in Op::ALL.into_iter().enumerate() {
            assert_eq!(op as usize, i, "{}", op.name());
        }
    }

    #[test]
    fn every_errno_is_counted() {
        for errno in (0..256).filter_map(Errno::from_raw) {
            assert!(ERRORS.contains(&Status::Err(errno)), "{errno} has no column");
        }
    }

    #[test]
    fn failures_are_counted_by_kind() {
        let mut log = TickLog::default();
        let record = |status| Record {
            time: SimTime(1),
            sequence: 0,
            op: Op::Setsid,
            actor: Some(2),
            target: None,
            group: None,
            signal: None,
            tty: None,
            status,
        };
        log.note(record(Status::Ok));
        log.note(record(Status::Err(Errno::EPERM)));
        log.note(record(Status::Stopped));
        assert_eq!(log.counts.performed(), 3);
        assert_eq!(log.counts.failed(), 2);
        assert_eq!(log.counts.errors[0], 1, "EPERM first");
        assert_eq!(log.counts.errors[ERRORS.len() - 1], 1, "a stopped actor last");
        assert_eq!(log.counts.failed_op(Op::Setsid), 2);
        assert_eq!(log.counts.failed_op(Op::Fork), 0);
        assert!(log.records.is_empty(), "records are kept only when asked");
    }
}
