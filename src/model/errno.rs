//! The error numbers that job-control system calls return.

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
            _ => return None,
        })
    }
}

impl fmt::Display for Errno {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}
