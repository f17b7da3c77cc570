//! The source of exit statuses of one run (see
//! [`exit_status`](super::exit_status)): the caller's request resolved on this
//! machine, once, before the script's first process exists, and what the
//! harness asks of it while the script runs.
//!
//! Whether the pidfd path works is asked of the kernel, not read from its
//! version: the harness reaps a child and asks its pidfd for `PIDFD_INFO_EXIT`.

use super::KernelError;
use super::connector::Connector;
use super::exit_status::{ExitStatusRequest, ExitStatusSource};
use super::pidfd;
use super::world::{Puppet, reap};

/// Why the pidfd path cannot work on this kernel.
const NO_PIDFD_EXIT: &str =
    "this kernel keeps no exit status for the pidfd of a reaped process (PIDFD_INFO_EXIT needs Linux 6.15)";

/// Where the harness learns how the processes the kernel reaped by itself ended.
pub(crate) enum ExitWatch {
    /// The pidfd each puppet's record holds.
    Pidfd,
    /// The process events, subscribed to before the script started.
    Connector(Connector),
}

impl ExitWatch {
    /// Resolves `request` on this machine; a connector is subscribed by the
    /// time this returns.
    pub fn open(request: ExitStatusRequest) -> Result<ExitWatch, KernelError> {
        let connector = || Connector::subscribe().map(ExitWatch::Connector);
        match request {
            ExitStatusRequest::Connector => connector(),
            ExitStatusRequest::Pidfd if pidfd_keeps_exit_status()? => Ok(ExitWatch::Pidfd),
            ExitStatusRequest::Pidfd => Err(KernelError::CannotRun(format!(
                "{NO_PIDFD_EXIT}; ask for the process events connector instead (`--exit-status connector`, as root)"
            ))),
            ExitStatusRequest::Auto if pidfd_keeps_exit_status()? => Ok(ExitWatch::Pidfd),
            ExitStatusRequest::Auto => connector().map_err(|e| match e {
                KernelError::CannotRun(why) => KernelError::CannotRun(format!("{NO_PIDFD_EXIT}, and {why}")),
                e => e,
            }),
        }
    }

    pub fn source(&self) -> ExitStatusSource {
        match self {
            ExitWatch::Pidfd => ExitStatusSource::Pidfd,
            ExitWatch::Connector(_) => ExitStatusSource::Connector,
        }
    }

    /// Takes in what the kernel reported so far (the connector's socket must
    /// not fill up while the script runs).
    pub fn drain(&mut self) -> Result<(), KernelError> {
        match self {
            ExitWatch::Pidfd => Ok(()),
            ExitWatch::Connector(connector) => connector.drain(),
        }
    }

    /// The harness met a newborn puppet process with this pid.
    pub fn born(&mut self, host_pid: i32) -> Result<(), KernelError> {
        match self {
            ExitWatch::Pidfd => Ok(()),
            ExitWatch::Connector(connector) => connector.born(host_pid),
        }
    }

    /// The status (as `waitpid` gives it) of the process led last by the
    /// puppet `name`, which the kernel reaped by itself. Take in what the
    /// kernel reported first.
    pub fn status(&self, puppet: &Puppet, name: &str) -> Result<i32, KernelError> {
        match self {
            ExitWatch::Pidfd => match puppet.pidfd.exit_status() {
                Ok(Some(raw)) => Ok(raw),
                Ok(None) => Err(KernelError::Unexpected(format!("the pidfd of reaped `{name}` holds no exit status"))),
                Err(e) => Err(KernelError::syscall("ioctl(PIDFD_GET_INFO)", e)),
            },
            ExitWatch::Connector(connector) => connector.exit_status(puppet.host_pid).ok_or_else(|| {
                KernelError::EventsLost(format!("the exit of `{name}` (pid {}) was not reported", puppet.host_pid))
            }),
        }
    }
}

/// Whether this kernel keeps the exit status of a reaped process for its
/// pidfd: asks about a child that exited and was reaped.
fn pidfd_keeps_exit_status() -> Result<bool, KernelError> {
    // SAFETY: the child calls only `_exit`, which is async-signal-safe.
    let pid = unsafe { libc::fork() };
    if pid == 0 {
        // SAFETY: ends the child at once.
        unsafe { libc::_exit(0) }
    }
    if pid < 0 {
        return Err(KernelError::last_os("fork"));
    }
    // The child keeps its pid until it is reaped, so the pidfd is the child's.
    let opened = pidfd::open(pid, 0);
    let reaped = reap(pid);
    let pidfd = opened.map_err(|e| KernelError::syscall("pidfd_open", e))?;
    reaped.map_err(|e| KernelError::syscall("waitpid", e))?;
    match pidfd::exit_status(&pidfd) {
        Ok(status) => Ok(status.is_some()),
        // No PIDFD_GET_INFO before Linux 6.13; on 6.13 and 6.14 it knows nothing of a reaped process.
        Err(e) if matches!(e.raw_os_error(), Some(libc::ENOTTY | libc::EINVAL | libc::ESRCH)) => Ok(false),
        Err(e) => Err(KernelError::syscall("ioctl(PIDFD_GET_INFO)", e)),
    }
}
