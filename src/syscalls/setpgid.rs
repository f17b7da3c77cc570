//! setpgid (rule 7): the kernel's checks, in the kernel's order.
//!
//! ```text
//! pid = 0 → caller; pgid = 0 → pid
//! pgid < 0                                   EINVAL
//! no process `pid` in the caller's namespace ESRCH
//! a child: in another session                EPERM
//!          has exec'd                        EACCES
//! not a child and not the caller             ESRCH
//! a session leader                           EPERM
//! pgid ≠ pid and no such group in the
//!   caller's session                         EPERM
//! ```
//! Moving into the group it is already in succeeds and changes nothing. No
//! signal is ever sent (rule 8).
//!
//! # The seed
//!
//! The seed's `Setpgid` (`sys_thread.go`) looks the target up, then rejects a
//! negative pgid, then takes one of two paths: pgid = the target's pid is
//! `CreateProcessGroup` (no exec check; EPERM for a session leader or when
//! its scan finds a group with that id; else a new group, even if one with
//! that id exists), anything else `JoinProcessGroup` (EPERM if no such group;
//! EACCES for an exec'd child; EPERM if the group is in another session than
//! the *target's*; no session-leader check). An error is turned into 0 when
//! the target is already in a group with the id asked for. Each departure
//! from Linux is a [`Rule`]; with a rule left out, that check is Linux's.

use crate::gvisor::sessions::{self, Move};
use crate::model::ids::{
    find_group, find_process, group, group_of, namespace, ns_of, pid_nr_ns, process, session_of, vnr,
};
use crate::model::{Errno, Tree};
use crate::semantics::{Rule, Semantics};
use crate::systems::ancestors;
use bevy_ecs::prelude::*;

/// setpgid(pid, pgid) by `caller`, with numbers as the caller sees them.
pub fn setpgid(world: &mut World, caller: Entity, pid: i64, pgid: i64) -> Result<(), Errno> {
    let semantics = *world.resource::<Semantics>();
    let ns = ns_of(world, caller);
    let pid = if pid == 0 { i64::from(vnr(world, caller, ns)) } else { pid };
    let pgid = if pgid == 0 { pid } else { pgid };
    if pgid < 0 && !semantics.seed(Rule::EinvalAfterLookup) {
        return Err(Errno::EINVAL);
    }
    let p = find_process(world, ns, pid).ok_or(Errno::ESRCH)?;
    let child = world.get::<Tree>(p).and_then(|t| t.parent) == Some(caller);
    if !child && p != caller {
        return Err(Errno::ESRCH);
    }
    if pgid < 0 {
        return Err(Errno::EINVAL);
    }
    let create = pgid == pid;
    if child {
        let (session_check, exec_check) = if create {
            (!semantics.seed(Rule::ChildSessionUnchecked), !semantics.seed(Rule::ExecCheckOnJoinOnly))
        } else {
            let linux_order = !semantics.seed(Rule::ExecBeforeSession);
            (linux_order, linux_order)
        };
        if session_check && session_of(world, p) != session_of(world, caller) {
            return Err(Errno::EPERM);
        }
        if exec_check && !process(world, p).forknoexec {
            return Err(Errno::EACCES);
        }
    }
    let moved = if create { own_group(world, p) } else { join(world, caller, p, pgid, child) };
    moved.or_else(|e| {
        let fallback = semantics.seed(if p == caller { Rule::CallerFallback } else { Rule::ChildSessionUnchecked });
        let already = i64::from(pid_nr_ns(world, &group(world, group_of(world, p)).id, ns)) == pgid;
        if fallback && already { Ok(()) } else { Err(e) }
    })
}

/// pgid = pid: into the group named by `p`'s own pid, made if need be (the
/// seed's `CreateProcessGroup`).
fn own_group(world: &mut World, p: Entity) -> Result<(), Errno> {
    if process(world, p).session_leader {
        return Err(Errno::EPERM);
    }
    let own = process(world, p).pid.clone();
    let duplicates = world.resource::<Semantics>().seed(Rule::DuplicateGroup);
    let (target, how) = match namespace(world, own.ns).table.group(own.nr) {
        Some(g) if !duplicates => (g, Move::Join),
        _ if duplicates && sessions::group_id_found(world, p, |_| true) => return Err(Errno::EPERM),
        _ => {
            let session = session_of(world, p);
            (ancestors::create_group(world, own, session, false), Move::NewGroup)
        }
    };
    if target != group_of(world, p) || how == Move::NewGroup {
        sessions::change_group(world, p, target, how);
    }
    Ok(())
}

/// pgid ≠ pid: into an existing group of the session (the seed's
/// `JoinProcessGroup`).
fn join(world: &mut World, caller: Entity, p: Entity, pgid: i64, child: bool) -> Result<(), Errno> {
    let semantics = *world.resource::<Semantics>();
    let ns = ns_of(world, caller);
    let target = find_group(world, ns, pgid).ok_or(Errno::EPERM)?;
    let seed_order = semantics.seed(Rule::ExecBeforeSession);
    if seed_order && child && !process(world, p).forknoexec {
        return Err(Errno::EACCES);
    }
    if !semantics.seed(Rule::LeaderJoins) && process(world, p).session_leader {
        return Err(Errno::EPERM);
    }
    let session = if seed_order { session_of(world, p) } else { session_of(world, caller) };
    if group(world, target).session != session {
        return Err(Errno::EPERM);
    }
    sessions::change_group(world, p, target, Move::Join);
    Ok(())
}
