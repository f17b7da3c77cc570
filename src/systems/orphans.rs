//! The orphaned-process-group signals (`kill_orphaned_pgrp`, rules 20–22).
//!
//! POSIX requires that when a process group becomes orphaned while one of its
//! members is stopped, every member gets SIGHUP then SIGCONT, so that a job
//! stopped by a shell that has since died is not left stopped forever. Linux
//! checks this at exactly two points, both inside `exit_notify`:
//! * for each child of an exiting process, after the child is reparented,
//!   if the exiting process was the child's link (rule 20);
//! * for the exiting process's own group, if it was itself a link (rule 21).
//!
//! The test is literal, not edge-triggered: an already orphaned group with a
//! stopped member is signalled again whenever the condition holds at one of
//! those points. setpgid, setsid, reaping and exec never trigger it (rule 22).
//!
//! Which members get the SIGHUP is a decision of the kernel: mainline sends
//! it to every member, the kernel variant `orphan-hup-stopped-only` (rule 38)
//! only to the members that are stopped; SIGCONT goes to every member on both.
//!
//! The seed checks at other points ([`crate::gvisor::ancestors`]); under a
//! seed profile, the checks here that its rules leave in place test the
//! seed's count.

use crate::gvisor::ancestors;
use crate::model::ids::{group, group_of, process, session_of};
use crate::model::list;
use crate::model::{Membership, Process, RunState, Signal, Tree};
use crate::semantics::{Semantics, Variant};
use crate::systems::census::Census;
use crate::systems::journal::Journal;
use crate::systems::signal::{self, Sender};
use bevy_ecs::prelude::*;

/// `kill_orphaned_pgrp(tsk, parent)`: with `father` set, `tsk` is a child of
/// the exiting `father` that was just reparented; without, `tsk` is the
/// exiting process itself and its own parent is the link that may be lost.
pub fn kill_orphaned_pgrp(world: &mut World, tsk: Entity, father: Option<Entity>) {
    let (parent, ignored) = match father {
        Some(father) => (father, None),
        None => match world.get::<Tree>(tsk).and_then(|t| t.parent) {
            Some(parent) => (parent, Some(tsk)),
            None => return,
        },
    };
    let pg = group_of(world, tsk);
    if group_of(world, parent) == pg || session_of(world, parent) != session_of(world, tsk) {
        return;
    }
    if will_become_orphaned(world, pg, ignored) && group(world, pg).stopped > 0 {
        count_pair(world, pg);
        let stopped_only = world.resource::<Semantics>().variant(Variant::OrphanHupStoppedOnly);
        let hup_to = |p: &Process| !stopped_only || p.state == RunState::Stopped;
        signal_members(world, Sender::Kernel, pg, Signal::Hup, hup_to);
        signal_group(world, Sender::Kernel, pg, Signal::Cont);
    }
}

/// Whether group `g` is orphaned: Linux's exact test (no link), or under a
/// seed profile the seed's (`IsOrphan`: `ancestors == 0`).
pub fn is_orphaned(world: &World, g: Entity) -> bool {
    if !world.resource::<Semantics>().has_seed_rules() {
        group(world, g).is_orphaned()
    } else {
        ancestors::count(world, g) == 0
    }
}

/// `will_become_orphaned_pgrp(pg, ignored)`: no member but `ignored` is a
/// link. Under a seed profile, the seed's count less `ignored`'s own part
/// (Linux's trigger points in a profile where some seed rules are left out).
fn will_become_orphaned(world: &World, pg: Entity, ignored: Option<Entity>) -> bool {
    if !world.resource::<Semantics>().has_seed_rules() {
        let counted = ignored.is_some_and(|t| world.get::<Membership>(t).is_some_and(|m| m.counted));
        return group(world, pg).links - u32::from(counted) == 0;
    }
    let own = ignored.is_some_and(|t| ancestors::counts(world, t, pg, ancestors::parent_of(world, t)));
    ancestors::count(world, pg).wrapping_sub(u32::from(own)) == 0
}

/// Counts the SIGHUP+SIGCONT pair about to be sent to group `pg` as
/// orphaned, and notes it in the journal if the machine keeps one.
pub fn count_pair(world: &mut World, pg: Entity) {
    world.resource_mut::<Census>().totals.orphan_pairs += 1;
    if world.contains_resource::<Journal>() {
        let id = group(world, pg).id.clone();
        world.resource_mut::<Journal>().orphan_pairs.push(id);
    }
}

/// Sends `sig` to every member of group `pg`, most recently joined first
/// (`__kill_pgrp_info`). Returns whether the group had any member.
pub fn signal_group(world: &mut World, sender: Sender, pg: Entity, sig: Signal) -> bool {
    signal_members(world, sender, pg, sig, |_| true)
}

/// Sends `sig` to the members of group `pg` that `to` chooses, as they are
/// when their turn comes, most recently joined first. Returns whether the
/// group had any member.
fn signal_members(world: &mut World, sender: Sender, pg: Entity, sig: Signal, to: impl Fn(&Process) -> bool) -> bool {
    let members = list::members::<crate::model::group::Members>(world, pg);
    for &member in &members {
        if to(process(world, member)) {
            signal::send(world, sender, member, sig);
        }
    }
    !members.is_empty()
}
