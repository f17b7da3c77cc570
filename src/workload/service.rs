//! Services under a supervisor: a subreaper that restarts what dies.
//!
//! A supervisor (a service manager, runit, s6) resets SIGCHLD and marks
//! itself a child subreaper (`PR_SET_CHILD_SUBREAPER`), then forks each of its
//! services, which exec. A service runs for its lifetime and dies — it
//! crashes (`exit(1)`) or the OOM killer sends it SIGKILL — and the
//! supervisor reaps it and, after a delay, starts it again. Some services
//! daemonize (fork, and the parent exits): the daemon is orphaned, and being
//! below a subreaper it is adopted by the supervisor rather than by init
//! (semantics §9, rule 9), which keeps watching it. A service (the daemon,
//! for one that daemonizes) may keep a pool of worker threads
//! ([`crate::workload::pool`]).
//!
//! A container's init runs the same logic ([`crate::workload::container`]):
//! orphans inside a PID namespace go to its init without any prctl.

use crate::engine::{Context, Outcome, SimDuration};
use crate::model::Signal;
use crate::workload::distribution::{Distribution, Probability, serialize_optional};
use crate::workload::pool::{self, PoolParams};
use crate::workload::roles::{Role, Roles};
use crate::workload::{Arrivals, Common, Ending, Event, Model, Prelude, REACTION, STEP, spawn};
use bevy_ecs::prelude::Entity;
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};

/// The services a supervisor keeps running (`[supervisors.services]`,
/// `[containers.services]`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default, expecting = "a table")]
pub struct ServiceParams {
    /// Services each supervisor runs.
    #[serde(deserialize_with = "crate::workload::value::whole")]
    pub count: u32,
    /// How long a service runs before it dies.
    pub lifetime: Distribution,
    /// From a service's reaping to its restart.
    pub restart: Distribution,
    /// A service dies of a SIGKILL from outside rather than `exit(1)`.
    pub killed: Probability,
    /// A service daemonizes: it forks, and the parent exits.
    pub daemonize: Probability,
    /// Each service's thread pool; `None` for none.
    #[serde(
        default,
        deserialize_with = "crate::workload::value::optional_table",
        skip_serializing_if = "Option::is_none"
    )]
    pub threads: Option<PoolParams>,
}

impl Default for ServiceParams {
    fn default() -> Self {
        ServiceParams {
            count: 4,
            lifetime: Distribution::LogNormal { median: SimDuration::from_millis(300_000), sigma: 1.5 },
            restart: Distribution::Exponential { mean: SimDuration::from_millis(1_000) },
            killed: Probability::new(0.2).expect("a probability"),
            daemonize: Probability::new(0.2).expect("a probability"),
            threads: None,
        }
    }
}

/// The `[supervisors]` table of a scenario.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default, expecting = "a table")]
pub struct SupervisorParams {
    /// Supervisors running at time 0.
    #[serde(deserialize_with = "crate::workload::value::whole")]
    pub initial: u32,
    /// Time between supervisor starts.
    #[serde(serialize_with = "serialize_optional")]
    pub arrivals: Option<Distribution>,
    /// From a service's death to the supervisor's waitpid.
    pub reap: Distribution,
    #[serde(deserialize_with = "crate::workload::value::table")]
    pub services: ServiceParams,
}

impl Default for SupervisorParams {
    fn default() -> Self {
        SupervisorParams {
            initial: 0,
            arrivals: None,
            reap: Distribution::Exponential { mean: SimDuration::from_millis(1) },
            services: ServiceParams::default(),
        }
    }
}

/// A supervised process.
#[derive(Clone, Copy, Debug)]
pub struct Service {
    /// Whose parameters its supervisor follows.
    pub model: Model,
    /// Its place among the supervisor's services.
    slot: u32,
    /// Whether it is the service itself, rather than a parent that will
    /// exit once it has forked the daemon.
    main: bool,
    /// Whether it will daemonize (only for the first process of a service).
    daemonize: bool,
}

/// The steps of supervised services.
#[derive(Clone, Copy, Debug)]
pub enum Step {
    /// The supervisor forks the service of `slot`; in the first round it goes
    /// on to the next slot.
    Start { model: Model, supervisor: Entity, slot: u32, first_round: bool },
    /// A daemonizing service forks its daemon, then exits.
    Daemonize { model: Model, service: Entity },
}

impl Step {
    pub fn model(&self) -> Model {
        match *self {
            Step::Start { model, .. } | Step::Daemonize { model, .. } => model,
        }
    }
}

/// How a service's life ends.
fn ending(params: &ServiceParams, rng: &mut ChaCha8Rng) -> Ending {
    if params.killed.draw(rng) { Ending::Killed { by: None, sig: Signal::Kill } } else { Ending::Exit(1) }
}

/// The first round of starts of a supervisor that has just set itself up.
pub fn supervise(supervisor: Entity, model: Model, params: &ServiceParams, ctx: &mut Context<'_, Event>) {
    if params.count > 0 {
        ctx.next(STEP, Event::Service(Step::Start { model, supervisor, slot: 0, first_round: true }));
    }
}

pub fn step(step: Step, params: &ServiceParams, rng: &mut ChaCha8Rng, ctx: &mut Context<'_, Event>, roles: &mut Roles) {
    match step {
        Step::Start { model, supervisor, slot, first_round } => {
            let daemonize = params.daemonize.draw(rng);
            match ctx.fork(supervisor, false) {
                Outcome::Dead => return,
                Outcome::Done(p) => {
                    roles.insert(p, Role::Service(Service { model, slot, main: !daemonize, daemonize }));
                    ctx.next(STEP, Event::Prelude { actor: p, steps: &[Prelude::Exec] });
                }
                Outcome::Failed(_) | Outcome::Stopped => {
                    let retry = Step::Start { model, supervisor, slot, first_round: false };
                    ctx.after(params.restart.sample(rng), STEP, Event::Service(retry));
                }
            }
            if first_round && slot + 1 < params.count {
                ctx.next(STEP, Event::Service(Step::Start { model, supervisor, slot: slot + 1, first_round }));
            }
        }
        Step::Daemonize { model, service } => {
            let Some(&Role::Service(s)) = roles.get(service) else {
                return ctx.cancel();
            };
            let daemon = Role::Service(Service { model, slot: s.slot, main: true, daemonize: false });
            let life = params.lifetime.sample(rng);
            let spawned = spawn(ctx, roles, service, daemon, life, ending(params, rng));
            if let Outcome::Done(daemon) = spawned {
                pool::open(daemon, model, params.threads.as_ref(), rng, ctx);
            }
            if spawned != Outcome::Dead {
                ctx.next(STEP, Event::End { process: service, how: Ending::Exit(0) });
            }
        }
    }
}

/// A service has exec'd: it daemonizes, or runs until it dies.
pub fn started(p: Entity, s: Service, params: &ServiceParams, rng: &mut ChaCha8Rng, ctx: &mut Context<'_, Event>) {
    if s.daemonize {
        ctx.next(STEP, Event::Service(Step::Daemonize { model: s.model, service: p }));
    } else {
        let life = params.lifetime.sample(rng);
        ctx.after(life, STEP, Event::End { process: p, how: ending(params, rng) });
        pool::open(p, s.model, params.threads.as_ref(), rng, ctx);
    }
}

/// A supervisor reaped one of its processes: a service that died is started again.
pub fn reaped(
    supervisor: Entity,
    s: Service,
    params: &ServiceParams,
    rng: &mut ChaCha8Rng,
    ctx: &mut Context<'_, Event>,
) {
    if s.main {
        let restart = Step::Start { model: s.model, supervisor, slot: s.slot, first_round: false };
        ctx.after(params.restart.sample(rng), REACTION, Event::Service(restart));
    }
}

impl Arrivals for SupervisorParams {
    fn common(&self) -> Common {
        Common { initial: self.initial, arrivals: self.arrivals, reap: self.reap }
    }

    /// The supervisor becomes a subreaper.
    fn newcomer(&self, _: &mut ChaCha8Rng) -> (Role, &'static [Prelude]) {
        (Role::Supervisor(Model::Supervisors), &[Prelude::DEFAULT_CHLD, Prelude::Subreaper])
    }
}
