//! procsim's integration tests: one binary, one file per behaviour.

mod invariants;
mod replay_scripts;
