//! waitpid(pid, WNOHANG): reap one zombie child.

use crate::model::{Errno, ExitStatus, RunState};
use crate::systems::books::Bookkeeping;
use crate::systems::exit::release;
use crate::systems::kernel::Kernel;
use bevy_ecs::prelude::*;

/// What waitpid with WNOHANG returned.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Waited {
    /// The child was a zombie and is now released.
    Reaped(ExitStatus),
    /// The child has not exited (waitpid returned 0).
    Busy,
}

/// waitpid(pid, WNOHANG) by process `caller` (from any of its threads):
/// ECHILD unless `pid` names a process that is a child of one of its
/// threads (a thread's tid names no child).
pub fn waitpid<B: Bookkeeping>(k: &mut Kernel<B>, caller: Entity, pid: i64) -> Result<Waited, Errno> {
    let core = &k.core;
    let ns = core.ns_of(caller);
    let child = core
        .find_task(ns, pid)
        .filter(|&c| core.processes.get(c).is_ok_and(|c| c.parent.is_some_and(|t| core.leader_of(t) == caller)))
        .ok_or(Errno::ECHILD)?;
    if core.process(child).state != RunState::Zombie {
        return Ok(Waited::Busy);
    }
    let status = core.process(child).exit.expect("a zombie has an exit status");
    release(k, child);
    Ok(Waited::Reaped(status))
}
