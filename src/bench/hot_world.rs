//! The hot world: the fixture of the criterion benchmarks (`benches/`).
//!
//! A machine that the calibration workload has built to a given population
//! — the same random tree of groups and sessions as `procsim bench`
//! measures — on which a benchmark performs operations in steady state.
//! Benchmarks take their subjects from the build (a random process) or
//! create them, and dispose of what they created, so that the world stays
//! the size it was built at however many iterations run. Random choices come
//! from a seeded stream: the same benchmark acts on the same processes.

use crate::bench::population::{self, Mix};
use crate::engine::Streams;
use crate::machine::{Actor, Call, Machine};
use crate::model::Signal;
use bevy_ecs::prelude::Entity;
use rand::RngExt;
use rand_chacha::ChaCha8Rng;
use std::time::{Duration, Instant};

/// The most processes a round of setup, timed operations and teardown
/// prepares at once.
const ROUND: u64 = 10_000;

/// The name of a benchmark group at a scale: `1_000_000_processes`.
pub fn scale_name(population: u32) -> String {
    scale_of(population.into(), "processes")
}

/// The name of a benchmark group of `n` things: `1_000_000_lines`.
pub fn scale_of(n: u64, unit: &str) -> String {
    let digits = n.to_string();
    let mut name = String::new();
    for (i, digit) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            name.push('_');
        }
        name.push(digit);
    }
    format!("{name}_{unit}")
}

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
        let mut machine = population::scenario(Mix::Processes, population, 0).simulation().into_machine();
        machine.take_released();
        let root = machine.namespace(machine.root_namespace());
        let processes = root.table.processes_from(2).map(|(_, p)| p).collect();
        let rng = Streams::new(population.into()).stream("hot world");
        HotWorld { machine, processes, rng }
    }

    /// Settles the machine, and forgets the processes it released: nothing
    /// here reads that log, and it would grow with every iteration.
    fn settle(&mut self) {
        self.machine.settle();
        self.machine.take_released();
    }

    pub fn machine(&self) -> &Machine {
        &self.machine
    }

    pub fn machine_mut(&mut self) -> &mut Machine {
        &mut self.machine
    }

    /// A uniformly random process of the build (not init).
    pub fn random_process(&mut self) -> Entity {
        self.processes[self.rng.random_range(0..self.processes.len())]
    }

    /// A uniformly random process of the build in `session`.
    pub fn random_member(&mut self, session: Entity) -> Entity {
        loop {
            let p = self.random_process();
            if self.machine.session_of(p) == session {
                return p;
            }
        }
    }

    /// A child of `parent`, forked.
    pub fn fork(&mut self, parent: Entity) -> Entity {
        self.machine.perform(parent, Call::Fork { newpid: false }).child().expect("the fork succeeds")
    }

    /// A child of init with `k` children of its own.
    pub fn parent_of(&mut self, k: u64) -> (Entity, Vec<Entity>) {
        let parent = self.fork(self.machine.global_init());
        let children = (0..k).map(|_| self.fork(parent)).collect();
        (parent, children)
    }

    /// A shell leading a session of its own, and its job: a child in a group
    /// of its own, stopped. When the shell exits, the job's group is
    /// orphaned with a stopped member: the kernel sends it SIGHUP and
    /// SIGCONT, and the SIGHUP kills it.
    pub fn stopped_job(&mut self) -> (Entity, Entity) {
        let shell = self.fork(self.machine.global_init());
        self.machine.perform(shell, Call::Setsid).done().expect("a new process is no session leader");
        let job = self.fork(shell);
        self.machine.perform(job, Call::Setpgid { pid: 0, pgid: 0 }).done().expect("a child may start a group");
        let group = i64::from(self.machine.own_ids(job)[1]);
        self.machine.perform(shell, Call::Kill { pid: -group, sig: Signal::Stop }).done().expect("the group exists");
        self.settle();
        (shell, job)
    }

    /// The wall time of `op` on `iters` subjects of `size` processes each:
    /// in rounds of at most [`ROUND`] processes (and at least one subject),
    /// `setup` prepares each subject, then `op` is timed on each, then
    /// `teardown` disposes of what each left. Only `op` is timed.
    pub fn time<S, T>(
        &mut self,
        iters: u64,
        size: u64,
        mut setup: impl FnMut(&mut HotWorld) -> S,
        mut op: impl FnMut(&mut Machine, S) -> T,
        mut teardown: impl FnMut(&mut HotWorld, T),
    ) -> Duration {
        let per_round = (ROUND / size.max(1)).max(1);
        let mut total = Duration::ZERO;
        let mut left = iters;
        while left > 0 {
            let round = left.min(per_round);
            left -= round;
            let subjects: Vec<S> = (0..round).map(|_| setup(self)).collect();
            let started = Instant::now();
            let results: Vec<T> = subjects.into_iter().map(|s| op(&mut self.machine, s)).collect();
            total += started.elapsed();
            for result in results {
                teardown(self, result);
            }
            self.settle();
        }
        total
    }

    /// Ends processes a benchmark created: each exits, or is killed if it
    /// cannot act (a stopped process); the machine then settles, and init
    /// releases them (it ignores SIGCHLD, and so do the processes it
    /// forked).
    pub fn dispose(&mut self, processes: impl IntoIterator<Item = Entity>) {
        for p in processes {
            if !self.machine.process(p).is_some_and(|p| p.is_active()) {
                continue;
            }
            let pid = i64::from(self.machine.pid(p).expect("a live process").nr);
            if self.machine.perform(p, Call::Exit { code: 0 }).done().is_none() {
                self.machine
                    .perform(Actor::Outside, Call::Kill { pid, sig: Signal::Kill })
                    .done()
                    .expect("a live process can be killed");
            }
        }
        self.settle();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn groups_are_named_by_scale() {
        assert_eq!(scale_name(10_000), "10_000_processes");
        assert_eq!(scale_name(1_000_000), "1_000_000_processes");
        assert_eq!(scale_name(100), "100_processes");
        assert_eq!(scale_of(1_000_000, "lines"), "1_000_000_lines");
    }

    #[test]
    fn a_hot_world_stays_its_size_under_forks() {
        let mut world = HotWorld::build(1_000);
        assert_eq!(world.processes.len(), 1_000);
        let live = world.machine().census().live();
        world.time(
            2_500,
            1,
            HotWorld::random_process,
            |m, parent| m.perform(parent, Call::Fork { newpid: false }).child().unwrap(),
            |w, child| w.dispose([child]),
        );
        assert_eq!(world.machine().census().live(), live);
    }

    #[test]
    fn init_adopts_the_children_of_an_exiting_parent() {
        let mut world = HotWorld::build(1_000);
        let (parent, children) = world.parent_of(50);
        world.machine_mut().perform(parent, Call::Exit { code: 0 }).done().unwrap();
        world.machine_mut().settle();
        let init = world.machine().global_init();
        assert!(children.iter().all(|&c| world.machine().parent(c) == Some(init)));
        world.dispose(children);
        assert_eq!(world.machine().census().live(), 1_001);
    }

    #[test]
    fn the_shell_of_a_stopped_job_exits_and_the_job_is_hung_up() {
        let mut world = HotWorld::build(1_000);
        let (shell, job) = world.stopped_job();
        assert_eq!(world.machine().process(job).map(|p| p.state), Some(crate::model::RunState::Stopped));
        world.machine_mut().perform(shell, Call::Exit { code: 0 }).done().unwrap();
        world.machine_mut().settle();
        assert_eq!(world.machine().census().totals.orphan_pairs, 1);
        assert!(world.machine().process(job).is_none(), "SIGHUP killed the job and init released it");
    }

    #[test]
    fn members_of_the_root_session_are_found() {
        let mut world = HotWorld::build(1_000);
        let root = world.machine().session_of(world.machine().global_init());
        let p = world.random_member(root);
        assert_eq!(world.machine().session_of(p), root);
    }
}
