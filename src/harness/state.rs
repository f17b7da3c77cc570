//! The state section of the report, read from the kernel once the script is done.
//!
//! Parents, groups and sessions are numbers in the harness's namespace, mapped
//! back to the label whose pid they are (a group keeps its leader's number
//! after the leader is gone). `ns=` is the last entry of each `NS*` line: the
//! process's own view. Exit statuses come from `reap`'s `waitpid` for the
//! processes a `reap` collected, from `/proc/PID/stat` for zombies, and from the
//! run's [`ExitWatch`](super::exits::ExitWatch) (the pidfd or the process events
//! connector) for processes the kernel reaped by itself.

use super::KernelError;
use super::procfs;
use super::world::{Puppet, World};
use crate::io::report::{ExitStatus, ProcLine, ProcState};
use crate::io::script::Label;
use crate::model::Signal;

impl World<'_> {
    /// One line per process the script created, in creation order.
    pub fn state(&mut self) -> Result<Vec<ProcLine>, KernelError> {
        self.exits.drain()?;
        let mut lines = Vec::new();
        for (index, puppet) in self.puppets.iter().enumerate() {
            let Some(puppet) = puppet else { continue };
            let label = Label(index as u32);
            let name = self.script.name(label);
            let read = |e: std::io::Error| KernelError::syscall("reading /proc", e);
            let Some(stat) = puppet.files.stat().map_err(read)? else {
                lines.push(ProcLine::Gone { label, exit: self.gone_exit(puppet, name)? });
                continue;
            };
            let levels = procfs::levels(puppet.host_pid).map_err(read)?;
            let known = |pid: i32, what: &str| {
                self.label_of(pid).ok_or_else(|| {
                    KernelError::Unexpected(format!("the {what} of `{name}` is no process of the script"))
                })
            };
            let parent = self.label_of(stat.ppid);
            if parent.is_none() != (label == Label::INIT) {
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
            let own = |ids: &[i32]| ids.last().map_or(0, |&id| id as u32);
            lines.push(ProcLine::Present {
                label,
                state,
                parent,
                pgrp: known(stat.pgrp, "process group")?,
                sid: known(stat.session, "session")?,
                ns: [own(&levels.pid), own(&levels.pgid), own(&levels.sid)],
                caught: puppet.caught.clone(),
                exit,
            });
        }
        Ok(lines)
    }

    /// The label whose pid (in the harness's namespace) is `pid`.
    pub(crate) fn label_of(&self, pid: i32) -> Option<Label> {
        let index = self.puppets.iter().position(|p| p.as_ref().is_some_and(|p| p.host_pid == pid))?;
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
