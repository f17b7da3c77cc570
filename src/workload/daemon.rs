//! Daemons: the classic double fork.
//!
//! init forks a launcher, which resets SIGCHLD, calls setsid (a new session,
//! with no terminal) and forks the daemon, then exits at once. The daemon is
//! thereby not a session leader — it can never acquire a controlling terminal
//! — and, its parent gone, init adopts it. It forks short-lived workers now
//! and then and reaps them; it runs until it exits or is sent SIGTERM from
//! outside (an administrator stops it). It may keep a pool of worker threads
//! ([`crate::workload::pool`]).

use crate::engine::{Context, Outcome, SimDuration};
use crate::model::Signal;
use crate::workload::distribution::{Distribution, Probability, serialize_optional};
use crate::workload::pool::{self, PoolParams};
use crate::workload::roles::{Role, Roles};
use crate::workload::{Arrivals, Common, Ending, Event, Generator, Model, Prelude, STEP, spawn};
use bevy_ecs::prelude::Entity;
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};

/// The `[daemons]` table of a scenario.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default, expecting = "a table")]
pub struct DaemonParams {
    /// Daemons running at time 0.
    #[serde(deserialize_with = "crate::workload::value::whole")]
    pub initial: u32,
    /// Time between daemon launches.
    #[serde(serialize_with = "serialize_optional")]
    pub arrivals: Option<Distribution>,
    /// From a worker's death to the daemon's waitpid.
    pub reap: Distribution,
    /// How long a daemon runs.
    pub lifetime: Distribution,
    /// A daemon's end is a SIGTERM from outside rather than `exit`.
    pub killed: Probability,
    /// Time between the workers a daemon forks; `None` for none.
    #[serde(serialize_with = "serialize_optional")]
    pub work: Option<Distribution>,
    /// How long a worker runs.
    pub worker: Distribution,
    /// Each daemon's thread pool; `None` for none.
    #[serde(
        default,
        deserialize_with = "crate::workload::value::optional_table",
        skip_serializing_if = "Option::is_none"
    )]
    pub threads: Option<PoolParams>,
}

impl Default for DaemonParams {
    fn default() -> Self {
        DaemonParams {
            initial: 0,
            arrivals: None,
            reap: Distribution::Exponential { mean: SimDuration::from_millis(1) },
            lifetime: Distribution::LogNormal { median: SimDuration::from_millis(3_600_000), sigma: 1.0 },
            killed: Probability::new(0.3).expect("a probability"),
            work: None,
            worker: Distribution::LogNormal { median: SimDuration::from_millis(200), sigma: 1.0 },
            threads: None,
        }
    }
}

/// A daemon's steps.
#[derive(Clone, Copy, Debug)]
pub enum Step {
    /// The launcher forks the daemon, then exits.
    Detach(Entity),
    /// The daemon forks a worker.
    Work(Entity),
}

impl Arrivals for DaemonParams {
    fn common(&self) -> Common {
        Common { initial: self.initial, arrivals: self.arrivals, reap: self.reap }
    }

    /// The launcher starts a session, to fork the daemon in it.
    fn newcomer(&self, _: &mut ChaCha8Rng) -> (Role, &'static [Prelude]) {
        (Role::Launcher, &[Prelude::DEFAULT_CHLD, Prelude::Setsid])
    }
}

impl Generator<DaemonParams> {
    pub fn step(&mut self, step: Step, ctx: &mut Context<'_, Event>, roles: &mut Roles) {
        match step {
            Step::Detach(launcher) => {
                let how = if self.params.killed.draw(&mut self.rng) {
                    Ending::Killed { by: None, sig: Signal::Term }
                } else {
                    Ending::Exit(0)
                };
                let life = self.params.lifetime.sample(&mut self.rng);
                match spawn(ctx, roles, launcher, Role::Daemon, life, how) {
                    Outcome::Dead => return,
                    Outcome::Done(daemon) => {
                        self.next_work(daemon, ctx);
                        pool::open(daemon, Model::Daemons, self.params.threads.as_ref(), &mut self.rng, ctx);
                    }
                    Outcome::Failed(_) | Outcome::Stopped => {}
                }
                ctx.next(STEP, Event::End { process: launcher, how: Ending::Exit(0) });
            }
            Step::Work(daemon) => {
                let life = self.params.worker.sample(&mut self.rng);
                if spawn(ctx, roles, daemon, Role::Worker, life, Ending::Exit(0)) != Outcome::Dead {
                    self.next_work(daemon, ctx);
                }
            }
        }
    }

    fn next_work(&mut self, daemon: Entity, ctx: &mut Context<'_, Event>) {
        if let Some(gap) = self.params.work {
            ctx.after(gap.sample(&mut self.rng), STEP, Event::Daemon(Step::Work(daemon)));
        }
    }
}
