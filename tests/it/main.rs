//! procsim's integration tests: one binary, one file per behaviour.

mod invariants;
mod kernel_harness;
mod replay_scripts;
mod seed_api;
