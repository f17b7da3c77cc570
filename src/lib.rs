//! procsim: a discrete-event simulator of Linux process hierarchies —
//! processes, process groups, sessions and PID namespaces, with the kernel's
//! job-control rules, checked against the real kernel.
//!
//! # The model
//!
//! A [`Machine`] holds a bevy_ecs world in which processes, process groups,
//! sessions and PID namespaces are entities. Their ties are relation
//! components of procsim's own ([`model::Tree`] for parent and children,
//! [`model::Membership`] for a process's group, the group's session, the
//! namespace chain), stored as intrusive lists so that adding or removing one
//! costs O(1) whatever the fan-in: the reaper can adopt millions of orphans.
//!
//! Operations are the system calls of job control ([`syscalls`]): they act at
//! once and return a typed [`model::Errno`]. What follows — signals
//! delivered, processes stopping and dying, children reparented, orphaned
//! groups signalled — is carried out by the [`systems`] when the machine
//! settles, in the order one CPU would run them.
//!
//! ```
//! use procsim::{Machine, MachineConfig};
//! use procsim::model::Signal;
//!
//! let mut m = Machine::new(MachineConfig::default());
//! let init = m.global_init();
//! // A shell in its own session, with a job in its own group.
//! let shell = m.fork(init, false).unwrap().unwrap();
//! m.setsid(shell).unwrap().unwrap();
//! let job = m.fork(shell, false).unwrap().unwrap();
//! m.setpgid(job, 0, 0).unwrap().unwrap();
//! assert!(!m.is_orphan(m.group_of(job))); // the shell is the job's link
//!
//! // Stop the job, then let the shell die: the job's group is orphaned with
//! // a stopped member, so the kernel sends it SIGHUP then SIGCONT.
//! m.kill(shell, -(m.process(job).unwrap().pid.nr as i64), Signal::Stop).unwrap().unwrap();
//! m.settle();
//! m.exit(shell, 0).unwrap();
//! m.settle();
//! assert!(m.process(job).is_none_or(|p| p.exit.is_some())); // SIGHUP killed it
//! assert_eq!(m.census().totals.orphan_pairs, 1);
//! ```
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
//! Everything is single-threaded and ordered: lists keep the kernel's orders
//! (children oldest first, group members most recently joined first), woken
//! processes run in wake-up order, and no hash-map iteration order, clock or
//! thread schedule reaches a result. The same operations give the same world,
//! byte for byte.
//!
//! A scenario run adds: simulated time is integer nanoseconds; events are
//! applied one at a time in the total order `(time, priority, sequence)`; an
//! operation acts at once, and its consequences are carried out at the end of
//! its tick, in the order the operations were applied; random choices come
//! from ChaCha8 streams named after each model and keyed by the seed. A
//! scenario and a seed give the same tables, byte for byte, on every machine.
//!
//! # Replay and the real kernel
//!
//! [`replay`] runs a `.ops` script ([`io::script`]) and gives the report of
//! [`io::report`]; the same script can run on the real kernel, and the two
//! reports must match.
//!
//! # Other rules: gVisor's 2018 seed
//!
//! A machine follows Linux's rules unless its [`semantics::Semantics`] says
//! otherwise: `gvisor-2018` swaps in the rules of gVisor's first job-control
//! code ([`gvisor`]), one per row of the table of differences, and any subset
//! of them can be chosen. [`compare`] replays scripts and scenarios under
//! both and says, row by row, where and why they part.
//!
//! ```
//! use procsim::semantics::{Rule, Semantics};
//! use procsim::{Machine, MachineConfig};
//!
//! let mut m = Machine::new(MachineConfig { semantics: Semantics::gvisor_2018(), ..Default::default() });
//! let shell = m.fork(m.global_init(), false).unwrap().unwrap();
//! assert_eq!(m.setsid(shell).unwrap(), Ok(0)); // the seed's setsid returns 0
//! m.setpgid(shell, 0, 0).unwrap().unwrap(); // and a session leader may do this
//! assert_eq!(Rule::CallerFallback.row(), 15);
//! ```

pub mod bench;
pub mod check;
pub mod compare;
pub mod conform;
pub mod engine;
pub mod gvisor;
pub mod host;
pub mod io;
pub mod kernel;
pub mod machine;
pub mod model;
pub mod probe;
pub mod replay;
pub mod semantics;
pub mod syscalls;
pub mod systems;
pub mod workload;

pub use machine::{Machine, MachineConfig};

/// The git commit procsim was built from: its full hash, with `-dirty` when
/// the sources built differed from it, or `unknown` when built outside git
/// (`build.rs`). `procsim --version` shows it, and `run.csv` records it.
pub const COMMIT: &str = env!("PROCSIM_COMMIT");
