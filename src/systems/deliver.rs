//! Signal delivery: what a woken process does when it runs (`get_signal`).
//!
//! It first reports a resume to its parent (CLD_CONTINUED), then dequeues its
//! pending signals lowest number first (rule 27) until it blocks again, stops
//! or dies: a handler runs (and is recorded), an ignored signal is dropped, a
//! default stop signal stops the process — except TSTP/TTIN/TTOU in an
//! orphaned group, which are discarded (rule 26) — and a default fatal signal
//! ends it. A namespace init skips every default action but those of KILL and
//! STOP (rule 30).

use crate::model::ExitStatus;
use crate::model::ids::{group, group_of, process};
use crate::model::{DefaultAction, Disposition, HandlerLog, RunState, Signal, SignalState, Tree};
use crate::systems::sched::Scheduler;
use crate::systems::{ancestors, exit, signal};
use bevy_ecs::prelude::*;

/// Whether handlers that run are recorded in each process's [`HandlerLog`].
#[derive(Resource, Debug, Default, Clone, Copy)]
pub struct RecordHandlers(pub bool);

/// Runs every woken process, in wake-up order, and carries out the exits that
/// follow, until nothing is left to do.
pub fn deliver(world: &mut World) {
    loop {
        let mut sched = world.resource_mut::<Scheduler>();
        if let Some(p) = sched.exiting.pop_front() {
            exit::exit_notify(world, p);
        } else if let Some(p) = sched.runnable.pop_front() {
            run(world, p);
        } else {
            break;
        }
    }
}

/// Sends SIGCHLD to `p`'s parent for a stop or a resume
/// (`do_notify_parent_cldstop`), unless the parent ignores SIGCHLD.
pub fn notify_parent_cldstop(world: &mut World, p: Entity) {
    let Some(parent) = world.get::<Tree>(p).and_then(|t| t.parent) else {
        return;
    };
    let ignores = world.get::<SignalState>(parent).expect("signals").disposition(Signal::Chld) == Disposition::Ignore;
    if !ignores {
        signal::send(world, signal::Sender::Kernel, parent, Signal::Chld);
    }
}

/// Runs `p` once: it handles its pending signals and blocks, stops or dies.
pub fn run(world: &mut World, p: Entity) {
    let Some(proc) = world.get::<crate::model::Process>(p) else {
        return;
    };
    match proc.state {
        RunState::Running => {}
        RunState::Exiting => {
            exit::exit_notify(world, p);
            return;
        }
        RunState::Stopped | RunState::Zombie => return,
    }
    world.resource_mut::<Scheduler>().current = Some(p);
    handle_signals(world, p);
    if let Some(mut s) = world.get_mut::<SignalState>(p) {
        s.woken = false;
    }
    world.resource_mut::<Scheduler>().current = None;
}

fn handle_signals(world: &mut World, p: Entity) {
    if let Some(sig) = world.get::<SignalState>(p).expect("signals").group_exit {
        exit::do_exit(world, p, ExitStatus::Signaled(sig));
        return;
    }
    if std::mem::take(&mut world.get_mut::<SignalState>(p).expect("signals").continued) {
        notify_parent_cldstop(world, p);
    }
    loop {
        let (sig, disposition) = {
            let mut s = world.get_mut::<SignalState>(p).expect("signals");
            // A signal sent while this process runs may start its group exit.
            if let Some(sig) = s.group_exit {
                exit::do_exit(world, p, ExitStatus::Signaled(sig));
                return;
            }
            let Some(sig) = s.pending.pop_lowest() else {
                return;
            };
            (sig, s.disposition(sig))
        };
        match disposition {
            Disposition::Ignore => {}
            Disposition::Catch => {
                if world.resource::<RecordHandlers>().0 {
                    match world.get_mut::<HandlerLog>(p) {
                        Some(mut log) => log.0.push(sig),
                        None => {
                            world.entity_mut(p).insert(HandlerLog(vec![sig]));
                        }
                    }
                }
            }
            Disposition::Default => {
                let proc = process(world, p);
                if proc.ns_init && !sig.is_kernel_only() {
                    continue;
                }
                match sig.default_action() {
                    DefaultAction::Ignore => {}
                    DefaultAction::Stop => {
                        if sig != Signal::Stop && group(world, group_of(world, p)).is_orphaned() {
                            continue;
                        }
                        ancestors::set_state(world, p, RunState::Stopped);
                        notify_parent_cldstop(world, p);
                        return;
                    }
                    DefaultAction::Terminate => {
                        exit::do_exit(world, p, ExitStatus::Signaled(sig));
                        return;
                    }
                }
            }
        }
    }
}
