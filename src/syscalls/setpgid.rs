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

use crate::model::Errno;
use crate::semantics::Rule;
use crate::systems::books::Bookkeeping;
use crate::systems::groups::{self, Move};
use crate::systems::kernel::Kernel;
use bevy_ecs::prelude::*;

/// setpgid(pid, pgid) by process `caller` (from any of its threads), with
/// numbers as the caller sees them. A thread's tid as `pid` is EINVAL; a
/// child is a child of any of the caller's threads (rule 42).
pub fn setpgid<B: Bookkeeping>(k: &mut Kernel<B>, caller: Entity, pid: i64, pgid: i64) -> Result<(), Errno> {
    let core = &k.core;
    let semantics = core.state.semantics;
    let ns = core.ns_of(caller);
    let pid = if pid == 0 { i64::from(core.vnr(caller, ns)) } else { pid };
    let pgid = if pgid == 0 { pid } else { pgid };
    if pgid < 0 && !semantics.seed(Rule::EinvalAfterLookup) {
        return Err(Errno::EINVAL);
    }
    let p = core.find_task(ns, pid).ok_or(Errno::ESRCH)?;
    if !core.processes.contains(p) {
        return Err(Errno::EINVAL);
    }
    let child = core.process(p).parent.is_some_and(|t| core.leader_of(t) == caller);
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
        if session_check && core.process(p).session != core.process(caller).session {
            return Err(Errno::EPERM);
        }
        if exec_check && !core.process(p).has(crate::model::Flags::FORKNOEXEC) {
            return Err(Errno::EACCES);
        }
    }
    let moved = if create { own_group(k, p) } else { join(k, caller, p, pgid, child) };
    moved.or_else(|e| {
        let fallback = semantics.seed(if p == caller { Rule::CallerFallback } else { Rule::ChildSessionUnchecked });
        let core = &k.core;
        let already = i64::from(core.pid_nr_ns(&core.group(core.group_of(p)).id, ns)) == pgid;
        if fallback && already { Ok(()) } else { Err(e) }
    })
}

/// pgid = pid: into the group named by `p`'s own pid, made if need be (the
/// seed's `CreateProcessGroup`).
fn own_group<B: Bookkeeping>(k: &mut Kernel<B>, p: Entity) -> Result<(), Errno> {
    let core = &k.core;
    if core.process(p).is_session_leader() {
        return Err(Errno::EPERM);
    }
    let own = core.pid(p).clone();
    let duplicates = core.state.semantics.seed(Rule::DuplicateGroup);
    let (target, how) = match core.namespace(own.ns).table.group(own.nr) {
        Some(g) if !duplicates => (g, Move::Join),
        _ if duplicates && B::group_id_taken(core, &k.books, p) => return Err(Errno::EPERM),
        _ => {
            let session = core.process(p).session;
            (groups::create_group(k, own, session), Move::NewGroup)
        }
    };
    if target != k.core.group_of(p) || how == Move::NewGroup {
        groups::change_group(k, p, target, how);
    }
    Ok(())
}

/// pgid ≠ pid: into an existing group of the session (the seed's
/// `JoinProcessGroup`).
fn join<B: Bookkeeping>(k: &mut Kernel<B>, caller: Entity, p: Entity, pgid: i64, child: bool) -> Result<(), Errno> {
    let core = &k.core;
    let semantics = core.state.semantics;
    let ns = core.ns_of(caller);
    let target = core.find_group(ns, pgid).ok_or(Errno::EPERM)?;
    let seed_order = semantics.seed(Rule::ExecBeforeSession);
    let proc = core.process(p);
    if seed_order && child && !proc.has(crate::model::Flags::FORKNOEXEC) {
        return Err(Errno::EACCES);
    }
    if !semantics.seed(Rule::LeaderJoins) && proc.is_session_leader() {
        return Err(Errno::EPERM);
    }
    let session = if seed_order { proc.session } else { core.process(caller).session };
    if core.group(target).session != session {
        return Err(Errno::EPERM);
    }
    groups::change_group(k, p, target, Move::Join);
    Ok(())
}
