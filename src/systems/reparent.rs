//! Reparenting the children of an exiting task (`forget_original_parent`,
//! `find_new_reaper`, `reparent_leader`; rules 9–10, 20, 31 and 43).
//!
//! Linux, unlike bevy's `ChildOf`, never takes children down with their
//! parent: they move to another live thread of the parent's process, else to
//! the nearest live ancestor marked as a child subreaper in the same PID
//! namespace, else to the namespace's init. Each child is
//! moved, then (if it is a zombie) its new parent is notified, then its group
//! is checked for orphaning, one child at a time in child-list order, because
//! each check sees the counts as they stand after that child's move; then the
//! whole list of children joins the end of the new parent's at once, as the
//! kernel splices it.

use crate::model::{Flags, RunState};
use crate::semantics::Rule;
use crate::systems::books::Bookkeeping;
use crate::systems::kernel::{Core, Kernel};
use crate::systems::signal::{self, Aim, Sender};
use crate::systems::{exit, links, orphans, threads};
use bevy_ecs::prelude::*;

/// The task that adopts the children of task `father` (`find_new_reaper`):
/// another live thread of its process; else the first live thread of the
/// nearest live subreaper ancestor in its namespace; else the namespace's
/// child reaper.
pub fn find_new_reaper(core: &Core, father: Entity) -> Entity {
    let p = core.leader_of(father);
    let me = core.process(p);
    if me.has(Flags::THREADED)
        && let Some(thread) = threads::find_alive_thread(core, p)
    {
        return thread;
    }
    let ns = me.pid.ns;
    if me.has(Flags::HAS_CHILD_SUBREAPER) {
        let mut cursor = me.parent;
        while let Some(r) = cursor.map(|t| core.leader_of(t)) {
            let candidate = core.process(r);
            if candidate.pid.ns != ns || candidate.is_global_init() {
                break;
            }
            if candidate.has(Flags::CHILD_SUBREAPER) {
                if !candidate.task.is_exiting() {
                    return r;
                }
                if let Some(thread) = threads::find_alive_thread(core, r) {
                    return thread;
                }
            }
            cursor = candidate.parent;
        }
    }
    core.namespace(ns).reaper.expect("a namespace with processes has an init")
}

/// Points `p` at its new parent task (or none: the seed's orphans of a
/// dying namespace) and re-evaluates its link status, leaving the children
/// lists to the caller: fork appends the child, and reparenting moves every
/// child first and splices the lists once (`forget_original_parent`).
pub fn adopt(core: &mut Core, p: Entity, parent: Option<Entity>) {
    core.process_mut(p).parent = parent;
    links::recount(core, p);
}

/// Moves every child of task `father` to task `reaper` (under the seed,
/// maybe to no parent), in order. Each child's threads that asked for a
/// parent-death signal get it (rule 43); a child that leaves the process
/// gets `reparent_leader`'s zombie notification and orphan check (rule
/// 31). Returns the zombie children the new parent released at once
/// (autoreap).
///
/// The seed's `reparentLocked` checks no group ([`Rule::ReparentUnseen`]),
/// and its books see no move then.
pub fn reparent_children<B: Bookkeeping>(k: &mut Kernel<B>, father: Entity, reaper: Option<Entity>) -> Vec<Entity> {
    let from = k.core.leader_of(father);
    let leaves = reaper.is_none_or(|r| k.core.leader_of(r) != from);
    let seen = leaves && !k.core.state.semantics.seed(Rule::ReparentUnseen);
    let mut released = Vec::new();
    for child in k.core.children_of(father) {
        if seen {
            B::adopting(&mut k.core, &mut k.books, child);
        }
        adopt(&mut k.core, child, reaper);
        if leaves && let Some(journal) = k.core.state.journal.as_mut() {
            journal.reparented.push((child, reaper));
        }
        if seen {
            B::adopted(&mut k.core, &mut k.books, child);
        }
        parent_death_signals(&mut k.core, from, child);
        if !leaves {
            continue;
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

/// Sends each task of process `child` that asked for one its parent-death
/// signal, aimed at that task (rule 43); `from` is the process whose thread
/// exited.
fn parent_death_signals(core: &mut Core, from: Entity, child: Entity) {
    let proc = core.process(child);
    if !proc.has(Flags::THREADED) {
        if let Some(sig) = proc.task.pdeath {
            signal::send(core, Sender::Process(from), child, sig, Aim::Process);
        }
        return;
    }
    for t in threads::tasks(core, child) {
        if let Some(sig) = core.task(t).pdeath {
            signal::send(core, Sender::Process(from), t, sig, Aim::Process);
        }
    }
}
