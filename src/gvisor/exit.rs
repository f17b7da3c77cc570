//! `exitChildren` and `findReparentTargetLocked` (`task_exit.go`): where the
//! seed's orphans go.
//!
//! The seed reparents to the namespace's init only while that init is alive
//! and not exiting. Otherwise — the init itself is exiting, or has exited —
//! there is no new parent: the exiting task marks the namespace as exiting
//! (`fork` into it is then ENOMEM), sends SIGKILL to every other thread
//! group of the namespace and of namespaces nested in it, and its children
//! are left with none; a task with no parent is reaped as soon as it is a
//! zombie. Nothing waits for the namespace to empty (TODO b/37722272 in the
//! seed): the init becomes a zombie at once ([`Rule::NsInitNoWait`]).
//!
//! [`Rule::NsInitNoWait`]: crate::semantics::Rule::NsInitNoWait

use crate::model::ids::{namespace, ns_of};
use crate::model::{PidNamespace, Process, Signal};
use crate::systems::reparent::find_new_reaper;
use crate::systems::signal::{self, Sender};
use bevy_ecs::prelude::*;

/// The new parent of `father`'s children, if there is one; if not, the
/// namespace is killed.
pub fn reparent_target(world: &mut World, father: Entity) -> Option<Entity> {
    let reaper = find_new_reaper(world, father);
    if reaper != father && world.get::<Process>(reaper).is_some_and(Process::is_active) {
        return Some(reaper);
    }
    kill_namespace(world, father);
    None
}

/// "Init process terminating, killing namespace".
fn kill_namespace(world: &mut World, t: Entity) {
    let ns = ns_of(world, t);
    world.get_mut::<PidNamespace>(ns).expect("namespace").adding = false;
    let others: Vec<Entity> =
        namespace(world, ns).table.processes_from(1).map(|(_, e)| e).filter(|&e| e != t).collect();
    for other in others {
        signal::send(world, Sender::Kernel, other, Signal::Kill);
    }
}
