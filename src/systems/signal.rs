//! Signal generation (`send_signal_locked`, `prepare_signal`, `complete_signal`):
//! what happens the moment a signal is sent, before the target runs.
//!
//! * SIGCONT resumes a stopped process at once, whatever its disposition —
//!   every stopped thread, in thread-list order — and cancels pending stop
//!   signals; a stop signal cancels a pending SIGCONT (rules 24, 36).
//! * A signal that would be ignored is discarded here (rule 25), including
//!   every default-action signal to a namespace init from inside its
//!   namespace (rule 30) — but for the seed, which has no such protection
//!   ([`Rule::NsInitUnprotected`]).
//! * A blocked signal is never discarded here: the mask of the task the
//!   signal is aimed at counts (rule 44).
//! * A process-directed signal goes to the process's shared queue, a
//!   thread-directed one (tgkill) to the thread's own; a standard signal
//!   already pending there is not queued twice.
//! * A thread is chosen to take it (rule 35): the task it was aimed at if
//!   that task "wants" it, else — process-directed only — the first that
//!   does from `curr_target` on, which becomes `curr_target`. A thread-
//!   directed signal the target does not want waits for it alone (rule 37).
//! * A fatal signal that a thread wants starts the group exit right away
//!   (`SIGNAL_GROUP_EXIT`): every thread dies the next time it runs and
//!   every later signal to the process is dropped — but for one that dumps
//!   core (QUIT), whose group exit starts when the thread that takes it runs. A stopped task does not
//!   want any signal but SIGKILL, so a stopped process dies of other fatal
//!   signals only once continued.

use crate::model::{
    DefaultAction, Disposition, ExitStatus, Process, RunState, SigSet, Signal, SignalState, TaskFlags, TaskState,
};
use crate::semantics::{Rule, Semantics};
use crate::systems::kernel::Core;
use crate::systems::state::set_state;
use crate::systems::threads;
use bevy_ecs::prelude::*;

/// Who sends a signal.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Sender {
    /// A process (the entity of its leader), by `kill()`.
    Process(Entity),
    /// The kernel (`SEND_SIG_PRIV`: the orphaned-group pair, namespace teardown).
    Kernel,
    /// A process of the root namespace that is not part of the world (the
    /// replay format's `-`).
    Outside,
}

/// Whether the sender cannot be seen from the target's namespace, or is the
/// kernel: then a namespace init's protection lets KILL and STOP through.
fn forced(core: &Core, sender: Sender, target: Entity) -> bool {
    let target_ns = core.ns_of(target);
    match sender {
        Sender::Kernel => true,
        Sender::Outside => core.namespace(target_ns).level > 0,
        Sender::Process(s) => core.vnr(s, target_ns) == 0,
    }
}

/// Whether `p` has a namespace init's protection (`SIGNAL_UNKILLABLE`). The
/// seed gives a namespace init none ([`Rule::NsInitUnprotected`]); the
/// machine's global init, which stands for the host, keeps it.
pub fn unkillable(p: &Process, semantics: Semantics) -> bool {
    p.is_ns_init() && (p.is_global_init() || !semantics.seed(Rule::NsInitUnprotected))
}

/// Whether `sig` would be ignored by `t` (`sig_ignored`).
fn ignored(p: &Process, s: &SignalState, sig: Signal, force: bool, semantics: Semantics) -> bool {
    let disposition = s.disposition(sig);
    if p.is_global_init() && sig.is_kernel_only() {
        return true;
    }
    if unkillable(p, semantics) && disposition == Disposition::Default && !(force && sig.is_kernel_only()) {
        return true;
    }
    match disposition {
        Disposition::Ignore => true,
        Disposition::Default => sig.default_action() == DefaultAction::Ignore,
        Disposition::Catch => false,
    }
}

/// Puts task `t` on the run queue, unless it is on the CPU, already queued,
/// stopped or dead (`wake_up_process`).
pub fn enqueue(core: &mut Core, t: Entity) {
    if core.state.sched.current == Some(t) {
        return;
    }
    let mut task = core.task_mut(t);
    if task.flags.contains(TaskFlags::QUEUED) || matches!(task.state, TaskState::Stopped | TaskState::Dead) {
        return;
    }
    task.flags.insert(TaskFlags::QUEUED);
    core.state.sched.runnable.push_back(t);
}

/// Wakes task `t` to look for signals (`signal_wake_up`): it gets the
/// signal-pending flag and is queued; with `resume`, a stopped task is
/// woken too (for SIGKILL and a group exit).
pub fn signal_wake_up(core: &mut Core, t: Entity, resume: bool) {
    {
        let mut task = core.task_mut(t);
        task.flags.insert(TaskFlags::SIGPENDING);
        if resume && task.state == TaskState::Stopped {
            task.state = TaskState::Running;
        }
    }
    enqueue(core, t);
}

/// Whether task `t` would take `sig` now (`wants_signal`): it does not block
/// it, has not begun to exit, is not stopped (but for SIGKILL), and is on
/// the CPU or not already woken for a signal.
fn wants(core: &Core, t: Entity, sig: Signal) -> bool {
    let task = core.task(t);
    if task.blocked.contains(sig) || task.is_exiting() {
        return false;
    }
    if sig == Signal::Kill {
        return true;
    }
    task.state != TaskState::Stopped
        && (core.state.sched.current == Some(t) || !task.flags.contains(TaskFlags::SIGPENDING))
}

/// Whether a signal is aimed at a process (kill: any of its threads may
/// take it) or at one thread (tgkill).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Aim {
    Process,
    Thread,
}

/// Sends `sig` to task `t` (for a process-directed signal, the task the
/// sender named: a process's leader, or a thread named by its tid).
pub fn send(core: &mut Core, sender: Sender, t: Entity, sig: Signal, aim: Aim) {
    core.state.census.signal(sig);
    let p = core.leader_of(t);
    let force = forced(core, sender, p);
    let proc = core.process(p);
    // A process that is dying drops everything (`prepare_signal`).
    if !proc.is_active() || proc.signals.group_exit.is_some() {
        return;
    }
    prepare(core, p, sig);
    let proc = core.process(p);
    if !core.task(t).blocked.contains(sig) && ignored(proc, &proc.signals, sig, force, core.state.semantics) {
        return;
    }
    let queue = match aim {
        Aim::Thread => &mut core.task_mut(t).into_inner().pending,
        Aim::Process => &mut core.signals_mut(p).into_inner().pending,
    };
    // A standard signal already pending is not queued twice.
    if queue.contains(sig) {
        return;
    }
    queue.insert(sig);
    complete(core, p, t, sig, aim);
}

/// `prepare_signal`'s job-control part (rule 24): a stop signal cancels a
/// pending SIGCONT; SIGCONT cancels pending stop signals, ends a group stop
/// and wakes every stopped thread in thread-list order (their flags stay as
/// they are), whatever its disposition.
fn prepare(core: &mut Core, p: Entity, sig: Signal) {
    if !sig.is_stop() && sig != Signal::Cont {
        return;
    }
    let cancel = if sig == Signal::Cont { SigSet::STOP_SIGNALS } else { SigSet::of(Signal::Cont) };
    core.signals_mut(p).pending.remove_all(cancel);
    let tasks = threads::tasks(core, p);
    for &t in &tasks {
        core.task_mut(t).pending.remove_all(cancel);
    }
    if sig != Signal::Cont {
        return;
    }
    for &t in &tasks {
        let stopped = {
            let mut task = core.task_mut(t);
            task.flags.remove(TaskFlags::STOP_PENDING);
            let stopped = task.state == TaskState::Stopped;
            if stopped {
                task.state = TaskState::Running;
            }
            stopped
        };
        if stopped {
            enqueue(core, t);
        }
    }
    let stopping = core.thread_group_mut(p).is_some_and(|mut g| std::mem::take(&mut g.stopping) > 0);
    let stopped = core.process(p).state == RunState::Stopped;
    if stopped || stopping {
        core.signals_mut(p).continued = true;
    }
    if stopped {
        set_state(core, p, RunState::Running);
    }
}

/// `complete_signal`: picks the thread to take `sig`, just queued for task
/// `t` of process `p`, and wakes it — or, for a fatal signal, starts the
/// group exit and wakes every thread to die.
fn complete(core: &mut Core, p: Entity, t: Entity, sig: Signal, aim: Aim) {
    let chosen = if wants(core, t, sig) {
        Some(t)
    } else if aim == Aim::Thread {
        None
    } else {
        find_taker(core, p, sig)
    };
    let Some(chosen) = chosen else { return };
    // A namespace init's default action is no death but by SIGKILL (rule
    // 30), even for a signal that got past `sig_ignored` because the task
    // it was aimed at blocks it (rule 44).
    let proc = core.process(p);
    // A signal that dumps core starts no group exit here: the thread that
    // takes it does, when it runs (`vfs_coredump`).
    let fatal = proc.signals.disposition(sig) == Disposition::Default
        && sig.default_action() == DefaultAction::Terminate
        && !sig.dumps_core()
        && (sig == Signal::Kill || !unkillable(proc, core.state.semantics));
    if !fatal {
        signal_wake_up(core, chosen, sig == Signal::Kill);
        return;
    }
    core.signals_mut(p).group_exit = Some(ExitStatus::Signaled(sig));
    if let Some(mut group) = core.thread_group_mut(p) {
        group.stopping = 0;
    }
    if core.process(p).state == RunState::Stopped {
        set_state(core, p, RunState::Running);
    }
    for task in threads::tasks(core, p) {
        core.task_mut(task).flags.remove(TaskFlags::STOP_PENDING);
        signal_wake_up(core, task, true);
    }
}

/// The first thread from `curr_target` on that wants `sig`, which becomes
/// `curr_target`; none if no thread does (rule 35).
fn find_taker(core: &mut Core, p: Entity, sig: Signal) -> Option<Entity> {
    let start = core.thread_group(p)?.curr_target;
    let mut t = start;
    loop {
        if wants(core, t, sig) {
            core.thread_group_mut(p).expect("threaded").curr_target = t;
            return Some(t);
        }
        t = threads::next_thread(core, t);
        if t == start {
            return None;
        }
    }
}

/// `retarget_shared_pending`, as task `t` of a process with other threads
/// starts a handler that blocks every signal (a `catch` of the replay
/// format): the signals of its process's shared queue it did not block are
/// left to the other threads. From `t` on, each thread that has not begun
/// to exit and does not block one of them is woken, unless it already is,
/// and takes those off the list; so a thread can take a signal that
/// arrives while `t` is in its handler.
pub fn retarget_shared_pending(core: &mut Core, t: Entity) {
    let p = core.leader_of(t);
    if core.thread_group(p).is_none() {
        return;
    }
    let mut retarget = core.signals(p).pending;
    retarget.remove_all(core.task(t).blocked);
    for other in threads::others_after(core, t) {
        if retarget.is_empty() {
            break;
        }
        let task = core.task(other);
        let mut takes = retarget;
        takes.remove_all(task.blocked);
        if task.is_exiting() || takes.is_empty() {
            continue;
        }
        retarget.remove_all(takes);
        if !task.flags.contains(TaskFlags::SIGPENDING) {
            signal_wake_up(core, other, false);
        }
    }
}
