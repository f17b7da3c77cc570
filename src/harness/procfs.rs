//! The kernel's view of a puppet task, read from `/proc`.
//!
//! Every file is the task's own, `/proc/PID/task/TID/…` (a process's leader
//! is `/proc/PID/task/PID/…`): per-task state, run count and wait channel,
//! and a leader's own exit code (field 52 of `stat`; `/proc/PID/stat` would
//! show the stop signal of a stopped process instead, semantics rule 32).
//! Once a process has ended, both give its exit status.
//!
//! The harness keeps three small files open for every task (`stat`,
//! `schedstat`, `wchan`): reading an open file costs a fraction of opening it
//! again, which matters because they are read after every operation. Such a
//! file keeps naming the same `struct pid`: once its task is released, a read
//! fails with ESRCH, whoever gets its number next; when a thread's `exec`
//! takes its process's pid, the files of that pid name the thread. `status`
//! is large and slow, so it is read by path, and only while the task is known
//! to hold its tid.
//!
//! `/proc` is the harness's, whose namespace is an ancestor of all of the
//! script's, so the `NS*` lines of `status` list every level from the harness's
//! down to the process's own: the first entry is the number the harness uses,
//! the last one what the process itself sees (`getpid`, `getpgid(0)`,
//! `getsid(0)`).

use std::fs::File;
use std::io;
use std::os::unix::fs::FileExt;

/// The fields of `/proc/PID/stat` the harness uses (numbers as the harness sees them).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Stat {
    /// The state letter: `R`, `S`, `D`, `T`, `Z`, …
    pub state: u8,
    pub ppid: i32,
    pub pgrp: i32,
    pub session: i32,
    /// Its controlling terminal's device number, encoded (0 for none).
    pub tty_nr: i32,
    /// The foreground group of that terminal (-1 for none).
    pub tpgid: i32,
    /// For a zombie, how it ended, in the form `waitpid` reports it.
    pub exit_code: i32,
}

/// Where a sleeping puppet sleeps.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Sleep {
    /// In a pipe `read()`: a puppet waiting for its next command.
    PipeRead,
    /// A namespace's init that has exited and waits in
    /// `zap_pid_ns_processes()` for every pid number of its namespace to be
    /// freed. It stays there while a process outside the namespace holds one
    /// of them as its process-group id (semantics rule 12): exiting, and no
    /// longer able to act.
    NamespaceTeardown,
    /// Anywhere else (a lock, a page being read): not settled.
    Elsewhere,
}

/// The `NS*` lines of a task's `status`: each id at every level of the task,
/// the harness's first, 0 where the id has no number.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Levels {
    /// The task's tid (a leader's: its process's pid).
    pub pid: Vec<i32>,
    /// Its process's pid.
    pub tgid: Vec<i32>,
    pub pgid: Vec<i32>,
    pub sid: Vec<i32>,
}

/// The open `/proc` files of one task.
#[derive(Debug)]
pub(crate) struct ProcFiles {
    stat: File,
    schedstat: File,
    wchan: File,
}

impl ProcFiles {
    /// The files of task `tid` of process `pid`.
    pub fn open(pid: i32, tid: i32) -> io::Result<ProcFiles> {
        let open = |name: &str| File::open(format!("/proc/{pid}/task/{tid}/{name}"));
        Ok(ProcFiles { stat: open("stat")?, schedstat: open("schedstat")?, wchan: open("wchan")? })
    }

    /// The task's `stat`, or `None` once it is released.
    pub fn stat(&self) -> io::Result<Option<Stat>> {
        let mut buf = [0u8; 1024];
        let Some(text) = read_whole(&self.stat, &mut buf)? else { return Ok(None) };
        parse_stat(text).map(Some).ok_or_else(|| invalid("an unreadable /proc/PID/stat"))
    }

    /// How many times the task has been given a CPU (the third field of
    /// `schedstat`): a task that shows the same count twice did not run in
    /// between. `None` once it is released.
    pub fn runs(&self) -> io::Result<Option<u64>> {
        let mut buf = [0u8; 128];
        let Some(text) = read_whole(&self.schedstat, &mut buf)? else { return Ok(None) };
        let count = text.split_ascii_whitespace().nth(2).and_then(|n| n.parse().ok());
        count.map(Some).ok_or_else(|| invalid("an unreadable /proc/PID/schedstat"))
    }

    /// Where a sleeping task sleeps (its wait channel), or `None` once it
    /// is released.
    pub fn sleep(&self) -> io::Result<Option<Sleep>> {
        let mut buf = [0u8; 64];
        let Some(text) = read_whole(&self.wchan, &mut buf)? else { return Ok(None) };
        Ok(Some(if text.ends_with("pipe_read") {
            // `anon_pipe_read` since Linux 6.15, `pipe_read` before.
            Sleep::PipeRead
        } else if text == "zap_pid_ns_processes" {
            Sleep::NamespaceTeardown
        } else {
            Sleep::Elsewhere
        }))
    }
}

/// The `NS*` lines of task `tid` of process `pid`, while it holds its tid
/// (alive or a zombie).
pub(crate) fn levels(pid: i32, tid: i32) -> io::Result<Levels> {
    let text = std::fs::read_to_string(format!("/proc/{pid}/task/{tid}/status"))?;
    parse_levels(&text).ok_or_else(|| invalid("an unreadable /proc/PID/status"))
}

/// A task's signal sets, from its `status`: bit `n - 1` for signal `n`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct SignalSets {
    /// Blocked by the task (`SigBlk`).
    pub blocked: u64,
    /// Ignored by its process (`SigIgn`).
    pub ignored: u64,
    /// Caught by its process (`SigCgt`).
    pub caught: u64,
}

impl SignalSets {
    /// Whether signal `sig` is in `set`.
    pub fn has(set: u64, sig: i32) -> bool {
        (1..=64).contains(&sig) && set & (1 << (sig - 1)) != 0
    }
}

/// The signal sets of task `tid` of process `pid`, while it holds its tid.
pub(crate) fn signal_sets(pid: i32, tid: i32) -> io::Result<SignalSets> {
    let text = std::fs::read_to_string(format!("/proc/{pid}/task/{tid}/status"))?;
    let set =
        |key: &str| text.lines().find_map(|l| l.strip_prefix(key)).and_then(|v| u64::from_str_radix(v.trim(), 16).ok());
    match (set("SigBlk:"), set("SigIgn:"), set("SigCgt:")) {
        (Some(blocked), Some(ignored), Some(caught)) => Ok(SignalSets { blocked, ignored, caught }),
        _ => Err(invalid("an unreadable /proc/PID/status")),
    }
}

/// The harness's own pid as its `/proc` numbers it.
pub(crate) fn own_pid() -> io::Result<i32> {
    let link = std::fs::read_link("/proc/self")?;
    link.to_str().and_then(|s| s.parse().ok()).ok_or_else(|| invalid("a /proc/self that names no pid"))
}

fn invalid(what: &str) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, what.to_owned())
}

/// Reads a small `/proc` file from its start; `None` if its process is reaped.
fn read_whole<'b>(file: &File, buf: &'b mut [u8]) -> io::Result<Option<&'b str>> {
    let mut len = 0;
    loop {
        let Some(rest) = buf.get_mut(len..).filter(|r| !r.is_empty()) else {
            return Err(invalid("a /proc file larger than expected"));
        };
        match file.read_at(rest, len as u64) {
            Ok(0) => break,
            Ok(n) => len += n,
            Err(e) if e.raw_os_error() == Some(libc::ESRCH) => return Ok(None),
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    std::str::from_utf8(&buf[..len]).map(Some).map_err(|e| io::Error::new(io::ErrorKind::InvalidData, e))
}

fn parse_stat(text: &str) -> Option<Stat> {
    // The command name is in parentheses and may hold anything: fields count from its end.
    let (_, rest) = text.rsplit_once(')')?;
    let fields: Vec<&str> = rest.split_ascii_whitespace().collect();
    // `fields[0]` is field 3 of proc(5).
    let field = |n: usize| fields.get(n - 3).and_then(|f| f.parse().ok());
    Some(Stat {
        state: *fields.first()?.as_bytes().first()?,
        ppid: field(4)?,
        pgrp: field(5)?,
        session: field(6)?,
        tty_nr: field(7)?,
        tpgid: field(8)?,
        exit_code: field(52)?,
    })
}

fn parse_levels(text: &str) -> Option<Levels> {
    let numbers = |value: &str| value.split_ascii_whitespace().map(str::parse).collect::<Result<Vec<i32>, _>>().ok();
    let (mut pid, mut tgid, mut pgid, mut sid) = (None, None, None, None);
    for line in text.lines() {
        let Some((key, value)) = line.split_once(':') else { continue };
        match key {
            "NSpid" => pid = numbers(value),
            "NStgid" => tgid = numbers(value),
            "NSpgid" => pgid = numbers(value),
            "NSsid" => sid = numbers(value),
            _ => {}
        }
    }
    let levels = Levels { pid: pid?, tgid: tgid?, pgid: pgid?, sid: sid? };
    let depth = levels.pid.len();
    let same = [&levels.tgid, &levels.pgid, &levels.sid].iter().all(|ids| ids.len() == depth);
    (depth > 0 && same).then_some(levels)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stat_fields_count_from_the_end_of_the_name() {
        let mut text = String::from("42 (a) b (c)) T 7 12 9 34816 12");
        // Fields 9 to 51, then the exit code (field 52).
        for _ in 9..=51 {
            text.push_str(" 0");
        }
        text.push_str(" 256\n");
        assert_eq!(
            parse_stat(&text),
            Some(Stat { state: b'T', ppid: 7, pgrp: 12, session: 9, tty_nr: 34816, tpgid: 12, exit_code: 256 })
        );
    }

    #[test]
    fn status_gives_every_level() {
        let text =
            "Name:\tprocsim\nState:\tS (sleeping)\nNStgid:\t11\t2\nNSpid:\t12\t3\nNSpgid:\t11\t2\nNSsid:\t9\t0\n";
        let levels = Levels { pid: vec![12, 3], tgid: vec![11, 2], pgid: vec![11, 2], sid: vec![9, 0] };
        assert_eq!(parse_levels(text), Some(levels));
    }
}
