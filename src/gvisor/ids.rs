//! The seed's id maps, where they differ from Linux's id tables.
//!
//! The seed keeps, per namespace, `processGroups` (id → group, overwritten
//! when a second group takes an id, deleted when either goes) and `pgids`
//! (group → id). The first is the model's id table
//! ([`crate::model::PidTable`]), which behaves the same way. The second lets
//! two live groups have one id — a setsid or setpgid that the seed's scans
//! let through ([`crate::gvisor::sessions`]), or a reused pid — and it is
//! what `Kill` matches thread groups by. [`GroupsById`] is its inverse.

use crate::model::Pid;
use crate::model::ids::{group, group_of, namespace, number_at, pid_nr_ns, vnr};
use crate::model::namespace::IdKind;
use crate::model::{Errno, Signal, list};
use crate::systems::signal::{self, Sender};
use bevy_ecs::prelude::*;
use std::collections::HashMap;

/// Every live group under each (namespace, number) its id has, in creation
/// order. Kept only under a seed profile.
#[derive(Resource, Debug, Default)]
pub struct GroupsById(HashMap<(Entity, u32), Vec<Entity>>);

/// Records a new group under every number of its id.
pub fn add_group(world: &mut World, g: Entity, id: &Pid) {
    for level in 0..=id.level() {
        let key = number_at(world, id, level);
        world.resource_mut::<GroupsById>().0.entry(key).or_default().push(g);
    }
}

/// Forgets a released group.
pub fn remove_group(world: &mut World, g: Entity, id: &Pid) {
    for level in 0..=id.level() {
        let key = number_at(world, id, level);
        let mut index = world.resource_mut::<GroupsById>();
        if let Some(groups) = index.0.get_mut(&key) {
            groups.retain(|&other| other != g);
            if groups.is_empty() {
                index.0.remove(&key);
            }
        }
    }
}

/// The live groups whose id is `nr` in namespace `ns`.
pub fn groups_with_id(world: &World, ns: Entity, nr: u32) -> Vec<Entity> {
    world.resource::<GroupsById>().0.get(&(ns, nr)).cloned().unwrap_or_default()
}

/// "Ensure this translation is added to all namespaces": `createSession`
/// and `CreateProcessGroup` map the new ids last, after the old group may
/// have gone and unmapped the same number.
pub fn map_last(world: &mut World, g: Entity) {
    let id = group(world, g).id.clone();
    let session = group(world, g).session;
    crate::model::ids::attach(world, &id, IdKind::Group, g);
    let sid = crate::model::ids::session(world, session).id.clone();
    crate::model::ids::attach(world, &sid, IdKind::Session, session);
}

/// `kill(-pgid)`, and `kill(0)` with the caller's own group id, as the seed
/// does them (`sys_signal.go` `Kill`): every thread group visible in `ns`
/// whose group's id there is `pgid` — members of two groups with one id
/// alike, and with `pgid` 0, every one whose group is invisible. ESRCH if
/// none.
pub fn kill_group_id(world: &mut World, sender: Sender, ns: Entity, pgid: u32, sig: Signal) -> Result<(), Errno> {
    let targets: Vec<Entity> = if pgid == 0 {
        let all: Vec<Entity> = namespace(world, ns).table.processes_from(1).map(|(_, e)| e).collect();
        all.into_iter().filter(|&e| pid_nr_ns(world, &group(world, group_of(world, e)).id, ns) == 0).collect()
    } else {
        groups_with_id(world, ns, pgid)
            .into_iter()
            .flat_map(|g| list::members::<crate::model::group::Members>(world, g))
            .filter(|&m| vnr(world, m, ns) != 0)
            .collect()
    };
    if targets.is_empty() {
        return Err(Errno::ESRCH);
    }
    for t in targets {
        signal::send(world, sender, t, sig);
    }
    Ok(())
}
