//! The hot world: the fixture of the criterion benchmarks (`benches/`).
//!
//! A machine that the calibration workload has built to a given population
//! — the same random tree of groups and sessions as `procsim bench`
//! measures — on which a benchmark performs operations in steady state.
//! Benchmarks take their subjects from the build (a random process) or
//! create them, and dispose of what they created, so that the world stays
//! the size it was built at however many iterations run. Random choices come
//! from a seeded stream: the same benchmark acts on the same processes.

use crate::bench::population;
use crate::engine::Streams;
use crate::machine::Machine;
use crate::model::{Process, Signal};
use bevy_ecs::prelude::Entity;
use rand::RngExt;
use rand_chacha::ChaCha8Rng;
use std::time::{Duration, Instant};

/// The most subjects prepared at once: a round of setup, timed operations
/// and teardown.
const ROUND: u64 = 10_000;

/// A machine built by the calibration workload.
pub struct HotWorld {
    machine: Machine,
    /// The processes of the build, init aside, in pid order. Benchmarks
    /// leave them alive.
    processes: Vec<Entity>,
    rng: ChaCha8Rng,
}

impl HotWorld {
    /// A world of `population` processes besides init, built as
    /// `procsim bench` builds it.
    pub fn build(population: u32) -> HotWorld {
        let machine = population::scenario(population, 0).simulation().into_machine();
        let world = machine.world();
        let init = machine.global_init();
        let mut processes: Vec<(u32, Entity)> = match world.try_query::<(Entity, &Process)>() {
            Some(mut query) => {
                query.iter(world).filter(|&(p, _)| p != init).map(|(p, proc)| (proc.pid.nr, p)).collect()
            }
            None => Vec::new(),
        };
        processes.sort_unstable();
        let rng = Streams::new(population.into()).stream("hot world");
        HotWorld { machine, processes: processes.into_iter().map(|(_, p)| p).collect(), rng }
    }

    pub fn machine(&mut self) -> &mut Machine {
        &mut self.machine
    }

    /// Processes of the build, init aside.
    pub fn population(&self) -> usize {
        self.processes.len()
    }

    /// A uniformly random process of the build (not init).
    pub fn random_process(&mut self) -> Entity {
        self.processes[self.rng.random_range(0..self.processes.len())]
    }

    /// A child of `parent`, forked (untimed work for a benchmark's setup).
    pub fn fork(&mut self, parent: Entity) -> Entity {
        self.machine.fork(parent, false).expect("the parent can act").expect("the fork succeeds")
    }

    /// The wall time of `op` on `iters` subjects: in rounds of at most
    /// [`ROUND`], `setup` prepares each subject, then `op` is timed on each,
    /// then `teardown` disposes of what each left. Only `op` is timed.
    pub fn time<S, T>(
        &mut self,
        iters: u64,
        mut setup: impl FnMut(&mut HotWorld) -> S,
        mut op: impl FnMut(&mut Machine, S) -> T,
        mut teardown: impl FnMut(&mut HotWorld, T),
    ) -> Duration {
        let mut total = Duration::ZERO;
        let mut left = iters;
        while left > 0 {
            let round = left.min(ROUND);
            left -= round;
            let subjects: Vec<S> = (0..round).map(|_| setup(self)).collect();
            let started = Instant::now();
            let results: Vec<T> = subjects.into_iter().map(|s| op(&mut self.machine, s)).collect();
            total += started.elapsed();
            for result in results {
                teardown(self, result);
            }
            self.machine.settle();
        }
        total
    }

    /// Ends processes a benchmark created: each exits, or is killed if it
    /// cannot act (a stopped process); the machine then settles, and init
    /// releases them (it ignores SIGCHLD, and so do the processes it
    /// forked).
    pub fn dispose(&mut self, processes: impl IntoIterator<Item = Entity>) {
        for p in processes {
            let Some(pid) = self.machine.process(p).filter(|p| p.is_active()).map(|p| i64::from(p.pid.nr)) else {
                continue;
            };
            if self.machine.exit(p, 0).is_err() {
                self.machine.kill_from_outside(pid, Signal::Kill).expect("a live process can be killed");
            }
        }
        self.machine.settle();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_hot_world_stays_its_size_under_forks() {
        let mut world = HotWorld::build(1_000);
        assert_eq!(world.population(), 1_000);
        let live = world.machine().census().live();
        world.time(
            2_500,
            HotWorld::random_process,
            |m, parent| m.fork(parent, false).unwrap().unwrap(),
            |w, child| w.dispose([child]),
        );
        assert_eq!(world.machine().census().live(), live);
    }
}
