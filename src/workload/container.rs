//! Containers: an init in a new PID namespace, with its own tree.
//!
//! A container runtime's shim (a child of init that resets SIGCHLD and is a
//! child subreaper, as containerd's is) clones the container's init with
//! CLONE_NEWPID: pid 1 of a new namespace, with a number in the root one too.
//! The init starts a session and keeps its services running, as a
//! supervisor does ([`crate::workload::service`]); orphans inside the
//! container are adopted by it. The container ends when its init exits or
//! the shim kills it with SIGKILL (from the parent namespace, so the init's
//! protection does not apply): the kernel then kills every process in the
//! namespace (`zap_pid_ns_processes`), the init is reaped by the shim, and the
//! shim exits.

use crate::engine::{Context, Outcome, SimDuration};
use crate::model::Signal;
use crate::workload::distribution::{Distribution, Probability, serialize_optional};
use crate::workload::roles::{Role, Roles};
use crate::workload::service::ServiceParams;
use crate::workload::{Arrivals, Common, Ending, Event, Generator, Model, Prelude, STEP};
use bevy_ecs::prelude::Entity;
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};

/// The `[containers]` table of a scenario.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default, expecting = "a table")]
pub struct ContainerParams {
    /// Containers running at time 0.
    #[serde(deserialize_with = "crate::workload::value::whole")]
    pub initial: u32,
    /// Time between container starts.
    #[serde(serialize_with = "serialize_optional")]
    pub arrivals: Option<Distribution>,
    /// From a child's death to its parent's waitpid, inside and for the shim.
    pub reap: Distribution,
    /// How long a container runs.
    pub lifetime: Distribution,
    /// A container ends by SIGKILL to its init rather than the init's `exit`.
    pub killed: Probability,
    /// What the container's init runs.
    #[serde(deserialize_with = "crate::workload::value::table")]
    pub services: ServiceParams,
}

impl Default for ContainerParams {
    fn default() -> Self {
        ContainerParams {
            initial: 0,
            arrivals: None,
            reap: Distribution::Exponential { mean: SimDuration::from_millis(1) },
            lifetime: Distribution::LogNormal { median: SimDuration::from_millis(600_000), sigma: 1.0 },
            killed: Probability::new(0.5).expect("a probability"),
            services: ServiceParams::default(),
        }
    }
}

/// A container's steps.
#[derive(Clone, Copy, Debug)]
pub enum Step {
    /// The shim clones the container's init into a new PID namespace.
    Create(Entity),
}

impl Arrivals for ContainerParams {
    fn common(&self) -> Common {
        Common { initial: self.initial, arrivals: self.arrivals, reap: self.reap }
    }

    /// The shim becomes a subreaper, to clone the container's init.
    fn newcomer(&self, _: &mut ChaCha8Rng) -> (Role, &'static [Prelude]) {
        (Role::Shim, &[Prelude::DEFAULT_CHLD, Prelude::Subreaper])
    }
}

impl Generator<ContainerParams> {
    pub fn step(&mut self, step: Step, ctx: &mut Context<'_, Event>, roles: &mut Roles) {
        let Step::Create(shim) = step;
        match ctx.fork(shim, true) {
            Outcome::Done(init) => {
                roles.insert(init, Role::Supervisor(Model::Containers));
                ctx.next(STEP, Event::Prelude { actor: init, steps: &[Prelude::Setsid] });
                let how = if self.params.killed.draw(&mut self.rng) {
                    Ending::Killed { by: Some(shim), sig: Signal::Kill }
                } else {
                    Ending::Exit(0)
                };
                ctx.after(self.params.lifetime.sample(&mut self.rng), STEP, Event::End { process: init, how });
            }
            Outcome::Failed(_) | Outcome::Stopped => ctx.next(STEP, Event::End { process: shim, how: Ending::Exit(1) }),
            Outcome::Dead => {}
        }
    }
}

/// The shim reaped the container's init: its work is done.
pub fn init_reaped(shim: Entity, ctx: &mut Context<'_, Event>) {
    ctx.next(STEP, Event::End { process: shim, how: Ending::Exit(0) });
}
