//! Process file descriptors: a handle on one process that no pid reuse can
//! confuse.
//!
//! The harness opens one for every puppet task the moment it is born, and
//! uses it for two things a pid number cannot do safely:
//! - signals from outside the script (`signal - …`, `tkill - …`): a reaped
//!   process's pid may already belong to some other process of the machine,
//!   its pidfd does not;
//! - the exit status of a process the kernel reaped by itself (its parent
//!   ignores SIGCHLD, or its namespace was torn down): `PIDFD_GET_INFO` with
//!   `PIDFD_INFO_EXIT` keeps it for the pidfd's holder, since Linux 6.15. On
//!   older kernels the process events connector stands in (see
//!   [`exits`](super::exits), which asks the kernel which one works).
//!
//! A pidfd is tied to a `struct pid`, not to a task: when a thread's `exec`
//! gives it its process's pid (`exchange_tids()`), the process's pidfd names
//! that thread from then on, and the thread's own pidfd the old leader.
//! A thread that leads no process gets a thread pidfd (`PIDFD_THREAD`,
//! Linux 6.9), the only kind the kernel makes for it.

use std::io;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};

/// `struct pidfd_info` of `<linux/pidfd.h>`, its first version (64 bytes).
#[repr(C)]
#[derive(Default)]
struct PidfdInfo {
    mask: u64,
    cgroupid: u64,
    pid: u32,
    tgid: u32,
    ppid: u32,
    ruid: u32,
    rgid: u32,
    euid: u32,
    egid: u32,
    suid: u32,
    sgid: u32,
    fsuid: u32,
    fsgid: u32,
    exit_code: i32,
}

const PIDFD_INFO_EXIT: u64 = 1 << 3;

/// `_IOWR(PIDFS_IOCTL_MAGIC, 11, struct pidfd_info)`.
const PIDFD_GET_INFO: libc::c_ulong = (3 << 30) | ((size_of::<PidfdInfo>() as libc::c_ulong) << 16) | (0xFF << 8) | 11;

/// `PIDFD_THREAD` of `<linux/pidfd.h>` (`O_EXCL`): a pidfd on a thread.
const PIDFD_THREAD: libc::c_uint = libc::O_EXCL as libc::c_uint;

/// `PIDFD_SIGNAL_THREAD` and `PIDFD_SIGNAL_THREAD_GROUP` of `<linux/pidfd.h>`.
const PIDFD_SIGNAL_THREAD: libc::c_uint = 1 << 0;
const PIDFD_SIGNAL_THREAD_GROUP: libc::c_uint = 1 << 1;

/// Whom a signal sent through a pidfd is for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Scope {
    /// The task's process, tried on the task first: `kill(tid)`.
    Process,
    /// The task alone: `tgkill(tgid, tid)`.
    Thread,
}

/// A pidfd on one task of the script.
#[derive(Debug)]
pub(crate) struct Pidfd {
    fd: OwnedFd,
    /// Opened with `PIDFD_THREAD`.
    thread: bool,
}

impl Pidfd {
    /// Opens a pidfd on the process with this pid (as the harness sees it).
    pub fn process(pid: i32) -> io::Result<Pidfd> {
        open(pid, 0).map(|fd| Pidfd { fd, thread: false })
    }

    /// Opens a pidfd on the thread with this tid (as the harness sees it).
    pub fn thread(tid: i32) -> io::Result<Pidfd> {
        open(tid, PIDFD_THREAD).map(|fd| Pidfd { fd, thread: true })
    }

    /// Sends a signal as `kill` or `tgkill` (`scope`) from the harness
    /// would; ESRCH once the task is released.
    pub fn send_signal(&self, sig: i32, scope: Scope) -> io::Result<()> {
        let flags = match (scope, self.thread) {
            // Without flags, as before Linux 6.9: a process pidfd signals the process.
            (Scope::Process, false) => 0,
            (Scope::Process, true) => PIDFD_SIGNAL_THREAD_GROUP,
            (Scope::Thread, _) => PIDFD_SIGNAL_THREAD,
        };
        // SAFETY: plain integers and a null siginfo (the kernel fills in SI_USER).
        let r = unsafe {
            libc::syscall(libc::SYS_pidfd_send_signal, self.fd.as_raw_fd(), sig, std::ptr::null::<u8>(), flags)
        };
        if r < 0 { Err(io::Error::last_os_error()) } else { Ok(()) }
    }

    /// The exit status of the reaped process (see [`exit_status`]).
    pub fn exit_status(&self) -> io::Result<Option<i32>> {
        exit_status(&self.fd)
    }
}

/// Opens a pidfd on the task with this id (as the harness sees it).
pub(crate) fn open(pid: i32, flags: libc::c_uint) -> io::Result<OwnedFd> {
    // SAFETY: pidfd_open takes two integers and returns a new descriptor or -1.
    let fd = unsafe { libc::syscall(libc::SYS_pidfd_open, pid, flags) };
    if fd < 0 {
        return Err(io::Error::last_os_error());
    }
    // SAFETY: the descriptor is new and owned by nobody else.
    Ok(unsafe { OwnedFd::from_raw_fd(fd as i32) })
}

/// Sends a signal as `kill(pid, sig)` from the harness would, through a
/// process pidfd of the harness's own; ESRCH once the process is reaped.
pub(crate) fn send_signal(pidfd: &OwnedFd, sig: i32) -> io::Result<()> {
    // SAFETY: plain integers and a null siginfo (the kernel fills in SI_USER).
    let r = unsafe { libc::syscall(libc::SYS_pidfd_send_signal, pidfd.as_raw_fd(), sig, std::ptr::null::<u8>(), 0) };
    if r < 0 { Err(io::Error::last_os_error()) } else { Ok(()) }
}

/// The exit status (as `waitpid` gives it) of a reaped process; `None` while it
/// is alive or a zombie.
pub(crate) fn exit_status(pidfd: &OwnedFd) -> io::Result<Option<i32>> {
    let mut info = PidfdInfo { mask: PIDFD_INFO_EXIT, ..PidfdInfo::default() };
    // SAFETY: the ioctl writes at most `size_of::<PidfdInfo>()` bytes, encoded in its number.
    let r = unsafe { libc::ioctl(pidfd.as_raw_fd(), PIDFD_GET_INFO, &raw mut info) };
    if r < 0 {
        return Err(io::Error::last_os_error());
    }
    Ok((info.mask & PIDFD_INFO_EXIT != 0).then_some(info.exit_code))
}
