//! Signal generation (`send_signal_locked`, `prepare_signal`, `complete_signal`):
//! what happens the moment a signal is sent, before the target runs.
//!
//! * SIGCONT resumes a stopped target at once, whatever its disposition, and
//!   cancels pending stop signals; a stop signal cancels a pending SIGCONT
//!   (rule 24).
//! * A signal that would be ignored is discarded here (rule 25), including
//!   every default-action signal to a namespace init from inside its
//!   namespace (rule 30) — but for the seed, which has no such protection
//!   ([`Rule::NsInitUnprotected`]).
//! * A standard signal already pending is not queued twice.
//! * A fatal signal that the target "wants" starts its group exit right away
//!   (`SIGNAL_GROUP_EXIT`): the target dies the next time it runs and every
//!   later signal to it is dropped. A stopped target does not want any signal
//!   but SIGKILL, so it dies of other fatal signals only once continued.

use crate::model::{DefaultAction, Disposition, Process, RunState, SigSet, Signal, SignalState};
use crate::semantics::{Rule, Semantics};
use crate::systems::kernel::Core;
use crate::systems::state::set_state;
use bevy_ecs::prelude::*;

/// Who sends a signal.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Sender {
    /// A process, by `kill()`.
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

/// Wakes `t` to handle signals (`signal_wake_up`), once.
pub fn wake(core: &mut Core, t: Entity) {
    let mut s = core.signals_mut(t);
    if s.woken {
        return;
    }
    s.woken = true;
    if core.state.sched.current != Some(t) {
        core.state.sched.runnable.push_back(t);
    }
}

/// Sends `sig` to process `t`.
pub fn send(core: &mut Core, sender: Sender, t: Entity, sig: Signal) {
    core.state.census.signal(sig);
    let force = forced(core, sender, t);
    let p = core.process(t);
    // A zombie, or a process already dying, drops everything (`prepare_signal`).
    if !p.is_active() {
        return;
    }
    let state = p.state;
    if core.signals(t).group_exit.is_some() {
        return;
    }
    if sig.is_stop() {
        core.signals_mut(t).pending.remove(Signal::Cont);
    } else if sig == Signal::Cont {
        let resume = {
            let mut s = core.signals_mut(t);
            s.pending.remove_all(SigSet::STOP_SIGNALS);
            if state == RunState::Stopped {
                s.continued = true;
            }
            state == RunState::Stopped
        };
        if resume {
            set_state(core, t, RunState::Running);
            wake(core, t);
        }
    }
    let p = core.process(t);
    let s = core.signals(t);
    if ignored(p, s, sig, force, core.state.semantics) || s.pending.contains(sig) {
        return;
    }
    let current = core.state.sched.current == Some(t);
    let stopped = p.state == RunState::Stopped;
    let fatal = s.disposition(sig) == Disposition::Default && sig.default_action() == DefaultAction::Terminate;
    let woken = s.woken;
    core.signals_mut(t).pending.insert(sig);
    // `wants_signal`: a stopped process wants only SIGKILL; one already woken
    // and not on the CPU does not need another wake-up.
    let wants = sig == Signal::Kill || (!stopped && (current || !woken));
    if !wants {
        return;
    }
    if fatal {
        core.signals_mut(t).group_exit = Some(sig);
        if stopped {
            set_state(core, t, RunState::Running);
        }
    }
    wake(core, t);
}
