//! `_exit(code)`: the caller begins to exit; `exit_notify` follows before
//! anyone else runs.

use crate::model::ExitStatus;
use crate::systems::exit::do_exit;
use bevy_ecs::prelude::*;

/// `_exit(code)` by `p`.
pub fn exit(world: &mut World, p: Entity, code: u8) {
    do_exit(world, p, ExitStatus::Code(code));
}
