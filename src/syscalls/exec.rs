//! execve (rule 28): caught signals go back to the default action, ignored
//! ones stay ignored (`flush_signal_handlers(t, 0)`); pending signals, pid,
//! group and session are kept; `PF_FORKNOEXEC` is cleared, so the parent can
//! no longer move the process with setpgid (EACCES).

use crate::model::{Process, SigSet, SignalState};
use bevy_ecs::prelude::*;

/// execve by `p`.
pub fn exec(world: &mut World, p: Entity) {
    world.get_mut::<SignalState>(p).expect("signals").caught = SigSet::EMPTY;
    world.get_mut::<Process>(p).expect("process").forknoexec = false;
}
