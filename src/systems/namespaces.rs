//! The lifetime of a PID namespace (`get_pid_ns`, `put_pid_ns`).
//!
//! A namespace lives as long as something holds a pid allocated in it: a
//! process's own pid, and the id of a process group or session — which can
//! outlive every process of the namespace, as when a parent joins the group
//! of the init it forked with CLONE_NEWPID and that init dies — and while a
//! namespace nested in it lives. Counting holders rather than numbers in use
//! matters under the seed ([`crate::gvisor`]), where a group can keep an id
//! whose number another group's removal has already unmapped. The root
//! namespace is never freed (`init_pid_ns` is static).

use crate::model::ids::{self, namespace};
use crate::model::namespace::IdKind;
use crate::model::{Pid, PidNamespace, Process, RunState};
use crate::systems::census::Census;
use crate::systems::sched::Scheduler;
use bevy_ecs::prelude::*;

/// Frees `id`'s numbers (as `kind`: a process's pid, a group's or a
/// session's id) in every namespace it has one in, and drops its reference
/// on its namespace.
///
/// A namespace init waiting for its namespace to empty
/// (`zap_pid_ns_processes`) is woken when this freed the last number but its
/// own: the kernel waits for `pid_allocated` to drop, so a number held as the
/// id of a group — whose member may live in an outer namespace, out of reach
/// of the init's SIGKILLs — keeps it waiting as much as a process does, and
/// its freeing by a setpgid or setsid ends the wait (rule 12).
pub fn free_id(world: &mut World, id: &Pid, kind: IdKind) {
    ids::detach(world, id, kind);
    for level in 0..=id.level() {
        let namespace = namespace(world, namespace(world, id.ns).chain[level]);
        if namespace.adding || namespace.table.in_use() != 1 {
            continue;
        }
        let waiting = |&init: &Entity| world.get::<Process>(init).is_some_and(|i| i.state == RunState::Exiting);
        if let Some(init) = namespace.reaper.filter(waiting) {
            world.resource_mut::<Scheduler>().runnable.push_back(init);
        }
    }
    put(world, id.ns);
}

/// Takes a reference on `ns`.
pub fn get(world: &mut World, ns: Entity) {
    world.get_mut::<PidNamespace>(ns).expect("namespace").refs += 1;
}

/// Drops a reference on `ns`, freeing it (and then its ancestors) when it
/// was the last.
pub fn put(world: &mut World, ns: Entity) {
    let mut namespace = world.get_mut::<PidNamespace>(ns).expect("namespace");
    namespace.refs -= 1;
    if namespace.refs == 0 {
        free(world, ns);
    }
}

/// Frees a namespace nothing holds — also one whose first fork failed — and
/// drops its reference on its parent.
pub fn free(world: &mut World, ns: Entity) {
    let namespace = world.entity_mut(ns).take::<PidNamespace>().expect("namespace");
    world.despawn(ns);
    world.resource_mut::<Census>().namespaces -= 1;
    if let Some(level) = namespace.level.checked_sub(1) {
        put(world, namespace.chain[level]);
    }
}
