//! A process (a thread group with one thread): the hot part every kernel
//! path reads, and the cold part it rarely does.
//!
//! An event's cost is the number of distinct (entity, component) accesses it
//! makes, and past the caches each access is a miss for the entity's
//! location and one for each column it reads. So a process is one
//! component, [`Process`]: its place in the tree (parent, children,
//! siblings), its place in its group (the group, its neighbours among the
//! members), the session of that group, its run state and flags — the first
//! cache line, which the link test of the orphaned groups (rule 23) and every
//! list walk read — then its children, its signal state and, colder, its
//! pid and exit status. A component of its own for the cold part would cost a
//! column (its change ticks) per process and a miss on the paths that do read
//! it, for nothing: bevy_ecs reads a row's columns one by one, not its
//! component's cache lines.

use crate::model::list::ListLink;
use crate::model::{Pid, Signal, SignalState, Task, TtyId};
use bevy_ecs::prelude::*;
use std::fmt;

/// Where a process is in its life.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RunState {
    /// Runnable or asleep.
    Running,
    /// Group-stop complete (`SIGNAL_STOP_STOPPED`).
    Stopped,
    /// Exiting: `do_exit` has begun (`PF_EXITING`) but `exit_notify` has not
    /// finished (a namespace init waits here for its namespace to empty).
    Exiting,
    /// `EXIT_ZOMBIE`: waiting to be reaped.
    Zombie,
}

bitflags::bitflags! {
    /// The flags of a process that the kernel paths test.
    #[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
    pub struct Flags: u8 {
        /// `signal->leader`: it created its session with setsid.
        const SESSION_LEADER = 1;
        /// `PF_FORKNOEXEC`: it has not exec'd since fork (setpgid's EACCES rule).
        const FORKNOEXEC = 1 << 1;
        /// `PR_SET_CHILD_SUBREAPER`.
        const CHILD_SUBREAPER = 1 << 2;
        /// `has_child_subreaper`: some ancestor in its namespace is a
        /// subreaper, so an exit must walk up to find one.
        const HAS_CHILD_SUBREAPER = 1 << 3;
        /// pid 1 of its namespace (`SIGNAL_UNKILLABLE`).
        const NS_INIT = 1 << 4;
        /// The root namespace's init (`is_global_init`): its children are
        /// never links of their groups.
        const GLOBAL_INIT = 1 << 5;
        /// Counted in its group's `links` (it is a link, rule 23).
        const COUNTED = 1 << 6;
        /// Has a [`ThreadGroup`](crate::model::ThreadGroup): it has had more
        /// than one thread.
        const THREADED = 1 << 7;
    }
}

/// A process: its relations and state, packed for the kernel paths. The
/// fields are laid out in this order (`repr(C)`, 136 bytes): the first cache
/// line holds what the link test and the list walks read (parent, group,
/// session, state, flags, the group and sibling links), the second the
/// children, the signal state and the pid. The controlling terminal is a
/// 4-byte number, in what would otherwise be padding after the exit status.
#[derive(Component, Debug, Clone)]
#[repr(C)]
pub struct Process {
    /// `real_parent`: the task (a leader or a thread) that is its parent;
    /// `None` only for the root namespace's init (and, under the seed, the
    /// orphans of a dying namespace).
    pub parent: Option<Entity>,
    /// Its process group (`task_pgrp`).
    pub group: Entity,
    /// Its group's session (`task_session`): a group never changes session,
    /// so this changes only with `group`.
    pub session: Entity,
    pub state: RunState,
    pub flags: Flags,
    /// Set once it has exited (`_exit` code or fatal signal).
    pub exit: Option<ExitStatus>,
    /// Its controlling terminal (`signal->tty`), shared by its threads,
    /// inherited by fork and kept by a zombie (rule 46).
    pub ctty: Option<TtyId>,
    /// Its place among its group's members (`pid_links[PIDTYPE_PGID]`).
    pub member: ListLink,
    /// Its place among its parent's children (`sibling`).
    pub sibling: ListLink,
    /// Its leader's task: the leader's children, mask, own queue and state.
    pub task: Task,
    /// Dispositions, the shared queue and the process's signal flags.
    pub signals: SignalState,
    /// Its pid, with a number in each namespace from its own up to the root.
    pub pid: Pid,
}

impl Process {
    /// A process with no relations yet, in `group` of `session`.
    pub fn new(group: Entity, session: Entity, flags: Flags, signals: SignalState, pid: Pid) -> Process {
        Process {
            parent: None,
            group,
            session,
            state: RunState::Running,
            flags,
            exit: None,
            ctty: None,
            member: ListLink::default(),
            sibling: ListLink::default(),
            task: Task::default(),
            signals,
            pid,
        }
    }

    /// Not yet a zombie (the kernel's `exit_state == 0`).
    pub fn is_alive(&self) -> bool {
        matches!(self.state, RunState::Running | RunState::Stopped | RunState::Exiting)
    }

    /// Alive and not exiting (`find_alive_thread` finds it).
    pub fn is_active(&self) -> bool {
        matches!(self.state, RunState::Running | RunState::Stopped)
    }

    pub fn has(&self, flag: Flags) -> bool {
        self.flags.contains(flag)
    }

    pub fn is_session_leader(&self) -> bool {
        self.has(Flags::SESSION_LEADER)
    }

    pub fn is_ns_init(&self) -> bool {
        self.has(Flags::NS_INIT)
    }

    pub fn is_global_init(&self) -> bool {
        self.has(Flags::GLOBAL_INIT)
    }
}

/// How a process ended: `_exit(code)` or a fatal signal.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ExitStatus {
    Code(u8),
    Signaled(Signal),
}

impl fmt::Display for ExitStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ExitStatus::Code(c) => write!(f, "{c}"),
            ExitStatus::Signaled(s) => write!(f, "{s}"),
        }
    }
}
