//! Process file descriptors: a handle on one process that no pid reuse can
//! confuse.
//!
//! The harness opens one for every puppet the moment it is born, and uses it
//! for two things a pid number cannot do safely:
//! - signals from outside the script (`signal - …`): a reaped process's pid may
//!   already belong to some other process of the machine, its pidfd does not;
//! - the exit status of a process the kernel reaped by itself (its parent
//!   ignores SIGCHLD, or its namespace was torn down): `PIDFD_GET_INFO` with
//!   `PIDFD_INFO_EXIT` keeps it for the pidfd's holder, since Linux 6.15. On
//!   older kernels the process events connector stands in (see
//!   [`exits`](super::exits), which asks the kernel which one works).

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

/// Opens a pidfd on the process with this pid (as the harness sees it).
pub(crate) fn open(pid: i32) -> io::Result<OwnedFd> {
    // SAFETY: pidfd_open takes two integers and returns a new descriptor or -1.
    let fd = unsafe { libc::syscall(libc::SYS_pidfd_open, pid, 0) };
    if fd < 0 {
        return Err(io::Error::last_os_error());
    }
    // SAFETY: the descriptor is new and owned by nobody else.
    Ok(unsafe { OwnedFd::from_raw_fd(fd as i32) })
}

/// Sends a signal as `kill(pid, sig)` from the harness would; ESRCH once the
/// process is reaped.
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
