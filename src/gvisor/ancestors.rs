//! The seed's orphan machinery (`sessions.go`): a per-group count,
//! `ancestors`, of "thread groups in this process group whose parent is in a
//! different process group in the same session", and `handleOrphan`, which
//! sends SIGHUP+SIGCONT to a group whose count is 0 and that holds a stopped
//! member.
//!
//! ```go
//! func (pg *ProcessGroup) incRefWithParent(parentPG *ProcessGroup) {
//!         if pg != parentPG && (parentPG == nil || pg.session == parentPG.session) {
//!                 pg.ancestors++
//!         }
//!         pg.refs.IncRef()
//! }
//! ```
//! `decRefWithParent` mirrors it, then calls `handleOrphan` if the group
//! lives on. The count is changed only where the seed calls these: when a
//! thread group moves (setsid, setpgid, with adjustments for its children,
//! see [`crate::gvisor::sessions`]) and when it is reaped (`TaskExitDead`),
//! with the parent it has *then*. It is not changed when a process becomes a
//! zombie, nor when it is reparented, and it has no global-init exclusion; a
//! nil parent counts. So it drifts from Linux's exact count of links
//! ([`ProcessGroup::links`]), and can wrap below 0 like the seed's `uint32`.
//!
//! Each of these departures is a [`Rule`]; with a rule left out, the count
//! follows Linux on that point (with all of [`Rule::COUNT`] left out it
//! equals `links`, a property the tests check). When `handleOrphan` runs is
//! up to rules too: [`Rule::CheckedAtReap`] (a reap that orphans the group),
//! [`Rule::OrphanCheckOnGroupChange`] (a move that does) and
//! [`Rule::OrphanCheckRepeats`] (a decrement of a group that was orphaned
//! already).

use crate::model::ids::{group, group_of, process};
use crate::model::{ProcessGroup, Signal, Tree, list};
use crate::semantics::{Rule, Semantics};
use crate::systems::orphans;
use crate::systems::signal::{self, Sender};
use bevy_ecs::prelude::*;

/// Where a decrement happens, which decides whether `handleOrphan` may act.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Site {
    /// A thread group moved (`createSession`, `CreateProcessGroup`,
    /// `JoinProcessGroup`).
    Move,
    /// A thread group was reaped (`TaskExitDead`).
    Reap,
}

/// A parent as `incRefWithParent` sees it: the parent process and the group
/// the seed passes for it (not always the parent's own, see
/// [`Rule::ChildrenWrongGroup`]). `None` is the seed's nil parent.
pub type Parent = Option<(Entity, Entity)>;

/// `p`'s parent and its group.
pub fn parent_of(world: &World, p: Entity) -> Parent {
    world.get::<Tree>(p).and_then(|t| t.parent).map(|parent| (parent, group_of(world, parent)))
}

/// Whether `incRefWithParent`/`decRefWithParent` count `member`, in group
/// `pg`, with `parent`: `pg != parentPG && (parentPG == nil || same
/// session)`. With [`Rule::NoInitExclusion`] left out a nil parent or the
/// global init is no ancestor; with [`Rule::ZombiesCounted`] left out a
/// zombie is none either — then this is Linux's link test.
pub fn counts(world: &World, member: Entity, pg: Entity, parent: Parent) -> bool {
    let semantics = *world.resource::<Semantics>();
    if !semantics.seed(Rule::ZombiesCounted) && !process(world, member).is_alive() {
        return false;
    }
    match parent {
        None => semantics.seed(Rule::NoInitExclusion),
        Some((parent, parent_pg)) => {
            (semantics.seed(Rule::NoInitExclusion) || !process(world, parent).global_init)
                && parent_pg != pg
                && group(world, parent_pg).session == group(world, pg).session
        }
    }
}

/// The count of group `g`.
pub fn count(world: &World, g: Entity) -> u32 {
    group(world, g).ancestors
}

/// Adds 1 to `g`'s count when `yes` (`ancestors++`).
pub fn increment(world: &mut World, g: Entity, yes: bool) {
    let mut g = world.get_mut::<ProcessGroup>(g).expect("group has ProcessGroup");
    g.ancestors = g.ancestors.wrapping_add(u32::from(yes));
}

/// Takes 1 from `g`'s count when `yes` (`ancestors--`, wrapping as a `uint32`).
pub fn decrement(world: &mut World, g: Entity, yes: bool) {
    let mut g = world.get_mut::<ProcessGroup>(g).expect("group has ProcessGroup");
    g.ancestors = g.ancestors.wrapping_sub(u32::from(yes));
}

/// Sets a new group's count (`createSession`: 0; `CreateProcessGroup`: 1 if
/// the parent is in the same session).
pub fn set(world: &mut World, g: Entity, value: u32) {
    world.get_mut::<ProcessGroup>(g).expect("group has ProcessGroup").ancestors = value;
}

/// Counts or uncounts `p` in its group with its current parent: what the
/// seed leaves out and Linux does when `p` is reparented
/// ([`Rule::ReparentUnseen`] left out) or becomes a zombie
/// ([`Rule::ZombiesCounted`] left out).
pub fn count_with_parent(world: &mut World, p: Entity, add: bool) {
    let pg = group_of(world, p);
    let yes = counts(world, p, pg, parent_of(world, p));
    if add {
        increment(world, pg, yes);
    } else {
        decrement(world, pg, yes);
    }
}

/// The first group's count: `createSession` for the root thread group, which
/// has no process group yet, "always says that the very first group created
/// has ancestors" — the nil parent of [`Rule::NoInitExclusion`].
pub fn root_group(world: &mut World, g: Entity) {
    let nil_counts = world.resource::<Semantics>().seed(Rule::NoInitExclusion);
    set(world, g, u32::from(nil_counts));
}

/// The reap of `p` (`TaskExitDead`): `decRefWithParent(parentPG)` with the
/// parent it has now, then `handleOrphan` if the group lives on. Runs while
/// `p` is still in its group; returns the group and whether the decrement
/// orphaned it, for [`after_reap`] once `p` has left.
pub fn reap(world: &mut World, p: Entity) -> (Entity, bool) {
    let pg = group_of(world, p);
    let before = count(world, pg);
    let yes = counts(world, p, pg, parent_of(world, p));
    decrement(world, pg, yes);
    (pg, before != 0 && count(world, pg) == 0)
}

/// `handleOrphan` after a reap, if the group still has members.
pub fn after_reap(world: &mut World, (pg, orphaned_now): (Entity, bool)) {
    if world.get::<ProcessGroup>(pg).is_some() {
        handle_orphan(world, pg, orphaned_now, Site::Reap);
    }
}

/// `handleOrphan`: if the group's count is 0 and a member's group-stop is
/// complete, SIGHUP then SIGCONT to every member, one after the other.
/// `orphaned_now` says whether the decrement that precedes it took the count
/// to 0; which rule lets it act depends on that and on `site`.
pub fn handle_orphan(world: &mut World, pg: Entity, orphaned_now: bool, site: Site) {
    let semantics = *world.resource::<Semantics>();
    let rule = match (orphaned_now, site) {
        (true, Site::Move) => Rule::OrphanCheckOnGroupChange,
        (true, Site::Reap) => Rule::CheckedAtReap,
        (false, _) => Rule::OrphanCheckRepeats,
    };
    let g = group(world, pg);
    if !semantics.seed(rule) || g.ancestors != 0 || g.stopped == 0 {
        return;
    }
    orphans::count_pair(world, pg);
    for member in list::members::<crate::model::group::Members>(world, pg) {
        signal::send(world, Sender::Kernel, member, Signal::Hup);
        signal::send(world, Sender::Kernel, member, Signal::Cont);
    }
}
