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

use crate::model::PidNamespace;
use crate::systems::census::Census;
use bevy_ecs::prelude::*;

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
