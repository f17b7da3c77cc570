//! The per-group link count, kept exact incrementally (what gVisor calls
//! `ancestors`, and counts at the wrong moments).
//!
//! A process's link status depends on its own state, its parent, and the
//! groups and sessions of both (semantics §9, rule 23). So it can change only
//! when one of those changes: at fork, when it becomes a zombie, when it is
//! reparented, when it or its parent changes group or session. Every such
//! change goes through here, which re-evaluates exactly the processes
//! affected (the mover and its children) and adjusts their groups' counters.
//! The kernel's trigger points read the count in the middle of an exit, after
//! each child is reparented, so the counts are updated where the relation
//! changes, not in a later pass: reading orphan status is then O(1) at any
//! moment, and a tick with no events does no work.
//!
//! Everything the test reads is in the [`Process`] of the process and of
//! its parent: two accesses (three when the parent task is a thread). A
//! zombie leader whose threads live is still a link (rule 34): the test
//! reads the process's state, which turns zombie only with its last task.

use crate::model::{Flags, Process};
use crate::systems::kernel::Core;
use crate::systems::threads;
use bevy_ecs::prelude::*;

/// link(p): p is not a zombie, its parent is not the global init, and its
/// parent is in another group of the same session.
pub fn is_link(p: &Process, parent: &Process) -> bool {
    !parent.is_global_init() && p.is_alive() && p.group != parent.group && p.session == parent.session
}

/// Whether `p` is a link now.
pub fn is_link_now(core: &Core, p: Entity) -> bool {
    let proc = core.process(p);
    proc.parent.is_some_and(|parent| is_link(proc, core.process_of(parent)))
}

/// Re-evaluates `p`'s link status and adjusts its group's count.
pub fn recount(core: &mut Core, p: Entity) {
    let now = is_link_now(core, p);
    let mut proc = core.process_mut(p);
    if proc.has(Flags::COUNTED) == now {
        return;
    }
    proc.flags.set(Flags::COUNTED, now);
    let g = proc.group;
    adjust_links(core, g, if now { 1 } else { -1 });
}

/// Re-evaluates the children of every task of process `p` (their parent's
/// group or session changed).
pub fn recount_children(core: &mut Core, p: Entity) {
    for child in threads::children_of_process(core, p) {
        recount(core, child);
    }
}

/// Changes a group's link count, keeping the census of orphaned groups.
pub fn adjust_links(core: &mut Core, g: Entity, delta: i32) {
    let mut g = core.group_mut(g);
    let was_orphaned = g.is_orphaned();
    g.links = g.links.checked_add_signed(delta).expect("link count stays non-negative");
    let now_orphaned = g.is_orphaned();
    if was_orphaned != now_orphaned {
        if now_orphaned {
            core.state.census.orphaned_groups += 1;
        } else {
            core.state.census.orphaned_groups -= 1;
        }
    }
}
