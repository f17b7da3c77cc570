//! Reparenting the children of an exiting process (`forget_original_parent`,
//! `find_new_reaper`, `reparent_leader`; rules 9–10 and 20).
//!
//! Linux, unlike bevy's `ChildOf`, never takes children down with their
//! parent: they move to the nearest live ancestor marked as a child subreaper
//! in the same PID namespace, else to the namespace's init. Each child is
//! moved, then (if it is a zombie) its new parent is notified, then its group
//! is checked for orphaning, one child at a time in child-list order, because
//! each check sees the counts as they stand after that child's move; then the
//! whole list of children joins the end of the new parent's at once, as the
//! kernel splices it.

use crate::gvisor;
use crate::model::ids::{namespace, ns_of, process};
use crate::model::list;
use crate::model::tree::Children;
use crate::model::{RunState, Tree};
use crate::semantics::{Rule, Semantics};
use crate::systems::journal::Journal;
use crate::systems::{ancestors, exit, orphans};
use bevy_ecs::prelude::*;

/// The process that adopts the children of `father` (`find_new_reaper`).
pub fn find_new_reaper(world: &World, father: Entity) -> Entity {
    let ns = ns_of(world, father);
    if process(world, father).has_child_subreaper {
        let mut cursor = world.get::<Tree>(father).and_then(|t| t.parent);
        while let Some(r) = cursor {
            let candidate = process(world, r);
            if ns_of(world, r) != ns || candidate.global_init {
                break;
            }
            if candidate.child_subreaper && candidate.is_active() {
                return r;
            }
            cursor = world.get::<Tree>(r).and_then(|t| t.parent);
        }
    }
    namespace(world, ns).reaper.expect("a namespace with processes has an init")
}

/// Moves every child of `father` to `reaper` (under the seed, maybe to no
/// parent), in order, with the zombie notifications and orphan checks of
/// `reparent_leader`. Returns the zombie children the new parent released at
/// once (autoreap).
///
/// The seed's `reparentLocked` changes no count and checks no group
/// ([`Rule::ReparentUnseen`]); where that rule is left out of a seed
/// profile, the seed's count follows the move as Linux's does.
pub fn reparent_children(world: &mut World, father: Entity, reaper: Option<Entity>) -> Vec<Entity> {
    let semantics = *world.resource::<Semantics>();
    let seen = !semantics.seed(Rule::ReparentUnseen);
    let seed_count = seen && semantics.has_seed_rules();
    let mut released = Vec::new();
    for child in list::members::<Children>(world, father) {
        if seed_count {
            gvisor::ancestors::count_with_parent(world, child, false);
        }
        ancestors::adopt(world, child, reaper);
        if let Some(mut journal) = world.get_resource_mut::<Journal>() {
            journal.reparented.push((child, reaper));
        }
        if seed_count {
            gvisor::ancestors::count_with_parent(world, child, true);
        }
        if process(world, child).state == RunState::Zombie && exit::notify_parent(world, child) {
            released.push(child);
        }
        if seen {
            orphans::kill_orphaned_pgrp(world, child, Some(father));
        }
    }
    match reaper {
        Some(reaper) => list::splice_back::<Children>(world, father, reaper),
        None => list::clear::<Children>(world, father),
    }
    released
}
