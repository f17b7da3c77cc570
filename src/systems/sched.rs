//! The scheduler's queues: who exits next and who runs next.
//!
//! The kernel reference run (`docs/replay-format.md`, "Timing") pins every process to
//! one CPU at one real-time FIFO priority: a woken process runs only when the
//! one before it blocks, in wake-up order. The simulator keeps that order with
//! two FIFO queues: processes whose exit must be carried out (`do_exit` runs in
//! the dying process's own context, before anyone else runs) and processes
//! woken to handle signals.

use bevy_ecs::prelude::*;
use std::collections::VecDeque;

/// The run and exit queues, and the process on the CPU.
#[derive(Debug, Default)]
pub struct Scheduler {
    /// Processes woken to handle signals (or a namespace init to finish its
    /// exit), in wake-up order.
    pub runnable: VecDeque<Entity>,
    /// Processes that have begun to exit and must run `exit_notify`.
    pub exiting: VecDeque<Entity>,
    /// The process on the CPU (`task_curr`): the caller of the operation being
    /// performed, or the process being run.
    pub current: Option<Entity>,
}

impl Scheduler {
    /// Whether nothing is left to do.
    pub fn is_idle(&self) -> bool {
        self.runnable.is_empty() && self.exiting.is_empty()
    }
}
