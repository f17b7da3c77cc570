//! The kernel's view of a puppet, read from `/proc`.
//!
//! The harness keeps `/proc/PID/status` and `/proc/PID/wchan` open for every
//! puppet: reading an open file costs less than opening it again, and such a
//! file keeps naming the same process: once the process is reaped, a read fails
//! with ESRCH, whoever gets its pid number next.
//!
//! `/proc` is the harness's, whose namespace is an ancestor of all of the
//! script's, so the `NS*` lines list every level from the harness's down to the
//! process's own: the first entry is the number the harness uses, the last one
//! what the process itself sees (`getpid`, `getpgid(0)`, `getsid(0)`).

use std::fs::File;
use std::io;
use std::os::unix::fs::FileExt;

/// The lines of `/proc/PID/status` the harness uses.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Status {
    /// The state letter: `R`, `S`, `D`, `T`, `Z`, …
    pub state: u8,
    /// The parent's pid (as the harness sees it).
    pub ppid: i32,
    /// The pid at every level, the harness's first.
    pub nspid: Vec<i32>,
    /// The process group id at every level of the process, 0 where invisible.
    pub nspgid: Vec<i32>,
    /// The session id at every level of the process, 0 where invisible.
    pub nssid: Vec<i32>,
    /// A signal is pending, for the thread or the process (`SigPnd`, `ShdPnd`).
    pub pending: bool,
    /// Context switches so far, voluntary and not: a process that has not run
    /// between two reads shows the same count.
    pub switches: u64,
}

/// The open `/proc` files of one process.
#[derive(Debug)]
pub(crate) struct ProcFiles {
    status: File,
    wchan: File,
}

impl ProcFiles {
    pub fn open(pid: i32) -> io::Result<ProcFiles> {
        Ok(ProcFiles {
            status: File::open(format!("/proc/{pid}/status"))?,
            wchan: File::open(format!("/proc/{pid}/wchan"))?,
        })
    }

    /// The process's status, or `None` once it is reaped.
    pub fn status(&self) -> io::Result<Option<Status>> {
        let mut buf = [0u8; 4096];
        let Some(text) = read_whole(&self.status, &mut buf)? else { return Ok(None) };
        parse_status(text).map(Some).ok_or_else(|| io::Error::new(io::ErrorKind::InvalidData, "unreadable status"))
    }

    /// Whether the process sleeps in a pipe `read()` (its wait channel), or
    /// `None` once it is reaped.
    pub fn in_pipe_read(&self) -> io::Result<Option<bool>> {
        let mut buf = [0u8; 64];
        let Some(text) = read_whole(&self.wchan, &mut buf)? else { return Ok(None) };
        // `anon_pipe_read` since Linux 6.15, `pipe_read` before.
        Ok(Some(text.ends_with("pipe_read")))
    }
}

/// Reads a small `/proc` file from its start; `None` if its process is reaped.
fn read_whole<'b>(file: &File, buf: &'b mut [u8]) -> io::Result<Option<&'b str>> {
    let mut len = 0;
    loop {
        let Some(rest) = buf.get_mut(len..).filter(|r| !r.is_empty()) else {
            return Err(io::Error::new(io::ErrorKind::InvalidData, "a /proc file is larger than expected"));
        };
        match file.read_at(rest, len as u64) {
            Ok(0) => break,
            Ok(n) => len += n,
            Err(e) if e.raw_os_error() == Some(libc::ESRCH) => return Ok(None),
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    let text = std::str::from_utf8(&buf[..len]).map_err(|e| io::Error::new(io::ErrorKind::InvalidData, e))?;
    Ok(Some(text))
}

fn parse_status(text: &str) -> Option<Status> {
    let mut status = Status {
        state: 0,
        ppid: 0,
        nspid: Vec::new(),
        nspgid: Vec::new(),
        nssid: Vec::new(),
        pending: false,
        switches: 0,
    };
    let numbers = |value: &str| value.split_ascii_whitespace().map(str::parse).collect::<Result<Vec<i32>, _>>().ok();
    for line in text.lines() {
        let Some((key, value)) = line.split_once(':') else { continue };
        let value = value.trim();
        match key {
            "State" => status.state = *value.as_bytes().first()?,
            "PPid" => status.ppid = value.parse().ok()?,
            "NSpid" => status.nspid = numbers(value)?,
            "NSpgid" => status.nspgid = numbers(value)?,
            "NSsid" => status.nssid = numbers(value)?,
            "SigPnd" | "ShdPnd" => status.pending |= u64::from_str_radix(value, 16).ok()? != 0,
            "voluntary_ctxt_switches" | "nonvoluntary_ctxt_switches" => status.switches += value.parse::<u64>().ok()?,
            _ => {}
        }
    }
    (status.state != 0 && !status.nspid.is_empty()).then_some(status)
}

/// The exit status of a zombie, in the form `waitpid` reports it (field 52 of
/// `/proc/PID/stat`, readable with the privileges of a tracer).
pub(crate) fn zombie_exit_status(pid: i32) -> io::Result<i32> {
    let text = std::fs::read_to_string(format!("/proc/{pid}/stat"))?;
    // Fields after the command name, which is in parentheses and may hold anything.
    let after = text.rsplit_once(')').map(|(_, rest)| rest);
    // The state is field 3, the exit code field 52.
    after
        .and_then(|rest| rest.split_ascii_whitespace().nth(52 - 3))
        .and_then(|field| field.parse().ok())
        .ok_or_else(|| io::Error::new(io::ErrorKind::InvalidData, format!("no exit code in /proc/{pid}/stat")))
}

/// The harness's own pid as its `/proc` numbers it.
pub(crate) fn own_pid() -> io::Result<i32> {
    let link = std::fs::read_link("/proc/self")?;
    link.to_str()
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| io::Error::new(io::ErrorKind::InvalidData, "/proc/self does not name a pid"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_lines_it_needs() {
        let text = "Name:\tprocsim\nState:\tS (sleeping)\nPPid:\t7\nNSpid:\t12\t3\nNSpgid:\t12\t3\nNSsid:\t9\t0\n\
                    SigPnd:\t0000000000000000\nShdPnd:\t0000000000000400\n\
                    voluntary_ctxt_switches:\t5\nnonvoluntary_ctxt_switches:\t2\n";
        let status = parse_status(text);
        assert_eq!(
            status,
            Some(Status {
                state: b'S',
                ppid: 7,
                nspid: vec![12, 3],
                nspgid: vec![12, 3],
                nssid: vec![9, 0],
                pending: true,
                switches: 7,
            })
        );
    }
}
