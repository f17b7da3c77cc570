//! Task and process exit (`do_exit`, `exit_notify`, `release_task`; rules
//! 9–12, 21, 31–34).
//!
//! An exit runs in the dying task's own context, before anyone else runs:
//! its children are handed on (each with its parent-death signals, and, if
//! they leave the process, its orphan check), and a thread is released. The
//! last task of a process to exit checks the process's own group (rule 21);
//! once the leader has exited and no other thread is left the process is a
//! zombie, and its parent is told with SIGCHLD — or, if the parent ignores
//! SIGCHLD, it is released at once. A leader that exits before its threads
//! waits as a zombie that still links its group (rules 32, 34). A namespace's
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
use crate::model::{CoreDump, Disposition, ExitStatus, Flags, RunState, SigSet, Signal, TaskFlags, TaskState};
use crate::semantics::Rule;
use crate::systems::books::Bookkeeping;
use crate::systems::kernel::{Core, Kernel};
use crate::systems::signal::{self, Aim, Sender};
use crate::systems::state::set_state;
use crate::systems::{ctty, deliver, exec, groups, job_control, namespaces, orphans, reparent, threads};
use bevy_ecs::prelude::*;

/// exit_group by task `t`, or a fatal signal it took (`do_group_exit`): the
/// process's status is set, every other thread is woken to die (in
/// thread-list order after `t`), and `t` exits.
pub fn do_group_exit(core: &mut Core, t: Entity, status: ExitStatus) {
    let p = core.leader_of(t);
    let threaded = {
        let mut proc = core.process_mut(p);
        proc.signals.group_exit = Some(status);
        proc.has(Flags::THREADED)
    };
    if !threaded {
        return do_exit(core, t, status);
    }
    core.thread_group_mut(p).expect("threaded").stopping = 0;
    for other in threads::others_after(core, t) {
        core.task_mut(other).flags.remove(TaskFlags::STOP_PENDING);
        if core.task(other).state != TaskState::Dead {
            signal::signal_wake_up(core, other, true);
        }
    }
    do_exit(core, t, status);
}

/// Task `t` takes a signal whose default action dumps core (`vfs_coredump`,
/// `zap_threads`): the process's group exit starts, every other thread that
/// has not begun to exit is woken to die, and `t` waits until each of them
/// has reached its exit (`coredump_wait`). Returns whether it waits; it does
/// not when it is alone, when another thread's group exit or exec came first
/// (it then exits as that one says).
pub fn dump_core(core: &mut Core, t: Entity, sig: Signal) -> bool {
    let p = core.leader_of(t);
    if core.signals(p).group_exit.is_some() || core.thread_group(p).is_some_and(|g| g.exec.is_some()) {
        return false;
    }
    core.signals_mut(p).group_exit = Some(ExitStatus::Signaled(sig));
    // `zap_process` walks the whole thread list, the leader first.
    let mut waiting = 0;
    for other in threads::tasks(core, p) {
        core.task_mut(other).flags.remove(TaskFlags::STOP_PENDING);
        if other != t && !core.task(other).is_exiting() {
            signal::signal_wake_up(core, other, true);
            waiting += 1;
        }
    }
    let Some(mut group) = core.thread_group_mut(p).filter(|_| waiting > 0) else { return false };
    group.stopping = 0;
    group.core_dump = Some(CoreDump { dumper: t, waiting, arrived: Vec::new() });
    core.task_mut(t).flags.remove(TaskFlags::SIGPENDING);
    true
}

/// The core dump of `t`'s process, at `t`'s exit (`coredump_task_exit`,
/// `coredump_finish`): a thread it killed arrives and waits (the last to
/// arrive wakes the dumper); the dumper, once all have arrived, ends the
/// dump and wakes them, the last arrived first. Returns whether `t` waits.
fn core_dump_exit(core: &mut Core, t: Entity) -> bool {
    let p = core.leader_of(t);
    let Some(mut group) = core.thread_group_mut(p) else { return false };
    let Some(dump) = group.core_dump.as_mut() else { return false };
    if dump.dumper == t {
        if dump.waiting > 0 {
            return true;
        }
        let arrived = group.core_dump.take().expect("a dump in progress").arrived;
        for task in arrived {
            signal::enqueue(core, task);
        }
        return false;
    }
    if !dump.arrived.contains(&t) {
        dump.arrived.insert(0, t);
        dump.waiting -= 1;
        if dump.waiting == 0 {
            let dumper = dump.dumper;
            signal::enqueue(core, dumper);
        }
    }
    true
}

/// Starts task `t`'s exit (`do_exit`): it is marked exiting, and its
/// `exit_notify` is queued to run before anyone else. The last task of its
/// process to begin exiting (`group_dead`) fixes the process's status
/// (rule 33): the group exit's, or else its own.
pub fn do_exit(core: &mut Core, t: Entity, status: ExitStatus) {
    core.state.sched.exiting.push_back(t);
    if core.task(t).flags.contains(TaskFlags::RESTART) {
        job_control::forget(core, t);
    }
    // A process with one task: its task's exit is the process's.
    if let Ok(mut proc) = core.processes.get_mut(t)
        && !proc.has(Flags::THREADED)
    {
        proc.task.state = TaskState::Exiting;
        proc.task.pending = SigSet::EMPTY;
        proc.task.flags = TaskFlags::empty();
        let status = proc.signals.group_exit.unwrap_or(status);
        return process_exits(core, t, status);
    }
    if core_dump_exit(core, t) {
        return;
    }
    let p = core.leader_of(t);
    let stop_pending = {
        let mut task = core.task_mut(t);
        task.state = TaskState::Exiting;
        task.pending = SigSet::EMPTY;
        std::mem::take(&mut task.flags).contains(TaskFlags::STOP_PENDING)
    };
    if stop_pending && threads::participate_group_stop(core, t) {
        set_state(core, p, RunState::Stopped);
        deliver::notify_parent_cldstop(core, p);
    }
    if !threads::leave(core, t) {
        if t == p {
            core.thread_group_mut(p).expect("a leader with live threads is threaded").leader_exit = Some(status);
        }
        return;
    }
    let status = core.signals(p).group_exit.unwrap_or(status);
    process_exits(core, p, status);
}

/// The last task of process `p` has begun to exit: the process is exiting,
/// with `status`, and nothing pending for it matters any more. A session
/// leader gives up its terminal before its children are handed on.
fn process_exits(core: &mut Core, p: Entity, status: ExitStatus) {
    {
        let mut proc = core.process_mut(p);
        proc.exit = Some(status);
        proc.signals.pending = SigSet::EMPTY;
    }
    set_state(core, p, RunState::Exiting);
    match status {
        ExitStatus::Code(_) => core.state.census.totals.exits += 1,
        ExitStatus::Signaled(_) => core.state.census.totals.deaths_by_signal += 1,
    }
    // `group_dead`: a session leader hangs up its session (rule 56).
    ctty::disassociate_ctty(core, p, true);
}

/// Tells process `p`'s parent that `p` is a zombie (`do_notify_parent`):
/// SIGCHLD to the parent task, unless the parent ignores SIGCHLD, in which
/// case `p` is to be released at once. Returns whether it is (autoreap).
pub fn notify_parent(core: &mut Core, p: Entity) -> bool {
    // Only the seed leaves a process with no parent (the orphans of a dying
    // namespace): nobody is notified, nobody will reap it (`exitNotifyLocked`:
    // "the notification is resolved as if ignored"). Linux's global init,
    // the one process without a parent there, never exits.
    let Some(parent) = core.process(p).parent else {
        return true;
    };
    if core.process_of(parent).signals.disposition(Signal::Chld) == Disposition::Ignore {
        return true;
    }
    signal::send(core, Sender::Process(p), parent, Signal::Chld, Aim::Process);
    false
}

/// Carries out task `t`'s exit (`exit_notify`). For a namespace init's last
/// task this may have to wait for the namespace to empty; it is run again
/// when it does.
pub fn exit_notify<B: Bookkeeping>(k: &mut Kernel<B>, t: Entity) {
    let core = &mut k.core;
    let (p, threaded, ns) = match core.processes.get(t) {
        Ok(proc) if proc.task.state == TaskState::Exiting => (t, proc.has(Flags::THREADED), proc.pid.ns),
        Ok(_) => return,
        Err(_) => match core.threads.get(t) {
            Ok(thread) if thread.task.state == TaskState::Exiting => (thread.process, true, thread.tid.ns),
            _ => return,
        },
    };
    let semantics = core.state.semantics;
    // Only a task of a namespace init can be its namespace's child reaper.
    let child_reaper = || core.process(p).is_ns_init() && core.namespace(ns).reaper == Some(t);
    let reaper = if semantics.seed(Rule::NsInitNoWait) {
        seed_reparent_target(core, t)
    } else if child_reaper() {
        // `find_child_reaper`: another live thread takes over; the last
        // one tears the namespace down and waits.
        match threaded.then(|| threads::find_alive_thread(core, p)).flatten() {
            Some(alive) => {
                core.namespace_mut(ns).reaper = Some(alive);
                Some(reparent::find_new_reaper(core, t))
            }
            None => {
                if core.namespace(ns).adding {
                    zap_pid_ns(k, t, ns);
                }
                if !namespaces::emptied(&k.core, ns) {
                    return;
                }
                Some(t)
            }
        }
    } else {
        Some(reparent::find_new_reaper(core, t))
    };
    let mut dead = reparent::reparent_children(k, t, reaper);
    let group_dead = !threaded || k.core.process(p).state == RunState::Exiting;
    if group_dead && !semantics.seed(Rule::CheckedAtReap) {
        orphans::kill_orphaned_pgrp(k, p, None);
    }
    k.core.task_mut(t).state = TaskState::Dead;
    if t != p {
        threads::release(&mut k.core, t);
    }
    let zombie =
        group_dead && (!threaded || (k.core.task(p).state == TaskState::Dead && threads::is_empty(&k.core, p)));
    if zombie {
        B::becoming_zombie(&mut k.core, &mut k.books, p);
        set_state(&mut k.core, p, RunState::Zombie);
        if notify_parent(&mut k.core, p) {
            dead.push(p);
        }
    }
    if threaded {
        exec::wake_waiter(&mut k.core, p);
    }
    for p in dead {
        release(k, p);
    }
}

/// The seed's new parent of `father`'s children, if there is one; if not,
/// the namespace is killed ("Init process terminating, killing namespace").
fn seed_reparent_target(core: &mut Core, father: Entity) -> Option<Entity> {
    let reaper = reparent::find_new_reaper(core, father);
    if reaper != father && !core.task(reaper).is_exiting() {
        return Some(reaper);
    }
    let ns = core.ns_of(core.leader_of(father));
    core.namespace_mut(ns).adding = false;
    let others: Vec<Entity> =
        core.namespace(ns).table.processes_from(1).map(|(_, e)| e).filter(|&e| e != father).collect();
    // `group=false`: each task of the namespace, threads included (§6 row 24).
    for other in others {
        signal::send(core, Sender::Kernel, other, Signal::Kill, Aim::Thread);
    }
    None
}

/// `zap_pid_ns_processes`: the first half, up to the wait.
fn zap_pid_ns<B: Bookkeeping>(k: &mut Kernel<B>, init: Entity, ns: Entity) {
    let core = &mut k.core;
    core.namespace_mut(ns).adding = false;
    let p = core.leader_of(init);
    core.signals_mut(p).set_disposition(Signal::Chld, Disposition::Ignore);
    let victims: Vec<Entity> = core.namespace(ns).table.processes_from(2).map(|(_, e)| e).collect();
    for task in victims {
        if core.process_of(task).signals.group_exit.is_none() {
            signal::send(core, Sender::Kernel, task, Signal::Kill, Aim::Process);
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
