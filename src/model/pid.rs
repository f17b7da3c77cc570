//! A process's identity across nested PID namespaces (the kernel's `struct pid`).
//!
//! A process created in namespace N at level L has a number in N and in each of
//! N's ancestors (`alloc_pid` loops over the levels). Process groups and sessions
//! are named by their leader's `Pid`, which outlives the leader while the group
//! or session has members, so it is a value that groups and sessions copy.

use bevy_ecs::prelude::*;
use thin_vec::ThinVec;

/// The numbers of one `struct pid`: `nr` in its own namespace `ns`, and
/// `upper[l]` in the ancestor namespace at level `l`.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Pid {
    /// The namespace the pid was allocated in (the deepest one it has a number in).
    pub ns: Entity,
    /// The number in `ns`.
    pub nr: u32,
    /// The numbers in the ancestor namespaces, by level (empty at level 0).
    /// A thin vector: one pointer, and no allocation when empty — the
    /// processes of the root namespace, nearly all of them.
    pub upper: ThinVec<u32>,
}

impl Pid {
    /// The level of the namespace the pid belongs to.
    pub fn level(&self) -> usize {
        self.upper.len()
    }

    /// The number at `level`, if the pid has one there.
    pub fn nr_at(&self, level: usize) -> Option<u32> {
        match level.cmp(&self.level()) {
            std::cmp::Ordering::Less => Some(self.upper[level]),
            std::cmp::Ordering::Equal => Some(self.nr),
            std::cmp::Ordering::Greater => None,
        }
    }
}
