//! gVisor's 2018 "seed": the parts of its job control that differ from
//! Linux, for the `gvisor-2018` profile ([`crate::semantics`]).
//!
//! The seed is `pkg/sentry/kernel/sessions.go` and the code around it
//! (`task_exit.go`, `threads.go`, `sys_thread.go`, `sys_signal.go`,
//! `sys_prctl.go`) at gVisor's first check-in. It models the same world as
//! Linux — thread groups, process groups, sessions, PID namespaces — with
//! different rules. This module holds only those rules; everything else is
//! the Linux model's. Where a [`Rule`](crate::semantics::Rule) changes a
//! decision that needs no state of its own, the Linux path takes it itself;
//! the seed's state, and what it decides with it, are its books
//! ([`Seed`], the [`Bookkeeping`] of the `gvisor-2018` profile), which the
//! Linux paths call at their hook points:
//!
//! * [`ancestors`]: the seed's per-group `ancestors` count, changed where
//!   `incRefWithParent` and `decRefWithParent` change it, and `handleOrphan`,
//!   which sends the orphaned-group SIGHUP+SIGCONT after a decrement;
//! * [`sessions`]: `createSession` and `CreateProcessGroup`'s scans for a
//!   group with the caller's id, and the count adjustments when a thread
//!   group moves (`createSession`, `CreateProcessGroup`, `JoinProcessGroup`);
//! * [`ids`]: the seed's id maps as far as they differ from Linux's (ids can
//!   be duplicated, `kill(-pgid)` matches by id).
//!
//! The model's Linux state (`links`, the id tables) is kept under the seed
//! too: the seed's state sits next to it, and with a rule left out, the
//! Linux decision is taken from the Linux state.
//!
//! # What is not reproduced
//!
//! * Go map iteration order: the seed walks thread groups in map order
//!   (`handleOrphan`, `Kill`); here they go in the model's orders (group
//!   members most recently joined first, pids ascending), so only the
//!   interleaving of SIGCHLD can differ from a real run.
//! * The seed's intrusive `List.Remove` of a group that was never listed
//!   empties its session's list. That list only matters to the scans for a
//!   number that a live session leader in the same namespace also has, which
//!   needs pid reuse after a wrap at 65536 ([`crate::semantics::Rule::PidReuse`]);
//!   a listed group here stays listed.
//! * The scans compare a group's id in its creator's namespace with the
//!   caller's id in the caller's; here both are taken in the caller's
//!   namespace, which is the same for every group with the caller's pid.

pub mod ancestors;
pub mod ids;
pub mod sessions;

use crate::model::{Errno, Signal};
use crate::semantics::Rule;
use crate::systems::books::Bookkeeping;
use crate::systems::groups::Move;
use crate::systems::kernel::Core;
use crate::systems::signal::Sender;
use ancestors::{Site, count, counts, parent_of};
use bevy_ecs::prelude::*;
use bevy_ecs::system::SystemParam;
use ids::GroupsById;

/// What the seed keeps of each process group beside the Linux state.
#[derive(Component, Debug, Default, Clone)]
pub struct SeedGroup {
    /// `ancestors` as the seed keeps it: raised and lowered where the seed
    /// does, wrapping like its `uint32`, so it drifts from Linux's `links`.
    pub ancestors: u32,
    /// Made by setsid: the only groups the seed lists in their session's
    /// `processGroups` (`createSession` pushes its group, the seed's
    /// `CreateProcessGroup` does not).
    pub made_by_setsid: bool,
}

/// The seed's books: its per-group state and its id maps.
#[derive(SystemParam)]
pub struct Seed<'w, 's> {
    pub groups: Query<'w, 's, &'static mut SeedGroup>,
    pub by_id: ResMut<'w, GroupsById>,
    /// The group of the zombie being reaped, and whether the reap's
    /// decrement orphaned it, between [`Bookkeeping::reaping`] and
    /// [`Bookkeeping::reaped`].
    reaping: Local<'s, Option<(Entity, bool)>>,
}

impl Bookkeeping for Seed<'static, 'static> {
    type GroupBundle = SeedGroup;

    fn group_created(core: &mut Core, seed: &mut Seed, g: Entity) {
        *seed.groups.get_mut(g).expect("a seed group") = SeedGroup::default();
        ids::add_group(core, seed, g);
    }

    fn group_released(core: &mut Core, seed: &mut Seed, g: Entity) {
        ids::remove_group(core, seed, g);
    }

    fn moving(core: &mut Core, seed: &mut Seed, p: Entity, to: Entity, how: Move) {
        sessions::before_move(core, seed, p, to, how);
    }

    fn moved(core: &mut Core, _seed: &mut Seed, to: Entity, how: Move) {
        if how != Move::Join {
            ids::map_last(core, to);
        }
    }

    fn becoming_zombie(core: &mut Core, seed: &mut Seed, t: Entity) {
        if !core.state.semantics.seed(Rule::ZombiesCounted) {
            ancestors::count_with_parent(core, seed, t, false);
        }
    }

    fn adopting(core: &mut Core, seed: &mut Seed, child: Entity) {
        ancestors::count_with_parent(core, seed, child, false);
    }

    fn adopted(core: &mut Core, seed: &mut Seed, child: Entity) {
        ancestors::count_with_parent(core, seed, child, true);
    }

    fn reaping(core: &mut Core, seed: &mut Seed, p: Entity) {
        *seed.reaping = Some(ancestors::reap(core, seed, p));
    }

    fn reaped(core: &mut Core, seed: &mut Seed) {
        if let Some((pg, orphaned_now)) = seed.reaping.take()
            && !core.group(pg).members.is_empty()
        {
            ancestors::handle_orphan(core, seed, pg, orphaned_now, Site::Reap);
        }
    }

    fn orphaned(_core: &Core, seed: &Seed, g: Entity) -> Option<bool> {
        Some(count(seed, g) == 0)
    }

    fn will_become_orphaned(core: &Core, seed: &Seed, pg: Entity, ignored: Option<Entity>) -> Option<bool> {
        let own = ignored.is_some_and(|t| counts(core, t, pg, parent_of(core, t)));
        Some(count(seed, pg).wrapping_sub(u32::from(own)) == 0)
    }

    fn session_id_taken(core: &Core, seed: &Seed, p: Entity) -> Option<bool> {
        let scan = [Rule::UnlistedOwnGroup, Rule::UnlistedLeftGroup, Rule::ScanSkipsForeignSessions];
        scan.into_iter().any(|r| core.state.semantics.seed(r)).then(|| sessions::setsid_id_taken(core, seed, p))
    }

    fn group_id_taken(core: &Core, seed: &Seed, p: Entity) -> bool {
        sessions::group_id_found(core, seed, p, |_| true)
    }

    fn kill_group_id(
        core: &mut Core,
        seed: &mut Seed,
        sender: Sender,
        ns: Entity,
        pgid: u32,
        sig: Signal,
    ) -> Option<Result<(), Errno>> {
        Some(ids::kill_group_id(core, seed, sender, ns, pgid, sig))
    }
}
