//! The bookkeeping a profile keeps beside the Linux state, and the points
//! where the Linux paths hand it control.
//!
//! Linux's paths are the same under every profile; where a profile keeps
//! state of its own — the 2018 seed's per-group `ancestors` counts and its
//! id maps — it is told what happens at a handful of hook points (a group
//! made or released, a process moving between groups, becoming a zombie,
//! adopted, reaped), and at a few it answers instead of the Linux state (is
//! this group orphaned, is this id taken, which processes does this
//! `kill(-pgid)` reach). Every hook has a default that does nothing or
//! leaves the answer to Linux, which is what `()`, Linux's bookkeeping, does.
//!
//! The 2018 seed's books implement this a layer up; nothing here knows of
//! them. Decisions that the seed takes differently but that need no state
//! of their own are not hooks: they ask the rule set
//! ([`crate::semantics::Semantics::seed`]) where they are taken.

use crate::model::{Errno, Signal};
use crate::systems::groups::Move;
use crate::systems::kernel::Core;
use crate::systems::signal::Sender;
use bevy_ecs::prelude::*;
use bevy_ecs::system::{SystemParam, SystemParamItem};

/// What a profile keeps beside the Linux state: a system parameter with its
/// own components and resources, and the hooks that keep them.
pub trait Bookkeeping: SystemParam + 'static {
    /// The components a new process group gets beside [`ProcessGroup`](crate::model::ProcessGroup).
    type GroupBundle: Bundle + Default;

    /// Group `g` has been made (its id is mapped); a process is about to join it.
    fn group_created(_core: &mut Core, _books: &mut SystemParamItem<Self>, _g: Entity) {}

    /// Group `g` has lost its last member and is released.
    fn group_released(_core: &mut Core, _books: &mut SystemParamItem<Self>, _g: Entity) {}

    /// `p` is about to move from its group into `to`.
    fn moving(_core: &mut Core, _books: &mut SystemParamItem<Self>, _p: Entity, _to: Entity, _how: Move) {}

    /// `p` has moved into `to`.
    fn moved(_core: &mut Core, _books: &mut SystemParamItem<Self>, _to: Entity, _how: Move) {}

    /// `t` has finished its exit and is about to become a zombie.
    fn becoming_zombie(_core: &mut Core, _books: &mut SystemParamItem<Self>, _t: Entity) {}

    /// `child` is about to be given a new parent (reparenting).
    fn adopting(_core: &mut Core, _books: &mut SystemParamItem<Self>, _child: Entity) {}

    /// `child` has its new parent.
    fn adopted(_core: &mut Core, _books: &mut SystemParamItem<Self>, _child: Entity) {}

    /// The zombie `p` is about to be released (reaped), still in its group.
    fn reaping(_core: &mut Core, _books: &mut SystemParamItem<Self>, _p: Entity) {}

    /// The zombie announced by [`Bookkeeping::reaping`] is gone.
    fn reaped(_core: &mut Core, _books: &mut SystemParamItem<Self>) {}

    /// Whether group `g` is orphaned, if the profile decides it (`None`:
    /// Linux's count decides).
    fn orphaned(_core: &Core, _books: &SystemParamItem<Self>, _g: Entity) -> Option<bool> {
        None
    }

    /// Whether group `pg` has no link but maybe `ignored`
    /// (`will_become_orphaned_pgrp`), if the profile decides it.
    fn will_become_orphaned(
        _core: &Core,
        _books: &SystemParamItem<Self>,
        _pg: Entity,
        _ignored: Option<Entity>,
    ) -> Option<bool> {
        None
    }

    /// setsid's EPERM test, if the profile decides it: whether `p`'s id is
    /// taken by a group or session.
    fn session_id_taken(_core: &Core, _books: &SystemParamItem<Self>, _p: Entity) -> Option<bool> {
        None
    }

    /// setpgid's test before it makes a second group with `p`'s id, if the
    /// profile makes such groups: whether its scan finds one.
    fn group_id_taken(_core: &Core, _books: &SystemParamItem<Self>, _p: Entity) -> bool {
        false
    }

    /// `kill(-pgid)` (and `kill(0)`, `pgid` being the caller's group's id), if
    /// the profile finds the targets its own way.
    fn kill_group_id(
        _core: &mut Core,
        _books: &mut SystemParamItem<Self>,
        _sender: Sender,
        _ns: Entity,
        _pgid: u32,
        _sig: Signal,
    ) -> Option<Result<(), Errno>> {
        None
    }
}

/// Linux keeps no books beside its own state.
impl Bookkeeping for () {
    type GroupBundle = ();
}
