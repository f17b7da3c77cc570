//! Batch jobs and fork storms: bursts of short-lived children, reaped late.
//!
//! A batch parent (a build, a test runner, a `make -j`, started by cron in a
//! session of its own) forks its children
//! one after another, each of which works for a while and exits. The parent
//! reaps them only when it gets round to it, so zombies pile up in the
//! meantime; when every child has been forked and reaped, it exits. With
//! enough children and long enough lifetimes this is a fork storm: the
//! `fork-storm` scenario takes a machine past a million live processes.

use crate::engine::{Context, Outcome, SimDuration};
use crate::workload::distribution::{Count, Distribution, serialize_optional};
use crate::workload::roles::{Role, Roles};
use crate::workload::{Arrivals, Common, Ending, Event, Generator, Prelude, STEP, spawn};
use bevy_ecs::prelude::Entity;
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};

/// The `[batch]` table of a scenario.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default, expecting = "a table")]
pub struct BatchParams {
    /// Batch jobs starting at time 0.
    #[serde(deserialize_with = "crate::workload::value::whole")]
    pub initial: u32,
    /// Time between batch job starts.
    #[serde(serialize_with = "serialize_optional")]
    pub arrivals: Option<Distribution>,
    /// From a child's death to the parent's waitpid: late.
    pub reap: Distribution,
    /// Children a batch job forks.
    pub children: Count,
    /// Time between two forks.
    pub spacing: Distribution,
    /// How long a child runs.
    pub lifetime: Distribution,
}

impl Default for BatchParams {
    fn default() -> Self {
        BatchParams {
            initial: 0,
            arrivals: None,
            reap: Distribution::Uniform { min: SimDuration::from_millis(100), max: SimDuration::from_millis(2_000) },
            children: Count { min: 10, max: 200 },
            spacing: Distribution::Exponential { mean: SimDuration::from_millis(2) },
            lifetime: Distribution::LogNormal { median: SimDuration::from_millis(500), sigma: 1.0 },
        }
    }
}

/// A batch parent's progress.
#[derive(Clone, Copy, Debug)]
pub struct Batch {
    /// Children still to fork.
    remaining: u32,
    /// Children forked and not yet reaped.
    outstanding: u32,
}

/// A batch job's steps.
#[derive(Clone, Copy, Debug)]
pub enum Step {
    /// The parent forks its next child.
    Fork(Entity),
}

fn batch_mut(roles: &mut Roles, p: Entity) -> Option<&mut Batch> {
    match roles.get_mut(p) {
        Some(Role::Batch(b)) => Some(b),
        _ => None,
    }
}

impl Arrivals for BatchParams {
    fn common(&self) -> Common {
        Common { initial: self.initial, arrivals: self.arrivals, reap: self.reap }
    }

    /// The parent starts a session of its own, as cron would.
    fn newcomer(&self, rng: &mut ChaCha8Rng) -> (Role, &'static [Prelude]) {
        (
            Role::Batch(Batch { remaining: self.children.sample(rng), outstanding: 0 }),
            &[Prelude::DEFAULT_CHLD, Prelude::Setsid],
        )
    }
}

impl Generator<BatchParams> {
    pub fn step(&mut self, step: Step, ctx: &mut Context<'_, Event>, roles: &mut Roles) {
        let Step::Fork(parent) = step;
        if batch_mut(roles, parent).is_none_or(|b| b.remaining == 0) {
            ctx.cancel();
            return finish_if_done(parent, ctx, roles);
        }
        let life = self.params.lifetime.sample(&mut self.rng);
        let forked = spawn(ctx, roles, parent, Role::Worker, life, Ending::Exit(0));
        let Some(batch) = batch_mut(roles, parent).filter(|_| forked != Outcome::Dead) else {
            return;
        };
        batch.remaining -= 1;
        batch.outstanding += u32::from(forked.done().is_some());
        if batch.remaining > 0 {
            ctx.after(self.params.spacing.sample(&mut self.rng), STEP, Event::Batch(Step::Fork(parent)));
        } else {
            finish_if_done(parent, ctx, roles);
        }
    }
}

/// A parent reaped one of its workers: a batch parent may be done.
pub fn child_reaped(parent: Entity, ctx: &mut Context<'_, Event>, roles: &mut Roles) {
    if let Some(batch) = batch_mut(roles, parent) {
        batch.outstanding -= 1;
        finish_if_done(parent, ctx, roles);
    }
}

/// A batch parent with every child forked and reaped exits.
fn finish_if_done(parent: Entity, ctx: &mut Context<'_, Event>, roles: &mut Roles) {
    if batch_mut(roles, parent).is_some_and(|b| b.remaining == 0 && b.outstanding == 0) {
        ctx.next(STEP, Event::End { process: parent, how: Ending::Exit(0) });
    }
}
