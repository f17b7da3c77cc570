//! Entities made ready before a system call: the kernel paths change
//! components through queries and cannot spawn, so a call that creates a
//! process, a group, a session or a namespace takes one of these and fills
//! it in. The machine tops the stock up before every call; a call takes at
//! most one of each kind.
//!
//! A spare is an ordinary entity with blank components; only this list says
//! it is not in use, and walks over every entity (the consistency checks)
//! skip what it lists.

use bevy_ecs::prelude::*;

/// The spare entities of each kind.
#[derive(Debug, Default)]
pub struct Spares {
    pub processes: Vec<Entity>,
    pub groups: Vec<Entity>,
    pub sessions: Vec<Entity>,
    pub namespaces: Vec<Entity>,
    pub threads: Vec<Entity>,
}

impl Spares {
    /// Whether `e` is a spare, not in use.
    pub fn contains(&self, e: Entity) -> bool {
        [&self.processes, &self.groups, &self.sessions, &self.namespaces, &self.threads].iter().any(|v| v.contains(&e))
    }
}

/// Takes a spare from `stock`.
pub fn take(stock: &mut Vec<Entity>) -> Entity {
    stock.pop().expect("the machine tops up the spares before every system call")
}
