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
//! # Ordering and determinism
//!
//! Everything is single-threaded and ordered: lists keep the kernel's orders
//! (children oldest first, group members most recently joined first), woken
//! processes run in wake-up order, and no hash-map iteration order, clock or
//! thread schedule reaches a result. The same operations give the same world,
//! byte for byte.
//!
//! # Replay and the real kernel
//!
//! [`replay`] runs a `.ops` script ([`io::script`]) and gives the report of
//! [`io::report`]; the same script can run on the real kernel, and the two
//! reports must match.

pub mod check;
pub mod compare;
pub mod conform;
pub mod gvisor;
pub mod io;
pub mod kernel;
pub mod machine;
pub mod model;
pub mod replay;
pub mod semantics;
pub mod syscalls;
pub mod systems;

pub use machine::{Machine, MachineConfig};
