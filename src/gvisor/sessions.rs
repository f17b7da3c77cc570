//! `createSession`, `CreateProcessGroup` and `JoinProcessGroup`
//! (`sessions.go`): how the seed decides whether an id is taken, and how it
//! adjusts the `ancestors` counts when a thread group moves.
//!
//! The scans: `createSession` returns EPERM if a session of the caller's
//! namespace is led by the caller or has its id, or if one of their listed
//! groups has it; `CreateProcessGroup` the same for groups. Only groups made
//! by setsid are listed ([`Rule::UnlistedOwnGroup`],
//! [`Rule::UnlistedLeftGroup`], [`Rule::DuplicateGroup`]), and sessions led
//! from another namespace are skipped ([`Rule::ScanSkipsForeignSessions`]).
//!
//! The moves, in the seed's order, before the model moves the thread group:
//! the new group's count (`createSession`: 0; `CreateProcessGroup`: 1 if the
//! parent is in the same session; `JoinProcessGroup`: `incRefWithParent`),
//! then for each child `incRefWithParent(new)` and `decRefWithParent(old)`,
//! then `decRefWithParent(parentPG)` on the old group, each decrement
//! followed by `handleOrphan` — while the mover is still a member of its old
//! group, so it is signalled too. `createSession` and `CreateProcessGroup`
//! pass the parent's group as the children's old one
//! ([`Rule::ChildrenWrongGroup`]).

use crate::gvisor::ancestors::{self, Site, count, counts, decrement, increment, parent_of};
use crate::gvisor::ids::{self, groups_with_id};
use crate::model::ids::{group, group_of, namespace, pid_of, session};
use crate::model::list;
use crate::model::tree::Children;
use crate::semantics::{Rule, Semantics};
use crate::systems::ancestors as model;
use bevy_ecs::prelude::*;

/// How a thread group moves.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Move {
    /// Into the group of a new session (`createSession`).
    NewSession,
    /// Into a new group of its session (`CreateProcessGroup`).
    NewGroup,
    /// Into an existing group (`JoinProcessGroup`).
    Join,
}

/// Whether the scan of `createSession` or `CreateProcessGroup` finds a group
/// with `p`'s id. `missed(in_it)` says whether a group not made by setsid
/// (so not in its session's list) is missed, given whether `p` is in it.
pub fn group_id_found(world: &World, p: Entity, missed: impl Fn(bool) -> bool) -> bool {
    let skip_foreign = world.resource::<Semantics>().seed(Rule::ScanSkipsForeignSessions);
    let pid = pid_of(world, p);
    let own = group_of(world, p);
    groups_with_id(world, pid.ns, pid.nr).into_iter().any(|g| {
        let found = group(world, g);
        let leader_ns = session(world, found.session).id.ns;
        found.id.ns == pid.ns
            && found.id.nr == pid.nr
            && !(skip_foreign && leader_ns != pid.ns)
            && (found.made_by_setsid || !missed(g == own))
    })
}

/// `createSession`'s EPERM test for a caller that leads no session: a
/// session of its namespace has its id, or the scan finds a group with it.
pub fn setsid_id_taken(world: &World, p: Entity) -> bool {
    let semantics = *world.resource::<Semantics>();
    let pid = pid_of(world, p);
    let session_taken =
        namespace(world, pid.ns).table.session(pid.nr).is_some_and(|s| session(world, s).id.ns == pid.ns);
    session_taken
        || group_id_found(world, p, |in_it| {
            semantics.seed(if in_it { Rule::UnlistedOwnGroup } else { Rule::UnlistedLeftGroup })
        })
}

/// The seed's count adjustments and orphan checks for `tg` moving into group
/// `to`, run before the model moves it.
pub fn before_move(world: &mut World, tg: Entity, to: Entity, how: Move) {
    let semantics = *world.resource::<Semantics>();
    let parent = parent_of(world, tg);
    let old = group_of(world, tg);
    let old_before = count(world, old);
    match how {
        Move::NewSession => {}
        Move::NewGroup => {
            let linked = parent.is_some() && counts(world, tg, to, parent);
            ancestors::set(world, to, u32::from(linked));
        }
        Move::Join => {
            let yes = counts(world, tg, to, parent);
            increment(world, to, yes);
        }
    }
    let children_old = if how != Move::Join && semantics.seed(Rule::ChildrenWrongGroup) {
        parent.map(|(_, parent_pg)| (tg, parent_pg))
    } else {
        Some((tg, old))
    };
    for child in list::members::<Children>(world, tg) {
        let pg = group_of(world, child);
        let before = count(world, pg);
        let yes = counts(world, child, pg, Some((tg, to)));
        increment(world, pg, yes);
        let yes = counts(world, child, pg, children_old);
        decrement(world, pg, yes);
        ancestors::handle_orphan(world, pg, before != 0 && count(world, pg) == 0, Site::Move);
    }
    let yes = counts(world, tg, old, parent);
    decrement(world, old, yes);
    if old == to || group(world, old).members.len > 1 {
        ancestors::handle_orphan(world, old, old_before != 0 && count(world, old) == 0, Site::Move);
    }
}

/// Moves `tg` into group `to` (`change_pid(PIDTYPE_PGID)`); under a seed
/// profile, as `createSession`, `CreateProcessGroup` or `JoinProcessGroup`
/// would: the counts and checks of [`before_move`] first, and the new ids
/// mapped last.
pub fn change_group(world: &mut World, tg: Entity, to: Entity, how: Move) {
    let seed = world.resource::<Semantics>().has_seed_rules();
    if seed {
        before_move(world, tg, to, how);
    }
    model::change_group(world, tg, to);
    if seed && how != Move::Join {
        ids::map_last(world, to);
    }
}
