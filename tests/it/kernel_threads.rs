//! `procsim kernel` on version 2 of the replay format (threads): the live
//! kernel gives every committed thread script (`tests/replay/threads/`) the
//! report committed for its spec, stops at every kind of invalid actor, and
//! runs random thread scripts without a harness error, the same report each
//! time; the simulator refuses version 2 until it runs it.
//!
//! The simulator cannot stand in for the kernel here yet (as it does in
//! `kernel_harness` for version 1): the committed reports do. A script's
//! report for the spec `procsim probe` finds is `NAME.SPEC.expected` if there
//! is one, else `NAME.expected` (the folder's convention: mainline's report,
//! which every variant the script does not name gives too).
//!
//! These tests run the real kernel. Where the harness cannot run (not root, no
//! namespaces: exit code 4) they say so on the terminal and check nothing.

use crate::kernel_harness::{harness_runs, host_spec, kernel, same_report};
use procsim::io::generate::{Lines, random_script_of};
use std::io::Write;
use std::path::{Path, PathBuf};

/// The committed thread scripts, in name order.
fn thread_scripts() -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/replay/threads");
    let mut scripts: Vec<_> = std::fs::read_dir(&dir)
        .expect("tests/replay/threads exists")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|e| e == "ops"))
        .collect();
    scripts.sort();
    scripts
}

/// The committed report of `script` for `spec`, if there is one.
fn expected_for(script: &Path, spec: &str) -> Option<PathBuf> {
    let stem = script.file_stem()?.to_str()?;
    let own = script.with_file_name(format!("{stem}.{spec}.expected"));
    let mainline = script.with_file_name(format!("{stem}.expected"));
    [own, mainline].into_iter().find(|p| p.is_file())
}

#[test]
fn the_live_kernel_gives_every_thread_script_its_committed_report() {
    if !harness_runs("the_live_kernel_gives_every_thread_script_its_committed_report") {
        return;
    }
    let spec = host_spec();
    let scripts = thread_scripts();
    let (mut compared, mut failures, mut without) = (0, Vec::new(), Vec::new());
    for path in &scripts {
        let Some(expected) = expected_for(path, &spec) else {
            without.push(path.display().to_string());
            continue;
        };
        let text = std::fs::read_to_string(path).expect("readable script");
        let (output, _) = same_report(&text, 5);
        let kernel = String::from_utf8_lossy(&output.stdout);
        let committed = std::fs::read_to_string(&expected).expect("readable report");
        compared += 1;
        if kernel != committed {
            let diff = similar::TextDiff::from_lines(committed.as_str(), &*kernel)
                .unified_diff()
                .header(&expected.display().to_string(), "kernel")
                .to_string();
            failures.push(diff);
        }
    }
    if !without.is_empty() {
        let _ = writeln!(std::io::stderr(), "no report for {spec} (not compared): {}", without.join(", "));
    }
    assert!(
        compared * 2 > scripts.len(),
        "only {compared} of {} thread scripts have a report for {spec}",
        scripts.len()
    );
    assert!(
        failures.is_empty(),
        "the kernel ({spec}) differs from {} of {compared} committed thread reports:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn kernel_stops_at_an_invalid_thread_actor() {
    if !harness_runs("kernel_stops_at_an_invalid_thread_actor") {
        return;
    }
    let cases = [
        // A thread that exited.
        ("fork init p\nthread p t\nexit_thread t\nmask t USR1 block\n", "4: invalid gone"),
        // A leader replaced by another thread's exec.
        ("fork init p\nthread p t\nexec t\nsetsid p\n", "4: invalid gone"),
        // A leader that exited while its thread lives.
        ("fork init p\nthread p t\nexit_thread p\ndispose p USR1 catch\n", "4: invalid zombie"),
        // A thread of a stopped process.
        ("fork init p\nthread p t\nsignal init STOP p\npdeathsig t HUP\n", "4: invalid stopped"),
        // The actor's state first: a stopped init thread's exit.
        ("thread init it\nsignal - STOP init\nexit it\n", "3: invalid stopped"),
        // What would end init's process.
        ("thread init it\nexit it 1\n", "2: invalid init"),
        ("thread init it\nexit_thread it\nexit_thread init\n", "3: invalid init"),
        ("thread init it\nexit_thread init\nsignal - KILL init\n", "3: invalid init"),
        ("thread init it\nexit_thread init\ntkill - KILL it\n", "3: invalid init"),
        ("thread init it\nexec it\nsignal - KILL %it\n", "3: invalid init"),
    ];
    for (text, invalid) in cases {
        let output = kernel(text);
        let report = String::from_utf8_lossy(&output.stdout);
        assert_eq!(output.status.code(), Some(3), "{text}{report}{}", String::from_utf8_lossy(&output.stderr));
        assert!(report.contains(&format!("\n{invalid}\n== state\n")), "{text}expected `{invalid}`:\n{report}");
    }
    // Allowed: exit_thread init while a thread lives, tkill - KILL to init's zombie leader.
    let output = kernel("thread init it\nexit_thread init\ntkill - KILL init\n");
    assert_eq!(output.status.code(), Some(0), "{}", String::from_utf8_lossy(&output.stdout));
}

/// Random thread scripts at a fixed seed run without a harness error (exit 0,
/// or 3 at an invalid actor), the same report twice, and most of them do
/// make threads.
#[test]
fn random_thread_scripts_run_on_the_kernel_the_same_twice() {
    if !harness_runs("random_thread_scripts_run_on_the_kernel_the_same_twice") {
        return;
    }
    const SCRIPTS: u64 = 200;
    let mut with_threads = 0;
    for seed in 31337..31337 + SCRIPTS {
        let text = random_script_of(seed, 30, Lines::Threads);
        let (output, _) = same_report(&text, 2);
        with_threads += u64::from(String::from_utf8_lossy(&output.stdout).contains("\nthread "));
    }
    assert!(with_threads * 10 >= SCRIPTS * 8, "only {with_threads} of {SCRIPTS} random scripts made a thread");
}

#[test]
fn version_2_is_run_by_the_kernel_harness_and_refused_by_the_simulator() {
    let dir = crate::scratch("version-2-refused");
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/replay/threads/example_threads.ops");
    let script = script.to_str().unwrap();
    for command in [&["replay", script][..], &["conform", script], &["compare", script]] {
        let output = crate::cli(&dir, command);
        assert_eq!(output.status.code(), Some(2), "{command:?}");
        assert!(output.stdout.is_empty(), "{command:?}");
        let says = String::from_utf8_lossy(&output.stderr);
        let want = "is version 2 of the replay format, and this command runs version 1 at most (`procsim kernel` runs \
                    version 2)";
        assert!(says.contains(want), "{says}");
    }
    let output = crate::cli(&dir, &["conform", "--random", "1", "--threads"]);
    assert_eq!(output.status.code(), Some(2), "{}", String::from_utf8_lossy(&output.stderr));
    if harness_runs("version_2_is_run_by_the_kernel_harness_and_refused_by_the_simulator") {
        let output = crate::cli(&dir, &["kernel", script]);
        assert_eq!(output.status.code(), Some(0), "{}", String::from_utf8_lossy(&output.stderr));
    }
}
