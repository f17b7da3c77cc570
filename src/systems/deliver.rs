//! Signal delivery: what a woken process does when it runs (`get_signal`).
//!
//! It first reports a resume to its parent (CLD_CONTINUED), then dequeues its
//! pending signals lowest number first (rule 27) until it blocks again, stops
//! or dies: a handler runs (and is recorded), an ignored signal is dropped, a
//! default stop signal stops the process — except TSTP/TTIN/TTOU in an
//! orphaned group, which are discarded (rule 26) — and a default fatal signal
//! ends it. A namespace init skips every default action but those of KILL and
//! STOP (rule 30).
//!
//! The seed discards no stop signal ([`Rule::OrphanedStopsStop`]) and gives a
//! namespace init no protection ([`Rule::NsInitUnprotected`]).

use crate::model::{DefaultAction, Disposition, ExitStatus, RunState, Signal};
use crate::semantics::Rule;
use crate::systems::books::Bookkeeping;
use crate::systems::kernel::{Core, Kernel};
use crate::systems::state::set_state;
use crate::systems::{exit, orphans, signal};
use bevy_ecs::prelude::*;

/// The tick's system: runs every woken process, in wake-up order, and
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

/// Sends SIGCHLD to `p`'s parent for a stop or a resume
/// (`do_notify_parent_cldstop`), unless the parent ignores SIGCHLD.
pub fn notify_parent_cldstop(core: &mut Core, p: Entity) {
    let Some(parent) = core.process(p).parent else {
        return;
    };
    if core.signals(parent).disposition(Signal::Chld) != Disposition::Ignore {
        signal::send(core, signal::Sender::Kernel, parent, Signal::Chld);
    }
}

/// Runs `p` once: it handles its pending signals and blocks, stops or dies.
pub fn run<B: Bookkeeping>(k: &mut Kernel<B>, p: Entity) {
    match k.core.processes.get(p).map(|p| p.state) {
        Ok(RunState::Running) => {}
        Ok(RunState::Exiting) => {
            exit::exit_notify(k, p);
            return;
        }
        Ok(RunState::Stopped | RunState::Zombie) | Err(_) => return,
    }
    k.core.state.sched.current = Some(p);
    handle_signals(k, p);
    k.core.signals_mut(p).woken = false;
    k.core.state.sched.current = None;
}

fn handle_signals<B: Bookkeeping>(k: &mut Kernel<B>, p: Entity) {
    if let Some(sig) = k.core.signals(p).group_exit {
        exit::do_exit(&mut k.core, p, ExitStatus::Signaled(sig));
        return;
    }
    if std::mem::take(&mut k.core.signals_mut(p).continued) {
        notify_parent_cldstop(&mut k.core, p);
    }
    loop {
        let core = &mut k.core;
        let (sig, disposition) = {
            let mut s = core.signals_mut(p);
            // A signal sent while this process runs may start its group exit.
            if let Some(sig) = s.group_exit {
                exit::do_exit(core, p, ExitStatus::Signaled(sig));
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
                if core.state.recording.handlers {
                    core.handler_logs.get_mut(p).expect("a recording machine logs every process").0.push(sig);
                }
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
                        set_state(&mut k.core, p, RunState::Stopped);
                        notify_parent_cldstop(&mut k.core, p);
                        return;
                    }
                    DefaultAction::Terminate => {
                        exit::do_exit(&mut k.core, p, ExitStatus::Signaled(sig));
                        return;
                    }
                }
            }
        }
    }
}
