//! A process (a thread group with one thread): its identity, run state and the
//! flags that the job-control rules read.

use crate::model::{Pid, Signal};
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

/// A process.
#[derive(Component, Debug)]
pub struct Process {
    /// Its pid, with a number in each namespace from its own up to the root.
    pub pid: Pid,
    pub state: RunState,
    /// Set once it has exited (`_exit` code or fatal signal).
    pub exit: Option<ExitStatus>,
    /// `signal->leader`: it created its session with setsid.
    pub session_leader: bool,
    /// `PF_FORKNOEXEC`: it has not exec'd since fork (setpgid's EACCES rule).
    pub forknoexec: bool,
    /// `PR_SET_CHILD_SUBREAPER`.
    pub child_subreaper: bool,
    /// `has_child_subreaper`: some ancestor in its namespace is a subreaper,
    /// so an exit must walk up to find one.
    pub has_child_subreaper: bool,
    /// pid 1 of its namespace (`SIGNAL_UNKILLABLE`).
    pub ns_init: bool,
    /// The root namespace's init (`is_global_init`): its children are never
    /// links of their groups.
    pub global_init: bool,
}

impl Process {
    /// Not yet a zombie (the kernel's `exit_state == 0`).
    pub fn is_alive(&self) -> bool {
        matches!(self.state, RunState::Running | RunState::Stopped | RunState::Exiting)
    }

    /// Alive and not exiting (`find_alive_thread` finds it).
    pub fn is_active(&self) -> bool {
        matches!(self.state, RunState::Running | RunState::Stopped)
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
