//! The memory guard's budget is the smallest of what the machine, the
//! address-space limit (`RLIMIT_AS`) and the memory cgroups leave the run:
//! under a limit, a run that grows stops with exit 6 and its tables, rather
//! than aborting on a failed allocation (exit 134) or being killed by the
//! cgroup's out-of-memory killer (137).

use crate::scratch;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// A world that only grows, by a fork every µs: past a million processes in
/// its 1.2 s, far more than the limits below hold.
const GROWING: &str = r#"
seed = 1
duration = "1200ms"
tick = "1ms"

[calibration]
processes = 10
events = 1200000
interval = "1us"
mix = { fork = 1, exit = 0, setpgid_new = 0, setpgid_join = 0, setsid = 0 }
"#;

/// A tree of two million processes at time 0.
const LARGE_START: &str = "seed = 1\nduration = \"1s\"\ntick = \"10ms\"\n[calibration]\nprocesses = 2000000\n";

/// Runs `procsim` with `args` in `dir` with its address space limited to
/// `bytes`.
fn limited(dir: &Path, args: &[&str], bytes: u64) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_procsim"));
    command.args(args).current_dir(dir);
    // SAFETY: setrlimit is async-signal-safe, and nothing else runs between
    // the fork and the exec.
    unsafe {
        command.pre_exec(move || {
            let limit = libc::rlimit { rlim_cur: bytes, rlim_max: bytes };
            if libc::setrlimit(libc::RLIMIT_AS, &limit) == 0 { Ok(()) } else { Err(std::io::Error::last_os_error()) }
        });
    }
    command.output().expect("procsim runs")
}

/// The columns of `run.csv` in `dir`, by name.
fn run_csv(dir: &Path) -> Vec<(String, String)> {
    let text = std::fs::read_to_string(dir.join("run.csv")).unwrap();
    let mut lines = text.lines().map(|l| l.split(',').map(str::to_owned).collect::<Vec<_>>());
    let (header, row) = (lines.next().unwrap(), lines.next().unwrap());
    header.into_iter().zip(row).collect()
}

fn column<'a>(run: &'a [(String, String)], name: &str) -> &'a str {
    &run.iter().find(|(c, _)| c == name).unwrap().1
}

/// Checks a run stopped by the guard under a limit: exit 6, the message, and
/// whole tables marked `stopped-by-guard`.
fn stopped_by_the_guard(output: &Output, out: &Path, limit: &str) {
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(6), "{stderr}");
    assert!(stderr.contains(limit), "{stderr}");
    let mut names: Vec<String> =
        std::fs::read_dir(out).unwrap().map(|e| e.unwrap().file_name().into_string().unwrap()).collect();
    names.sort();
    assert_eq!(names, ["metrics.csv", "run.csv"]);
    assert_eq!(column(&run_csv(out), "status"), "stopped-by-guard");
    let metrics = std::fs::read_to_string(out.join("metrics.csv")).unwrap();
    let widths: Vec<usize> = metrics.lines().map(|l| l.split(',').count()).collect();
    assert!(widths.len() > 1 && widths.iter().all(|&w| w == widths[0]), "whole rows only");
}

#[test]
fn under_rlimit_as_a_growing_run_stops_instead_of_aborting() {
    let dir = scratch("rlimit-grow");
    std::fs::write(dir.join("growing.toml"), GROWING).unwrap();
    let output = limited(&dir, &["run", "growing.toml", "--out", "out"], 256 << 20);
    stopped_by_the_guard(
        &output,
        &dir.join("out"),
        "(9/10 of half the address space RLIMIT_AS left it when it started)",
    );
}

#[test]
fn under_rlimit_as_a_start_too_large_is_refused() {
    let dir = scratch("rlimit-start");
    std::fs::write(dir.join("large.toml"), LARGE_START).unwrap();
    let output = limited(&dir, &["run", "large.toml", "--out", "out"], 256 << 20);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(6), "{stderr}");
    assert!(
        stderr.starts_with("stopped before the start: 2000001 processes would take about 620 MiB at 325 B each"),
        "{stderr}"
    );
    assert!(stderr.contains("RLIMIT_AS"), "{stderr}");
    assert!(!dir.join("out").exists());
}

/// A memory cgroup of our own, limited to `bytes`, if this machine lets us
/// make one (root, and a memory controller we may write to); removed when
/// dropped.
struct Cgroup(PathBuf);

impl Cgroup {
    fn new(name: &str, bytes: u64) -> Option<Cgroup> {
        let own = std::fs::read_to_string("/proc/self/cgroup").ok()?;
        for line in own.lines() {
            let mut fields = line.splitn(3, ':');
            let (_, controllers, path) = (fields.next()?, fields.next()?, fields.next()?);
            let (base, limit_file) = if controllers.split(',').any(|c| c == "memory") {
                (Path::new("/sys/fs/cgroup/memory"), "memory.limit_in_bytes")
            } else if controllers.is_empty() {
                (Path::new("/sys/fs/cgroup"), "memory.max")
            } else {
                continue;
            };
            let dir = base.join(path.trim_start_matches('/')).join(name);
            let _ = std::fs::remove_dir(&dir);
            if std::fs::create_dir(&dir).is_err() {
                continue;
            }
            // The kernel fills a new cgroup with its files (a plain folder
            // would stay empty).
            let cgroup = Cgroup(dir);
            if cgroup.0.join("cgroup.procs").exists()
                && std::fs::write(cgroup.0.join(limit_file), bytes.to_string()).is_ok()
            {
                return Some(cgroup);
            }
        }
        None
    }
}

impl Drop for Cgroup {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir(&self.0);
    }
}

#[test]
fn in_a_limited_memory_cgroup_a_growing_run_stops_instead_of_being_killed() {
    let Some(cgroup) = Cgroup::new(&format!("procsim-test-{}", std::process::id()), 256 << 20) else {
        eprintln!("skipped: no memory cgroup can be made here (it needs root and a writable memory controller)");
        return;
    };
    let dir = scratch("cgroup-grow");
    std::fs::write(dir.join("growing.toml"), GROWING).unwrap();
    let procs = std::ffi::CString::new(cgroup.0.join("cgroup.procs").into_os_string().into_encoded_bytes()).unwrap();
    let mut command = Command::new(env!("CARGO_BIN_EXE_procsim"));
    command.args(["run", "growing.toml", "--out", "out"]).current_dir(&dir);
    // SAFETY: open, write and close are async-signal-safe; the child joins
    // the cgroup before it execs procsim.
    unsafe {
        command.pre_exec(move || {
            let fd = libc::open(procs.as_ptr(), libc::O_WRONLY);
            if fd < 0 {
                return Err(std::io::Error::last_os_error());
            }
            let written = libc::write(fd, b"0\n".as_ptr().cast(), 2);
            libc::close(fd);
            if written == 2 { Ok(()) } else { Err(std::io::Error::last_os_error()) }
        });
    }
    let output = command.output().expect("procsim runs");
    stopped_by_the_guard(&output, &dir.join("out"), "(9/10 of what its memory cgroup's limit left it when it started)");
}

/// A scenario file of 64 MB — one array of 32 million numbers under an
/// unknown key, made by `tests/fuzz/hostile.py` — took about 5 GB to parse
/// and aborted (exit 134) under `ulimit -v 4000000`; a file of more than
/// 1 MiB is now refused before it is parsed, at the line where it passes
/// 1 MiB, with exit 2.
#[test]
fn under_rlimit_as_an_enormous_scenario_file_is_refused_not_aborted() {
    let dir = scratch("memory-enormous-file");
    let mut text = String::from("seed = 1\nduration = \"1s\"\ntick = \"100ms\"\nx = [");
    text.push_str(&"1,".repeat(32_000_000));
    text.push_str("]\n");
    std::fs::write(dir.join("enormous.toml"), &text).unwrap();
    let output = limited(&dir, &["run", "enormous.toml", "--out", "out"], 4_000_000 * 1024);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert_eq!(
        stderr,
        "error: enormous.toml:4: the file goes on past 1 MiB, more than a scenario may have (its settings take a few \
         lines)\n"
    );
    assert!(!dir.join("out").exists(), "a refused scenario wrote results");
    // Just under the limit, the same kind of file is read and refused for its key.
    let mut text = String::from("seed = 1\nduration = \"1s\"\ntick = \"100ms\"\nx = [");
    text.push_str(&"1,".repeat(500_000));
    text.push_str("]\n");
    std::fs::write(dir.join("large.toml"), &text).unwrap();
    let output = limited(&dir, &["run", "large.toml", "--out", "out"], 4_000_000 * 1024);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(stderr.starts_with("error: large.toml:4: `x`: unknown key `x`"), "{stderr}");
}
