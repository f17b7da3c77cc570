//! The wire between the harness and its puppets: fixed-size records on pipes.
//!
//! Every puppet task (every label: a process's first thread, or a further
//! thread) reads [`Command`]s from a pipe of its own and writes [`Message`]s
//! to one pipe shared by all puppets. A record is a few bytes, under
//! `PIPE_BUF`, so each `write` is atomic: records of different tasks never
//! interleave, and the records of one task keep their order, which is how
//! `caught=` keeps the order the handlers ran in.
//!
//! A puppet finds its pipes at fixed descriptor numbers, so that they survive
//! `exec` without any bookkeeping: [`Fds::messages`] is the shared message
//! pipe, [`Fds::command`] the command pipe of a label.

use crate::model::Disposition;

/// The descriptor numbers every puppet uses (they are the same in all of them).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Fds {
    /// The lowest number; the harness picks it above every descriptor it has open.
    pub base: i32,
}

impl Fds {
    /// The write end of the shared message pipe.
    pub fn messages(self) -> i32 {
        self.base
    }

    /// The read end of the command pipe of label `label`.
    pub fn command(self, label: u32) -> i32 {
        self.base.wrapping_add(1).wrapping_add(label as i32)
    }

    /// One past the highest number, for `labels` labels.
    pub fn end(self, labels: usize) -> i32 {
        self.base + 1 + labels as i32
    }
}

/// What a puppet task is asked to do: exactly one system call.
#[repr(u32)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Verb {
    /// `clone(SIGCHLD [| CLONE_NEWPID])`: `a` = the child's label, `b` = 1 for a new PID namespace.
    Fork = 1,
    /// `_exit(a)`.
    Exit,
    /// `execve` of the puppet binary, which comes back as the same puppet.
    Exec,
    /// `setsid()`.
    Setsid,
    /// `setpgid(a, b)`.
    Setpgid,
    /// `waitpid(a, &status, WNOHANG)`.
    Wait,
    /// `kill(a, b)`.
    Kill,
    /// `sigaction(a, …)` with the action [`action_code`] `b`, and `SA_RESTART`
    /// unless `c` is 1 (version 3).
    Dispose,
    /// `prctl(PR_SET_CHILD_SUBREAPER, a)`.
    Subreaper,
    /// `clone(CLONE_THREAD | …)`: a new thread of the caller's process, `a` = its label.
    Thread,
    /// `SYS_exit(a)`: only the calling task ends.
    ExitThread,
    /// `tgkill(a, b, c)`: signal `c` to task `b` of process `a`.
    Tkill,
    /// `rt_sigprocmask`: block (`b` = 1) or unblock (`b` = 0) signal `a`.
    Mask,
    /// `prctl(PR_SET_PDEATHSIG, a)`.
    Pdeathsig,
    /// Version 3: open `/dev/pts/a` (`O_NOCTTY`), then `ioctl(TIOCSCTTY, b)`.
    Acquire,
    /// Version 3, like the verbs below, on `/dev/tty` (opened non-blocking):
    /// `tcsetpgrp(a)`.
    Foreground,
    /// A one-byte `read`.
    TtyRead,
    /// A one-byte `write`.
    TtyWrite,
    /// `tcgetattr`, then `tcsetattr(TCSANOW)` with TOSTOP set (`a` = 1) or cleared.
    Tostop,
    /// `ioctl(TIOCNOTTY)`.
    Notty,
}

impl Verb {
    pub fn from_u32(raw: u32) -> Option<Verb> {
        [
            Verb::Fork,
            Verb::Exit,
            Verb::Exec,
            Verb::Setsid,
            Verb::Setpgid,
            Verb::Wait,
            Verb::Kill,
            Verb::Dispose,
            Verb::Subreaper,
            Verb::Thread,
            Verb::ExitThread,
            Verb::Tkill,
            Verb::Mask,
            Verb::Pdeathsig,
            Verb::Acquire,
            Verb::Foreground,
            Verb::TtyRead,
            Verb::TtyWrite,
            Verb::Tostop,
            Verb::Notty,
        ]
        .into_iter()
        .find(|v| *v as u32 == raw)
    }
}

/// A command record, harness to puppet.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct Command {
    pub verb: u32,
    pub a: i32,
    pub b: i32,
    pub c: i32,
}

impl Command {
    pub fn new(verb: Verb, a: i32, b: i32) -> Command {
        Command { verb: verb as u32, a, b, c: 0 }
    }

    /// A command with a third argument.
    pub fn with_third(verb: Verb, a: i32, b: i32, c: i32) -> Command {
        Command { verb: verb as u32, a, b, c }
    }

    /// The record as it travels.
    pub fn to_bytes(self) -> [u8; size_of::<Command>()] {
        let mut bytes = [0; size_of::<Command>()];
        for (chunk, word) in bytes.chunks_exact_mut(4).zip([
            self.verb.to_ne_bytes(),
            self.a.to_ne_bytes(),
            self.b.to_ne_bytes(),
            self.c.to_ne_bytes(),
        ]) {
            chunk.copy_from_slice(&word);
        }
        bytes
    }
}

/// How a disposition travels in [`Verb::Dispose`].
pub(crate) fn action_code(action: Disposition) -> i32 {
    match action {
        Disposition::Default => 0,
        Disposition::Ignore => 1,
        Disposition::Catch => 2,
    }
}

/// The disposition an [`action_code`] stands for.
pub(crate) fn action_from_code(code: i32) -> Option<Disposition> {
    [Disposition::Default, Disposition::Ignore, Disposition::Catch].into_iter().find(|&a| action_code(a) == code)
}

/// The kinds of [`Message`].
#[repr(u32)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Kind {
    /// A new task is ready: `a` = its tid, `b` = the pid of its process
    /// (both as the harness's `/proc` numbers them).
    Born = 1,
    /// A task came back from `execve`: `a` and `b` as for `Born`.
    Execed,
    /// The system call of a command returned: `a` = its value or `-errno`, `b` = the wait status.
    Returned,
    /// A signal handler ran: `a` = the signal number.
    Caught,
    /// The puppet could not do its part and quits: `a` = a [`Step`], `b` = errno.
    Fault,
}

impl Kind {
    pub fn from_u32(raw: u32) -> Option<Kind> {
        [Kind::Born, Kind::Execed, Kind::Returned, Kind::Caught, Kind::Fault].into_iter().find(|k| *k as u32 == raw)
    }
}

/// A message record, puppet to harness.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct Message {
    pub label: u32,
    pub kind: u32,
    pub a: i32,
    pub b: i32,
}

/// Where a puppet failed, in a [`Kind::Fault`] message.
#[repr(i32)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Step {
    /// Making the first process (`init`) what the replay format says it is.
    Setup = 1,
    /// Reading the command pipe.
    Read,
    /// Finding its own pid in `/proc`.
    OwnPid,
    /// A command that makes no sense.
    Command,
    /// The arguments of a re-executed puppet.
    Arguments,
}

impl Step {
    pub fn from_i32(raw: i32) -> Option<Step> {
        [Step::Setup, Step::Read, Step::OwnPid, Step::Command, Step::Arguments].into_iter().find(|s| *s as i32 == raw)
    }

    pub fn name(self) -> &'static str {
        match self {
            Step::Setup => "setup",
            Step::Read => "reading its command",
            Step::OwnPid => "finding its pid",
            Step::Command => "decoding a command",
            Step::Arguments => "reading its arguments after exec",
        }
    }
}

/// Exit codes of a puppet that gives up (they show up as `exit=` if the harness
/// ever reports one: distinctive on purpose).
pub(crate) mod give_up {
    /// It reported a [`Fault`](super::Kind::Fault).
    pub const FAULT: i32 = 213;
    /// Its command pipe reached end of file: the harness is gone.
    pub const ORPHANED: i32 = 214;
}
