//! Sessions: the outer level of job control.

use crate::model::Pid;
use crate::model::list::ListHead;
use bevy_ecs::prelude::*;

/// A session. It lives while it has process groups.
#[derive(Component, Debug, Clone)]
pub struct Session {
    /// Its id: the pid of the process that created it with setsid.
    pub id: Pid,
    /// Its groups, in no order the kernel shows; empty once it is released.
    /// The walk that takes the controlling terminal from every process of
    /// the session (`session_clear_tty`) goes through them, never through
    /// the world.
    pub group_list: ListHead,
    /// Its leader's old foreground group (`signal->tty_old_pgrp`): set by a
    /// hangup, signalled when the leader exits (rules 56, 57). A session's
    /// leader never leaves it, so the session can hold what is the leader's.
    pub old_fg: Option<Pid>,
}

impl Session {
    /// A session with id `id` and no groups yet.
    pub fn new(id: Pid) -> Session {
        Session { id, group_list: ListHead::default(), old_fg: None }
    }
}
