//! The error numbers that job-control system calls return (and, in version 3
//! of the replay format, the terminal calls: ENOENT to ENOTTY).

use std::fmt;

/// An errno value, named as in `<errno.h>`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, thiserror::Error)]
pub enum Errno {
    EPERM,
    ESRCH,
    ECHILD,
    EAGAIN,
    ENOMEM,
    EACCES,
    EINVAL,
    ENOSPC,
    ENOENT,
    EINTR,
    EIO,
    ENXIO,
    EBADF,
    ENOTTY,
}

impl Errno {
    pub fn name(self) -> &'static str {
        match self {
            Errno::EPERM => "EPERM",
            Errno::ESRCH => "ESRCH",
            Errno::ECHILD => "ECHILD",
            Errno::EAGAIN => "EAGAIN",
            Errno::ENOMEM => "ENOMEM",
            Errno::EACCES => "EACCES",
            Errno::EINVAL => "EINVAL",
            Errno::ENOSPC => "ENOSPC",
            Errno::ENOENT => "ENOENT",
            Errno::EINTR => "EINTR",
            Errno::EIO => "EIO",
            Errno::ENXIO => "ENXIO",
            Errno::EBADF => "EBADF",
            Errno::ENOTTY => "ENOTTY",
        }
    }

    /// The errno for a raw value returned by the kernel, if it is one of these.
    pub fn from_raw(raw: i32) -> Option<Errno> {
        Some(match raw {
            libc::EPERM => Errno::EPERM,
            libc::ESRCH => Errno::ESRCH,
            libc::ECHILD => Errno::ECHILD,
            libc::EAGAIN => Errno::EAGAIN,
            libc::ENOMEM => Errno::ENOMEM,
            libc::EACCES => Errno::EACCES,
            libc::EINVAL => Errno::EINVAL,
            libc::ENOSPC => Errno::ENOSPC,
            libc::ENOENT => Errno::ENOENT,
            libc::EINTR => Errno::EINTR,
            libc::EIO => Errno::EIO,
            libc::ENXIO => Errno::ENXIO,
            libc::EBADF => Errno::EBADF,
            libc::ENOTTY => Errno::ENOTTY,
            _ => return None,
        })
    }
}

impl fmt::Display for Errno {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}
