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

use crate::gvisor::Seed;
use crate::gvisor::ancestors::{self, Site, count, counts, decrement, increment, parent_of};
use crate::gvisor::ids::groups_with_id;
use crate::semantics::Rule;
use crate::systems::groups::Move;
use crate::systems::kernel::Core;
use bevy_ecs::prelude::*;

/// Whether the scan of `createSession` or `CreateProcessGroup` finds a group
/// with `p`'s id. `missed(in_it)` says whether a group not made by setsid
/// (so not in its session's list) is missed, given whether `p` is in it.
pub fn group_id_found(core: &Core, seed: &Seed, p: Entity, missed: impl Fn(bool) -> bool) -> bool {
    let skip_foreign = core.state.semantics.seed(Rule::ScanSkipsForeignSessions);
    let pid = core.pid(p);
    let own = core.group_of(p);
    groups_with_id(seed, pid.ns, pid.nr).into_iter().any(|g| {
        let found = core.group(g);
        let leader_ns = core.session(found.session).id.ns;
        let listed = seed.groups.get(g).expect("a seed group").made_by_setsid;
        found.id.ns == pid.ns
            && found.id.nr == pid.nr
            && !(skip_foreign && leader_ns != pid.ns)
            && (listed || !missed(g == own))
    })
}

/// `createSession`'s EPERM test for a caller that leads no session: a
/// session of its namespace has its id, or the scan finds a group with it.
pub fn setsid_id_taken(core: &Core, seed: &Seed, p: Entity) -> bool {
    let semantics = core.state.semantics;
    let pid = core.pid(p);
    let session_taken = core.namespace(pid.ns).table.session(pid.nr).is_some_and(|s| core.session(s).id.ns == pid.ns);
    session_taken
        || group_id_found(core, seed, p, |in_it| {
            semantics.seed(if in_it { Rule::UnlistedOwnGroup } else { Rule::UnlistedLeftGroup })
        })
}

/// The seed's count adjustments and orphan checks for `tg` moving into group
/// `to`, run before the model moves it.
pub fn before_move(core: &mut Core, seed: &mut Seed, tg: Entity, to: Entity, how: Move) {
    let semantics = core.state.semantics;
    let parent = parent_of(core, tg);
    let old = core.group_of(tg);
    let old_before = count(seed, old);
    match how {
        Move::NewSession => seed.groups.get_mut(to).expect("a seed group").made_by_setsid = true,
        Move::NewGroup => {
            let linked = parent.is_some() && counts(core, tg, to, parent);
            ancestors::set(seed, to, u32::from(linked));
        }
        Move::Join => {
            let yes = counts(core, tg, to, parent);
            increment(seed, to, yes);
        }
    }
    let children_old = if how != Move::Join && semantics.seed(Rule::ChildrenWrongGroup) {
        parent.map(|(_, parent_pg)| (tg, parent_pg))
    } else {
        Some((tg, old))
    };
    for child in core.children_of(tg) {
        let pg = core.group_of(child);
        let before = count(seed, pg);
        let yes = counts(core, child, pg, Some((tg, to)));
        increment(seed, pg, yes);
        let yes = counts(core, child, pg, children_old);
        decrement(seed, pg, yes);
        ancestors::handle_orphan(core, seed, pg, before != 0 && count(seed, pg) == 0, Site::Move);
    }
    let yes = counts(core, tg, old, parent);
    decrement(seed, old, yes);
    if old == to || !core.group(old).members.is_singular() {
        ancestors::handle_orphan(core, seed, old, old_before != 0 && count(seed, old) == 0, Site::Move);
    }
}
