//! One run of a scenario, from its setup to its end: the ticks handed one by
//! one to whoever writes them, and the summary folded on the way.
//!
//! `procsim run` and each run of `procsim sweep` are this same execution;
//! they differ only in where the ticks go (a run's own tables, or a sweep's
//! shared `metrics.csv`) and in what they print.

use crate::engine::{Limits, RunEnd, Stopped, TickReport};
use crate::host::Outgrown;
use crate::io::summary::Summary;
use crate::workload::Scenario;
use std::time::{Duration, Instant};

/// How a run went.
#[derive(Clone, Debug)]
pub struct Execution {
    /// Live processes when the first tick began.
    pub start_population: u64,
    /// How it ended, for `run.csv`.
    pub end: RunEnd,
    /// Where and why it stopped early, if it did.
    pub stopped: Option<Stopped>,
    /// Its totals and peaks.
    pub summary: Summary,
    /// The wall-clock time of the setup, and of the ticks (for the printed
    /// summary only: never written to a table).
    pub setup: Duration,
    pub ticking: Duration,
}

/// Runs `scenario` held to `limits`, keeping every operation's record when
/// `records` asks, and hands each tick to `sink` as it ends. A sink that
/// fails ends the run there, with its error. A run whose start population
/// the memory guard finds would not fit is not started (`Ok(Err(…))`).
pub fn execute<E>(
    scenario: &Scenario,
    limits: Limits,
    records: bool,
    mut sink: impl FnMut(&TickReport<'_>) -> Result<(), E>,
) -> Result<Result<Execution, Outgrown>, E> {
    let started = Instant::now();
    let mut sim = match scenario.simulation_within(limits) {
        Ok(sim) => sim,
        Err(outgrown) => return Ok(Err(outgrown)),
    };
    sim.keep_records(records);
    let setup = started.elapsed();
    let mut summary = Summary::default();
    while let Some(tick) = sim.advance() {
        sink(&tick)?;
        summary.add(tick.metrics);
    }
    Ok(Ok(Execution {
        start_population: sim.start_population(),
        end: sim.end(),
        stopped: sim.stopped().copied(),
        summary,
        setup,
        ticking: started.elapsed() - setup,
    }))
}
