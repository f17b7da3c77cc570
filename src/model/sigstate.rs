//! A process's signal state: dispositions, the shared queue, and the flags of
//! the kernel's delivery path that decide when a signal acts. What is per
//! thread (the mask, the own queue) is in [`Task`](crate::model::Task).

use crate::model::{Disposition, ExitStatus, SigSet, Signal};
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
    /// `SIGNAL_GROUP_EXIT` with `group_exit_code`: a fatal signal was
    /// generated, or a thread called exit_group, and every thread dies the
    /// next time it runs; later signals are dropped.
    pub group_exit: Option<ExitStatus>,
    /// `SIGNAL_CLD_CONTINUED`: resumed by SIGCONT; the parent is told when the
    /// process next runs.
    pub continued: bool,
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

/// The handlers that ran in a task, in order (recorded only when the world
/// is asked to, as replay does).
#[derive(Component, Debug, Default, Clone)]
#[component(storage = "SparseSet")]
pub struct HandlerLog(pub Vec<Signal>);
