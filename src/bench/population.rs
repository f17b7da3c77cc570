//! One population's measurement: the calibration workload
//! (`scenarios/calibration.toml`) built at a given population, then its
//! events, timed phase by phase, with the peak memory they took. With the
//! thread mix ([`Mix::Threads`], `scenarios/calibration-threads.toml`) a
//! population counts tasks: processes of ten tasks each, a leader and nine
//! threads, that many tasks in all.
//!
//! It runs in a process of its own ([`crate::bench::isolated`]), so that the
//! peak resident set (`VmHWM`) less the peak before the build is this
//! population's alone. The build is timed apart from the events; the events
//! are timed tick by tick, and within each tick the upkeep — the machine
//! settling ([`Machine::settle`](crate::Machine::settle): delivery, exits,
//! reparenting, orphaned groups) and the metrics step — apart from the rest.
//! After the last event the run goes on for [`EMPTY_TICKS`] ticks with no
//! events, whose upkeep shows what a tick costs when nothing happens.

use crate::bench::BenchError;
use crate::engine::{Phase, SimDuration};
use crate::host::guard::processes;
use crate::host::{MemoryGuard, ProcessMemory};
use crate::model::namespace::PID_MAX_LIMIT;
use crate::workload::Scenario;
use crate::workload::scenario::MAX_TICKS;
use serde::{Deserialize, Serialize};
use std::time::{Duration, Instant};

/// The calibration scenario, as committed.
const CALIBRATION: &str = include_str!("../../scenarios/calibration.toml");

/// The calibration scenario with threads, as committed.
const CALIBRATION_THREADS: &str = include_str!("../../scenarios/calibration-threads.toml");

/// The calibration mix a population runs.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum Mix {
    /// `scenarios/calibration.toml`: processes of one thread.
    #[default]
    Processes,
    /// `scenarios/calibration-threads.toml`: processes of several threads,
    /// and thread operations among the events.
    Threads,
}

impl Mix {
    /// The scenario file, as committed.
    fn scenario(self) -> (&'static str, &'static str) {
        match self {
            Mix::Processes => ("scenarios/calibration.toml", CALIBRATION),
            Mix::Threads => ("scenarios/calibration-threads.toml", CALIBRATION_THREADS),
        }
    }
}

/// Ticks with no events after the last event.
pub const EMPTY_TICKS: u64 = 100;

/// The calibration scenario of `mix` with `population` tasks built (as
/// many processes of as many tasks as the mix's file says: the population
/// rounded down to a whole number of processes, at least one) and `events`
/// events, then [`EMPTY_TICKS`] ticks with no events (the run lasts at most
/// [`MAX_TICKS`] ticks, so `u64::MAX` events are as many as it can hold).
///
/// The kernel's `pid_max` stops at 2^22 ([`PID_MAX_LIMIT`]); so that the
/// simulated machine can hold a larger population, its `pid_max` is raised
/// to twice the population where that is more. Numbers are handed out as
/// the kernel would, only from a larger range.
pub fn scenario(mix: Mix, population: u32, events: u64) -> Scenario {
    let (file, text) = mix.scenario();
    let mut scenario = Scenario::parse(file, text).expect("the committed scenario parses");
    scenario.name = "calibration".to_owned();
    scenario.calibration.processes = (population / tasks_per_process(&scenario)).max(1);
    scenario.calibration.events = events;
    let tick = scenario.tick.nanos();
    let busy = events.saturating_mul(scenario.calibration.interval.nanos()).div_ceil(tick);
    scenario.duration = SimDuration(busy.saturating_add(EMPTY_TICKS).min(MAX_TICKS) * tick);
    scenario.pid_max = PID_MAX_LIMIT.max(population.saturating_mul(2));
    scenario
}

/// The tasks of each process of the calibration tree: its leader and its
/// threads.
fn tasks_per_process(scenario: &Scenario) -> u32 {
    1 + scenario.calibration.threads.map_or(0, |t| t.count)
}

/// What one population's run measured.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct PopulationRun {
    /// Tasks built (init aside): processes, and their threads with the
    /// thread mix.
    pub population: u64,
    /// The wall time of the build.
    pub build: Duration,
    /// Events applied.
    pub events: u64,
    /// Ticks that applied events.
    pub event_ticks: u64,
    /// The wall time of those ticks, all phases.
    pub event_time: Duration,
    /// Their upkeep: settling and metrics.
    pub upkeep: Duration,
    /// Ticks with no events.
    pub empty_ticks: u64,
    /// Their upkeep.
    pub empty_upkeep: Duration,
    /// The most processes (zombies included, a thread counted as a process:
    /// [`processes`]) at the end of the build or of a tick.
    pub peak_processes: u64,
    /// The peak resident set less the peak before the build, in bytes.
    pub peak_bytes: u64,
}

impl PopulationRun {
    /// Tasks built per second.
    pub fn build_per_s(&self) -> f64 {
        self.population as f64 / self.build.as_secs_f64()
    }

    /// Events per second of the ticks that applied them.
    pub fn events_per_s(&self) -> f64 {
        self.events as f64 / self.event_time.as_secs_f64()
    }

    pub fn ns_per_event(&self) -> f64 {
        self.event_time.as_nanos() as f64 / self.events as f64
    }

    /// Peak memory per process (per task, with the thread mix), at the most
    /// there were.
    pub fn bytes_per_process(&self) -> f64 {
        self.peak_bytes as f64 / self.peak_processes as f64
    }

    /// The upkeep of a tick with events, in µs.
    pub fn upkeep_us_per_tick(&self) -> f64 {
        micros_per(self.upkeep, self.event_ticks)
    }

    /// The upkeep of a tick with no events, in µs.
    pub fn empty_upkeep_us_per_tick(&self) -> f64 {
        micros_per(self.empty_upkeep, self.empty_ticks)
    }
}

/// The run of a population whose every measured figure is the median of
/// those of `runs` (the upper middle of an even number); `None` if there
/// are none.
pub fn median(runs: &[PopulationRun]) -> Option<PopulationRun> {
    fn middle<T: Ord>(runs: &[PopulationRun], figure: impl Fn(&PopulationRun) -> T) -> T {
        let mut values: Vec<T> = runs.iter().map(figure).collect();
        values.sort_unstable();
        values.swap_remove(values.len() / 2)
    }
    let first = runs.first()?;
    Some(PopulationRun {
        build: middle(runs, |r| r.build),
        event_time: middle(runs, |r| r.event_time),
        upkeep: middle(runs, |r| r.upkeep),
        empty_upkeep: middle(runs, |r| r.empty_upkeep),
        peak_processes: middle(runs, |r| r.peak_processes),
        peak_bytes: middle(runs, |r| r.peak_bytes),
        ..*first
    })
}

fn micros_per(total: Duration, ticks: u64) -> f64 {
    total.as_secs_f64() * 1e6 / ticks.max(1) as f64
}

/// Builds `population` tasks of `mix` and runs `events` events, within
/// `guard`.
pub fn measure(mix: Mix, population: u32, events: u64, guard: &MemoryGuard) -> Result<PopulationRun, BenchError> {
    let scenario = scenario(mix, population, events);
    guard.check(scenario.start_processes())?;
    let before = ProcessMemory::now()?.peak;
    let started = Instant::now();
    let mut sim = scenario.simulation();
    let mut run = PopulationRun {
        population: u64::from(scenario.calibration.processes) * u64::from(tasks_per_process(&scenario)),
        build: started.elapsed(),
        events: 0,
        event_ticks: 0,
        event_time: Duration::ZERO,
        upkeep: Duration::ZERO,
        empty_ticks: 0,
        empty_upkeep: Duration::ZERO,
        peak_processes: processes(sim.machine().census()),
        peak_bytes: 0,
    };
    // When each phase of the tick began, by the phase's place in the tick.
    let mut marks = [started; Phase::Done as usize + 1];
    while let Some(tick) = sim.advance_probed(|phase| marks[phase as usize] = Instant::now()) {
        let applied = tick.metrics.counts.performed() + tick.metrics.counts.cancelled;
        let span = |from: Phase, to: Phase| marks[to as usize] - marks[from as usize];
        let upkeep = span(Phase::Settle, Phase::React) + span(Phase::Metrics, Phase::Done);
        if applied > 0 {
            run.events += applied;
            run.event_ticks += 1;
            run.event_time += span(Phase::Events, Phase::Done);
            run.upkeep += upkeep;
        } else {
            run.empty_ticks += 1;
            run.empty_upkeep += upkeep;
        }
        run.peak_processes = run.peak_processes.max(processes(&tick.metrics.census));
        guard.check_census(&tick.metrics.census)?;
    }
    run.peak_bytes = ProcessMemory::now()?.peak.saturating_sub(before);
    Ok(run)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_scenario_holds_the_events_then_empty_ticks() {
        let s = scenario(Mix::Processes, 10_000, 5_000);
        assert_eq!((s.calibration.processes, s.calibration.events), (10_000, 5_000));
        // 5000 events of 1µs in ticks of 1ms: 5 ticks, then the empty ones.
        assert_eq!(s.duration.nanos() / s.tick.nanos(), 5 + EMPTY_TICKS);
        assert_eq!(s.pid_max, PID_MAX_LIMIT);
        assert_eq!(scenario(Mix::Processes, 10_000_000, 1).pid_max, 20_000_000);
        assert_eq!(scenario(Mix::Processes, 1, u64::MAX).duration.nanos() / s.tick.nanos(), MAX_TICKS);
    }

    #[test]
    fn the_thread_mix_counts_tasks() {
        let s = scenario(Mix::Threads, 1_000_000, 5_000);
        assert_eq!(s.calibration.processes, 100_000, "ten tasks a process");
        assert_eq!(s.start_processes(), 1_000_001, "the tasks and init");
        assert_eq!(scenario(Mix::Threads, 5, 1).calibration.processes, 1);
    }

    #[test]
    fn the_median_run_takes_the_middle_of_each_figure() {
        let guard = MemoryGuard::new(None).unwrap();
        let run = measure(Mix::Processes, 100, 10, &guard).unwrap();
        let ms = Duration::from_millis;
        let runs = [
            PopulationRun { build: ms(3), peak_bytes: 10, ..run },
            PopulationRun { build: ms(1), peak_bytes: 30, ..run },
            PopulationRun { build: ms(2), peak_bytes: 20, ..run },
        ];
        let median = median(&runs).unwrap();
        assert_eq!((median.build, median.peak_bytes, median.events), (ms(2), 20, run.events));
        assert_eq!(super::median(&[]), None);
    }

    #[test]
    fn a_small_population_is_measured_tick_by_tick() {
        let guard = MemoryGuard::new(None).unwrap();
        let run = measure(Mix::Processes, 1_000, 3_000, &guard).unwrap();
        assert_eq!((run.population, run.events, run.event_ticks, run.empty_ticks), (1_000, 3_000, 3, EMPTY_TICKS));
        assert!(run.peak_processes > 1_000 && run.upkeep <= run.event_time);
        let run = measure(Mix::Threads, 1_000, 3_000, &guard).unwrap();
        assert_eq!((run.population, run.events), (1_000, 3_000));
        assert!(run.peak_processes > 900, "threads are counted: {}", run.peak_processes);
    }
}
