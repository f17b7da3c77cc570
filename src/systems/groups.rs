//! Process groups and sessions: how they are made, how processes move
//! between them, and how they go.
//!
//! A group exists while it has members (zombies included) and a session
//! while it has groups; their ids stay reserved in every namespace until
//! then (`free_pid`). A move (`change_pid(p, PIDTYPE_PGID, …)`) keeps every
//! count exact: the mover's own link and stopped state move with it, and its
//! children, whose link status depends on the mover's group, are
//! re-evaluated. A profile's books hear of each group made or released and
//! of each move ([`Bookkeeping`]).

use crate::model::list;
use crate::model::namespace::IdKind;
use crate::model::{Flags, Pid, ProcessGroup, RunState, Session};
use crate::systems::books::Bookkeeping;
use crate::systems::kernel::{Core, Kernel};
use crate::systems::{links, namespaces, spares};
use bevy_ecs::prelude::*;

/// How a process moves to another group.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Move {
    /// Into the group of a new session (setsid).
    NewSession,
    /// Into a new group of its session (setpgid with pgid = its pid).
    NewGroup,
    /// Into an existing group.
    Join,
}

/// Makes a session with id `id` (with no groups yet) from a spare.
pub fn create_session(core: &mut Core, id: Pid) -> Entity {
    let s = spares::take(&mut core.state.spares.sessions);
    core.attach(&id, IdKind::Session, s);
    namespaces::get(core, id.ns);
    core.state.census.sessions += 1;
    *core.session_mut(s) = Session::new(id);
    s
}

/// Makes a process group with id `id` in `session` (with no members yet)
/// from a spare, and records its id in every namespace it has a number in.
pub fn create_group<B: Bookkeeping>(k: &mut Kernel<B>, id: Pid, session: Entity) -> Entity {
    let core = &mut k.core;
    let g = spares::take(&mut core.state.spares.groups);
    core.attach(&id, IdKind::Group, g);
    namespaces::get(core, id.ns);
    core.state.census.groups += 1;
    core.state.census.orphaned_groups += 1;
    *core.group_mut(g) = ProcessGroup::new(id, session);
    list::push_back(&mut core.session_groups(), session, g);
    B::group_created(core, &mut k.books, g);
    g
}

/// Links `p` into the group its [`Process`](crate::model::Process) names,
/// most recently joined first. Its counts are the caller's: a new process
/// (fork) has no parent yet and is not stopped, so none change.
pub fn join(core: &mut Core, p: Entity) {
    let g = core.group_of(p);
    list::push_front(&mut core.members(), g, p);
}

/// Moves `p` to group `to`, as `how` says it moves. The old group goes if
/// this empties it.
pub fn change_group<B: Bookkeeping>(k: &mut Kernel<B>, p: Entity, to: Entity, how: Move) {
    B::moving(&mut k.core, &mut k.books, p, to, how);
    let core = &mut k.core;
    let from = core.group_of(p);
    if from != to {
        leave(core, p, from);
        let session = core.group(to).session;
        let stopped = {
            let mut proc = core.process_mut(p);
            proc.group = to;
            proc.session = session;
            proc.state == RunState::Stopped
        };
        join(core, p);
        core.group_mut(to).stopped += u32::from(stopped);
        links::recount(core, p);
        links::recount_children(core, p);
        release_group_if_empty(k, from);
    }
    B::moved(&mut k.core, &mut k.books, to, how);
}

/// Takes `p` out of its group's member list and counts.
fn leave(core: &mut Core, p: Entity, from: Entity) {
    let (counted, stopped) = {
        let mut proc = core.process_mut(p);
        let counted = proc.has(Flags::COUNTED);
        proc.flags.remove(Flags::COUNTED);
        (counted, proc.state == RunState::Stopped)
    };
    if counted {
        links::adjust_links(core, from, -1);
    }
    core.group_mut(from).stopped -= u32::from(stopped);
    list::remove(&mut core.members(), from, p);
}

/// Removes a released process from its group (`detach_pid(PIDTYPE_PGID)`).
pub fn detach<B: Bookkeeping>(k: &mut Kernel<B>, p: Entity) {
    let from = k.core.group_of(p);
    leave(&mut k.core, p, from);
    release_group_if_empty(k, from);
}

/// Frees a group that has no members left, and its session if that was its
/// last group. Their entities go when the system call ends.
fn release_group_if_empty<B: Bookkeeping>(k: &mut Kernel<B>, g: Entity) {
    if !k.core.group(g).members.is_empty() {
        return;
    }
    B::group_released(&mut k.core, &mut k.books, g);
    let core = &mut k.core;
    let ProcessGroup { id, session, .. } = core.group(g).clone();
    core.state.doomed.push(g);
    core.state.census.groups -= 1;
    core.state.census.orphaned_groups -= 1;
    namespaces::free_id(core, &id, IdKind::Group);
    list::remove(&mut core.session_groups(), session, g);
    if core.session(session).group_list.is_empty() {
        let id = core.session(session).id.clone();
        core.state.doomed.push(session);
        core.state.census.sessions -= 1;
        namespaces::free_id(core, &id, IdKind::Session);
    }
}
