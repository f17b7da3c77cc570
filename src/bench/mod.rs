//! `procsim bench`: the measurements behind procsim's performance claims,
//! made so that anyone can repeat them on their own machine.
//!
//! - **Scaling** ([`population`]): the calibration workload
//!   (`scenarios/calibration.toml`) built at each population asked for, then
//!   its events: build rate, events per second, the upkeep of a tick, and
//!   peak memory per process. Each population runs in a fresh process
//!   ([`isolated`]), so that its peak memory is its own. With the thread mix
//!   (`scenarios/calibration-threads.toml`, `procsim bench --threads`) a
//!   population counts tasks, in processes of ten.
//! - **The kernel** ([`kernel`]): fork + `_exit` + `waitpid` cycles per
//!   second on the real kernel of the same machine, to compare with.
//! - **bevy_ecs's floor** ([`floor`]): the memory of bare entities, below
//!   which no layout on bevy_ecs can go.
//! - **The results** ([`table`], [`chart`]): `scaling.csv`, `floor.csv`, the
//!   printed tables and an SVG chart.
//! - **The hot world** ([`hot_world`]): the fixture of the criterion
//!   benchmarks (`benches/`), a world built by the calibration workload.
//!
//! A run stays within a [`MemoryGuard`]: a population that would outgrow the
//! machine is not started, and one that grows past it stops; either way the
//! rows measured so far are kept ([`BenchReport::stopped`]).

pub mod chart;
pub mod floor;
pub mod hot_world;
pub mod isolated;
pub mod kernel;
pub mod population;
pub mod table;

use crate::host::{HostError, MemoryGuard, Outgrown};
use crate::io::results::ResultsError;
use floor::FloorRun;
use isolated::Job;
use population::Mix;
use std::ops::ControlFlow;
use std::time::Duration;
use table::ScalingRow;

/// What a bench run measures.
#[derive(Clone, Debug, PartialEq)]
pub struct BenchConfig {
    /// The calibration mix measured.
    pub mix: Mix,
    /// The populations, in the order they are measured.
    pub sizes: Vec<u32>,
    /// Events after each build.
    pub events: u64,
    /// Runs of each population; each figure is their median.
    pub runs: u32,
    /// How long the kernel's fork loop runs; `None`: not at all.
    pub kernel: Option<Duration>,
    /// Whether to measure bevy_ecs's floor, at each population up to
    /// [`FLOOR_MAX`] entities.
    pub floor: bool,
}

/// The largest world the floor is measured at (its plain chase needs 64
/// bytes an entity on top of the world).
pub const FLOOR_MAX: u32 = 10_000_000;

impl BenchConfig {
    /// The full measurement: 10^4 to 10^7 processes, 10^6 events each, the
    /// median of 3 runs; the kernel for 3 s.
    pub fn full(kernel: bool, floor: bool) -> BenchConfig {
        BenchConfig {
            mix: Mix::Processes,
            sizes: vec![10_000, 100_000, 1_000_000, 10_000_000],
            events: 1_000_000,
            runs: 3,
            kernel: kernel.then_some(Duration::from_secs(3)),
            floor,
        }
    }

    /// A smoke run of seconds: 10^4 and 10^5 processes, 2·10^4 events each,
    /// one run; the kernel for half a second.
    pub fn quick(kernel: bool, floor: bool) -> BenchConfig {
        BenchConfig {
            mix: Mix::Processes,
            sizes: vec![10_000, 100_000],
            events: 20_000,
            runs: 1,
            kernel: kernel.then_some(Duration::from_millis(500)),
            floor,
        }
    }
}

/// Why a bench run stopped early.
#[derive(Debug, thiserror::Error)]
pub enum BenchError {
    /// The memory guard stopped it: not a failure of the measurement.
    #[error("stopped before outgrowing this machine: {0}")]
    Outgrown(#[from] Outgrown),
    #[error(transparent)]
    Host(#[from] HostError),
    #[error("cannot start a process for {job}: {source}")]
    Spawn {
        job: String,
        #[source]
        source: std::io::Error,
    },
    #[error("{job} failed ({status}){}", if stderr.is_empty() { String::new() } else { format!(": {stderr}") })]
    Child { job: String, status: std::process::ExitStatus, stderr: String },
    #[error("`procsim measure` was given what is not a job: {0}")]
    Request(#[source] toml::de::Error),
    #[error("{job} replied with what is not a measurement: {source}")]
    Reply {
        job: String,
        #[source]
        source: toml::de::Error,
    },
    #[error("the kernel's fork loop: {0}")]
    Kernel(#[source] std::io::Error),
    #[error(transparent)]
    Write(#[from] ResultsError),
    /// The caller asked to stop (its progress said [`ControlFlow::Break`]).
    #[error("stopped by the caller")]
    Stopped,
}

/// A measurement as soon as it is made.
#[derive(Clone, Copy, Debug)]
pub enum Progress<'a> {
    /// The kernel's fork + `_exit` + `waitpid` cycles per second.
    Kernel(f64),
    Floor(&'a FloorRun),
    Population(&'a ScalingRow),
}

/// What a bench run measured.
#[derive(Debug, Default)]
pub struct BenchReport {
    pub kernel_per_s: Option<f64>,
    pub floor: Vec<FloorRun>,
    pub rows: Vec<ScalingRow>,
    /// Why the run stopped before the end, if it did; what was measured
    /// before is kept.
    pub stopped: Option<BenchError>,
}

/// Runs the measurements of `config` within `guard` — the kernel, the
/// floor, then the populations in order — telling `progress` of each as it
/// is made; `progress` may stop the run ([`BenchError::Stopped`]). The guard
/// learns each population's cost per process, and refuses a population it
/// estimates would not fit.
pub fn run(
    config: &BenchConfig,
    guard: &mut MemoryGuard,
    mut progress: impl FnMut(Progress<'_>) -> ControlFlow<()>,
) -> BenchReport {
    let mut report = BenchReport::default();
    report.stopped = measure(config, guard, &mut report, &mut progress).err();
    report
}

fn measure(
    config: &BenchConfig,
    guard: &mut MemoryGuard,
    report: &mut BenchReport,
    progress: &mut impl FnMut(Progress<'_>) -> ControlFlow<()>,
) -> Result<(), BenchError> {
    let mut tell = |p: Progress<'_>| match progress(p) {
        ControlFlow::Continue(()) => Ok(()),
        ControlFlow::Break(()) => Err(BenchError::Stopped),
    };
    if let Some(duration) = config.kernel {
        let per_s = kernel::fork_exit_wait_per_s(duration)?;
        report.kernel_per_s = Some(per_s);
        tell(Progress::Kernel(per_s))?;
    }
    let floor_sizes = config.sizes.iter().filter(|&&n| config.floor && n <= FLOOR_MAX);
    for &entities in floor_sizes {
        for components in 0..=floor::MAX_COMPONENTS {
            let run: FloorRun = Job::Floor { entities: u64::from(entities), components }.in_fresh_process()?;
            report.floor.push(run);
            tell(Progress::Floor(&run))?;
        }
    }
    for &population in &config.sizes {
        guard.check(population::scenario(config.mix, population, config.events).start_processes())?;
        let job = Job::calibration(config.mix, population, config.events, guard);
        let runs = (0..config.runs.max(1)).map(|_| job.in_fresh_process()).collect::<Result<Vec<_>, _>>()?;
        let run = population::median(&runs).expect("at least one run");
        guard.learn(run.population, run.bytes_per_process().ceil() as u64);
        let row = ScalingRow { run, kernel_per_s: report.kernel_per_s };
        report.rows.push(row);
        tell(Progress::Population(report.rows.last().expect("just pushed")))?;
    }
    Ok(())
}

/// A count written as digits (`10000`, `10_000`) or as a power of ten
/// (`1e4`, `2.5e6`), for the command line.
pub fn parse_count(text: &str) -> Result<u64, String> {
    let plain = text.replace('_', "");
    let count = match plain.split_once(['e', 'E']) {
        None => plain.parse::<u64>().ok(),
        Some((mantissa, exponent)) => {
            let value = mantissa.parse::<f64>().ok().zip(exponent.parse::<i32>().ok()).map(|(m, e)| m * 10f64.powi(e));
            value.filter(|v| v.fract() == 0.0 && *v >= 0.0 && *v <= u64::MAX as f64).map(|v| v as u64)
        }
    };
    count.ok_or_else(|| format!("`{text}` is not a count (such as 10000, 10_000 or 1e4)"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_are_digits_or_powers_of_ten() {
        assert_eq!(parse_count("10000"), Ok(10_000));
        assert_eq!(parse_count("10_000"), Ok(10_000));
        assert_eq!(parse_count("1e7"), Ok(10_000_000));
        assert_eq!(parse_count("2.5e6"), Ok(2_500_000));
        assert!(parse_count("1e-2").is_err());
        assert!(parse_count("ten").is_err());
    }
}
