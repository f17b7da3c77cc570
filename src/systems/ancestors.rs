//! The per-group link count (gVisor's `ancestors`), kept exact incrementally.
//!
//! A process's link status depends on its own state, its parent, and the
//! groups and sessions of both (semantics §9, rule 23). So it can change only
//! when one of those changes: at fork, when it becomes a zombie, when it is
//! reparented, when it or its parent changes group or session. Every such
//! change goes through this module, which re-evaluates exactly the processes
//! affected (the mover and its children) and adjusts their groups' counters.
//! The kernel's trigger points read the count in the middle of an exit, after
//! each child is reparented, so the counts are updated where the relation
//! changes, not in a later pass: reading orphan status is then O(1) at any
//! moment, and a tick with no events does no work.
//!
//! Group and session lifetimes live here too: a group exists while it has
//! members (zombies included) and a session while it has groups; their ids
//! stay reserved in every namespace until then (`free_pid`).

use crate::gvisor;
use crate::model::ids::{self, group, group_of, process};
use crate::model::list::{self, ListHead};
use crate::model::namespace::IdKind;
use crate::model::tree::Children;
use crate::model::{Membership, Pid, ProcessGroup, RunState, Session, Tree};
use crate::semantics::Semantics;
use crate::systems::census::Census;
use crate::systems::namespaces;
use crate::systems::transitions::Transitions;
use bevy_ecs::prelude::*;

/// link(p): p is not a zombie, its parent is not the global init, and its
/// parent is in another group of the same session.
pub fn is_link(world: &World, p: Entity) -> bool {
    let Some(parent) = world.get::<Tree>(p).and_then(|t| t.parent) else {
        return false;
    };
    if process(world, parent).global_init || !process(world, p).is_alive() {
        return false;
    }
    let (mine, theirs) = (group_of(world, p), group_of(world, parent));
    mine != theirs && group(world, mine).session == group(world, theirs).session
}

/// Re-evaluates `p`'s link status and adjusts its group's count.
pub fn recount(world: &mut World, p: Entity) {
    let now = is_link(world, p);
    let mut membership = world.get_mut::<Membership>(p).expect("process has Membership");
    if membership.counted == now {
        return;
    }
    membership.counted = now;
    let g = membership.group;
    adjust_links(world, g, if now { 1 } else { -1 });
}

/// Changes a group's link count, keeping the census of orphaned groups.
fn adjust_links(world: &mut World, g: Entity, delta: i32) {
    let mut g = world.get_mut::<ProcessGroup>(g).expect("group has ProcessGroup");
    let was_orphaned = g.is_orphaned();
    g.links = g.links.checked_add_signed(delta).expect("link count stays non-negative");
    let now_orphaned = g.is_orphaned();
    if was_orphaned != now_orphaned {
        let mut census = world.resource_mut::<Census>();
        if now_orphaned {
            census.orphaned_groups += 1;
        } else {
            census.orphaned_groups -= 1;
        }
    }
}

/// Re-evaluates `p`'s children (their parent's group or session changed).
fn recount_children(world: &mut World, p: Entity) {
    for child in list::members::<Children>(world, p) {
        recount(world, child);
    }
}

/// Sets `p`'s run state, keeping its group's stopped count and link count.
pub fn set_state(world: &mut World, p: Entity, state: RunState) {
    let old = std::mem::replace(&mut world.get_mut::<crate::model::Process>(p).expect("process").state, state);
    world.resource_mut::<Census>().moved(Some(old), Some(state));
    if let Some(mut log) = world.get_resource_mut::<Transitions>() {
        log.0.push((p, state));
    }
    let delta: i32 = match (old == RunState::Stopped, state == RunState::Stopped) {
        (false, true) => 1,
        (true, false) => -1,
        _ => 0,
    };
    if delta != 0 {
        let g = group_of(world, p);
        let mut g = world.get_mut::<ProcessGroup>(g).expect("group");
        g.stopped = g.stopped.checked_add_signed(delta).expect("stopped count stays non-negative");
    }
    recount(world, p);
}

/// Creates a process group with id `id` in `session` (with no members yet)
/// and records its id in every namespace the id has a number in;
/// `made_by_setsid` for the group of a new session.
pub fn create_group(world: &mut World, id: Pid, session: Entity, made_by_setsid: bool) -> Entity {
    let g = world
        .spawn(ProcessGroup {
            id: id.clone(),
            session,
            members: ListHead::default(),
            links: 0,
            stopped: 0,
            ancestors: 0,
            made_by_setsid,
        })
        .id();
    ids::attach(world, &id, IdKind::Group, g);
    namespaces::get(world, id.ns);
    if world.resource::<Semantics>().has_seed_rules() {
        gvisor::ids::add_group(world, g, &id);
    }
    world.get_mut::<Session>(session).expect("session").groups += 1;
    let mut census = world.resource_mut::<Census>();
    census.groups += 1;
    census.orphaned_groups += 1;
    g
}

/// Creates a session with id `id` (with no groups yet).
pub fn create_session(world: &mut World, id: Pid) -> Entity {
    let s = world.spawn(Session { id: id.clone(), groups: 0 }).id();
    world.resource_mut::<Census>().sessions += 1;
    ids::attach(world, &id, IdKind::Session, s);
    namespaces::get(world, id.ns);
    s
}

/// Links `p` into the group its [`Membership`] names, most recently joined
/// first. Its counts are the caller's: a new process (fork) has no parent yet
/// and is not stopped, so none change; [`change_group`] moves them.
pub fn join(world: &mut World, p: Entity) {
    let g = group_of(world, p);
    list::push_front::<crate::model::group::Members>(world, g, p);
}

/// Moves `p` to group `to` (`change_pid(p, PIDTYPE_PGID, …)`), keeping every
/// count exact: `p`'s own link and stopped state move with it, and its
/// children, whose link status depends on `p`'s group, are re-evaluated.
/// The old group disappears if this empties it.
pub fn change_group(world: &mut World, p: Entity, to: Entity) {
    let from = group_of(world, p);
    if from == to {
        return;
    }
    leave(world, p, from);
    world.get_mut::<Membership>(p).expect("membership").group = to;
    join(world, p);
    if process(world, p).state == RunState::Stopped {
        world.get_mut::<ProcessGroup>(to).expect("group").stopped += 1;
    }
    recount(world, p);
    recount_children(world, p);
    release_group_if_empty(world, from);
}

/// Takes `p` out of its group's member list and counts.
fn leave(world: &mut World, p: Entity, from: Entity) {
    let counted = std::mem::take(&mut world.get_mut::<Membership>(p).expect("membership").counted);
    if counted {
        adjust_links(world, from, -1);
    }
    let stopped = process(world, p).state == RunState::Stopped;
    world.get_mut::<ProcessGroup>(from).expect("group").stopped -= u32::from(stopped);
    list::remove::<crate::model::group::Members>(world, from, p);
}

/// Removes a released process from its group (`detach_pid(PIDTYPE_PGID)`).
pub fn detach(world: &mut World, p: Entity) {
    let from = group_of(world, p);
    leave(world, p, from);
    release_group_if_empty(world, from);
}

/// Frees a group that has no members left, and its session if that was its
/// last group.
fn release_group_if_empty(world: &mut World, g: Entity) {
    if group(world, g).members.len != 0 {
        return;
    }
    let ProcessGroup { id, session, .. } = world.entity_mut(g).take::<ProcessGroup>().expect("group");
    world.despawn(g);
    if world.resource::<Semantics>().has_seed_rules() {
        gvisor::ids::remove_group(world, g, &id);
    }
    let mut census = world.resource_mut::<Census>();
    census.groups -= 1;
    census.orphaned_groups -= 1;
    namespaces::free_id(world, &id, IdKind::Group);
    let mut s = world.get_mut::<Session>(session).expect("session");
    s.groups -= 1;
    if s.groups == 0 {
        let Session { id, .. } = world.entity_mut(session).take::<Session>().expect("session");
        world.despawn(session);
        world.resource_mut::<Census>().sessions -= 1;
        namespaces::free_id(world, &id, IdKind::Session);
    }
}

/// Points `p` at its new parent (or none: the seed's orphans of a dying
/// namespace, [`crate::gvisor::exit`]) and re-evaluates its link status,
/// leaving the children lists to the caller: fork appends the child, and
/// reparenting moves every child first and splices the lists once
/// (`forget_original_parent`).
pub fn adopt(world: &mut World, p: Entity, parent: Option<Entity>) {
    world.get_mut::<Tree>(p).expect("tree").parent = parent;
    recount(world, p);
}
