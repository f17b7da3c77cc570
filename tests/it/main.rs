//! procsim's integration tests: one binary, one file per behaviour.

mod bad_scenarios;
mod determinism;
mod gvisor_rows;
mod gvisor_scenarios;
mod invariants;
mod kernel_harness;
mod memory_guard;
mod models;
mod replay_scripts;
mod results;
mod scenarios;
mod seed_api;
mod seed_model;
mod seed_rules_api;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

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

/// The repository's `scenarios/` directory.
pub fn scenarios() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios")
}
