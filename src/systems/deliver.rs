//! Signal delivery: what a woken task does when it runs (`get_signal`).
//!
//! It first reports a resume of its process to the parent (CLD_CONTINUED),
//! then dies if its process is exiting, stops if a group stop waits for it,
//! and otherwise dequeues the signals it does not block, its own queue's
//! before its process's, lowest number first (rule 27), until it blocks
//! again, stops or dies: a handler runs (and is recorded), an ignored signal is dropped, a
//! default stop signal stops the process — except TSTP/TTIN/TTOU in an
//! orphaned group, which are discarded (rule 26) — and a default fatal signal
//! ends it (after a core dump that waits for the other threads, for QUIT). A namespace init skips every default action but those of KILL and
//! STOP (rule 30).
//!
//! The seed discards no stop signal ([`Rule::OrphanedStopsStop`]) and gives a
//! namespace init no protection ([`Rule::NsInitUnprotected`]).

use crate::model::{DefaultAction, Disposition, ExitStatus, RunState, Signal, TaskFlags, TaskState};
use crate::semantics::Rule;
use crate::systems::books::Bookkeeping;
use crate::systems::kernel::{Core, Kernel};
use crate::systems::signal::{self, Aim};
use crate::systems::state::set_state;
use crate::systems::{exec, exit, job_control, orphans, threads};
use bevy_ecs::prelude::*;

/// The tick's system: runs every woken task, in wake-up order, and
/// carries out the exits that follow, until nothing is left to do.
pub fn deliver<B: Bookkeeping>(mut k: Kernel<B>) {
    loop {
        if let Some(p) = k.core.state.sched.exiting.pop_front() {
            exit::exit_notify(&mut k, p);
        } else if let Some(p) = k.core.state.sched.runnable.pop_front() {
            run(&mut k, p);
        } else {
            break;
        }
    }
}

/// Sends SIGCHLD to process `p`'s parent for a stop or a resume
/// (`do_notify_parent_cldstop`), unless the parent ignores SIGCHLD.
pub fn notify_parent_cldstop(core: &mut Core, p: Entity) {
    let Some(parent) = core.process(p).parent else {
        return;
    };
    if core.process_of(parent).signals.disposition(Signal::Chld) != Disposition::Ignore {
        signal::send(core, signal::Sender::Kernel, parent, Signal::Chld, Aim::Process);
    }
}

/// Runs task `t` once: it finishes an exit or an exec it was waiting in,
/// handles its pending signals, and blocks, stops or dies; a terminal call
/// pending in it is then restarted or interrupted. Returns whether it ran a
/// handler.
pub fn run<B: Bookkeeping>(k: &mut Kernel<B>, t: Entity) -> bool {
    let core = &mut k.core;
    if core.try_task(t).is_none() {
        return false;
    }
    let state = {
        let mut task = core.task_mut(t);
        task.flags.remove(TaskFlags::QUEUED);
        task.state
    };
    match state {
        TaskState::Running => {}
        TaskState::Exiting => {
            exit::exit_notify(k, t);
            return false;
        }
        TaskState::Stopped | TaskState::Dead => return false,
    }
    let p = core.leader_of(t);
    let execing = core.thread_group(p).is_some_and(|g| g.exec == Some(t));
    if execing && core.signals(p).group_exit.is_none() {
        if !exec::others_gone(core, t) {
            return false;
        }
        exec::finish(core, t);
    }
    k.core.state.sched.current = Some(t);
    let handled = handle_signals(k, t);
    k.core.state.sched.current = None;
    if k.core.try_task(t).is_some_and(|task| task.flags.contains(TaskFlags::RESTART)) {
        job_control::resume(k, t, handled);
    }
    handled
}

/// The signal to take next: the lowest one `task` does not block from its
/// own queue, else from its process's shared queue (`dequeue_signal`).
fn dequeue(core: &mut Core, p: Entity, t: Entity) -> Option<Signal> {
    let blocked = core.task(t).blocked;
    let mut own = core.task(t).pending;
    own.remove_all(blocked);
    if let Some(sig) = own.lowest() {
        core.task_mut(t).pending.remove(sig);
        return Some(sig);
    }
    let mut shared = core.signals(p).pending;
    shared.remove_all(blocked);
    let sig = shared.lowest()?;
    core.signals_mut(p).pending.remove(sig);
    Some(sig)
}

/// Handles task `t`'s signals until none is left or it stops or dies;
/// returns whether a handler ran.
fn handle_signals<B: Bookkeeping>(k: &mut Kernel<B>, t: Entity) -> bool {
    let p = k.core.leader_of(t);
    let mut handled = false;
    if std::mem::take(&mut k.core.signals_mut(p).continued) {
        notify_parent_cldstop(&mut k.core, p);
    }
    loop {
        let core = &mut k.core;
        // A signal sent while this task runs may start its group exit; an
        // exec by another thread kills it too.
        if let Some(status) = core.signals(p).group_exit {
            exit::do_exit(core, t, status);
            return handled;
        }
        if core.thread_group(p).and_then(|g| g.exec).is_some_and(|e| e != t) {
            exit::do_exit(core, t, ExitStatus::Code(0));
            return handled;
        }
        if core.task(t).flags.contains(TaskFlags::STOP_PENDING) {
            core.task_mut(t).flags.remove(TaskFlags::STOP_PENDING);
            stop(core, t);
            return handled;
        }
        let Some(sig) = dequeue(core, p, t) else {
            core.task_mut(t).flags.remove(TaskFlags::SIGPENDING);
            return handled;
        };
        match core.signals(p).disposition(sig) {
            Disposition::Ignore => {}
            Disposition::Catch => {
                handled = true;
                if core.state.recording.handlers {
                    core.handler_logs.get_mut(t).expect("a recording machine logs every task").0.push(sig);
                }
                signal::retarget_shared_pending(core, t);
            }
            Disposition::Default => {
                let semantics = core.state.semantics;
                if signal::unkillable(core.process(p), semantics) && !sig.is_kernel_only() {
                    continue;
                }
                match sig.default_action() {
                    DefaultAction::Ignore => {}
                    DefaultAction::Stop => {
                        let discard = sig != Signal::Stop && !semantics.seed(Rule::OrphanedStopsStop);
                        if discard && orphans::is_orphaned(k, k.core.group_of(p)) {
                            continue;
                        }
                        do_signal_stop(&mut k.core, t);
                        return handled;
                    }
                    DefaultAction::Terminate => {
                        if sig.dumps_core() && exit::dump_core(&mut k.core, t, sig) {
                            return handled;
                        }
                        exit::do_group_exit(&mut k.core, t, ExitStatus::Signaled(sig));
                        return handled;
                    }
                }
            }
        }
    }
}

/// `do_signal_stop`: task `t` took a stop signal. Every other thread of its
/// process that is not exiting or stopped is marked to stop and woken, in
/// thread-list order after `t`; `t` clears its flag and stops (rule 36).
fn do_signal_stop(core: &mut Core, t: Entity) {
    let p = core.leader_of(t);
    let mut stopping = 1;
    for other in threads::others_after(core, t) {
        let task = core.task(other);
        if task.is_exiting() || task.state == TaskState::Stopped {
            continue;
        }
        core.task_mut(other).flags.insert(TaskFlags::STOP_PENDING);
        signal::signal_wake_up(core, other, false);
        stopping += 1;
    }
    if let Some(mut group) = core.thread_group_mut(p) {
        group.stopping = stopping;
    }
    core.task_mut(t).flags.remove(TaskFlags::SIGPENDING);
    stop(core, t);
}

/// Task `t` stops in its process's group stop; the last to stop completes
/// it and tells the parent (`task_participate_group_stop`).
fn stop(core: &mut Core, t: Entity) {
    core.task_mut(t).state = TaskState::Stopped;
    if threads::participate_group_stop(core, t) {
        let p = core.leader_of(t);
        set_state(core, p, RunState::Stopped);
        notify_parent_cldstop(core, p);
    }
}
