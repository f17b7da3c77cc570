//! The terminal emulator of a version-3 script: the harness holds each
//! terminal's pseudo-terminal master, types keys and hangs up (the replay
//! format, "Terminals").
//!
//! Keys are typed with `TIOCSTI` on the harness's own descriptor of the slave
//! (opened with `O_NOCTTY`), by the harness thread moved onto the puppet CPU
//! for the call, so that the signals a key sends are all sent before any
//! recipient runs (the format's "Timing"). The harness runs as root, so
//! `dev.tty.legacy_tiocsti` does not stop it. A hangup closes the master: the
//! kernel hangs the slave up (`pty_close`, `tty_vhangup`).

use super::KernelError;
use crate::io::script::Key;
use std::ffi::CStr;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};

/// One pseudo-terminal.
#[derive(Debug)]
pub(crate) struct Terminal {
    /// The master, until the hangup closes it.
    master: Option<OwnedFd>,
    /// The harness's own descriptor of the slave, on which keys are typed.
    slave: OwnedFd,
    /// N of `/dev/pts/N`.
    pub number: i32,
    /// The slave's device number, as `/proc/PID/stat` field 7 (`tty_nr`) writes it.
    pub tty_nr: i32,
}

impl Terminal {
    /// A new pseudo-terminal, unlocked, with the default settings of a new pty.
    pub fn open() -> Result<Terminal, KernelError> {
        // SAFETY: plain calls; each descriptor is owned as soon as it exists.
        unsafe {
            let raw = libc::posix_openpt(libc::O_RDWR | libc::O_NOCTTY | libc::O_CLOEXEC);
            if raw < 0 {
                return Err(KernelError::last_os("posix_openpt"));
            }
            let master = OwnedFd::from_raw_fd(raw);
            if libc::grantpt(raw) != 0 || libc::unlockpt(raw) != 0 {
                return Err(KernelError::last_os("unlockpt"));
            }
            let mut number: libc::c_uint = 0;
            if libc::ioctl(raw, libc::TIOCGPTN, &mut number) != 0 {
                return Err(KernelError::last_os("ioctl(TIOCGPTN)"));
            }
            let path = format!("/dev/pts/{number}\0");
            let path =
                CStr::from_bytes_with_nul(path.as_bytes()).map_err(|e| KernelError::Unexpected(e.to_string()))?;
            let flags = libc::O_RDWR | libc::O_NOCTTY | libc::O_NONBLOCK | libc::O_CLOEXEC;
            let raw_slave = libc::open(path.as_ptr(), flags);
            if raw_slave < 0 {
                return Err(KernelError::last_os("opening the pty slave"));
            }
            let slave = OwnedFd::from_raw_fd(raw_slave);
            let mut stat: libc::stat = std::mem::zeroed();
            if libc::fstat(raw_slave, &mut stat) != 0 {
                return Err(KernelError::last_os("fstat of the pty slave"));
            }
            let (major, minor) = (i64::from(libc::major(stat.st_rdev)), i64::from(libc::minor(stat.st_rdev)));
            let too_big = |e: std::num::TryFromIntError| KernelError::Unexpected(e.to_string());
            let tty_nr = i32::try_from((minor & 0xff) | (major << 8) | ((minor & !0xff) << 12)).map_err(too_big)?;
            let number = i32::try_from(number).map_err(too_big)?;
            Ok(Terminal { master: Some(master), slave, number, tty_nr })
        }
    }

    /// Types `key` (`TIOCSTI`): the caller runs it on the puppet CPU. EIO once hung up.
    pub fn type_key(&self, key: Key) -> std::io::Result<()> {
        let byte = key.byte();
        // SAFETY: the kernel reads one byte.
        if unsafe { libc::ioctl(self.slave.as_raw_fd(), libc::TIOCSTI, &byte) } != 0 {
            return Err(std::io::Error::last_os_error());
        }
        Ok(())
    }

    /// Whether TOSTOP is set (read on the harness's own slave descriptor).
    pub fn tostop(&self) -> Result<bool, KernelError> {
        // SAFETY: a zeroed termios is a valid value for tcgetattr to fill.
        unsafe {
            let mut settings: libc::termios = std::mem::zeroed();
            if libc::tcgetattr(self.slave.as_raw_fd(), &mut settings) != 0 {
                return Err(KernelError::last_os("tcgetattr"));
            }
            Ok(settings.c_lflag & libc::TOSTOP != 0)
        }
    }

    /// Closes the master; `false` if it was closed already.
    pub fn hang_up(&mut self) -> bool {
        self.master.take().is_some()
    }

    /// The session it controls (its leader's pid, as the harness numbers it)
    /// and its foreground group's number (0 for none), read on the master;
    /// `None` once hung up.
    pub fn owners(&self) -> Result<Option<(Option<i32>, i32)>, KernelError> {
        let Some(master) = &self.master else { return Ok(None) };
        let (mut sid, mut pgrp): (libc::pid_t, libc::pid_t) = (0, 0);
        // SAFETY: the kernel writes one pid_t each.
        unsafe {
            let session = if libc::ioctl(master.as_raw_fd(), libc::TIOCGSID, &mut sid) == 0 {
                Some(sid)
            } else if std::io::Error::last_os_error().raw_os_error() == Some(libc::ENOTTY) {
                None
            } else {
                return Err(KernelError::last_os("ioctl(TIOCGSID)"));
            };
            if libc::ioctl(master.as_raw_fd(), libc::TIOCGPGRP, &mut pgrp) != 0 {
                return Err(KernelError::last_os("ioctl(TIOCGPGRP)"));
            }
            Ok(Some((session, pgrp)))
        }
    }
}
