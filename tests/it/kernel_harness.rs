//! `procsim kernel`: the harness prints the replay format's example exactly,
//! every script's report is the same over repeated runs, and the live kernel
//! gives every committed script the report the simulator gives as `host`
//! (the Linux spec `procsim probe` finds on it). They never compare the live
//! kernel with a file another kernel made: the committed reports are checked
//! against the simulator, spec by spec, in `replay_scripts`.
//!
//! These tests run the real kernel. Where the harness cannot run (not root, no
//! namespaces: exit code 4) they say so on the terminal and check nothing.

use procsim::io::generate::{Lines, random_script, random_script_of};
use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::io::Write;
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

/// The example of the replay format and its expected report.
const EXAMPLE: &str =
    "fork init sh\nsetsid sh\nfork sh job\ndispose job HUP default\nsetpgid sh job 0\nsignal - STOP job\nexit sh\n";
const EXAMPLE_REPORT: &str = "1: ok\n2: ok\n3: ok\n4: ok\n5: ok\n6: ok\n7: ok\n== state\n\
proc init running parent=- pgrp=init sid=init ns=1/1/1 caught=-\n\
proc sh zombie parent=init pgrp=sh sid=sh ns=2/2/2 caught=- exit=0\n\
proc job zombie parent=init pgrp=job sid=sh ns=3/3/2 caught=- exit=HUP\n";

/// Hand-written scripts that touch every corner: handlers and their order,
/// exec, nested namespaces and their teardown, subreapers, self-signals, the
/// kill(-1) broadcast, the orphaned-group SIGHUP/SIGCONT, invalid actors.
const SCRIPTS: &[&str] = &[
    EXAMPLE,
    "fork init a\ndispose a USR1 catch\ndispose a CHLD catch\nfork a b\nexec b\nfork b c newpid\nfork c d\n\
     fork c d2\ndispose d2 USR1 ignore\nsignal c USR1 %c\nsignal d2 TERM c\nsignal a USR1 a\nexit b 7\nreap a b\n\
     reap a b\nsubreaper a on\nfork a e\nfork e f\nexit e 3\nreap a e\nsignal - KILL f\nsetpgid a 0 0\n\
     setpgid a a init\nsetpgid init a 0\nsetsid a\nsetpgid a 0 -1\nfork a g\nsignal a STOP g\nsignal a CONT %a\n\
     signal g STOP g\nsignal - CONT g\nexec a\nsignal a TSTP g\nexit a\nfork init h\ndispose h CONT catch\n\
     dispose h HUP catch\ndispose h TERM catch\nsignal - TERM %init\nsignal - STOP h\nsignal - HUP h\nsignal - CONT h\n",
    "fork init a\ndispose a CHLD catch\nfork a b\nfork a c\nfork a d\nsetpgid a b 0\nsetpgid a c b\nsetpgid a d b\n\
     signal a TSTP %b\nsignal a CONT %b\nsignal a KILL %b\nreap a b\nreap a c\nreap a d\n",
    "fork init s\nsetsid s\nfork s j\nfork j k\nsetpgid j 0 0\nsignal s STOP %j\nexit s\nsignal init CONT %j\n",
    "fork init n newpid\nfork n m\nfork m o\nsubreaper n on\nexit m\ndispose n CHLD ignore\nexit o\nexit n 4\n\
     fork init z\nexit z\nsetsid z\n",
    "fork init a\nsignal a STOP a\nfork a b\n",
    "signal - KILL %init\n",
];

fn procsim() -> Command {
    Command::new(env!("CARGO_BIN_EXE_procsim"))
}

/// Runs `procsim kernel -` on a script text.
pub(crate) fn kernel(text: &str) -> Output {
    let mut child = procsim()
        .args(["kernel", "-"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("procsim runs");
    let mut stdin = child.stdin.take().expect("stdin is piped");
    stdin.write_all(text.as_bytes()).expect("procsim reads its script");
    drop(stdin);
    child.wait_with_output().expect("procsim ends")
}

/// `true` if the harness can run here; otherwise says on the terminal (past the
/// test harness's capture) that `test` checked nothing.
pub(crate) fn harness_runs(test: &str) -> bool {
    let probe = kernel("fork init a\n");
    if probe.status.code() == Some(4) {
        let why = String::from_utf8_lossy(&probe.stderr);
        let _ = writeln!(std::io::stderr(), "SKIPPED {test}: the kernel harness cannot run here: {}", why.trim());
        return false;
    }
    true
}

/// The report of `text`, the same over `runs` runs (fails otherwise).
pub(crate) fn same_report(text: &str, runs: usize) -> (Output, Duration) {
    let start = Instant::now();
    let first = kernel(text);
    let time = start.elapsed();
    assert!(
        matches!(first.status.code(), Some(0 | 3)),
        "procsim kernel failed ({:?}) on\n{text}\n{}",
        first.status,
        String::from_utf8_lossy(&first.stderr)
    );
    for run in 1..runs {
        let again = kernel(text);
        assert_eq!(
            (String::from_utf8_lossy(&again.stdout), again.status.code()),
            (String::from_utf8_lossy(&first.stdout), first.status.code()),
            "run {} differs from run 1 on\n{text}\nits stderr: {}",
            run + 1,
            String::from_utf8_lossy(&again.stderr)
        );
    }
    (first, time)
}

#[test]
fn kernel_prints_the_format_example_exactly() {
    if !harness_runs("kernel_prints_the_format_example_exactly") {
        return;
    }
    let output = kernel(EXAMPLE);
    assert_eq!(String::from_utf8_lossy(&output.stdout), EXAMPLE_REPORT);
    assert_eq!(output.status.code(), Some(0));
}

#[test]
fn kernel_reports_are_the_same_over_five_runs() {
    if !harness_runs("kernel_reports_are_the_same_over_five_runs") {
        return;
    }
    for text in SCRIPTS {
        same_report(text, 5);
    }
    for seed in 0..8 {
        same_report(&random_script(seed, 30), 5);
    }
}

/// The spec `procsim probe` finds on the running kernel: its last line.
/// Fails, with the probe's output, when the kernel matches no known Linux.
pub(crate) fn host_spec() -> String {
    let output = procsim().arg("probe").output().expect("procsim runs");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert_eq!(
        output.status.code(),
        Some(0),
        "procsim probe failed:\n{stdout}{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let last = stdout.lines().last().unwrap_or_default();
    last.strip_prefix("semantics: ").unwrap_or_else(|| panic!("the probe's last line is `{last}`")).to_owned()
}

/// The simulator's report on a script file under `spec`.
fn simulated(path: &std::path::Path, spec: &str) -> String {
    let output = procsim().args(["replay", "--semantics", spec]).arg(path).output().expect("procsim runs");
    String::from_utf8(output.stdout).expect("a report is text")
}

/// Every committed script, run on the live kernel (the same report over
/// five runs), gives the report of the simulator configured as the kernel's
/// spec. A difference is one no known variant explains.
#[test]
fn the_live_kernel_gives_every_committed_script_the_report_of_its_spec() {
    if !harness_runs("the_live_kernel_gives_every_committed_script_the_report_of_its_spec") {
        return;
    }
    let spec = host_spec();
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut scripts: Vec<_> = ["tests/replay", "tests/replay/threads"]
        .into_iter()
        .flat_map(|dir| std::fs::read_dir(root.join(dir)).expect("the script folders exist"))
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|e| e == "ops"))
        .collect();
    scripts.sort();
    assert!(!scripts.is_empty(), "no committed scripts");
    let mut unknown = Vec::new();
    for path in &scripts {
        let text = std::fs::read_to_string(path).expect("readable script");
        let (output, _) = same_report(&text, 5);
        let kernel = String::from_utf8_lossy(&output.stdout);
        let ours = simulated(path, &spec);
        if kernel != ours {
            let diff = similar::TextDiff::from_lines(ours.as_str(), &*kernel)
                .unified_diff()
                .header(&format!("procsim --semantics {spec}"), "kernel")
                .to_string();
            unknown.push(format!("{}:\n{diff}", path.display()));
        }
    }
    assert!(
        unknown.is_empty(),
        "the kernel ({spec}, by procsim probe) differs from the simulator as {spec} on {} of {} scripts, in a way no \
         known kernel variant explains. If this kernel is a new variant, add a variant rule (src/semantics/variant.rs, \
         docs/semantics.md §12) and a probe script that shows it.\n{}",
        unknown.len(),
        scripts.len(),
        unknown.join("\n")
    );
}

#[test]
fn kernel_stops_at_an_invalid_actor() {
    if !harness_runs("kernel_stops_at_an_invalid_actor") {
        return;
    }
    let output = kernel("fork init a\nsignal a STOP a\nfork a b\nexit init\n");
    assert_eq!(output.status.code(), Some(3));
    assert_eq!(
        String::from_utf8_lossy(&output.stdout),
        "1: ok\n2: ok\n3: invalid stopped\n== state\n\
         proc init running parent=- pgrp=init sid=init ns=1/1/1 caught=-\n\
         proc a stopped parent=init pgrp=init sid=init ns=2/1/1 caught=-\n"
    );
    let output = kernel("signal - KILL %init\n");
    assert_eq!(output.status.code(), Some(3));
    assert!(String::from_utf8_lossy(&output.stdout).starts_with("1: invalid init\n== state\n"));
}

/// The determinism check at scale: `PROCSIM_SCRIPTS` random scripts (default
/// 500) of 40 operations from seed `PROCSIM_FIRST_SEED` on (default 0), each
/// run `PROCSIM_RUNS` times (default 5); with threads (version 2) when
/// `PROCSIM_THREADS` is set, with terminals (version 3) when `PROCSIM_TTY` is.
/// It prints how the scripts ended and, for terminal scripts, the results of
/// the terminal lines, verb by verb. Run it with
/// `cargo test --release --test it kernel_is_deterministic -- --ignored --nocapture`.
#[test]
#[ignore = "runs 2500 kernel scripts (a few minutes)"]
fn kernel_is_deterministic_on_random_scripts() {
    if !harness_runs("kernel_is_deterministic_on_random_scripts") {
        return;
    }
    let number = |name: &str, default: u64| std::env::var(name).ok().and_then(|n| n.parse().ok()).unwrap_or(default);
    let scripts = number("PROCSIM_SCRIPTS", 500);
    let first = number("PROCSIM_FIRST_SEED", 0);
    let runs = number("PROCSIM_RUNS", 5) as usize;
    let lines = match (std::env::var_os("PROCSIM_TTY"), std::env::var_os("PROCSIM_THREADS")) {
        (Some(_), _) => Lines::Terminals,
        (None, Some(_)) => Lines::Threads,
        (None, None) => Lines::Processes,
    };
    let (mut operations, mut enospc) = (0, 0);
    let mut invalid: BTreeMap<String, usize> = BTreeMap::new();
    let mut terminal: BTreeMap<String, BTreeMap<String, usize>> = BTreeMap::new();
    let mut times = Vec::new();
    for seed in first..first + scripts {
        let text = random_script_of(seed, 40, lines);
        let (output, time) = same_report(&text, runs);
        let report = String::from_utf8_lossy(&output.stdout);
        for (number, result) in report.lines().take_while(|l| !l.starts_with("==")).filter_map(|l| l.split_once(": ")) {
            operations += 1;
            enospc += usize::from(result == "ENOSPC");
            if let Some(reason) = result.strip_prefix("invalid ") {
                *invalid.entry(reason.to_owned()).or_default() += 1;
            }
            let line = number.parse::<usize>().ok().and_then(|n| text.lines().nth(n - 1)).unwrap_or_default();
            let verb = line.split(' ').next().unwrap_or_default();
            if ["tty", "ctty", "fg", "key", "ttyread", "ttywrite", "tostop", "notty", "hangup"].contains(&verb) {
                *terminal.entry(verb.to_owned()).or_default().entry(result.to_owned()).or_default() += 1;
            }
        }
        times.push(time);
    }
    times.sort();
    let count = |counts: &BTreeMap<String, usize>| {
        counts.iter().map(|(what, n)| format!("{what} {n}")).collect::<Vec<_>>().join(", ")
    };
    let mut summary = format!(
        "{scripts} scripts (seeds {first}..{}) x {runs} runs: identical. {operations} operations performed, {} scripts \
         ended at an invalid actor ({}), {enospc} ENOSPC; one run: median {:?}, max {:?}\n",
        first + scripts,
        invalid.values().sum::<usize>(),
        count(&invalid),
        times[times.len() / 2],
        times[times.len() - 1]
    );
    for (verb, results) in &terminal {
        let _ = writeln!(summary, "  {verb}: {}", count(results));
    }
    let _ = write!(std::io::stderr(), "{summary}");
}
