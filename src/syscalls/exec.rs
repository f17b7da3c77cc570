//! execve, from any thread (rules 28 and 39).

use crate::systems::exec::{finish, others_gone, zap_other_threads};
use crate::systems::kernel::Core;
use crate::systems::threads;
use bevy_ecs::prelude::*;

/// execve by task `t`: done at once when `t` is alone in its process;
/// otherwise the other threads are killed, and the exec finishes when `t`
/// runs again after they are gone.
pub fn exec(core: &mut Core, t: Entity) {
    if threads::others_after(core, t).is_empty() {
        return finish(core, t);
    }
    zap_other_threads(core, t);
    if others_gone(core, t) {
        finish(core, t);
    }
}
