//! execve (rule 28): caught signals go back to the default action, ignored
//! ones stay ignored (`flush_signal_handlers(t, 0)`); pending signals, pid,
//! group and session are kept; `PF_FORKNOEXEC` is cleared, so the parent can
//! no longer move the process with setpgid (EACCES).

use crate::model::{Flags, SigSet};
use crate::systems::kernel::Core;
use bevy_ecs::prelude::*;

/// execve by `p`.
pub fn exec(core: &mut Core, p: Entity) {
    core.signals_mut(p).caught = SigSet::EMPTY;
    core.process_mut(p).flags.remove(Flags::FORKNOEXEC);
}
