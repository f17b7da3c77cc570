//! `procsim run` (and `procsim` with no subcommand): a scenario, its summary
//! and its tables.

use super::exit::{Exit, Outcome};
use super::inputs::{load_scenario, positive_duration};
use super::output::{self, out, outln};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use procsim::bench::parse_count;
use procsim::engine::stop::{DEFAULT_MAX_EVENTS_PER_TICK, SIGTERM};
use procsim::engine::{Interrupt, Limits, SimDuration, Stop};
use procsim::harness;
use procsim::host::MemoryGuard;
use procsim::io::execution::execute;
use procsim::io::results::Results;
use procsim::io::summary::headline;
use procsim::semantics::Requested;
use std::path::PathBuf;
use std::time::{Duration, Instant};

#[derive(clap::Args)]
pub struct RunArgs {
    /// The scenario file [default: the built-in `default`, scenarios/default.toml].
    scenario: Option<PathBuf>,
    /// The seed, instead of the scenario's.
    #[arg(long, value_parser = clap::value_parser!(u64).range(..=i64::MAX as u64))]
    seed: Option<u64>,
    /// The simulated time to cover, instead of the scenario's (such as `30s`).
    #[arg(long, value_parser = positive_duration)]
    duration: Option<SimDuration>,
    /// Where to write the tables [default: results/<scenario>-seed<N>].
    #[arg(long)]
    out: Option<PathBuf>,
    /// Also write `events.csv`, one row per operation.
    #[arg(long)]
    events: bool,
    #[command(flatten)]
    limits: LimitArgs,
    /// Whose rules the machine follows, instead of the scenario's `semantics`: `linux`,
    /// `linux+VARIANT…`, `gvisor-2018`, or `host`.
    #[arg(long, value_name = "SPEC")]
    semantics: Option<Requested>,
}

/// The limits a run is held to (`run` and `sweep`).
#[derive(clap::Args)]
pub struct LimitArgs {
    /// Stop the run (keeping its results so far) once it has more than N processes.
    #[arg(long, value_name = "N", value_parser = parse_count)]
    max_processes: Option<u64>,
    /// The events budget: stop the run (keeping its results so far) if a tick would carry more
    /// than N events.
    #[arg(long, value_name = "N", value_parser = parse_count, default_value_t = DEFAULT_MAX_EVENTS_PER_TICK)]
    pub max_events_per_tick: u64,
}

impl LimitArgs {
    /// The limits of `jobs` runs at once: the events budget, the memory
    /// guard (its budget shared among them), and an interrupt raised by
    /// SIGINT and SIGTERM. Every run of a sweep heeds the same interrupt.
    pub fn limits(&self, jobs: usize) -> Outcome<Limits> {
        if self.max_events_per_tick == 0 {
            return Err(Exit::BadInput.error("--max-events-per-tick: a tick may carry at least 1 event"));
        }
        let guard = MemoryGuard::new(self.max_processes)
            .map_err(|e| Exit::BadInput.error(format_args!("the memory guard: {e}")))?;
        let interrupt = Interrupt::on_termination_signals().unwrap_or_else(|e| {
            eprintln!("warning: SIGINT and SIGTERM will end the run without its tables: {e}");
            Interrupt::new()
        });
        Ok(Limits {
            max_events_per_tick: self.max_events_per_tick,
            guard: Some(guard.shared_by(jobs)),
            interrupt: Some(interrupt),
        })
    }
}

/// The exit of a run that stopped early for `reason`: 130 or 143 for a
/// signal, else 6.
pub fn stopped_exit(reason: &Stop) -> Exit {
    match reason {
        Stop::Interrupted { signal: SIGTERM } => Exit::Terminated,
        Stop::Interrupted { .. } => Exit::Interrupted,
        Stop::Outgrown(_) | Stop::Budget { .. } => Exit::Outgrown,
    }
}

/// Runs a scenario, with a progress bar on stderr once it has taken a
/// second, and prints the summary. A run that would outgrow the machine does
/// not start; one that outgrows it, carries a tick over the events budget or
/// receives SIGINT or SIGTERM stops (inside the tick or after it), and writes
/// its tables so far, marked with how it ended.
pub fn run(args: RunArgs, harness: &harness::Options) -> Outcome {
    let scenario = load_scenario(args.scenario.as_deref(), args.seed, args.duration, args.semantics, harness)?;
    let limits = args.limits.limits(1)?;
    let file =
        args.scenario.as_ref().map_or_else(|| format!("{} (built in)", scenario.name), |p| p.display().to_string());
    scenario.check_budget(&file, limits.max_events_per_tick).map_err(|e| Exit::BadInput.error(e))?;
    if let Some(Err(outgrown)) = limits.guard.map(|guard| guard.check(scenario.start_processes())) {
        eprintln!("stopped before the start: {outgrown}");
        return Ok(Exit::Outgrown);
    }
    let dir = args.out.unwrap_or_else(|| output::default_run_dir(&scenario));
    let cannot_write = |e| Exit::CannotWrite.error(e);
    let mut results = Results::create(&dir, scenario.run_id(), args.events).map_err(cannot_write)?;
    for stale in results.stale() {
        eprintln!("removed {}, left by a run that did not finish", stale.display());
    }
    let ticks = scenario.duration.nanos() / scenario.tick.nanos();
    let bar = ProgressBar::with_draw_target(Some(ticks), ProgressDrawTarget::hidden());
    bar.set_style(
        ProgressStyle::with_template("{bar:40} {pos}/{len} ticks, {msg} [{elapsed}<{eta}]").expect("a valid template"),
    );
    let started = Instant::now();
    let mut shown = false;
    let executed = execute(&scenario, limits, args.events, |tick| {
        results.record(tick)?;
        if !shown && started.elapsed() > Duration::from_secs(1) {
            bar.set_draw_target(ProgressDrawTarget::stderr());
            shown = true;
        }
        bar.inc(1);
        bar.set_message(format!("{} live", tick.metrics.census.live()));
        Ok(())
    });
    bar.finish_and_clear();
    let run = match executed.map_err(cannot_write)? {
        Ok(run) => run,
        Err(outgrown) => {
            eprintln!("stopped before the start: {outgrown}");
            return Ok(Exit::Outgrown);
        }
    };
    results.finish(&scenario, run.start_population, &run.end).map_err(cannot_write)?;
    outln!("{}", headline(&scenario.name, scenario.seed, scenario.duration, &run.end))?;
    out!("{}", run.summary.render(run.start_population, run.setup, run.ticking))?;
    outln!("{:<18} {}", "results", dir.display())?;
    let Some(stopped) = run.stopped else {
        return Ok(Exit::Success);
    };
    let at = stopped.at.nanos();
    if run.summary.ticks == 0 {
        eprintln!("stopped at time 0, before the first tick: {}", stopped.reason);
    } else if stopped.inside_tick {
        eprintln!("stopped at {at}ns, inside a tick (its operations so far are written): {}", stopped.reason);
    } else {
        eprintln!("stopped after the tick that ended at {at}ns: {}", stopped.reason);
    }
    Ok(stopped_exit(&stopped.reason))
}
