//! Process groups, their members, and the counters that make orphan status an
//! O(1) read.
//!
//! A group is *orphaned* when no member is a *link*: a live (not zombie)
//! process whose parent is not the global init, is in another group, and is in
//! the same session (`will_become_orphaned_pgrp`; semantics §9, rule 23). The
//! kernel recounts on demand, O(|group|); gVisor keeps a counter (`ancestors`)
//! but updates it at the wrong places. Here [`ProcessGroup::links`] is kept
//! exact by the link system at every change of a relation it depends on, and
//! [`ProcessGroup::stopped`] counts group-stopped members
//! (`has_stopped_jobs`). Members are threaded through their
//! [`Process`](crate::model::Process) (`member`).

use crate::model::Pid;
use crate::model::list::{ListHead, ListLink};
use bevy_ecs::prelude::*;

/// A process group.
#[derive(Component, Debug, Clone)]
pub struct ProcessGroup {
    /// Its id: the pid of the process that created it (`originator`), which
    /// stays reserved while the group has members.
    pub id: Pid,
    /// The session it belongs to; immutable.
    pub session: Entity,
    /// Members, most recently joined first (`hlist_add_head` in `attach_pid`
    /// and `change_pid`): the order `kill(-pgid)` walks them. Zombies
    /// included; none once the group is released.
    pub members: ListHead,
    /// Members that are links.
    pub links: u32,
    /// Members whose group-stop is complete.
    pub stopped: u32,
    /// Its place in its session's list of groups.
    pub in_session: ListLink,
}

impl ProcessGroup {
    /// A group with id `id` in `session`, with no members yet.
    pub fn new(id: Pid, session: Entity) -> ProcessGroup {
        ProcessGroup {
            id,
            session,
            members: ListHead::default(),
            links: 0,
            stopped: 0,
            in_session: ListLink::default(),
        }
    }

    /// `will_become_orphaned_pgrp(pgrp, NULL)`.
    pub fn is_orphaned(&self) -> bool {
        self.links == 0
    }
}
