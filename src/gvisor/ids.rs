//! The seed's id maps, where they differ from Linux's id tables.
//!
//! The seed keeps, per namespace, `processGroups` (id → group, overwritten
//! when a second group takes an id, deleted when either goes) and `pgids`
//! (group → id). The first is the model's id table
//! ([`crate::model::PidTable`]), which behaves the same way. The second lets
//! two live groups have one id — a setsid or setpgid that the seed's scans
//! let through ([`crate::gvisor::sessions`]), or a reused pid — and it is
//! what `Kill` matches thread groups by. [`GroupsById`] is its inverse.

use crate::gvisor::Seed;
use crate::model::namespace::IdKind;
use crate::model::{Errno, Signal};
use crate::systems::kernel::Core;
use crate::systems::signal::{self, Aim, Sender};
use bevy_ecs::prelude::*;
use std::collections::HashMap;

/// Every live group under each (namespace, number) its id has, in creation
/// order. Kept only under a seed profile.
#[derive(Resource, Debug, Default)]
pub struct GroupsById(HashMap<(Entity, u32), Vec<Entity>>);

/// The (namespace, number) keys of group `g`'s id.
fn keys(core: &Core, g: Entity) -> Vec<(Entity, u32)> {
    let id = &core.group(g).id;
    (0..=id.level()).map(|level| core.number_at(id, level)).collect()
}

/// Records a new group under every number of its id.
pub fn add_group(core: &Core, seed: &mut Seed, g: Entity) {
    for key in keys(core, g) {
        seed.by_id.0.entry(key).or_default().push(g);
    }
}

/// Forgets a released group.
pub fn remove_group(core: &Core, seed: &mut Seed, g: Entity) {
    for key in keys(core, g) {
        if let Some(groups) = seed.by_id.0.get_mut(&key) {
            groups.retain(|&other| other != g);
            if groups.is_empty() {
                seed.by_id.0.remove(&key);
            }
        }
    }
}

/// The live groups whose id is `nr` in namespace `ns`.
pub fn groups_with_id(seed: &Seed, ns: Entity, nr: u32) -> Vec<Entity> {
    seed.by_id.0.get(&(ns, nr)).cloned().unwrap_or_default()
}

/// "Ensure this translation is added to all namespaces": `createSession`
/// and `CreateProcessGroup` map the new ids last, after the old group may
/// have gone and unmapped the same number.
pub fn map_last(core: &mut Core, g: Entity) {
    let group = core.group(g);
    let (id, session) = (group.id.clone(), group.session);
    core.attach(&id, IdKind::Group, g);
    let sid = core.session(session).id.clone();
    core.attach(&sid, IdKind::Session, session);
}

/// `kill(-pgid)`, and `kill(0)` with the caller's own group id, as the seed
/// does them (`sys_signal.go` `Kill`): every thread group visible in `ns`
/// whose group's id there is `pgid` — members of two groups with one id
/// alike, and with `pgid` 0, every one whose group is invisible. ESRCH if
/// none.
pub fn kill_group_id(
    core: &mut Core,
    seed: &Seed,
    sender: Sender,
    ns: Entity,
    pgid: u32,
    sig: Signal,
) -> Result<(), Errno> {
    let targets: Vec<Entity> = if pgid == 0 {
        let all: Vec<Entity> = core.namespace(ns).table.processes_from(1).map(|(_, e)| e).collect();
        all.into_iter().filter(|&e| core.pid_nr_ns(&core.group(core.group_of(e)).id, ns) == 0).collect()
    } else {
        groups_with_id(seed, ns, pgid)
            .into_iter()
            .flat_map(|g| core.members_of(g))
            .filter(|&m| core.vnr(m, ns) != 0)
            .collect()
    };
    if targets.is_empty() {
        return Err(Errno::ESRCH);
    }
    for t in targets {
        signal::send(core, sender, t, sig, Aim::Process);
    }
    Ok(())
}
