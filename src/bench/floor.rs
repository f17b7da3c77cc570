//! bevy_ecs's own floor for memory per entity: a world of nothing but
//! entities, spawned one at a time as procsim spawns processes, with 0 to
//! [`MAX_COMPONENTS`] components of 8 bytes each, and the peak resident set
//! they take. Whatever procsim stores per process comes on top of this.
//!
//! Like a population's run it needs a process of its own
//! ([`crate::bench::isolated`]).

use crate::bench::BenchError;
use crate::host::ProcessMemory;
use bevy_ecs::prelude::*;
use serde::{Deserialize, Serialize};
use std::hint::black_box;
use std::time::{Duration, Instant};

/// The most components an entity of the floor gets.
pub const MAX_COMPONENTS: u8 = 3;

/// An 8-byte component; `N` makes each one a type of its own.
#[derive(Component)]
struct Word<const N: u8>(#[expect(dead_code, reason = "its bytes are stored, never read")] u64);

/// What spawning the entities measured.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct FloorRun {
    pub entities: u64,
    /// Components of 8 bytes on each entity.
    pub components: u8,
    /// The wall time of the spawns.
    pub spawn: Duration,
    /// The peak resident set less the peak before the spawns, in bytes.
    pub peak_bytes: u64,
    /// The resident set after the spawns less the one before, in bytes:
    /// what the entities keep, once the vectors that grew have settled.
    pub resident_bytes: u64,
}

impl FloorRun {
    /// Peak bytes per entity.
    pub fn bytes_per_entity(&self) -> f64 {
        self.peak_bytes as f64 / self.entities as f64
    }

    /// Resident bytes per entity once they are all spawned.
    pub fn resident_per_entity(&self) -> f64 {
        self.resident_bytes as f64 / self.entities as f64
    }

    pub fn spawns_per_s(&self) -> f64 {
        self.entities as f64 / self.spawn.as_secs_f64()
    }
}

/// Spawns `entities` entities with `components` components each (at most
/// [`MAX_COMPONENTS`]), one at a time.
pub fn measure(entities: u64, components: u8) -> Result<FloorRun, BenchError> {
    let before = ProcessMemory::now()?;
    let mut world = World::new();
    let started = Instant::now();
    for i in 0..entities {
        match components {
            0 => world.spawn_empty(),
            1 => world.spawn(Word::<0>(i)),
            2 => world.spawn((Word::<0>(i), Word::<1>(i))),
            _ => world.spawn((Word::<0>(i), Word::<1>(i), Word::<2>(i))),
        };
    }
    let spawn = started.elapsed();
    black_box(&world);
    let after = ProcessMemory::now()?;
    Ok(FloorRun {
        entities,
        components: components.min(MAX_COMPONENTS),
        spawn,
        peak_bytes: after.peak.saturating_sub(before.peak),
        resident_bytes: after.resident.saturating_sub(before.resident),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entities_are_spawned_and_counted() {
        let run = measure(10_000, 2).unwrap();
        assert_eq!((run.entities, run.components), (10_000, 2));
        assert!(run.spawns_per_s() > 0.0);
    }
}
