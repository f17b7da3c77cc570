//! The state section of the report, read from the kernel once the script is done.
//!
//! A label that leads its process at the end gets a `proc` line, read from
//! the leader task's own `/proc` files; a live thread that does not lead gets
//! a `thread` line; a task that ended while not leading (or a leader replaced
//! by another thread's `exec`) is `thread L gone`. Parents, groups and sessions
//! are numbers in the harness's namespace, mapped back to the label whose pid
//! they are (a group keeps its leader's number after the leader is gone).
//! `ns=` and `tid=` are the last entry of each `NS*` line: the task's own
//! view. Exit statuses come from `reap`'s `waitpid` for the processes a `reap`
//! collected, from the leader's own `stat` for zombies (its own code while
//! other threads live, the process's status once they are gone: semantics
//! rules 32 and 33), and from the run's [`ExitWatch`](super::exits::ExitWatch)
//! (the pidfd or the process events connector) for processes the kernel
//! reaped by itself.

use super::KernelError;
use super::procfs::{self, Sleep};
use super::terminal::Terminal;
use super::world::{Puppet, World};
use crate::io::report::{ExitStatus, ProcLine, ProcState};
use crate::io::script::{Label, Tty};
use crate::model::Signal;

impl World<'_> {
    /// One line per task the script created, in creation order.
    pub fn state(&mut self) -> Result<Vec<ProcLine>, KernelError> {
        self.exits.drain()?;
        let mut lines = Vec::new();
        for (index, (puppet, terminal)) in self.puppets.iter().zip(&self.terminals).enumerate() {
            let label = Label(index as u32);
            match (puppet, terminal) {
                (Some(puppet), _) if puppet.leads => lines.push(self.proc_line(label, puppet)?),
                (Some(puppet), _) => lines.push(self.thread_line(label, puppet)?),
                (None, Some(terminal)) => lines.push(self.tty_line(Tty(label), terminal)?),
                (None, None) => {}
            }
        }
        Ok(lines)
    }

    /// The line of a label that leads its process.
    fn proc_line(&self, label: Label, puppet: &Puppet) -> Result<ProcLine, KernelError> {
        let name = self.script.name(label);
        let Some(stat) = puppet.files.stat().map_err(read)? else {
            return Ok(ProcLine::Gone { label, exit: self.gone_exit(puppet, name)? });
        };
        let levels = procfs::levels(puppet.host_pid, puppet.host_tid).map_err(read)?;
        let known = |pid: i32, what: &str| {
            self.label_of(pid)
                .ok_or_else(|| KernelError::Unexpected(format!("the {what} of `{name}` is no process of the script")))
        };
        let parent = self.label_of(stat.ppid);
        // The process that is pid 1 of the script's namespace has its parent outside.
        if parent.is_none() != self.in_init_process(label) {
            return Err(KernelError::Unexpected(format!("`{name}` has parent pid {}", stat.ppid)));
        }
        let state = match stat.state {
            b'Z' => ProcState::Zombie,
            b'T' => ProcState::Stopped,
            _ => ProcState::Running,
        };
        let exit = match state {
            ProcState::Zombie => Some(exit_status(stat.exit_code)?),
            _ => None,
        };
        Ok(ProcLine::Present {
            label,
            state,
            parent,
            pgrp: known(stat.pgrp, "process group")?,
            sid: known(stat.session, "session")?,
            ns: [own(&levels.pid), own(&levels.pgid), own(&levels.sid)],
            ctty: self.terminal_numbered(stat.tty_nr).map(|(tty, _)| tty.0),
            caught: puppet.caught.clone(),
            exit,
        })
    }

    /// The line of a label that does not lead its process.
    fn thread_line(&self, label: Label, puppet: &Puppet) -> Result<ProcLine, KernelError> {
        let Some(stat) = puppet.files.stat().map_err(read)? else { return Ok(ProcLine::ThreadGone { label }) };
        // The last thread of a namespace's init waits there once it has exited.
        if puppet.files.sleep().map_err(read)? == Some(Sleep::NamespaceTeardown) {
            return Ok(ProcLine::ThreadGone { label });
        }
        let leader = self.label_of(puppet.host_pid).ok_or_else(|| {
            KernelError::Unexpected(format!("the process of `{}` has no leader in the script", self.script.name(label)))
        })?;
        Ok(ProcLine::Thread {
            label,
            state: if stat.state == b'T' { ProcState::Stopped } else { ProcState::Running },
            leader,
            tid: own(&puppet.tids),
            caught: puppet.caught.clone(),
        })
    }

    /// The line of a terminal (version 3): its session's leader and the task
    /// whose pid is its foreground group's number, read on its master.
    fn tty_line(&self, label: Tty, terminal: &Terminal) -> Result<ProcLine, KernelError> {
        let Some((session, fg)) = terminal.owners()? else {
            return Ok(ProcLine::Tty { label, session: None, fg: None, hung_up: true });
        };
        let name = self.script.name(label.0);
        let session = match session {
            Some(sid) => Some(self.label_of(sid).ok_or_else(|| {
                KernelError::Unexpected(format!("the session of terminal `{name}` is no process of the script"))
            })?),
            None => None,
        };
        let fg = match fg {
            0 => None,
            pgrp => Some(self.task_of(pgrp).ok_or_else(|| {
                KernelError::Unexpected(format!("the foreground group of terminal `{name}` is no task of the script"))
            })?),
        };
        Ok(ProcLine::Tty { label, session, fg, hung_up: false })
    }

    /// The terminal whose device number (as `stat` encodes it: 0 for none)
    /// is `tty_nr`.
    pub(crate) fn terminal_numbered(&self, tty_nr: i32) -> Option<(Tty, &Terminal)> {
        let index =
            self.terminals.iter().position(|t| t.as_ref().is_some_and(|t| tty_nr != 0 && t.tty_nr == tty_nr))?;
        Some((Tty(Label(index as u32)), self.terminals[index].as_ref()?))
    }

    /// The label of the task whose tid (in the harness's namespace) is
    /// `tid`, whether it leads its process, lives on or is gone.
    fn task_of(&self, tid: i32) -> Option<Label> {
        let index = self.puppets.iter().position(|p| p.as_ref().is_some_and(|p| p.host_tid == tid))?;
        Some(Label(index as u32))
    }

    /// The label whose pid (in the harness's namespace) is `pid`: the task
    /// that leads, or last led, the process with that pid.
    pub(crate) fn label_of(&self, pid: i32) -> Option<Label> {
        let index = self.puppets.iter().position(|p| p.as_ref().is_some_and(|p| p.leads && p.host_tid == pid))?;
        Some(Label(index as u32))
    }

    /// How a reaped process ended.
    fn gone_exit(&self, puppet: &Puppet, name: &str) -> Result<ExitStatus, KernelError> {
        match puppet.reaped {
            Some(exit) => Ok(exit),
            None => exit_status(self.exits.status(puppet, name)?),
        }
    }
}

/// The last of a task's numbers: the one its own namespace gives it.
fn own(ids: &[i32]) -> u32 {
    ids.last().map_or(0, |&id| id as u32)
}

fn read(e: std::io::Error) -> KernelError {
    KernelError::syscall("reading /proc", e)
}

/// Decodes a status in the form `waitpid` reports it.
pub(crate) fn exit_status(raw: i32) -> Result<ExitStatus, KernelError> {
    if libc::WIFEXITED(raw) {
        return Ok(ExitStatus::Code(libc::WEXITSTATUS(raw) as u8));
    }
    if libc::WIFSIGNALED(raw) {
        let sig = libc::WTERMSIG(raw);
        let sig = u32::try_from(sig).ok().and_then(Signal::from_number);
        return sig
            .map(ExitStatus::Signaled)
            .ok_or_else(|| KernelError::Unexpected(format!("a process was killed by signal {}", libc::WTERMSIG(raw))));
    }
    Err(KernelError::Unexpected(format!("{raw:#x} is not the status of an ended process")))
}
