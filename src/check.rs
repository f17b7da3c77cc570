//! Consistency checks of a [`Machine`] by brute force: everything the model
//! keeps incrementally (relation lists, link and stopped counts, id tables,
//! namespace references, the census) recomputed from scratch and compared.
//! O(world): for tests and debugging, never on a simulation's hot path.

use crate::machine::Machine;
use crate::model::Pid;
use crate::model::group::Members;
use crate::model::ids::number_at;
use crate::model::list;
use crate::model::tree::Children;
use crate::model::{Membership, PidNamespace, Process, ProcessGroup, RunState, Session, Tree};
use crate::semantics::Rule;
use crate::systems::ancestors::is_link;
use crate::systems::census::Census;
use bevy_ecs::prelude::*;
use std::collections::BTreeMap;

/// Something the incremental model got wrong.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("inconsistent model: {0}")]
pub struct Inconsistency(pub String);

macro_rules! ensure {
    ($cond:expr, $($msg:tt)+) => {
        if !$cond {
            return Err(Inconsistency(format!($($msg)+)));
        }
    };
}

/// Checks every invariant of the model.
///
/// Under a seed profile two live groups may share an id, and an id table
/// then names one of them or neither (the seed's maps work that way), so the
/// group and session tables are not checked. Its `ancestors` counts drift by
/// design; where every rule that makes them drift is left out
/// ([`Rule::COUNT`]), they must equal the link counts.
pub fn check(machine: &Machine) -> Result<(), Inconsistency> {
    let world = machine.world();
    let semantics = machine.semantics();
    let seed_ids = semantics.has_seed_rules();
    let exact_ancestors = seed_ids && Rule::COUNT.iter().all(|&r| !semantics.seed(r));
    let mut census = Census { totals: machine.census().totals.clone(), ..Default::default() };
    let mut members_seen: BTreeMap<Entity, u32> = BTreeMap::new();
    let mut links: BTreeMap<Entity, u32> = BTreeMap::new();
    let mut stopped: BTreeMap<Entity, u32> = BTreeMap::new();
    // The references each namespace should count: the ids held in it, and
    // the namespaces nested in it.
    let mut refs: BTreeMap<Entity, u32> = BTreeMap::new();
    let mut hold = |ns: Entity| {
        ensure!(world.get::<PidNamespace>(ns).is_some(), "an id is held in namespace {ns}, which was freed");
        *refs.entry(ns).or_default() += 1;
        Ok(())
    };
    for (p, proc, tree, membership) in processes(world) {
        hold(proc.pid.ns)?;
        census.moved(None, Some(proc.state));
        let g = membership.group;
        ensure!(world.get::<ProcessGroup>(g).is_some(), "{p} is in a group that does not exist");
        *members_seen.entry(g).or_default() += 1;
        *links.entry(g).or_default() += u32::from(is_link(world, p));
        *stopped.entry(g).or_default() += u32::from(proc.state == RunState::Stopped);
        ensure!(membership.counted == is_link(world, p), "{p}'s cached link status is stale");
        ensure!(list::members::<Members>(world, g).contains(&p), "{p} is missing from its group's member list");
        if let Some(parent) = tree.parent {
            ensure!(world.get::<Process>(parent).is_some(), "{p}'s parent does not exist");
            ensure!(list::members::<Children>(world, parent).contains(&p), "{p} is missing from its parent's children");
        } else {
            ensure!(proc.global_init, "{p} has no parent but is not the global init");
        }
        ensure!(
            list::members::<Children>(world, p).len() as u32 == tree.children.len,
            "{p}'s children list length is wrong"
        );
        for (ns, nr) in numbers(world, &proc.pid) {
            let table = &world.get::<PidNamespace>(ns).expect("namespace").table;
            ensure!(table.process(nr) == Some(p), "{p}'s number {nr} is not in its namespace's table");
        }
    }
    for (g, group) in groups(world) {
        hold(group.id.ns)?;
        census.groups += 1;
        census.orphaned_groups += u64::from(group.is_orphaned());
        let seen = members_seen.get(&g).copied().unwrap_or(0);
        ensure!(seen > 0, "group {g} has no members");
        ensure!(group.members.len == seen, "group {g} counts {} members, has {seen}", group.members.len);
        let want = links.get(&g).copied().unwrap_or(0);
        ensure!(group.links == want, "group {g} counts {} links, recount gives {want}", group.links);
        let want = stopped.get(&g).copied().unwrap_or(0);
        ensure!(group.stopped == want, "group {g} counts {} stopped, recount gives {want}", group.stopped);
        ensure!(world.get::<Session>(group.session).is_some(), "group {g}'s session does not exist");
        ensure!(
            !exact_ancestors || group.ancestors == group.links,
            "group {g}'s seed count {} differs from its {} links",
            group.ancestors,
            group.links
        );
        if seed_ids {
            continue;
        }
        for (ns, nr) in numbers(world, &group.id) {
            let table = &world.get::<PidNamespace>(ns).expect("namespace").table;
            ensure!(table.group(nr) == Some(g), "group {g}'s id {nr} is not in its namespace's table");
        }
    }
    for (s, session) in sessions(world) {
        hold(session.id.ns)?;
        census.sessions += 1;
        let groups = groups(world).filter(|(_, g)| g.session == s).count() as u32;
        ensure!(session.groups == groups, "session {s} counts {} groups, has {groups}", session.groups);
        if seed_ids {
            continue;
        }
        for (ns, nr) in numbers(world, &session.id) {
            let table = &world.get::<PidNamespace>(ns).expect("namespace").table;
            ensure!(table.session(nr) == Some(s), "session {s}'s id {nr} is not in its namespace's table");
        }
    }
    for (ns, namespace) in namespaces(world) {
        census.namespaces += 1;
        namespace.table.recount().map_err(|e| Inconsistency(format!("namespace {ns}'s table {e}")))?;
        // A nested namespace holds its parent; the root is held for ever.
        let holder = namespace.level.checked_sub(1).map_or(ns, |level| namespace.chain[level]);
        ensure!(world.get::<PidNamespace>(holder).is_some(), "namespace {ns} is nested in {holder}, which was freed");
        *refs.entry(holder).or_default() += 1;
    }
    for (ns, namespace) in namespaces(world) {
        let held = refs.get(&ns).copied().unwrap_or(0);
        ensure!(namespace.refs == held, "namespace {ns} counts {} references, has {held}", namespace.refs);
        ensure!(held > 0, "namespace {ns} is held by nothing and was not freed");
    }
    ensure!(&census == machine.census(), "census {:?} differs from recount {census:?}", machine.census());
    Ok(())
}

fn processes(world: &World) -> impl Iterator<Item = (Entity, &Process, &Tree, &Membership)> {
    world.iter_entities().filter_map(|e| Some((e.id(), e.get::<Process>()?, e.get::<Tree>()?, e.get::<Membership>()?)))
}

fn groups(world: &World) -> impl Iterator<Item = (Entity, &ProcessGroup)> {
    world.iter_entities().filter_map(|e| Some((e.id(), e.get::<ProcessGroup>()?)))
}

fn namespaces(world: &World) -> impl Iterator<Item = (Entity, &PidNamespace)> {
    world.iter_entities().filter_map(|e| Some((e.id(), e.get::<PidNamespace>()?)))
}

fn sessions(world: &World) -> impl Iterator<Item = (Entity, &Session)> {
    world.iter_entities().filter_map(|e| Some((e.id(), e.get::<Session>()?)))
}

fn numbers<'a>(world: &'a World, pid: &'a Pid) -> impl Iterator<Item = (Entity, u32)> + 'a {
    (0..=pid.level()).map(move |level| number_at(world, pid, level))
}
