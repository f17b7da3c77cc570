//! `_exit(code)`: the caller begins to exit; `exit_notify` follows before
//! anyone else runs.

use crate::model::ExitStatus;
use crate::systems::exit::do_exit;
use crate::systems::kernel::Core;
use bevy_ecs::prelude::*;

/// `_exit(code)` by `p`.
pub fn exit(core: &mut Core, p: Entity, code: u8) {
    do_exit(core, p, ExitStatus::Code(code));
}
