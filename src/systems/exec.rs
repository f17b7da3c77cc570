//! What execve does to a process (rules 28 and 39): the handlers reset, and
//! in a multi-threaded process `de_thread` first.
//!
//! Caught signals go back to the default action, ignored ones stay ignored
//! (`flush_signal_handlers(t, 0)`); the mask, pending signals, the
//! parent-death signal, pid, group and session are kept; `PF_FORKNOEXEC` is
//! cleared, so the parent can no longer move the process with setpgid
//! (EACCES).
//!
//! With other threads, the exec kills them (`zap_other_threads`: woken in
//! thread-list order after the exec'ing one) and waits until every other
//! thread is released and the leader is a zombie. Then, if the exec'ing
//! thread T is not the leader, T takes the leader's place
//! (`exchange_tids`, `transfer_pid`): here T's task moves into the
//! process's entity — T's children, mask, queue and `caught=` list with it
//! — and T's own entity, which the kernel gives to the old leader with T's
//! former tid, is released without a notification. The process entity keeps
//! leading the same process, so nothing that points at it changes.

use crate::model::list;
use crate::model::namespace::IdKind;
use crate::model::{Flags, SigSet, TaskFlags, TaskState};
use crate::systems::kernel::Core;
use crate::systems::{namespaces, signal, threads};
use bevy_ecs::prelude::*;

/// `de_thread`'s first step: task `t` execs while its process has other
/// threads. They are marked to die and woken, in thread-list order after
/// `t`, and `t` waits for them ([`others_gone`], then [`finish`]).
pub fn zap_other_threads(core: &mut Core, t: Entity) {
    let p = core.leader_of(t);
    {
        let mut group = core.thread_group_mut(p).expect("a process with other threads is threaded");
        group.exec = Some(t);
        group.stopping = 0;
    }
    for other in threads::others_after(core, t) {
        core.task_mut(other).flags.remove(TaskFlags::STOP_PENDING);
        if core.task(other).state != TaskState::Dead {
            signal::signal_wake_up(core, other, true);
        }
    }
}

/// Whether `t`, exec'ing, is alone: every other thread of its process is
/// released and the leader (if `t` is not the leader) is a zombie.
pub fn others_gone(core: &Core, t: Entity) -> bool {
    let p = core.leader_of(t);
    threads::tasks(core, p).iter().all(|&o| o == t || (o == p && core.task(p).state == TaskState::Dead))
}

/// Wakes the thread whose exec waits in process `p`, if it is now alone.
pub fn wake_waiter(core: &mut Core, p: Entity) {
    if let Some(waiter) = core.thread_group(p).and_then(|g| g.exec)
        && others_gone(core, waiter)
    {
        signal::enqueue(core, waiter);
    }
}

/// The end of `t`'s exec: `t` leads its process alone, and the handlers
/// are reset.
pub fn finish(core: &mut Core, t: Entity) {
    let p = core.leader_of(t);
    if t != p {
        take_over(core, t, p);
    }
    if let Some(mut group) = core.thread_group_mut(p) {
        group.exec = None;
        group.curr_target = p;
        group.leader_exit = None;
    }
    let mut proc = core.process_mut(p);
    proc.signals.caught = SigSet::EMPTY;
    proc.flags.remove(Flags::FORKNOEXEC);
}

/// Thread `t` becomes the leader of process `p` (whose old leader is a
/// zombie with no children left: they went to live threads as it exited).
fn take_over(core: &mut Core, t: Entity, p: Entity) {
    let task = core.thread(t).task;
    core.process_mut(p).task = task;
    for child in core.children_of(p) {
        core.process_mut(child).parent = Some(p);
    }
    if core.state.recording.handlers
        && let Ok([mut leader, mut thread]) = core.handler_logs.get_many_mut([p, t])
    {
        std::mem::swap(&mut leader.0, &mut thread.0);
    }
    let ns = core.ns_of(p);
    if core.namespace(ns).reaper == Some(t) {
        core.namespace_mut(ns).reaper = Some(p);
    }
    list::remove(&mut threads::lists(core), p, t);
    let tid = core.thread(t).tid.clone();
    namespaces::free_id(core, &tid, IdKind::Process);
    core.state.census.threads -= 1;
    core.state.doomed.push(t);
    core.state.exchanged.push((t, p));
}
