//! Sessions: the outer level of job control.

use crate::model::Pid;
use bevy_ecs::prelude::*;

/// A session. It lives while it has process groups.
#[derive(Component, Debug, Clone)]
pub struct Session {
    /// Its id: the pid of the process that created it with setsid.
    pub id: Pid,
    /// How many process groups belong to it; 0 once it is released.
    pub groups: u32,
}
