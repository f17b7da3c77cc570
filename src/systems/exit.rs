//! Process exit (`do_exit`, `exit_notify`, `release_task`; rules 9–12, 21).
//!
//! An exit runs in the dying process's own context, before anyone else runs:
//! its children are reparented (each with its orphan check), its own group is
//! checked (rule 21), it becomes a zombie, and its parent is told with SIGCHLD
//! — or, if the parent ignores SIGCHLD, it is released at once. A namespace's
//! init first tears the namespace down (`zap_pid_ns_processes`, rule 12):
//! no more forks into it, SIGKILL to everything else in it and in namespaces
//! nested in it, reap, and wait until it is alone; only then does it go on.
//!
//! Under the seed, no group is checked at exit ([`Rule::CheckedAtReap`]): its
//! books drop the count, and check the group, when the process is reaped. A
//! namespace init does not wait ([`Rule::NsInitNoWait`], `exitChildren` and
//! `findReparentTargetLocked`): while the init is alive its orphans go to it;
//! once it exits, it SIGKILLs the rest of its namespace and goes on at once,
//! and its orphans get no parent.

use crate::model::namespace::IdKind;
use crate::model::{Disposition, ExitStatus, RunState, Signal};
use crate::semantics::Rule;
use crate::systems::books::Bookkeeping;
use crate::systems::kernel::{Core, Kernel};
use crate::systems::signal::{self, Sender};
use crate::systems::state::set_state;
use crate::systems::{groups, namespaces, orphans, reparent};
use bevy_ecs::prelude::*;

/// Starts `p`'s exit (`do_exit`): it stops being stopped, is marked exiting
/// with its status, and its `exit_notify` is queued to run before anyone else.
pub fn do_exit(core: &mut Core, p: Entity, status: ExitStatus) {
    set_state(core, p, RunState::Exiting);
    match status {
        ExitStatus::Code(_) => core.state.census.totals.exits += 1,
        ExitStatus::Signaled(_) => core.state.census.totals.deaths_by_signal += 1,
    }
    core.process_mut(p).exit = Some(status);
    core.signals_mut(p).pending = Default::default();
    core.state.sched.exiting.push_back(p);
}

/// Tells `p`'s parent that `p` is a zombie (`do_notify_parent`): SIGCHLD,
/// unless the parent ignores SIGCHLD, in which case `p` is to be released at
/// once. Returns whether it is (autoreap).
pub fn notify_parent(core: &mut Core, p: Entity) -> bool {
    // Only the seed leaves a process with no parent (the orphans of a dying
    // namespace): nobody is notified, nobody will reap it (`exitNotifyLocked`:
    // "the notification is resolved as if ignored"). Linux's global init,
    // the one process without a parent there, never exits.
    let Some(parent) = core.process(p).parent else {
        return true;
    };
    if core.signals(parent).disposition(Signal::Chld) == Disposition::Ignore {
        return true;
    }
    signal::send(core, Sender::Process(p), parent, Signal::Chld);
    false
}

/// Carries out `t`'s exit (`exit_notify`). For a namespace init this may have
/// to wait for the namespace to empty; it is run again when it does.
pub fn exit_notify<B: Bookkeeping>(k: &mut Kernel<B>, t: Entity) {
    let core = &mut k.core;
    if core.processes.get(t).map(|p| p.state).ok() != Some(RunState::Exiting) {
        return;
    }
    let semantics = core.state.semantics;
    let ns = core.ns_of(t);
    let reaper = if semantics.seed(Rule::NsInitNoWait) {
        seed_reparent_target(core, t)
    } else if core.process(t).is_ns_init() {
        if core.namespace(ns).adding {
            zap_pid_ns(k, t, ns);
        }
        if k.core.namespace(ns).table.in_use() > 1 {
            return;
        }
        Some(t)
    } else {
        Some(reparent::find_new_reaper(core, t))
    };
    let mut dead = reparent::reparent_children(k, t, reaper);
    if !semantics.seed(Rule::CheckedAtReap) {
        orphans::kill_orphaned_pgrp(k, t, None);
    }
    B::becoming_zombie(&mut k.core, &mut k.books, t);
    set_state(&mut k.core, t, RunState::Zombie);
    if notify_parent(&mut k.core, t) {
        dead.push(t);
    }
    for p in dead {
        release(k, p);
    }
}

/// The seed's new parent of `father`'s children, if there is one; if not,
/// the namespace is killed ("Init process terminating, killing namespace").
fn seed_reparent_target(core: &mut Core, father: Entity) -> Option<Entity> {
    let reaper = reparent::find_new_reaper(core, father);
    if reaper != father && core.processes.get(reaper).is_ok_and(|r| r.is_active()) {
        return Some(reaper);
    }
    let ns = core.ns_of(father);
    core.namespace_mut(ns).adding = false;
    let others: Vec<Entity> =
        core.namespace(ns).table.processes_from(1).map(|(_, e)| e).filter(|&e| e != father).collect();
    for other in others {
        signal::send(core, Sender::Kernel, other, Signal::Kill);
    }
    None
}

/// `zap_pid_ns_processes`: the first half, up to the wait.
fn zap_pid_ns<B: Bookkeeping>(k: &mut Kernel<B>, init: Entity, ns: Entity) {
    let core = &mut k.core;
    core.namespace_mut(ns).adding = false;
    core.signals_mut(init).set_disposition(Signal::Chld, Disposition::Ignore);
    let victims: Vec<Entity> = core.namespace(ns).table.processes_from(2).map(|(_, e)| e).collect();
    for task in victims {
        if core.signals(task).group_exit.is_none() {
            signal::send(core, Sender::Kernel, task, Signal::Kill);
        }
    }
    for child in core.children_of(init) {
        if k.core.process(child).state == RunState::Zombie {
            release(k, child);
        }
    }
}

/// Frees a zombie (`release_task`): it leaves its parent's children, its group
/// and every namespace's table, and its entity goes when the system call
/// ends (until then it is a zombie that nothing reaches).
pub fn release<B: Bookkeeping>(k: &mut Kernel<B>, p: Entity) {
    B::reaping(&mut k.core, &mut k.books, p);
    let core = &mut k.core;
    let status = core.process(p).exit.expect("a released process has exited");
    core.state.released.push((p, status));
    core.state.census.moved(Some(RunState::Zombie), None);
    core.state.census.totals.released += 1;
    if let Some(parent) = core.process(p).parent {
        crate::model::list::remove(&mut core.children(), parent, p);
    }
    groups::detach(k, p);
    let core = &mut k.core;
    let pid = core.pid(p).clone();
    core.state.doomed.push(p);
    namespaces::free_id(core, &pid, IdKind::Process);
    B::reaped(&mut k.core, &mut k.books);
}
