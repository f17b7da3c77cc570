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
//! ([`ProcessGroup::links`](crate::model::ProcessGroup::links)), and can wrap
//! below 0 like the seed's `uint32`.
//!
//! Each of these departures is a [`Rule`]; with a rule left out, the count
//! follows Linux on that point (with all of [`Rule::COUNT`] left out it
//! equals `links`, a property the tests check). When `handleOrphan` runs is
//! up to rules too: [`Rule::CheckedAtReap`] (a reap that orphans the group),
//! [`Rule::OrphanCheckOnGroupChange`] (a move that does) and
//! [`Rule::OrphanCheckRepeats`] (a decrement of a group that was orphaned
//! already).

use crate::gvisor::{Seed, SeedGroup};
use crate::model::Signal;
use crate::semantics::{Rule, Semantics};
use crate::systems::kernel::Core;
use crate::systems::orphans;
use crate::systems::signal::{self, Aim, Sender};
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

/// `p`'s parent process (the seed's parent is a thread group) and its group.
pub fn parent_of(core: &Core, p: Entity) -> Parent {
    core.process(p).parent.map(|t| core.leader_of(t)).map(|parent| (parent, core.group_of(parent)))
}

/// Whether `incRefWithParent`/`decRefWithParent` count `member`, in group
/// `pg`, with `parent`: `pg != parentPG && (parentPG == nil || same
/// session)`. With [`Rule::NoInitExclusion`] left out a nil parent or the
/// global init is no ancestor; with [`Rule::ZombiesCounted`] left out a
/// zombie is none either — then this is Linux's link test.
pub fn counts(core: &Core, member: Entity, pg: Entity, parent: Parent) -> bool {
    let semantics: Semantics = core.state.semantics;
    if !semantics.seed(Rule::ZombiesCounted) && !core.process(member).is_alive() {
        return false;
    }
    match parent {
        None => semantics.seed(Rule::NoInitExclusion),
        Some((parent, parent_pg)) => {
            (semantics.seed(Rule::NoInitExclusion) || !core.process(parent).is_global_init())
                && parent_pg != pg
                && core.group(parent_pg).session == core.group(pg).session
        }
    }
}

/// The count of group `g`.
pub fn count(seed: &Seed, g: Entity) -> u32 {
    seed.groups.get(g).expect("a seed group").ancestors
}

/// Adds 1 to `g`'s count when `yes` (`ancestors++`).
pub fn increment(seed: &mut Seed, g: Entity, yes: bool) {
    let mut g = seed.groups.get_mut(g).expect("a seed group");
    g.ancestors = g.ancestors.wrapping_add(u32::from(yes));
}

/// Takes 1 from `g`'s count when `yes` (`ancestors--`, wrapping as a `uint32`).
pub fn decrement(seed: &mut Seed, g: Entity, yes: bool) {
    let mut g = seed.groups.get_mut(g).expect("a seed group");
    g.ancestors = g.ancestors.wrapping_sub(u32::from(yes));
}

/// Sets a new group's count (`createSession`: 0; `CreateProcessGroup`: 1 if
/// the parent is in the same session).
pub fn set(seed: &mut Seed, g: Entity, value: u32) {
    seed.groups.get_mut(g).expect("a seed group").ancestors = value;
}

/// Counts or uncounts `p` in its group with its current parent: what the
/// seed leaves out and Linux does when `p` is reparented
/// ([`Rule::ReparentUnseen`] left out) or becomes a zombie
/// ([`Rule::ZombiesCounted`] left out).
pub fn count_with_parent(core: &Core, seed: &mut Seed, p: Entity, add: bool) {
    let pg = core.group_of(p);
    let yes = counts(core, p, pg, parent_of(core, p));
    if add {
        increment(seed, pg, yes);
    } else {
        decrement(seed, pg, yes);
    }
}

/// The first group's books: `createSession` for the root thread group, which
/// has no process group yet, "always says that the very first group created
/// has ancestors" — the nil parent of [`Rule::NoInitExclusion`].
pub fn root_group(semantics: Semantics) -> SeedGroup {
    SeedGroup { ancestors: u32::from(semantics.seed(Rule::NoInitExclusion)), made_by_setsid: true }
}

/// The reap of `p` (`TaskExitDead`): `decRefWithParent(parentPG)` with the
/// parent it has now. Runs while `p` is still in its group; returns the
/// group and whether the decrement orphaned it, for `handleOrphan` once `p`
/// has left.
pub fn reap(core: &Core, seed: &mut Seed, p: Entity) -> (Entity, bool) {
    let pg = core.group_of(p);
    let before = count(seed, pg);
    let yes = counts(core, p, pg, parent_of(core, p));
    decrement(seed, pg, yes);
    (pg, before != 0 && count(seed, pg) == 0)
}

/// `handleOrphan`: if the group's count is 0 and a member's group-stop is
/// complete, SIGHUP then SIGCONT to every member, one after the other.
/// `orphaned_now` says whether the decrement that precedes it took the count
/// to 0; which rule lets it act depends on that and on `site`.
pub fn handle_orphan(core: &mut Core, seed: &Seed, pg: Entity, orphaned_now: bool, site: Site) {
    let rule = match (orphaned_now, site) {
        (true, Site::Move) => Rule::OrphanCheckOnGroupChange,
        (true, Site::Reap) => Rule::CheckedAtReap,
        (false, _) => Rule::OrphanCheckRepeats,
    };
    if !core.state.semantics.seed(rule) || count(seed, pg) != 0 || core.group(pg).stopped == 0 {
        return;
    }
    orphans::count_pair(core, pg);
    for member in core.members_of(pg) {
        signal::send(core, Sender::Kernel, member, Signal::Hup, Aim::Process);
        signal::send(core, Sender::Kernel, member, Signal::Cont, Aim::Process);
    }
}
