//! waitpid(pid, WNOHANG): reap one zombie child.

use crate::model::ExitStatus;
use crate::model::ids::{find_process, ns_of, process};
use crate::model::{Errno, RunState, Tree};
use crate::systems::exit::release;
use bevy_ecs::prelude::*;

/// What waitpid with WNOHANG returned.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Waited {
    /// The child was a zombie and is now released.
    Reaped(ExitStatus),
    /// The child has not exited (waitpid returned 0).
    Busy,
}

/// waitpid(pid, WNOHANG) by `caller`: ECHILD unless `pid` names a child.
pub fn waitpid(world: &mut World, caller: Entity, pid: i64) -> Result<Waited, Errno> {
    let ns = ns_of(world, caller);
    let child = find_process(world, ns, pid)
        .filter(|&c| world.get::<Tree>(c).and_then(|t| t.parent) == Some(caller))
        .ok_or(Errno::ECHILD)?;
    let proc = process(world, child);
    if proc.state != RunState::Zombie {
        return Ok(Waited::Busy);
    }
    let status = proc.exit.expect("a zombie has an exit status");
    release(world, child);
    Ok(Waited::Reaped(status))
}
