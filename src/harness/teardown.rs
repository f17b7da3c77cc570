//! Ending a run: the script's namespace dies with its init, and the harness
//! makes sure it can.
//!
//! The harness kills `init` with SIGKILL; `zap_pid_ns_processes()` kills
//! everything else in the namespace, nested namespaces included, and each
//! namespace's init waits until every pid number of its namespace is freed.
//! A number is freed only when no task uses its `struct pid` any more — as its
//! pid, or as its process-group id. setpgid lets a process join a group whose
//! leader lives in a namespace nested below its own (the group's id is visible
//! from above). If that process is an ancestor namespace's init, teardown
//! deadlocks in the kernel: the inner init waits for the group's number to be
//! freed, which waits for the outer init to be reaped, which waits (in its own
//! `zap_pid_ns_processes()`) for the inner init to be reaped. The tasks stay
//! in the kernel for ever, unkillable. (Seen with random scripts on 6.18; the
//! code is mainline's.)
//!
//! A script can also wedge a namespace's init on its own: an init moved into
//! a group led by one of its namespace's processes, which then exits, waits
//! for ever for that number, which only its own group holds (random scripts
//! find this; the report shows the init as running, as the simulator does).
//!
//! So before the kill, every process whose group is named by such a number
//! moves to a group of its own with `setpgid` — by itself, or, for an init
//! already waiting, by its parent (a stopped process is continued first).
//! The report has been read by then, so this changes nothing it says. The
//! wait for `init` is bounded too: a teardown that still hangs is an error,
//! never a harness that waits for ever.

use super::KernelError;
use super::ops::Condition;
use super::pidfd::{self, Scope};
use super::procfs::Sleep;
use super::wire::{Command, Verb};
use super::world::{Reply, World};
use crate::io::script::Label;
use std::os::fd::{AsRawFd, OwnedFd};
use std::time::{Duration, Instant};

/// How long the namespace may take to die after its init is killed.
const TEARDOWN_LIMIT: Duration = Duration::from_secs(10);

impl World<'_> {
    /// Frees every number that would keep a namespace from dying: each
    /// process whose group id is such a number ([`World::holds_foreign_group`])
    /// moves to a group of its own — by itself, or, when it is an init
    /// already waiting in `zap_pid_ns_processes`, by its parent (setpgid of a
    /// child), which ends that wait.
    pub fn free_held_numbers(&mut self) -> Result<(), KernelError> {
        for index in 0..self.puppets.len() {
            let label = Label(index as u32);
            if !self.holds_foreign_group(label)? {
                continue;
            }
            self.continue_if_stopped(label)?;
            if self.condition(label)? == Condition::Able {
                self.command_ok(label, Command::new(Verb::Setpgid, 0, 0))?;
                continue;
            }
            let waiting = self.puppet(label).map(|p| p.files.sleep()).transpose().map_err(read)?.flatten();
            let parent = self.parent_of(label)?;
            if let (Some(Sleep::NamespaceTeardown), Some(parent)) = (waiting, parent) {
                self.continue_if_stopped(parent)?;
                if self.condition(parent)? == Condition::Able {
                    let pid = self.pid_seen_by(parent, label);
                    self.command_ok(parent, Command::new(Verb::Setpgid, pid, pid))?;
                }
            }
        }
        Ok(())
    }

    /// Whether `label`'s process group is named by a number that tearing the
    /// namespaces down will not free while `label` waits for it: one
    /// allocated in a namespace nested below `label`'s own (its init's
    /// SIGKILLs never reach `label`), or, for a namespace's init, one
    /// allocated in its own namespace by another process (the init does not
    /// kill itself, and waits for every other number of its namespace).
    fn holds_foreign_group(&self, label: Label) -> Result<bool, KernelError> {
        let Some(puppet) = self.puppet(label) else { return Ok(false) };
        let Some(stat) = puppet.files.stat().map_err(read)? else { return Ok(false) };
        let Some(led) = self.label_of(stat.pgrp).and_then(|l| self.puppet(l)) else { return Ok(false) };
        let deeper = led.ns.len() > puppet.ns.len() && led.ns.starts_with(&puppet.ns);
        let namespace_init = puppet.pids.last() == Some(&1);
        let own_namespace_init = led.ns == puppet.ns && namespace_init && led.host_pid != puppet.host_pid;
        Ok(deeper || own_namespace_init)
    }

    /// The puppet that is `label`'s parent, if it is one of the script's.
    fn parent_of(&self, label: Label) -> Result<Option<Label>, KernelError> {
        let Some(puppet) = self.puppet(label) else { return Ok(None) };
        Ok(puppet.files.stat().map_err(read)?.and_then(|stat| self.label_of(stat.ppid)))
    }

    /// Continues `label` if it is stopped, so that it can take a command.
    fn continue_if_stopped(&mut self, label: Label) -> Result<(), KernelError> {
        if self.condition(label)? == Condition::Stopped {
            let puppet = self.puppet(label).expect("a stopped puppet was born");
            puppet
                .pidfd
                .send_signal(libc::SIGCONT, Scope::Process)
                .map_err(|e| KernelError::syscall("pidfd_send_signal", e))?;
            self.settle()?;
        }
        Ok(())
    }

    /// Has `label` make one system call that must succeed, and waits for
    /// what follows to settle.
    fn command_ok(&mut self, label: Label, command: Command) -> Result<(), KernelError> {
        self.channel.send(label, command)?;
        self.settle()?;
        match self.puppet_mut(label)?.reply.take() {
            Some(Reply::Returned { value: 0, .. }) => Ok(()),
            other => Err(KernelError::Unexpected(format!(
                "`{}` could not free a group before teardown: {other:?}",
                self.script.name(label)
            ))),
        }
    }
}

fn read(e: std::io::Error) -> KernelError {
    KernelError::syscall("reading /proc", e)
}

/// Kills `init`, which takes its whole namespace with it, and reaps it;
/// `false` if the namespace did not die within [`TEARDOWN_LIMIT`].
pub(crate) fn kill_and_reap(pid: i32, pidfd: &OwnedFd) -> bool {
    let _ = pidfd::send_signal(pidfd, libc::SIGKILL);
    let deadline = Instant::now() + TEARDOWN_LIMIT;
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        // A pidfd polls readable once its process has exited.
        let mut poll = libc::pollfd { fd: pidfd.as_raw_fd(), events: libc::POLLIN, revents: 0 };
        // SAFETY: one pollfd, owned by this frame.
        let ready = unsafe { libc::poll(&mut poll, 1, i32::try_from(left.as_millis()).unwrap_or(i32::MAX)) };
        if ready > 0 {
            return super::world::reap(pid).is_ok();
        }
        if ready == 0 || (ready < 0 && std::io::Error::last_os_error().kind() != std::io::ErrorKind::Interrupted) {
            return false;
        }
    }
}

/// The error of a teardown that did not finish.
pub(crate) fn stuck() -> KernelError {
    KernelError::Unexpected(format!(
        "the script's namespace did not die within {TEARDOWN_LIMIT:?} of its init's SIGKILL: its processes are \
         left in the kernel's zap_pid_ns_processes"
    ))
}
