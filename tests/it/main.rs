//! procsim's integration tests: one binary, one file per behaviour.

mod bad_scenarios;
mod closed_stdout;
mod command_line;
mod compare_profiles;
mod determinism;
mod exit_status_paths;
mod gvisor_rows;
mod gvisor_scenarios;
mod invariants;
mod kernel_harness;
mod kernel_variants;
mod long_scripts;
mod memory_guard;
mod messages;
mod models;
mod readme_r_example;
mod replay_scripts;
mod results;
mod scenarios;
mod seed_api;
mod seed_model;
mod seed_rules_api;

use procsim::check::{Inconsistency, check};
use procsim::io::script::Script;
use procsim::replay::replay_observed;
use procsim::semantics::Semantics;
use proptest::test_runner::{Config, RngSeed};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

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
