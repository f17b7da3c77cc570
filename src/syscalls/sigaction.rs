//! sigaction: set a signal's disposition. KILL and STOP cannot be changed
//! (EINVAL). Making a signal ignored discards it if it is pending (POSIX).

use crate::model::{DefaultAction, Disposition, Errno, Signal, SignalState};
use bevy_ecs::prelude::*;

/// sigaction(sig, action) by `p`.
pub fn sigaction(world: &mut World, p: Entity, sig: Signal, action: Disposition) -> Result<(), Errno> {
    if sig.is_kernel_only() {
        return Err(Errno::EINVAL);
    }
    let mut s = world.get_mut::<SignalState>(p).expect("signals");
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
