//! procsim's integration tests: one binary, one file per behaviour.

mod bad_scenarios;
mod closed_stdout;
mod command_line;
mod compare_profiles;
mod determinism;
mod events_budget;
mod exit_status_paths;
mod gvisor_rows;
mod gvisor_scenarios;
mod interrupts;
mod invariants;
mod issue_12_outputs_unchanged;
mod kernel_harness;
mod kernel_terminals;
mod kernel_threads;
mod kernel_variants;
mod long_scripts;
mod memory_guard;
mod memory_limits;
mod messages;
mod models;
mod output_lock;
mod pid_exhaustion;
mod plots;
mod readme_r_example;
mod refused_gaps;
mod replay_scripts;
mod results;
mod run_identity;
mod scenarios;
mod seed_api;
mod seed_model;
mod seed_rules_api;
mod start_population;
mod sweeps;
mod terminal_syntax;
mod thread_pools;

use procsim::check::{Inconsistency, check};
use procsim::io::script::Script;
use procsim::replay::replay_observed;
use procsim::semantics::Semantics;
use proptest::test_runner::{Config, RngSeed};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

/// The property tests' configuration: `cases` cases drawn from a fixed seed,
/// so that every run of the suite, on any machine, tries the same ones. Set
/// `PROPTEST_RNG_SEED` (and `PROPTEST_CASES`) to explore others.
pub fn property_config(cases: u32) -> Config {
    let default = Config::default();
    let explore = std::env::var_os("PROPTEST_RNG_SEED").is_some();
    let cases = if std::env::var_os("PROPTEST_CASES").is_some() { default.cases } else { cases };
    Config { cases, rng_seed: if explore { default.rng_seed } else { RngSeed::Fixed(2026) }, ..default }
}

/// The first inconsistency `check` finds while `script` replays under
/// `semantics`, checked after every operation.
pub fn first_inconsistency(script: &Script, semantics: Semantics) -> Option<Inconsistency> {
    let mut failure = None;
    replay_observed(script, semantics, |machine| {
        if failure.is_none() {
            failure = check(machine).err();
        }
    });
    failure
}

/// A fresh directory for one test.
pub fn scratch(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("a scratch directory");
    dir
}

/// Runs the `procsim` binary with `args` in `dir`.
pub fn cli(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_procsim")).args(args).current_dir(dir).output().expect("procsim runs")
}

/// Runs the `procsim` binary with `args` in `dir`, killing it if it has not
/// ended within `limit` (its output then has no exit code): a run that would
/// never end fails its test rather than hanging it.
pub fn cli_within(dir: &Path, args: &[&str], limit: Duration) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_procsim"))
        .args(args)
        .current_dir(dir)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("procsim runs");
    // Read the pipes as the child writes, so that it never blocks on a full one.
    let (stdout, stderr) = (child.stdout.take().unwrap(), child.stderr.take().unwrap());
    let read = |mut pipe: Box<dyn std::io::Read + Send>| {
        std::thread::spawn(move || {
            let mut bytes = Vec::new();
            pipe.read_to_end(&mut bytes).map(|_| bytes)
        })
    };
    let (out, err) = (read(Box::new(stdout)), read(Box::new(stderr)));
    let deadline = Instant::now() + limit;
    while child.try_wait().unwrap().is_none() && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(10));
    }
    let _ = child.kill();
    let status = child.wait().unwrap();
    Output { status, stdout: out.join().unwrap().unwrap(), stderr: err.join().unwrap().unwrap() }
}

/// Runs the `procsim` binary with `args` in `dir`, `input` on its stdin and
/// its stdout going to `stdout` (its stderr is captured, and its stdout too
/// when `stdout` is piped).
pub fn cli_with(dir: &Path, args: &[&str], input: &[u8], stdout: Stdio) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_procsim"))
        .args(args)
        .current_dir(dir)
        .stdin(Stdio::piped())
        .stdout(stdout)
        .stderr(Stdio::piped())
        .spawn()
        .expect("procsim runs");
    let mut stdin = child.stdin.take().expect("a stdin");
    // A command that reads no stdin may have ended before this is written.
    let _ = stdin.write_all(input);
    drop(stdin);
    child.wait_with_output().expect("procsim ends")
}

/// The repository's `scenarios/` directory.
pub fn scenarios() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios")
}
