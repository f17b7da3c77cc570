//! Performing one operation of a script on the kernel, and reading its result.
//!
//! Arguments are labels; a puppet gets them as the pids its caller sees
//! (the replay format, "Lines"): a process's pid in the caller's namespace, or,
//! when the process is not visible there (or never existed), [`UNSEEN`], a
//! number that names nothing in any namespace. So the kernel itself answers
//! ESRCH for such a target and EPERM for such a group.
//!
//! Signals from `-` come from the harness, which uses the pidfd of a single
//! target, and for a group first makes sure the group is one of the script's:
//! a pid number left by a reaped process may be reused by any process of the
//! machine, never to be signalled by the harness.

use super::KernelError;
use super::pidfd;
use super::procfs::Sleep;
use super::state::exit_status;
use super::wire::{Command, Verb, action_code};
use super::world::{Reply, World};
use crate::io::report::{Invalid, Outcome};
use crate::io::script::{KillTarget, Label, Op, PgidArg};
use crate::model::{Errno, Signal};
use std::io;

/// A pid above `PID_MAX_LIMIT` (2^22): no process has it in any namespace.
pub(crate) const UNSEEN: i32 = 0x3FFF_FFFF;

/// What a live process is doing, for the check of an actor.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Condition {
    Able,
    Stopped,
    Zombie,
    Gone,
}

impl World<'_> {
    /// Why `op` cannot be performed, if it cannot (the replay format, "Errors"):
    /// the actor's state first, then whether the operation would end `init`.
    pub fn invalid(&self, op: &Op) -> Result<Option<Invalid>, KernelError> {
        if let Some(actor) = op.actor() {
            match self.condition(actor)? {
                Condition::Stopped => return Ok(Some(Invalid::Stopped)),
                Condition::Zombie => return Ok(Some(Invalid::Zombie)),
                Condition::Gone => return Ok(Some(Invalid::Gone)),
                Condition::Able => {}
            }
        }
        // `init` is always the only member of its group with the pid `init`'s pid.
        let ends_init = match *op {
            Op::Exit { proc, .. } => proc == Label::INIT,
            Op::Kill { sender: None, sig: Signal::Kill, target } => {
                matches!(target, KillTarget::Process(Label::INIT) | KillTarget::Group(Label::INIT))
            }
            _ => false,
        };
        Ok(ends_init.then_some(Invalid::Init))
    }

    pub(crate) fn condition(&self, label: Label) -> Result<Condition, KernelError> {
        let Some(puppet) = self.puppet(label) else { return Ok(Condition::Gone) };
        let read = |e| KernelError::syscall("reading /proc", e);
        Ok(match puppet.files.stat().map_err(read)?.map(|s| s.state) {
            None => Condition::Gone,
            Some(b'Z') => Condition::Zombie,
            Some(b'T') => Condition::Stopped,
            // An init waiting for its namespace to die has exited: the format's `zombie`.
            Some(b'S') if puppet.files.sleep().map_err(read)? == Some(Sleep::NamespaceTeardown) => Condition::Zombie,
            Some(_) => Condition::Able,
        })
    }

    /// `target`'s pid as `viewer` sees it, or [`UNSEEN`].
    pub(crate) fn pid_seen_by(&self, viewer: Label, target: Label) -> i32 {
        let (Some(viewer), Some(target)) = (self.puppet(viewer), self.puppet(target)) else { return UNSEEN };
        if !target.ns.starts_with(&viewer.ns) {
            return UNSEEN;
        }
        target.pids.get(viewer.ns.len() - 1).copied().unwrap_or(UNSEEN)
    }

    /// Performs a valid operation and waits until its consequences have settled.
    pub fn perform(&mut self, op: &Op) -> Result<Outcome, KernelError> {
        let (actor, command) = match *op {
            Op::Kill { sender: None, sig, target } => return self.kill_from_outside(sig, target),
            Op::Fork { parent, child, newpid } => {
                let mut ns = self.puppet_mut(parent)?.ns.clone();
                if newpid {
                    ns.push(child);
                }
                self.expecting = Some((child, ns));
                (parent, Command::new(Verb::Fork, child.0 as i32, newpid.into()))
            }
            Op::Exit { proc, code } => (proc, Command::new(Verb::Exit, code.into(), 0)),
            Op::Exec { proc } => (proc, Command::new(Verb::Exec, 0, 0)),
            Op::Setsid { proc } => (proc, Command::new(Verb::Setsid, 0, 0)),
            Op::Setpgid { proc, target, pgid } => {
                let pid = target.map_or(0, |t| self.pid_seen_by(proc, t));
                let pgid = match pgid {
                    PgidArg::Zero => 0,
                    PgidArg::Label(group) => self.pid_seen_by(proc, group),
                    PgidArg::Negative(n) => n,
                };
                (proc, Command::new(Verb::Setpgid, pid, pgid))
            }
            Op::Reap { parent, child } => (parent, Command::new(Verb::Wait, self.pid_seen_by(parent, child), 0)),
            Op::Kill { sender: Some(sender), sig, target } => {
                let pid = match target {
                    KillTarget::Process(t) => self.pid_seen_by(sender, t),
                    KillTarget::Group(group) => -self.pid_seen_by(sender, group),
                };
                (sender, Command::new(Verb::Kill, pid, sig.number().into()))
            }
            Op::Dispose { proc, sig, action } => {
                (proc, Command::new(Verb::Dispose, sig.number().into(), action_code(action)))
            }
            Op::Subreaper { proc, on } => (proc, Command::new(Verb::Subreaper, on.into(), 0)),
            Op::Thread { .. } | Op::ExitThread { .. } | Op::Tkill { .. } | Op::Mask { .. } | Op::Pdeathsig { .. } => {
                unreachable!("version 2 scripts are refused when loaded")
            }
        };
        self.channel.send(actor, command)?;
        self.settle()?;
        self.expecting = None;
        let reply = self.puppet_mut(actor)?.reply.take();
        match (*op, reply) {
            (Op::Exit { .. }, None) => match self.condition(actor)? {
                Condition::Zombie | Condition::Gone => Ok(Outcome::Ok),
                _ => Err(KernelError::Unexpected("the process lives on after _exit".into())),
            },
            (Op::Exec { .. }, Some(Reply::Execed)) => Ok(Outcome::Ok),
            // The sender signalled itself, and stopped or died before kill() returned to it.
            (Op::Kill { .. }, None) => match self.condition(actor)? {
                Condition::Stopped => {
                    self.puppet_mut(actor)?.owes_reply = true;
                    Ok(Outcome::Ok)
                }
                Condition::Zombie | Condition::Gone => Ok(Outcome::Ok),
                Condition::Able => Err(KernelError::Unexpected("the sender of a signal did not answer".into())),
            },
            (op, Some(Reply::Returned { value, status })) => self.result(op, value, status),
            (op, reply) => Err(KernelError::Unexpected(format!("{reply:?} is no answer to {op:?}"))),
        }
    }

    /// The outcome of a system call that returned `value` (`-errno` on failure).
    fn result(&mut self, op: Op, value: i32, status: i32) -> Result<Outcome, KernelError> {
        if let Op::Exec { .. } = op {
            let err = io::Error::from_raw_os_error(-value);
            return Err(KernelError::syscall("execve of the puppet", err));
        }
        if value < 0 {
            return errno(-value);
        }
        match op {
            Op::Fork { parent, child, .. } => {
                if self.puppet(child).is_none() || self.pid_seen_by(parent, child) != value {
                    return Err(KernelError::Unexpected(format!("fork returned {value}, not the child's pid")));
                }
                Ok(Outcome::Ok)
            }
            Op::Reap { .. } if value == 0 => Ok(Outcome::Busy),
            Op::Reap { parent, child } => {
                if self.pid_seen_by(parent, child) != value {
                    return Err(KernelError::Unexpected(format!("waitpid returned {value}, not the child's pid")));
                }
                self.puppet_mut(child)?.reaped = Some(exit_status(status)?);
                Ok(Outcome::Ok)
            }
            _ => Ok(Outcome::Ok),
        }
    }

    /// `signal - SIG TARGET`: the harness sends it itself.
    fn kill_from_outside(&mut self, sig: Signal, target: KillTarget) -> Result<Outcome, KernelError> {
        let sig = i32::from(sig.number());
        let sent = match target {
            KillTarget::Process(label) => match self.puppet(label) {
                Some(puppet) => pidfd::send_signal(&puppet.pidfd, sig),
                None => Err(io::Error::from_raw_os_error(libc::ESRCH)),
            },
            KillTarget::Group(label) => match self.puppet(label).map(|p| p.host_pid) {
                Some(pgid) if self.group_exists(pgid)? => {
                    // SAFETY: kill takes two integers.
                    if unsafe { libc::kill(-pgid, sig) } == 0 { Ok(()) } else { Err(io::Error::last_os_error()) }
                }
                _ => Err(io::Error::from_raw_os_error(libc::ESRCH)),
            },
        };
        self.settle()?;
        match sent {
            Ok(()) => Ok(Outcome::Ok),
            Err(e) => errno(e.raw_os_error().unwrap_or(0)),
        }
    }

    /// Whether a process of the script (zombies included) is in the group
    /// `pgid` (as the harness numbers it).
    fn group_exists(&self, pgid: i32) -> Result<bool, KernelError> {
        for puppet in self.puppets.iter().flatten().filter(|p| !p.gone) {
            let stat = puppet.files.stat().map_err(|e| KernelError::syscall("reading /proc", e))?;
            if stat.is_some_and(|s| s.pgrp == pgid) {
                return Ok(true);
            }
        }
        Ok(false)
    }
}

/// The outcome of a failed call, if the replay format can name its errno.
fn errno(raw: i32) -> Result<Outcome, KernelError> {
    Errno::from_raw(raw).map(Outcome::Err).ok_or(KernelError::UnexpectedErrno { errno: raw })
}
