//! procsim: a discrete-event simulator of Linux process hierarchies.
//!
//! # The model
//!
//! A [`Machine`] is a simulated Linux machine: processes, process groups,
//! sessions and PID namespaces as entities of a bevy_ecs world
//! ([`model`]), the system calls that change them ([`syscalls`]), and the
//! systems that carry out what follows — signal delivery, exits,
//! reparenting, the orphaned-group SIGHUP and SIGCONT ([`systems`]). Every
//! rule is the kernel's, checked against the real one with replay scripts
//! ([`replay`]).
//!
//! # Running a scenario
//!
//! A [`workload::Scenario`] (a TOML file, see `scenarios/README.md`) mixes
//! workload models — interactive shells, daemons, supervised services,
//! containers, batch jobs — that play the programs the processes run. The
//! [`engine`] runs it in ticks and reports what each tick did, from the
//! machine's running census:
//!
//! ```
//! use procsim::workload::Scenario;
//!
//! let scenario = Scenario::parse(
//!     "example.toml",
//!     r#"
//!     seed = 7
//!     duration = "20s"
//!     tick = "10ms"
//!
//!     [shells]
//!     initial = 5
//!     suspend = 0.5
//!     hangup = 0.5
//!     "#,
//! )?;
//! let mut run = scenario.simulation();
//! let mut orphaned_groups_signalled = 0;
//! while let Some(tick) = run.advance() {
//!     orphaned_groups_signalled += tick.metrics.happened.orphan_pairs;
//!     assert!(tick.metrics.census.live() >= 1, "init never exits");
//! }
//! # let _ = orphaned_groups_signalled;
//! # Ok::<(), procsim::workload::ScenarioError>(())
//! ```
//!
//! `procsim run` does the same and writes the ticks to CSV tables
//! ([`io::results`]).
//!
//! # Ordering and determinism
//!
//! Simulated time is integer nanoseconds. Events are applied one at a time in
//! the total order `(time, priority, sequence)`; an operation acts at once,
//! and its consequences are carried out at the end of its tick, in the order
//! the operations were applied. Random choices come from ChaCha8 streams
//! named after each model and keyed by the seed. No wall-clock time, thread
//! or hash-map order reaches the results: a scenario and a seed give the same
//! tables, byte for byte, on every machine.

pub mod engine;
pub mod io;
pub mod machine;
pub mod model;
pub mod replay;
pub mod syscalls;
pub mod systems;
pub mod workload;

pub use machine::{Machine, MachineConfig};
