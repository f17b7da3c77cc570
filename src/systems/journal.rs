//! A log of what the kernel did on its own that a comparison of two machines
//! needs: the orphaned-group SIGHUP+SIGCONT pairs it sent and the children it
//! reparented.
//!
//! `procsim compare` replays one workload on a machine under Linux's rules and
//! on one under the seed's, and reports where they part: a pair one sent and
//! the other did not, an orphan given another parent. Both happen inside the
//! systems, with no operation to show for them; the machine notes them here,
//! where [`crate::systems::orphans::count_pair`] and
//! [`crate::systems::reparent::reparent_children`] do them. The log exists
//! only when the machine is asked for it
//! ([`crate::MachineConfig::record_journal`]), so others pay nothing.

use crate::model::Pid;
use bevy_ecs::prelude::*;

/// What happened since the journal was last drained, in order.
#[derive(Debug, Default)]
pub struct Journal {
    /// The groups (by id) sent SIGHUP+SIGCONT as orphaned with a stopped member.
    pub orphan_pairs: Vec<Pid>,
    /// Children moved to a new parent (none: the seed's orphans of a dying
    /// namespace).
    pub reparented: Vec<(Entity, Option<Entity>)>,
}
