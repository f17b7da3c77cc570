//! `_exit(code)` (exit_group: every thread of the process ends) and
//! SYS_exit (only the calling thread ends; rules 32–33). `exit_notify`
//! follows before anyone else runs.

use crate::model::ExitStatus;
use crate::systems::exit::{do_exit, do_group_exit};
use crate::systems::kernel::Core;
use bevy_ecs::prelude::*;

/// exit_group(code) by task `t`.
pub fn exit_group(core: &mut Core, t: Entity, code: u8) {
    do_group_exit(core, t, ExitStatus::Code(code));
}

/// exit(code) by task `t`: only `t` ends, and its process with it if it was
/// the last live thread.
pub fn exit(core: &mut Core, t: Entity, code: u8) {
    do_exit(core, t, ExitStatus::Code(code));
}
