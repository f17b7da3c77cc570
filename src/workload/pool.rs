//! Thread pools: the worker threads a daemon or a service keeps running.
//!
//! A process with a pool (`[daemons.threads]`, `[supervisors.services.threads]`,
//! `[containers.services.threads]`) draws its size from `count` when it takes
//! up its work, and starts its workers one after the other, `spawn` apart —
//! the first `spawn` after it starts — each with `clone(CLONE_THREAD)` by
//! its main thread. A worker runs for its `lifetime`, then retires with
//! `SYS_exit`, which ends that thread alone (semantics §10); the pool starts
//! its replacement `spawn` later. When the process ends — `exit_group`, a
//! fatal signal, its namespace's end — the kernel ends every thread with it,
//! and the pool's plans for them come to nothing (their events are
//! cancelled).
//!
//! A thread takes a number from the pid allocator in every namespace of its
//! process (its tid is a pid), so a clone fails with EAGAIN when a namespace
//! has none left, as a fork does. The pool goes on: it tries again `spawn`
//! later, and the failure is counted with the operation (`failed_threads`
//! and `errors_eagain` in `metrics.csv`). A thread-heavy server can thus hold
//! most of `pid_max` while the process count looks harmless, and the forks
//! of everyone else fail (`scenarios/pid-exhaustion.toml`).
//!
//! A scenario that leaves the `threads` table out has no pools: its models
//! draw nothing more from their streams, and its `run.csv` has no `threads`
//! columns, so its tables and run id are those it had before pools existed.

use crate::engine::{Context, Outcome, SimDuration};
use crate::workload::distribution::{Count, Distribution};
use crate::workload::{Event, Model, STEP};
use bevy_ecs::prelude::Entity;
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};

/// A `threads` table: the thread pool of each process of a model.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default, expecting = "a table")]
pub struct PoolParams {
    /// Worker threads a process keeps, besides its main thread.
    pub count: Count,
    /// How long a worker runs before it retires.
    pub lifetime: Distribution,
    /// Before each start of a worker: from the process's start to the first,
    /// between those of the first round, from a worker's retirement to its
    /// replacement, from a failed clone to the next try.
    pub spawn: Distribution,
}

impl Default for PoolParams {
    fn default() -> Self {
        PoolParams {
            count: Count::exactly(0),
            lifetime: Distribution::LogNormal { median: SimDuration::from_millis(600_000), sigma: 1.0 },
            spawn: Distribution::Exponential { mean: SimDuration::from_millis(10) },
        }
    }
}

/// A pool's steps.
#[derive(Clone, Copy, Debug)]
pub enum Step {
    /// `process`'s main thread starts a worker; in the first round,
    /// `remaining` more follow, one at a time.
    Start { model: Model, process: Entity, remaining: u32 },
    /// A worker of `process` retires.
    Retire { model: Model, process: Entity, worker: Entity },
}

impl Step {
    /// The model whose parameters the pool follows.
    pub fn model(&self) -> Model {
        match *self {
            Step::Start { model, .. } | Step::Retire { model, .. } => model,
        }
    }
}

/// `process` has taken up its work: if its model has a pool, it draws the
/// pool's size and plans its first worker.
pub fn open(
    process: Entity,
    model: Model,
    params: Option<&PoolParams>,
    rng: &mut ChaCha8Rng,
    ctx: &mut Context<'_, Event>,
) {
    let Some(params) = params else {
        return;
    };
    if let Some(remaining) = params.count.sample(rng).checked_sub(1) {
        start_later(process, model, remaining, params, rng, ctx);
    }
}

/// Plans a start of a worker of `process`, `spawn` from now.
fn start_later(
    process: Entity,
    model: Model,
    remaining: u32,
    params: &PoolParams,
    rng: &mut ChaCha8Rng,
    ctx: &mut Context<'_, Event>,
) {
    let start = Step::Start { model, process, remaining };
    ctx.after(params.spawn.sample(rng), STEP, Event::Pool(start));
}

pub fn step(step: Step, params: &PoolParams, rng: &mut ChaCha8Rng, ctx: &mut Context<'_, Event>) {
    match step {
        Step::Start { model, process, remaining } => {
            match ctx.clone_thread(process) {
                Outcome::Dead => return,
                Outcome::Done(worker) => {
                    let retire = Step::Retire { model, process, worker };
                    ctx.after(params.lifetime.sample(rng), STEP, Event::Pool(retire));
                }
                // EAGAIN (no number left), or a stopped process: try again.
                Outcome::Failed(_) | Outcome::Stopped => start_later(process, model, 0, params, rng, ctx),
            }
            if let Some(remaining) = remaining.checked_sub(1) {
                start_later(process, model, remaining, params, rng, ctx);
            }
        }
        Step::Retire { model, process, worker } => match ctx.exit_thread(worker, 0) {
            Outcome::Dead => {}
            Outcome::Done(()) => start_later(process, model, 0, params, rng, ctx),
            // Its process is stopped: the worker retires once it can run.
            Outcome::Failed(_) | Outcome::Stopped => ctx.after(params.spawn.sample(rng), STEP, Event::Pool(step)),
        },
    }
}
