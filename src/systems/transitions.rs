//! A log of run-state changes, for a driver that reacts to them.
//!
//! A workload that plays the part of the processes' programs must learn what
//! the kernel did to them at the moment it did it: that a job stopped (a shell
//! waiting for it gets its prompt back), that it was continued, that a child
//! became a zombie (its parent will reap it). The kernel tells a parent through
//! SIGCHLD and `waitid`; the simulator keeps one log of every change made by
//! [`crate::systems::ancestors::set_state`], the single place a run state
//! changes. It exists only when the machine is asked for it
//! ([`crate::MachineConfig::record_transitions`]), so a driver that does not
//! read it pays nothing.

use crate::model::RunState;
use bevy_ecs::prelude::*;

/// Run-state changes since the log was last drained, in the order they
/// happened: the process and the state it entered.
#[derive(Debug, Default)]
pub struct Transitions(pub Vec<(Entity, RunState)>);
