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
//! So before the kill, every process whose group is led from a deeper
//! namespace leaves it with `setpgid(0, 0)` (a stopped one is continued
//! first). The report has been read by then, so this changes nothing it
//! says. The wait for `init` is bounded too: a teardown that still hangs is an
//! error, never a harness that waits for ever.

use super::KernelError;
use super::ops::Condition;
use super::pidfd;
use super::wire::{Command, Verb};
use super::world::{Reply, World};
use crate::io::script::Label;
use std::os::fd::{AsRawFd, OwnedFd};
use std::time::{Duration, Instant};

/// How long the namespace may take to die after its init is killed.
const TEARDOWN_LIMIT: Duration = Duration::from_secs(10);

impl World<'_> {
    /// Makes every live process whose group is led from a namespace nested
    /// below its own leave that group, so that the namespace can die.
    pub fn leave_deeper_groups(&mut self) -> Result<(), KernelError> {
        let read = |e: std::io::Error| KernelError::syscall("reading /proc", e);
        for index in 0..self.puppets.len() {
            let label = Label(index as u32);
            let Some(puppet) = self.puppet(label) else { continue };
            let Some(stat) = puppet.files.stat().map_err(read)? else { continue };
            let depth = puppet.ns.len();
            let leader_depth = self.label_of(stat.pgrp).and_then(|l| self.puppet(l)).map_or(0, |l| l.ns.len());
            if leader_depth <= depth {
                continue;
            }
            if self.condition(label)? == Condition::Stopped {
                let puppet = self.puppet(label).expect("born");
                pidfd::send_signal(&puppet.pidfd, libc::SIGCONT)
                    .map_err(|e| KernelError::syscall("pidfd_send_signal", e))?;
                self.settle()?;
            }
            if self.condition(label)? != Condition::Able {
                continue;
            }
            self.channel.send(label, Command::new(Verb::Setpgid, 0, 0))?;
            self.settle()?;
            match self.puppet_mut(label)?.reply.take() {
                Some(Reply::Returned { value: 0, .. }) => {}
                other => {
                    return Err(KernelError::Unexpected(format!(
                        "`{}` could not leave its group before teardown: {other:?}",
                        self.script.name(label)
                    )));
                }
            }
        }
        Ok(())
    }
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
