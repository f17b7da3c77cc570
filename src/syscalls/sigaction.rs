//! sigaction: set a signal's disposition. KILL and STOP cannot be changed
//! (EINVAL). Making a signal ignored discards it if it is pending (POSIX).

use crate::model::{DefaultAction, Disposition, Errno, Signal};
use crate::systems::kernel::Core;
use bevy_ecs::prelude::*;

/// sigaction(sig, action) by `p`.
pub fn sigaction(core: &mut Core, p: Entity, sig: Signal, action: Disposition) -> Result<(), Errno> {
    if sig.is_kernel_only() {
        return Err(Errno::EINVAL);
    }
    let mut s = core.signals_mut(p);
    s.set_disposition(sig, action);
    let ignored = match action {
        Disposition::Ignore => true,
        Disposition::Default => sig.default_action() == DefaultAction::Ignore,
        Disposition::Catch => false,
    };
    if ignored {
        s.pending.remove(sig);
    }
    Ok(())
}
