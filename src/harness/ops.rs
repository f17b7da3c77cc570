//! Performing one operation of a script on the kernel, and reading its result.
//!
//! Arguments are labels; a puppet gets them as the numbers its caller sees
//! (the replay format, "Lines"): a task's tid in the caller's namespace (a
//! leader's tid is its process's pid), or, when the task is not visible there
//! (or never existed), [`UNSEEN`], a number that names nothing in any
//! namespace. So the kernel itself answers ESRCH for such a target and EPERM
//! for such a group, and a thread's tid where a process or a group is named
//! gets whatever the kernel makes of it (EINVAL, ESRCH, ECHILD).
//!
//! Signals from `-` come from the harness, which uses the pidfd of a single
//! target (`kill` or `tgkill` scope), and for a group first makes sure the
//! group is one of the script's: a pid number left by a reaped process may be
//! reused by any process of the machine, never to be signalled by the harness.

use super::KernelError;
use super::pidfd::Scope;
use super::procfs::{self, SignalSets, Sleep};
use super::state::exit_status;
use super::terminal::Terminal;
use super::wire::{Command, Verb, action_code};
use super::world::{Newborn, Owed, Puppet, Reply, World};
use crate::io::report::{Invalid, Outcome};
use crate::io::script::{KillTarget, Label, Op, PgidArg, Tty, TtyOp};
use crate::model::{Errno, Signal};
use std::io;

/// A pid above `PID_MAX_LIMIT` (2^22): no process has it in any namespace.
pub(crate) const UNSEEN: i32 = 0x3FFF_FFFF;

/// What a task is doing, for the check of an actor.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Condition {
    Able,
    /// Its process is stopped.
    Stopped,
    /// A leader that has exited (its process may live on in other threads).
    Zombie,
    /// Ended: a thread that exited, a reaped process's leader, a leader
    /// replaced by another thread's `exec`.
    Gone,
}

impl World<'_> {
    /// Why `op` cannot be performed, if it cannot (the replay format,
    /// "Validity of an actor"): the actor's own task first, then whether the
    /// operation would end `init`'s process.
    pub fn invalid(&self, op: &Op) -> Result<Option<Invalid>, KernelError> {
        if let Some(actor) = op.actor() {
            match self.condition(actor)? {
                Condition::Stopped => return Ok(Some(Invalid::Stopped)),
                Condition::Zombie => return Ok(Some(Invalid::Zombie)),
                Condition::Gone => return Ok(Some(Invalid::Gone)),
                Condition::Able => {}
            }
        }
        if self.ends_init(op)? {
            return Ok(Some(Invalid::Init));
        }
        Ok(match *op {
            Op::Terminal(call) => self.livelocks(call)?.then_some(Invalid::Livelock),
            _ => None,
        })
    }

    /// Whether a terminal call would never end (semantics rule 58): its
    /// actor is a task of a namespace init, and its job-control check
    /// (rule 50) would send a signal the namespace init drops, so the call
    /// restarts for ever. The check signals when the process's terminal has
    /// a foreground group other than its own, the signal is neither blocked
    /// by the calling thread nor ignored nor caught, and its group is not
    /// orphaned.
    fn livelocks(&self, call: TtyOp) -> Result<bool, KernelError> {
        let (proc, sig) = match call {
            TtyOp::Foreground { proc, .. } | TtyOp::Tostop { proc, .. } | TtyOp::Write { proc } => {
                (proc, libc::SIGTTOU)
            }
            TtyOp::Read { proc } => (proc, libc::SIGTTIN),
            _ => return Ok(false),
        };
        let read = |e| KernelError::syscall("reading /proc", e);
        let Some(puppet) = self.puppet(proc) else { return Ok(false) };
        let Some(stat) = puppet.files.stat().map_err(read)? else { return Ok(false) };
        let Some((_, terminal)) = self.terminal_numbered(stat.tty_nr) else { return Ok(false) };
        if puppet.pids.last() != Some(&1) || stat.tpgid <= 0 || stat.tpgid == stat.pgrp {
            return Ok(false);
        }
        if matches!(call, TtyOp::Write { .. }) && !terminal.tostop()? {
            return Ok(false);
        }
        let sets = procfs::signal_sets(puppet.host_pid, puppet.host_tid).map_err(read)?;
        if [sets.blocked, sets.ignored, sets.caught].into_iter().any(|set| SignalSets::has(set, sig)) {
            return Ok(false);
        }
        Ok(!self.orphaned(stat.pgrp, stat.session)?)
    }

    /// Whether the process group `pgrp` (of session `sid`) is orphaned: no
    /// live member has a parent in another group of the same session
    /// (`will_become_orphaned_pgrp`). A zombie leader whose process still
    /// has live threads is a live member (semantics rule 34). Parents outside
    /// the script are in another session.
    fn orphaned(&self, pgrp: i32, sid: i32) -> Result<bool, KernelError> {
        let read = |e| KernelError::syscall("reading /proc", e);
        for member in self.puppets.iter().flatten().filter(|p| p.leads && !p.gone) {
            let Some(stat) = member.files.stat().map_err(read)? else { continue };
            if stat.pgrp != pgrp || (stat.state == b'Z' && !self.has_live_threads(member.host_pid)?) {
                continue;
            }
            let Some(parent) = self.label_of(stat.ppid).and_then(|l| self.puppet(l)) else { continue };
            if let Some(up) = parent.files.stat().map_err(read)?
                && up.pgrp != pgrp
                && up.session == sid
            {
                return Ok(false);
            }
        }
        Ok(true)
    }

    /// Whether a task of the process `host_pid` other than its leader has
    /// not exited.
    fn has_live_threads(&self, host_pid: i32) -> Result<bool, KernelError> {
        let read = |e| KernelError::syscall("reading /proc", e);
        for thread in self.puppets.iter().flatten().filter(|p| p.host_pid == host_pid && !p.leads && !p.gone) {
            if thread.files.stat().map_err(read)?.is_some_and(|stat| stat.state != b'Z') {
                return Ok(true);
            }
        }
        Ok(false)
    }

    /// Whether `op` would end the process that is pid 1 of the script's
    /// namespace (led by `init`, or by the thread that took its pid with an
    /// `exec`).
    fn ends_init(&self, op: &Op) -> Result<bool, KernelError> {
        Ok(match *op {
            Op::Exit { proc, .. } => self.in_init_process(proc),
            Op::ExitThread { proc, .. } => self.in_init_process(proc) && self.live_tasks_of_init()? == 1,
            Op::Kill { sender: None, sig: Signal::Kill, target: KillTarget::Process(task) } => {
                self.in_init_process(task) && self.condition(task)? != Condition::Gone
            }
            // `init`'s process is always the only member of its group with its pid as pgid.
            Op::Kill { sender: None, sig: Signal::Kill, target: KillTarget::Group(leader) } => {
                self.in_init_process(leader) && self.puppet(leader).is_some_and(|p| p.leads)
            }
            // A thread-directed signal to a zombie leader does nothing (semantics rule 37).
            Op::Tkill { sender: None, sig: Signal::Kill, target } => {
                self.in_init_process(target) && matches!(self.condition(target)?, Condition::Able | Condition::Stopped)
            }
            _ => false,
        })
    }

    /// Whether `label` is a task (live or not) of `init`'s process.
    pub(crate) fn in_init_process(&self, label: Label) -> bool {
        let init = self.puppet(Label::INIT).map(|p| p.host_pid);
        self.puppet(label).is_some_and(|p| Some(p.host_pid) == init)
    }

    /// How many tasks of `init`'s process have not exited.
    fn live_tasks_of_init(&self) -> Result<usize, KernelError> {
        let mut live = 0;
        for index in 0..self.puppets.len() {
            let label = Label(index as u32);
            if self.in_init_process(label) && matches!(self.condition(label)?, Condition::Able | Condition::Stopped) {
                live += 1;
            }
        }
        Ok(live)
    }

    pub(crate) fn condition(&self, label: Label) -> Result<Condition, KernelError> {
        let Some(puppet) = self.puppet(label) else { return Ok(Condition::Gone) };
        let read = |e| KernelError::syscall("reading /proc", e);
        Ok(match puppet.files.stat().map_err(read)?.map(|s| s.state) {
            None => Condition::Gone,
            Some(b'Z') => Condition::Zombie,
            Some(b'T') => Condition::Stopped,
            // The last thread of a namespace's init waits, once it has exited, for its namespace to die.
            Some(b'S') if puppet.files.sleep().map_err(read)? == Some(Sleep::NamespaceTeardown) => {
                if puppet.leads {
                    Condition::Zombie
                } else {
                    Condition::Gone
                }
            }
            Some(_) => Condition::Able,
        })
    }

    /// `target`'s tid as `viewer` sees it, or [`UNSEEN`].
    pub(crate) fn tid_seen_by(&self, viewer: Label, target: Label) -> i32 {
        self.seen_by(viewer, target, |p| &p.tids)
    }

    /// The pid of `target`'s process as `viewer` sees it, or [`UNSEEN`].
    pub(crate) fn pid_seen_by(&self, viewer: Label, target: Label) -> i32 {
        self.seen_by(viewer, target, |p| &p.pids)
    }

    /// One of `target`'s numbers (`ids`, by level) as `viewer` sees it, or [`UNSEEN`].
    fn seen_by(&self, viewer: Label, target: Label, ids: fn(&Puppet) -> &[i32]) -> i32 {
        let (Some(viewer), Some(target)) = (self.puppet(viewer), self.puppet(target)) else { return UNSEEN };
        if !target.ns.starts_with(&viewer.ns) {
            return UNSEEN;
        }
        ids(target).get(viewer.ns.len() - 1).copied().unwrap_or(UNSEEN)
    }

    /// Performs a valid operation and waits until its consequences have settled.
    pub fn perform(&mut self, op: &Op) -> Result<Outcome, KernelError> {
        let (actor, command) = match *op {
            Op::Kill { sender: None, sig, target } => return self.signal_from_outside(sig, target, Scope::Process),
            Op::Tkill { sender: None, sig, target } => {
                return self.signal_from_outside(sig, KillTarget::Process(target), Scope::Thread);
            }
            Op::Fork { parent, child, newpid } => {
                let mut ns = self.puppet_mut(parent)?.ns.clone();
                if newpid {
                    ns.push(child);
                }
                self.expecting = Some(Newborn { label: child, ns, joins: None });
                (parent, Command::new(Verb::Fork, child.0 as i32, newpid.into()))
            }
            Op::Thread { proc, child } => {
                let creator = self.puppet_mut(proc)?;
                self.expecting = Some(Newborn { label: child, ns: creator.ns.clone(), joins: Some(creator.host_pid) });
                (proc, Command::new(Verb::Thread, child.0 as i32, 0))
            }
            Op::Exit { proc, code } => (proc, Command::new(Verb::Exit, code.into(), 0)),
            Op::ExitThread { proc, code } => (proc, Command::new(Verb::ExitThread, code.into(), 0)),
            Op::Exec { proc } => {
                self.take_leader_pid(proc);
                (proc, Command::new(Verb::Exec, 0, 0))
            }
            Op::Setsid { proc } => (proc, Command::new(Verb::Setsid, 0, 0)),
            Op::Setpgid { proc, target, pgid } => {
                let pid = target.map_or(0, |t| self.tid_seen_by(proc, t));
                let pgid = match pgid {
                    PgidArg::Zero => 0,
                    PgidArg::Label(group) => self.tid_seen_by(proc, group),
                    PgidArg::Negative(n) => n,
                };
                (proc, Command::new(Verb::Setpgid, pid, pgid))
            }
            Op::Reap { parent, child } => (parent, Command::new(Verb::Wait, self.tid_seen_by(parent, child), 0)),
            Op::Kill { sender: Some(sender), sig, target } => {
                let pid = match target {
                    KillTarget::Process(t) => self.tid_seen_by(sender, t),
                    KillTarget::Group(group) => -self.tid_seen_by(sender, group),
                };
                (sender, Command::new(Verb::Kill, pid, sig.number().into()))
            }
            Op::Tkill { sender: Some(sender), sig, target } => {
                let (pid, tid) = (self.pid_seen_by(sender, target), self.tid_seen_by(sender, target));
                (sender, Command::with_third(Verb::Tkill, pid, tid, sig.number().into()))
            }
            Op::Dispose { proc, sig, action } => {
                let no_restart = (self.version >= 3).into();
                (proc, Command::with_third(Verb::Dispose, sig.number().into(), action_code(action), no_restart))
            }
            Op::Subreaper { proc, on } => (proc, Command::new(Verb::Subreaper, on.into(), 0)),
            Op::Mask { proc, sig, block } => (proc, Command::new(Verb::Mask, sig.number().into(), block.into())),
            Op::Pdeathsig { proc, sig } => {
                (proc, Command::new(Verb::Pdeathsig, sig.map_or(0, |s| s.number().into()), 0))
            }
            Op::Terminal(op) => match self.terminal_command(op)? {
                Some(call) => call,
                None => return self.emulate(op),
            },
        };
        self.channel.send(actor, command)?;
        self.settle()?;
        self.expecting = None;
        let reply = self.puppet_mut(actor)?.reply.take();
        match (*op, reply) {
            (Op::Exit { .. } | Op::ExitThread { .. }, None) => match self.condition(actor)? {
                Condition::Zombie | Condition::Gone => Ok(Outcome::Ok),
                _ => Err(KernelError::Unexpected("the task lives on after it exited".into())),
            },
            (Op::Exec { .. }, Some(Reply::Execed)) => Ok(Outcome::Ok),
            // The caller signalled its own process, or unblocked a signal pending for it, and
            // stopped or died before the call returned to it.
            (Op::Kill { .. } | Op::Tkill { .. } | Op::Mask { .. }, None) => match self.condition(actor)? {
                Condition::Stopped => {
                    self.puppet_mut(actor)?.owes = Owed::Success;
                    Ok(Outcome::Ok)
                }
                Condition::Zombie | Condition::Gone => Ok(Outcome::Ok),
                Condition::Able => Err(KernelError::Unexpected("the caller did not answer".into())),
            },
            // A terminal call that stopped its process (its eventual result
            // is never reported), or `notty` by a leader that died of the
            // SIGHUP it sent to its own foreground group.
            (Op::Terminal(_), None) => match self.condition(actor)? {
                Condition::Stopped => {
                    self.puppet_mut(actor)?.owes = Owed::Anything;
                    Ok(Outcome::Stopped)
                }
                Condition::Zombie | Condition::Gone => Ok(Outcome::Ok),
                Condition::Able => Err(KernelError::Unexpected("the caller did not answer".into())),
            },
            (op, Some(Reply::Returned { value, status })) => self.result(op, value, status),
            (op, reply) => Err(KernelError::Unexpected(format!("{reply:?} is no answer to {op:?}"))),
        }
    }

    /// Before `proc` execs: if it does not lead its process, the exec will
    /// give it the leader's pid in every namespace (`de_thread()`:
    /// `exchange_tids()`), and the old leader its tid, released at once. The
    /// records swap their numbers, pidfds and `/proc` files now (each
    /// follows its `struct pid`), so that every look through `/proc` while the
    /// exec runs finds the exec'ing task under its label, unsettled until it
    /// reads its next command, and the old leader gone once it is released.
    fn take_leader_pid(&mut self, proc: Label) {
        let Some(leader) = self.leader_of(proc).filter(|&leader| leader != proc) else { return };
        let (Some(mut thread), Some(mut old)) =
            (self.puppets[proc.index()].take(), self.puppets[leader.index()].take())
        else {
            return;
        };
        std::mem::swap(&mut thread.host_tid, &mut old.host_tid);
        std::mem::swap(&mut thread.tids, &mut old.tids);
        std::mem::swap(&mut thread.pidfd, &mut old.pidfd);
        std::mem::swap(&mut thread.files, &mut old.files);
        (thread.leads, old.leads) = (true, false);
        (thread.asleep_at, old.asleep_at) = (None, None);
        self.puppets[proc.index()] = Some(thread);
        self.puppets[leader.index()] = Some(old);
    }

    /// The label that leads `label`'s process now (a zombie leader included).
    pub(crate) fn leader_of(&self, label: Label) -> Option<Label> {
        let pid = self.puppet(label)?.host_pid;
        let index = self
            .puppets
            .iter()
            .position(|p| p.as_ref().is_some_and(|p| p.leads && !p.gone && p.host_tid == pid && p.host_pid == pid))?;
        Some(Label(index as u32))
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
            Op::Fork { parent, child, .. } | Op::Thread { proc: parent, child } => {
                if self.puppet(child).is_none() || self.tid_seen_by(parent, child) != value {
                    return Err(KernelError::Unexpected(format!("clone returned {value}, not the new task's id")));
                }
                Ok(Outcome::Ok)
            }
            Op::Reap { .. } if value == 0 => Ok(Outcome::Busy),
            Op::Reap { parent, child } => {
                if self.tid_seen_by(parent, child) != value {
                    return Err(KernelError::Unexpected(format!("waitpid returned {value}, not the child's pid")));
                }
                self.puppet_mut(child)?.reaped = Some(exit_status(status)?);
                Ok(Outcome::Ok)
            }
            _ => Ok(Outcome::Ok),
        }
    }

    /// `signal - SIG TARGET` (`scope`: process) or `tkill - SIG TARGET`
    /// (thread): the harness sends it itself.
    fn signal_from_outside(&mut self, sig: Signal, target: KillTarget, scope: Scope) -> Result<Outcome, KernelError> {
        let sig = i32::from(sig.number());
        let sent = match target {
            KillTarget::Process(label) => match self.puppet(label) {
                Some(puppet) => puppet.pidfd.send_signal(sig, scope),
                None => Err(io::Error::from_raw_os_error(libc::ESRCH)),
            },
            KillTarget::Group(label) => match self.puppet(label).map(|p| p.host_tid) {
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

    /// The command of a task's terminal call; `None` for the terminal
    /// emulator's own actions (`key`, `hangup`).
    fn terminal_command(&mut self, op: TtyOp) -> Result<Option<(Label, Command)>, KernelError> {
        let acquire = |proc: Label, number: i32, steal: bool| (proc, Command::new(Verb::Acquire, number, steal.into()));
        Ok(Some(match op {
            TtyOp::Create { proc, tty } => {
                let terminal = Terminal::open()?;
                let number = terminal.number;
                self.terminals[tty.0.index()] = Some(terminal);
                acquire(proc, number, false)
            }
            TtyOp::Acquire { proc, tty, steal } => acquire(proc, self.terminal(tty)?.number, steal),
            TtyOp::Foreground { proc, group } => {
                (proc, Command::new(Verb::Foreground, self.tid_seen_by(proc, group), 0))
            }
            TtyOp::Read { proc } => (proc, Command::new(Verb::TtyRead, 0, 0)),
            TtyOp::Write { proc } => (proc, Command::new(Verb::TtyWrite, 0, 0)),
            TtyOp::Tostop { proc, on } => (proc, Command::new(Verb::Tostop, on.into(), 0)),
            TtyOp::Release { proc } => (proc, Command::new(Verb::Notty, 0, 0)),
            TtyOp::Key { .. } | TtyOp::Hangup { .. } => return Ok(None),
        }))
    }

    /// A terminal whose `tty` line ran.
    fn terminal(&self, tty: Tty) -> Result<&Terminal, KernelError> {
        self.terminals[tty.0.index()]
            .as_ref()
            .ok_or_else(|| KernelError::Unexpected(format!("terminal `{}` was never made", self.script.name(tty.0))))
    }

    /// `key` and `hangup`: the terminal emulator acts, and the signals it
    /// sends settle.
    fn emulate(&mut self, op: TtyOp) -> Result<Outcome, KernelError> {
        let outcome = match op {
            TtyOp::Key { tty, key } => {
                let terminal = self.terminal(tty)?;
                match self.placement.on_puppet_cpu(|| terminal.type_key(key))? {
                    Ok(()) => Outcome::Ok,
                    Err(e) => errno(e.raw_os_error().unwrap_or(0))?,
                }
            }
            TtyOp::Hangup { tty } => {
                let terminal = self.terminals[tty.0.index()].as_mut();
                if terminal.is_some_and(Terminal::hang_up) { Outcome::Ok } else { Outcome::Err(Errno::EBADF) }
            }
            _ => return Err(KernelError::Unexpected(format!("{op:?} is no action of the terminal emulator"))),
        };
        self.settle()?;
        Ok(outcome)
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
