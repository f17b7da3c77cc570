//! Tasks (threads) and thread groups (processes).
//!
//! Linux schedules tasks; a process is a thread group of them sharing one
//! pid, one parent, group, session and set of dispositions (semantics §10).
//! What each task owns is a [`Task`]: its children (a child's parent is the
//! thread that forked it), its signal mask, its own signal queue, its
//! parent-death signal, its run state and its signal-pending flag.
//!
//! The leader's task lives inside its [`Process`](crate::model::Process), so
//! a single-threaded process — nearly every process of a workload — is still
//! one entity and one component. Every further thread is an entity with a
//! [`Thread`], and a process that has ever had one also carries a
//! [`ThreadGroup`]: the list of its other threads, `curr_target`, its count
//! of live tasks and the state of a group stop or an exec in progress.

use crate::model::list::{ListHead, ListLink};
use crate::model::{ExitStatus, Pid, SigSet, Signal};
use bevy_ecs::prelude::*;

/// Where a task is in its life.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum TaskState {
    /// Runnable or asleep.
    #[default]
    Running,
    /// Stopped by a group stop (`TASK_STOPPED`).
    Stopped,
    /// `PF_EXITING`: `do_exit` has begun, `exit_notify` has not finished.
    Exiting,
    /// Exited: a zombie leader, or a thread about to be released.
    Dead,
}

bitflags::bitflags! {
    /// The per-task flags of the signal paths.
    #[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
    pub struct TaskFlags: u8 {
        /// `TIF_SIGPENDING`: woken to look for signals, and has not yet
        /// looked and found none.
        const SIGPENDING = 1;
        /// On the run queue.
        const QUEUED = 1 << 1;
        /// `JOBCTL_STOP_PENDING`: to stop in a group stop when it next runs.
        const STOP_PENDING = 1 << 2;
        /// A terminal call it made stopped its process, and is restarted
        /// when it runs again without running a handler (rule 52).
        const RESTART = 1 << 3;
    }
}

/// What the kernel keeps per task rather than per process.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Task {
    /// The processes it forked (and those it adopted), oldest first.
    pub children: ListHead,
    /// Its signal mask (`blocked`).
    pub blocked: SigSet,
    /// Its own signal queue (`pending`): thread-directed signals.
    pub pending: SigSet,
    /// `pdeath_signal`: sent to it when its parent thread exits.
    pub pdeath: Option<Signal>,
    pub state: TaskState,
    pub flags: TaskFlags,
}

impl Task {
    /// Has begun to exit or has exited (`PF_EXITING`).
    pub fn is_exiting(&self) -> bool {
        matches!(self.state, TaskState::Exiting | TaskState::Dead)
    }
}

/// A thread that does not lead its process.
#[derive(Component, Debug, Clone)]
pub struct Thread {
    /// Its process: the entity of the process's leader.
    pub process: Entity,
    /// Its place in the process's thread list (after the leader).
    pub link: ListLink,
    pub task: Task,
    /// Its tid, numbered in every namespace its process is in.
    pub tid: Pid,
}

/// The thread-group state of a process that has had more than one thread
/// (`signal_struct`'s share of it). A process without one has only its
/// leader.
#[derive(Component, Debug, Clone)]
#[component(storage = "SparseSet")]
pub struct ThreadGroup {
    /// Its threads but the leader, in creation order.
    pub threads: ListHead,
    /// `curr_target`: where the search for a thread to take a
    /// process-directed signal starts.
    pub curr_target: Entity,
    /// `signal->live`: tasks that have not begun to exit.
    pub live: u32,
    /// `group_stop_count`: tasks yet to stop in a group stop.
    pub stopping: u32,
    /// How the leader exited while other threads lived (its own code).
    pub leader_exit: Option<ExitStatus>,
    /// `group_exec_task`: the thread whose exec waits in `de_thread` for the
    /// others to die.
    pub exec: Option<Entity>,
    /// `core_state`: a core dump in progress, whose dumper waits for the
    /// other threads to reach their exit.
    pub core_dump: Option<CoreDump>,
}

/// A core dump in progress (`core_state`): the thread that took the signal
/// killed the others, and waits until each has begun to exit
/// (`coredump_wait`); they wait in their exit until it is done
/// (`coredump_task_exit`, `coredump_finish`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CoreDump {
    /// The thread that dumps.
    pub dumper: Entity,
    /// Threads yet to arrive (`nr_threads`).
    pub waiting: u32,
    /// Threads that arrived, the last first (`dumper.next`): the order
    /// `coredump_finish` wakes them in.
    pub arrived: Vec<Entity>,
}

impl ThreadGroup {
    /// The thread group of a process whose only task, `leader`, is live.
    pub fn new(leader: Entity) -> ThreadGroup {
        ThreadGroup {
            threads: ListHead::default(),
            curr_target: leader,
            live: 1,
            stopping: 0,
            leader_exit: None,
            exec: None,
            core_dump: None,
        }
    }
}
