//! procsim: a discrete-event simulator of Linux process hierarchies —
//! processes, process groups, sessions and PID namespaces, with the kernel's
//! job-control rules, checked against the real kernel.
//!
//! # The model
//!
//! A [`Machine`] holds a bevy_ecs world in which processes, process groups,
//! sessions and PID namespaces are entities. Their ties are relation
//! components of procsim's own — a process's parent, children, group and the
//! group's session are all in its [`model::Process`], packed so that a kernel
//! path reads one component per process — stored as intrusive lists so that
//! adding or removing one costs O(1) whatever the fan-in: the reaper can
//! adopt millions of orphans.
//!
//! Operations are the system calls of job control: a process makes a
//! [`machine::Call`] and gets one [`machine::Outcome`] — what the call
//! returned, its [`model::Errno`], or why the process could not make it. What
//! follows — signals delivered, processes stopping and dying, children
//! reparented, orphaned groups signalled — is carried out by the [`systems`]
//! when the machine settles, in the order one CPU would run them.
//!
//! ```
//! use procsim::machine::Call;
//! use procsim::model::Signal;
//! use procsim::{Machine, MachineConfig};
//!
//! let mut m = Machine::new(MachineConfig::default());
//! let init = m.global_init();
//! // A shell in its own session, with a job in its own group.
//! let shell = m.perform(init, Call::Fork { newpid: false }).child().expect("a child");
//! m.perform(shell, Call::Setsid);
//! let job = m.perform(shell, Call::Fork { newpid: false }).child().expect("a child");
//! m.perform(job, Call::Setpgid { pid: 0, pgid: 0 });
//! assert!(!m.is_orphan(m.group_of(job))); // the shell is the job's link
//!
//! // Stop the job, then let the shell die: the job's group is orphaned with
//! // a stopped member, so the kernel sends it SIGHUP then SIGCONT.
//! let job_pid = i64::from(m.pid(job).expect("the job exists").nr);
//! m.perform(shell, Call::Kill { pid: -job_pid, sig: Signal::Stop });
//! m.settle();
//! m.perform(shell, Call::Exit { code: 0 });
//! m.settle();
//! assert!(m.process(job).is_none_or(|j| j.exit.is_some())); // SIGHUP killed it
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
//! ([`io::results`]); `procsim sweep` does it for every seed and parameter
//! point of a [`sweep::Plan`], many runs at once, each still one thread and
//! deterministic, and summarises the runs across seeds ([`sweep`]);
//! `procsim plot` draws a run's or a sweep's tables ([`plot`]).
//!
//! A run can be held to [`engine::Limits`] — an events budget per tick, the
//! memory guard ([`host::MemoryGuard`]), an [`engine::Interrupt`] raised by a
//! signal or by whoever holds it — with [`workload::Scenario::simulation_within`]:
//! one O(1) check, inside and between ticks, stops it, and
//! [`engine::Simulation::end`] says how it ended ([`engine::Status`]) and how
//! far it got. Its [`workload::RunId`] names its results whatever machine
//! made them:
//!
//! ```
//! use procsim::engine::{Interrupt, Limits, Status};
//! use procsim::workload::Scenario;
//!
//! let scenario = Scenario::parse("s.toml", "seed = 1\nduration = \"1s\"\ntick = \"10ms\"\n[shells]\ninitial = 3\n")?;
//! let interrupt = Interrupt::new(); // or Interrupt::on_termination_signals()
//! let limits = Limits { interrupt: Some(interrupt.clone()), ..Limits::default() };
//! let mut run = scenario.simulation_within(limits).expect("it fits");
//! while run.advance().is_some() {}
//! assert_eq!(run.end().status, Status::Complete);
//! assert_eq!(scenario.run_id(), Scenario::parse("s.toml", &scenario.source)?.run_id());
//! # Ok::<(), procsim::workload::ScenarioError>(())
//! ```
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
//! A machine follows mainline Linux's rules unless its
//! [`semantics::Semantics`] says otherwise: a kernel variant (a vendor
//! kernel's different decision), or `gvisor-2018`, the rules of gVisor's
//! first job-control code ([`gvisor`]), one per row of the table of
//! differences — any subset of them can be chosen. [`compare`] replays
//! scripts and scenarios under two and says, decision by decision, where and
//! why they part.
//!
//! The code is layered one way: [`model`] (data) ← [`systems`] (Linux's
//! kernel paths, with hook points for a profile's books) ← [`gvisor`] (the
//! seed's books) ← [`syscalls`] ← [`machine`], [`engine`], [`replay`],
//! [`compare`].
//!
//! ```
//! use procsim::machine::{Call, Outcome, Reply};
//! use procsim::semantics::{Rule, Semantics};
//! use procsim::{Machine, MachineConfig};
//!
//! let mut m = Machine::new(MachineConfig { semantics: Semantics::gvisor_2018(), ..Default::default() });
//! let shell = m.perform(m.global_init(), Call::Fork { newpid: false }).child().expect("a child");
//! // The seed's setsid returns 0, and a session leader may then do this:
//! assert_eq!(m.perform(shell, Call::Setsid), Outcome::Done(Reply::Session(0)));
//! assert_eq!(m.perform(shell, Call::Setpgid { pid: 0, pgid: 0 }), Outcome::Done(Reply::Done));
//! assert_eq!(Rule::CallerFallback.row(), 15);
//! ```

pub mod bench;
pub mod check;
pub mod compare;
pub mod conform;
pub mod engine;
pub mod gvisor;
pub mod harness;
pub mod host;
pub mod io;
pub mod machine;
pub mod model;
pub mod plot;
pub mod probe;
pub mod replay;
pub mod semantics;
pub mod sweep;
pub mod syscalls;
pub mod systems;
pub mod workload;

pub use machine::{Machine, MachineConfig};

/// The git commit procsim was built from: its full hash, with `-dirty` when
/// the sources built differed from it, or `unknown` when built outside git
/// (`build.rs`). `procsim --version` shows it, and `run.csv` records it.
pub const COMMIT: &str = env!("PROCSIM_COMMIT");
