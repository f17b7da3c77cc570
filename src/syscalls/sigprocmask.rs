//! rt_sigprocmask(SIG_BLOCK / SIG_UNBLOCK) on the calling thread (rule 44).
//!
//! KILL and STOP are silently left out. A thread that unblocks a signal
//! pending for it (on its own queue or its process's) gets the
//! signal-pending flag (`recalc_sigpending`), and takes the signal before
//! the call returns.

use crate::model::{SigSet, Signal, TaskFlags};
use crate::systems::kernel::Core;
use bevy_ecs::prelude::*;

/// How the mask changes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum How {
    Block,
    Unblock,
}

/// rt_sigprocmask(how, {sig}) by task `t`.
pub fn sigprocmask(core: &mut Core, t: Entity, how: How, sig: Signal) {
    if sig.is_kernel_only() {
        return;
    }
    let p = core.leader_of(t);
    let shared = core.signals(p).pending;
    let mut task = core.task_mut(t);
    match how {
        How::Block => task.blocked.insert(sig),
        How::Unblock => task.blocked.remove(sig),
    }
    let mut deliverable = task.pending;
    deliverable.insert_all(shared);
    deliverable.remove_all(task.blocked);
    if deliverable != SigSet::EMPTY {
        task.flags.insert(TaskFlags::SIGPENDING);
    }
}
