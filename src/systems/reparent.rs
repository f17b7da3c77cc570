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

use crate::model::{Flags, RunState};
use crate::semantics::Rule;
use crate::systems::books::Bookkeeping;
use crate::systems::kernel::{Core, Kernel};
use crate::systems::{exit, links, orphans};
use bevy_ecs::prelude::*;

/// The process that adopts the children of `father` (`find_new_reaper`).
pub fn find_new_reaper(core: &Core, father: Entity) -> Entity {
    let ns = core.ns_of(father);
    let me = core.process(father);
    if me.has(Flags::HAS_CHILD_SUBREAPER) {
        let mut cursor = me.parent;
        while let Some(r) = cursor {
            let candidate = core.process(r);
            if core.ns_of(r) != ns || candidate.is_global_init() {
                break;
            }
            if candidate.has(Flags::CHILD_SUBREAPER) && candidate.is_active() {
                return r;
            }
            cursor = candidate.parent;
        }
    }
    core.namespace(ns).reaper.expect("a namespace with processes has an init")
}

/// Points `p` at its new parent (or none: the seed's orphans of a dying
/// namespace) and re-evaluates its link status, leaving the children lists
/// to the caller: fork appends the child, and reparenting moves every child
/// first and splices the lists once (`forget_original_parent`).
pub fn adopt(core: &mut Core, p: Entity, parent: Option<Entity>) {
    core.process_mut(p).parent = parent;
    links::recount(core, p);
}

/// Moves every child of `father` to `reaper` (under the seed, maybe to no
/// parent), in order, with the zombie notifications and orphan checks of
/// `reparent_leader`. Returns the zombie children the new parent released at
/// once (autoreap).
///
/// The seed's `reparentLocked` checks no group ([`Rule::ReparentUnseen`]),
/// and its books see no move then.
pub fn reparent_children<B: Bookkeeping>(k: &mut Kernel<B>, father: Entity, reaper: Option<Entity>) -> Vec<Entity> {
    let seen = !k.core.state.semantics.seed(Rule::ReparentUnseen);
    let mut released = Vec::new();
    for child in k.core.children_of(father) {
        if seen {
            B::adopting(&mut k.core, &mut k.books, child);
        }
        adopt(&mut k.core, child, reaper);
        if let Some(journal) = k.core.state.journal.as_mut() {
            journal.reparented.push((child, reaper));
        }
        if seen {
            B::adopted(&mut k.core, &mut k.books, child);
        }
        if k.core.process(child).state == RunState::Zombie && exit::notify_parent(&mut k.core, child) {
            released.push(child);
        }
        if seen {
            orphans::kill_orphaned_pgrp(k, child, Some(father));
        }
    }
    let children = &mut k.core.children();
    match reaper {
        Some(reaper) => crate::model::list::splice_back(children, father, reaper),
        None => crate::model::list::clear(children, father),
    }
    released
}
