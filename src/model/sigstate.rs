//! A process's signal state: dispositions, pending signals, and the flags of
//! the kernel's delivery path that decide when a signal acts.

use crate::model::{Disposition, SigSet, Signal};
use bevy_ecs::prelude::*;

/// Signal state of one process (`sighand`, `pending`, `signal->flags`).
#[derive(Debug, Default, Clone)]
pub struct SignalState {
    /// Signals whose disposition is `SIG_IGN`.
    pub ignored: SigSet,
    /// Signals with a handler.
    pub caught: SigSet,
    /// Queued and not yet dequeued. A standard signal is not queued twice.
    pub pending: SigSet,
    /// `SIGNAL_GROUP_EXIT`: a fatal signal was generated and the process will
    /// die with it the next time it runs; later signals are dropped.
    pub group_exit: Option<Signal>,
    /// `SIGNAL_CLD_CONTINUED`: resumed by SIGCONT; the parent is told when the
    /// process next runs.
    pub continued: bool,
    /// `TIF_SIGPENDING`: woken to handle signals and not yet run.
    pub woken: bool,
}

impl SignalState {
    /// The disposition of `sig`.
    pub fn disposition(&self, sig: Signal) -> Disposition {
        if self.caught.contains(sig) {
            Disposition::Catch
        } else if self.ignored.contains(sig) {
            Disposition::Ignore
        } else {
            Disposition::Default
        }
    }

    /// Sets the disposition of `sig`.
    pub fn set_disposition(&mut self, sig: Signal, action: Disposition) {
        self.caught.remove(sig);
        self.ignored.remove(sig);
        match action {
            Disposition::Catch => self.caught.insert(sig),
            Disposition::Ignore => self.ignored.insert(sig),
            Disposition::Default => {}
        }
    }
}

/// The handlers that ran in a process, in order (recorded only when the world
/// is asked to, as replay does).
#[derive(Component, Debug, Default, Clone)]
#[component(storage = "SparseSet")]
pub struct HandlerLog(pub Vec<Signal>);
