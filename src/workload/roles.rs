//! Which program each process runs: the side table from process to role.
//!
//! The machine knows processes; the workload knows what each one is for — a
//! shell, a member of one of its jobs, a daemon, a supervised service — and
//! keeps it here, indexed by the entity's index so that a lookup costs O(1)
//! at any population. An entry remembers the whole entity (index and
//! generation), so a process that has been released can never be mistaken for
//! a new one that reuses its index.

use crate::workload::Model;
use crate::workload::batch::Batch;
use crate::workload::service::Service;
use crate::workload::shell::{JobMember, Shell};
use bevy_ecs::prelude::Entity;

/// What a process is doing in the workload.
#[derive(Debug)]
pub enum Role {
    /// An interactive shell, leading its session.
    Shell(Box<Shell>),
    /// A process of a shell's job (boxed, so that a role costs 16 bytes: the
    /// table has a slot for every entity).
    JobMember(Box<JobMember>),
    /// A daemon's first child: it starts a session, forks the daemon, exits.
    Launcher,
    /// A daemon, detached from any terminal and adopted by init.
    Daemon,
    /// A short-lived child that does one piece of work and exits.
    Worker,
    /// A process that keeps services running: a subreaper, or a container's
    /// init; the model says whose parameters it follows.
    Supervisor(Model),
    /// A service kept running by a supervisor.
    Service(Service),
    /// A container runtime's shim: the parent of a container's init.
    Shim,
    /// A batch job's parent, forking a burst of children.
    Batch(Batch),
    /// A process of the calibration workload, at this place in its live set.
    Calibration(u32),
    /// A thread of the calibration workload (not a leader), at this place in
    /// its set of live threads.
    CalibrationThread(u32),
}

/// The role of every process the workload created, by entity index.
#[derive(Debug, Default)]
pub struct Roles {
    slots: Vec<Option<(Entity, Role)>>,
}

impl Roles {
    pub fn insert(&mut self, p: Entity, role: Role) {
        let i = p.index_u32() as usize;
        if self.slots.len() <= i {
            self.slots.resize_with(i + 1, || None);
        }
        self.slots[i] = Some((p, role));
    }

    pub fn get(&self, p: Entity) -> Option<&Role> {
        match self.slots.get(p.index_u32() as usize) {
            Some(Some((e, role))) if *e == p => Some(role),
            _ => None,
        }
    }

    pub fn get_mut(&mut self, p: Entity) -> Option<&mut Role> {
        match self.slots.get_mut(p.index_u32() as usize) {
            Some(Some((e, role))) if *e == p => Some(role),
            _ => None,
        }
    }

    /// Forgets `p`'s role (it has been released) and returns it.
    pub fn remove(&mut self, p: Entity) -> Option<Role> {
        let slot = self.slots.get_mut(p.index_u32() as usize)?;
        match slot {
            Some((e, _)) if *e == p => slot.take().map(|(_, role)| role),
            _ => None,
        }
    }
}
