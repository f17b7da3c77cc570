//! gVisor's 2018 "seed": the parts of its job control that differ from
//! Linux, for the `gvisor-2018` profile ([`crate::semantics`]).
//!
//! The seed is `pkg/sentry/kernel/sessions.go` and the code around it
//! (`task_exit.go`, `threads.go`, `sys_thread.go`, `sys_signal.go`,
//! `sys_prctl.go`) at gVisor's first check-in. It models the same world as
//! Linux — thread groups, process groups, sessions, PID namespaces — with
//! different rules. This module holds only those rules; everything else is
//! the Linux model's, and the system calls and systems call in here where a
//! [`Rule`](crate::semantics::Rule) in force says the seed decides:
//!
//! * [`ancestors`]: the seed's per-group `ancestors` count, changed where
//!   `incRefWithParent` and `decRefWithParent` change it, and `handleOrphan`,
//!   which sends the orphaned-group SIGHUP+SIGCONT after a decrement;
//! * [`sessions`]: `createSession` and `CreateProcessGroup`'s scans for a
//!   group with the caller's id, and the count adjustments when a thread
//!   group moves (`createSession`, `CreateProcessGroup`, `JoinProcessGroup`);
//! * [`ids`]: the seed's id maps as far as they differ from Linux's (ids can
//!   be duplicated, `kill(-pgid)` matches by id);
//! * [`exit`]: `exitChildren` and `findReparentTargetLocked` — a namespace
//!   whose init is gone is killed, and its orphans get no parent.
//!
//! The model's Linux state (`links`, the id tables) is kept under the seed
//! too: the seed's state sits next to it, and with a rule left out, the
//! Linux decision is taken from the Linux state.
//!
//! # What is not reproduced
//!
//! * Go map iteration order: the seed walks thread groups in map order
//!   (`handleOrphan`, `Kill`); here they go in the model's orders (group
//!   members most recently joined first, pids ascending), so only the
//!   interleaving of SIGCHLD can differ from a real run.
//! * The seed's intrusive `List.Remove` of a group that was never listed
//!   empties its session's list. That list only matters to the scans for a
//!   number that a live session leader in the same namespace also has, which
//!   needs pid reuse after a wrap at 65536 ([`crate::semantics::Rule::PidReuse`]);
//!   a listed group here stays listed.
//! * The scans compare a group's id in its creator's namespace with the
//!   caller's id in the caller's; here both are taken in the caller's
//!   namespace, which is the same for every group with the caller's pid.

pub mod ancestors;
pub mod exit;
pub mod ids;
pub mod sessions;

/// `TasksLimit`: the seed hands out pids up to 65536, then wraps to 2
/// (`threads.go`).
pub const TASKS_LIMIT: u32 = 1 << 16;
