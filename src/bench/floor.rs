//! bevy_ecs's own floor: a world of nothing but entities, spawned one at a
//! time as procsim spawns processes, with 0 to [`MAX_COMPONENTS`] components
//! of 8 bytes each; the peak resident set they take, and what one
//! `world.get` of a random entity's component costs when the next entity to
//! read depends on the last one read — as when procsim follows a parent, a
//! group or a list link. Whatever procsim stores per process comes on top of
//! the memory, and every random entity an operation touches costs at least
//! that read.
//!
//! Like a population's run it needs a process of its own
//! ([`crate::bench::isolated`]).

use crate::bench::BenchError;
use crate::host::ProcessMemory;
use bevy_ecs::prelude::*;
use rand::SeedableRng;
use rand::seq::SliceRandom;
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};
use std::hint::black_box;
use std::time::{Duration, Instant};

/// The most components an entity of the floor gets.
pub const MAX_COMPONENTS: u8 = 3;

/// The reads of the chase that measures a random `world.get`.
const CHASE: u64 = 10_000_000;

/// An 8-byte component; `N` makes each one a type of its own. The first one
/// holds the next entity of the chase.
#[derive(Component)]
struct Word<const N: u8>(u64);

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
    /// The wall time of [`CHASE`] dependent reads of a random entity's
    /// component (zero without components).
    pub chase: Duration,
    /// The same chase through a plain vector of as many 64-byte slots (a
    /// cache line each, about what an entity takes): the machine's own cost
    /// of a random dependent read from that much memory.
    pub plain_chase: Duration,
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

    /// Nanoseconds a `world.get` of a random entity takes, when it depends
    /// on the one before.
    pub fn ns_per_random_get(&self) -> f64 {
        self.chase.as_nanos() as f64 / CHASE as f64
    }

    /// Nanoseconds a dependent random read of a plain vector takes.
    pub fn ns_per_random_read(&self) -> f64 {
        self.plain_chase.as_nanos() as f64 / CHASE as f64
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
    let (chase, plain_chase) = if components > 0 { chase(&mut world) } else { (Duration::ZERO, Duration::ZERO) };
    Ok(FloorRun {
        entities,
        components: components.min(MAX_COMPONENTS),
        spawn,
        peak_bytes: after.peak.saturating_sub(before.peak),
        resident_bytes: after.resident.saturating_sub(before.resident),
        chase,
        plain_chase,
    })
}

/// Links every entity to the next of one random cycle through them all,
/// then times [`CHASE`] steps along it, each a `world.get` of the entity the
/// last one named; then the same through a plain vector.
fn chase(world: &mut World) -> (Duration, Duration) {
    let mut order: Vec<Entity> = world.query_filtered::<Entity, With<Word<0>>>().iter(world).collect();
    let mut rng = ChaCha8Rng::seed_from_u64(1);
    order.shuffle(&mut rng);
    for (i, &e) in order.iter().enumerate() {
        let next = order[(i + 1) % order.len()];
        world.get_mut::<Word<0>>(e).expect("spawned with it").0 = next.to_bits();
    }
    let mut cursor = order[0];
    let started = Instant::now();
    for _ in 0..CHASE {
        cursor = Entity::from_bits(world.get::<Word<0>>(cursor).expect("spawned with it").0);
    }
    let bevy = started.elapsed();
    black_box(cursor);
    let mut cycle: Vec<u64> = (0..order.len() as u64).collect();
    drop(order);
    cycle.shuffle(&mut rng);
    let mut plain = vec![[0u64; 8]; cycle.len()];
    for (i, &slot) in cycle.iter().enumerate() {
        plain[slot as usize][0] = cycle[(i + 1) % cycle.len()];
    }
    drop(cycle);
    let mut slot = 0usize;
    let started = Instant::now();
    for _ in 0..CHASE {
        slot = plain[slot][0] as usize;
    }
    let elapsed = started.elapsed();
    black_box(slot);
    (bevy, elapsed)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entities_are_spawned_and_counted() {
        let run = measure(10_000, 2).unwrap();
        assert_eq!((run.entities, run.components), (10_000, 2));
        assert!(run.spawns_per_s() > 0.0);
        assert!(run.ns_per_random_get() > 0.0);
    }
}
