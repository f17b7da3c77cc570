//! procsim's integration tests: one binary, one file per behaviour.

mod bad_scenarios;
mod closed_stdout;
mod command_line;
mod compare_profiles;
mod determinism;
mod events_budget;
mod exit_status_paths;
mod generated_scripts;
mod gvisor_rows;
mod gvisor_scenarios;
mod interrupts;
mod invariants;
mod issue_12_outputs_unchanged;
mod issue_14_outputs_unchanged;
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
mod terminal_workloads;
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

/// A scenario with every model, the shells, daemons and services busy: the
/// determinism test's, and the one whose outputs threads must not change.
pub const EVERY_MODEL: &str = r#"
seed = 7
duration = "20s"
tick = "10ms"

[shells]
initial = 10
arrivals = { dist = "exponential", mean = "2s" }
session = { dist = "lognormal", median = "10s", sigma = 1.0 }
think = { dist = "exponential", mean = "1s" }
suspend = 0.5
hangup = 0.5

[daemons]
initial = 5
work = { dist = "exponential", mean = "500ms" }

[supervisors]
initial = 1
services = { count = 4, lifetime = { dist = "exponential", mean = "2s" }, daemonize = 0.5 }

[containers]
initial = 2
lifetime = { dist = "exponential", mean = "5s" }

[batch]
initial = 2
"#;

/// Runs a scenario made of `text` in scratch folder `name` and returns its
/// stderr, checking exit 2, one line of error and that nothing was written.
pub fn rejected_scenario(name: &str, text: &str) -> String {
    let dir = scratch(name);
    std::fs::write(dir.join("bad.toml"), text).unwrap();
    let output = cli(&dir, &["run", "bad.toml", "--out", "out"]);
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert_eq!(output.status.code(), Some(2), "{name}: {stderr}");
    assert!(!dir.join("out").exists(), "{name}: a rejected scenario wrote results");
    assert_eq!(stderr.lines().count(), 1, "{name}: one line of error: {stderr}");
    stderr
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

/// Runs a scenario through the library, checking the machine's consistency
/// after every tick; returns every tick's metrics and the finished run.
pub fn run_scenario(
    text: &str,
) -> (Vec<procsim::engine::TickMetrics>, procsim::engine::Simulation<procsim::workload::Mix>) {
    let scenario = procsim::workload::Scenario::parse("test.toml", text).unwrap_or_else(|e| panic!("{e}"));
    let mut sim = scenario.simulation();
    let mut ticks = Vec::new();
    while let Some(tick) = sim.advance() {
        ticks.push(tick.metrics.clone());
        if let Err(e) = procsim::check::check(sim.machine()) {
            panic!("after tick {}: {e}", ticks.len());
        }
    }
    (ticks, sim)
}

/// The sum of `f` over `ticks`.
pub fn sum(ticks: &[procsim::engine::TickMetrics], f: impl Fn(&procsim::engine::TickMetrics) -> u64) -> u64 {
    ticks.iter().map(f).sum()
}
