//! procsim's integration tests: one binary, one file per behaviour.

mod gvisor_rows;
mod invariants;
mod kernel_harness;
mod replay_scripts;
mod seed_api;
mod seed_model;
mod seed_rules_api;
