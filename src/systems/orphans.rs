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
//! A profile whose books keep their own count of links decides orphan status
//! with it ([`Bookkeeping::orphaned`]); the checks here that its rules leave
//! in place then test that count.

use crate::model::{Flags, Process, RunState, Signal};
use crate::semantics::Variant;
use crate::systems::books::Bookkeeping;
use crate::systems::kernel::{Core, Kernel};
use crate::systems::signal::{self, Aim, Sender};
use bevy_ecs::prelude::*;

/// `kill_orphaned_pgrp(tsk, parent)`: with `father` set, `tsk` is a child of
/// the exiting task `father` that was just reparented; without, `tsk` is the
/// process whose last task is exiting, and its own parent is the link that
/// may be lost.
pub fn kill_orphaned_pgrp<B: Bookkeeping>(k: &mut Kernel<B>, tsk: Entity, father: Option<Entity>) {
    let core = &k.core;
    let (parent, ignored) = match father {
        Some(father) => (father, None),
        None => match core.process(tsk).parent {
            Some(parent) => (parent, Some(tsk)),
            None => return,
        },
    };
    let (me, them) = (core.process(tsk), core.process_of(parent));
    let pg = me.group;
    if them.group == pg || them.session != me.session {
        return;
    }
    if will_become_orphaned(k, pg, ignored) && k.core.group(pg).stopped > 0 {
        let core = &mut k.core;
        count_pair(core, pg);
        let stopped_only = core.state.semantics.variant(Variant::OrphanHupStoppedOnly);
        signal_members(core, Sender::Kernel, pg, Signal::Hup, |p| !stopped_only || p.state == RunState::Stopped);
        signal_group(core, Sender::Kernel, pg, Signal::Cont);
    }
}

/// Whether group `g` is orphaned: Linux's exact test (no link), or the
/// profile's books'.
pub fn is_orphaned<B: Bookkeeping>(k: &Kernel<B>, g: Entity) -> bool {
    B::orphaned(&k.core, &k.books, g).unwrap_or_else(|| k.core.group(g).is_orphaned())
}

/// `will_become_orphaned_pgrp(pg, ignored)`: no member but `ignored` is a
/// link.
fn will_become_orphaned<B: Bookkeeping>(k: &Kernel<B>, pg: Entity, ignored: Option<Entity>) -> bool {
    B::will_become_orphaned(&k.core, &k.books, pg, ignored).unwrap_or_else(|| {
        let counted = ignored.is_some_and(|t| k.core.process(t).has(Flags::COUNTED));
        k.core.group(pg).links - u32::from(counted) == 0
    })
}

/// Counts the SIGHUP+SIGCONT pair about to be sent to group `pg` as
/// orphaned, and notes it in the journal if the machine keeps one.
pub fn count_pair(core: &mut Core, pg: Entity) {
    core.state.census.totals.orphan_pairs += 1;
    let id = core.state.journal.is_some().then(|| core.group(pg).id.clone());
    if let (Some(journal), Some(id)) = (core.state.journal.as_mut(), id) {
        journal.orphan_pairs.push(id);
    }
}

/// Sends `sig` to every member of group `pg`, most recently joined first
/// (`__kill_pgrp_info`). Returns whether the group had any member.
pub fn signal_group(core: &mut Core, sender: Sender, pg: Entity, sig: Signal) -> bool {
    signal_members(core, sender, pg, sig, |_| true)
}

/// Sends `sig` to the members of group `pg` that `to` chooses, as they are
/// when their turn comes, most recently joined first. Returns whether the
/// group had any member.
fn signal_members(core: &mut Core, sender: Sender, pg: Entity, sig: Signal, to: impl Fn(&Process) -> bool) -> bool {
    let members = core.members_of(pg);
    for &member in &members {
        if to(core.process(member)) {
            signal::send(core, sender, member, sig, Aim::Process);
        }
    }
    !members.is_empty()
}
