//! Process groups, their members, and the counters that make orphan status an
//! O(1) read.
//!
//! A group is *orphaned* when no member is a *link*: a live (not zombie)
//! process whose parent is not the global init, is in another group, and is in
//! the same session (`will_become_orphaned_pgrp`; semantics §9, rule 23). The
//! kernel recounts on demand, O(|group|); gVisor keeps a counter (`ancestors`)
//! but updates it at the wrong places. Here [`ProcessGroup::links`] is kept
//! exact by [`crate::systems::ancestors`] at every change of a relation it
//! depends on, and [`ProcessGroup::stopped`] counts group-stopped members
//! (`has_stopped_jobs`).

use crate::model::Pid;
use crate::model::list::{ListHead, ListLink, Relation};
use bevy_ecs::prelude::*;

/// A process group.
#[derive(Component, Debug)]
pub struct ProcessGroup {
    /// Its id: the pid of the process that created it (`originator`), which
    /// stays reserved while the group has members.
    pub id: Pid,
    /// The session it belongs to; immutable.
    pub session: Entity,
    /// Members, most recently joined first (`hlist_add_head` in `attach_pid`
    /// and `change_pid`): the order `kill(-pgid)` walks them. Zombies included.
    pub members: ListHead,
    /// Members that are links (gVisor's `ancestors`).
    pub links: u32,
    /// Members whose group-stop is complete.
    pub stopped: u32,
    /// gVisor's `ancestors` as the seed keeps it, kept only under a seed
    /// profile ([`crate::gvisor::ancestors`]): raised and lowered where the
    /// seed does, wrapping like its `uint32`, so it drifts from `links`.
    pub ancestors: u32,
    /// Made by setsid: the only groups the seed lists in their session's
    /// `processGroups` (`createSession` pushes its group, the seed's
    /// `CreateProcessGroup` does not).
    pub made_by_setsid: bool,
}

impl ProcessGroup {
    /// `will_become_orphaned_pgrp(pgrp, NULL)`.
    pub fn is_orphaned(&self) -> bool {
        self.links == 0
    }
}

/// A process's membership of its group.
#[derive(Component, Debug)]
pub struct Membership {
    pub group: Entity,
    pub link: ListLink,
    /// Whether this process is counted in its group's `links`.
    pub counted: bool,
}

/// The member list of a group, as a [`Relation`].
pub struct Members;

impl Relation for Members {
    type Owner = ProcessGroup;
    type Member = Membership;
    fn head(owner: &mut ProcessGroup) -> &mut ListHead {
        &mut owner.members
    }
    fn link(member: &mut Membership) -> &mut ListLink {
        &mut member.link
    }
    fn head_ref(owner: &ProcessGroup) -> &ListHead {
        &owner.members
    }
    fn link_ref(member: &Membership) -> &ListLink {
        &member.link
    }
}
