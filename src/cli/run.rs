//! `procsim run` (and `procsim` with no subcommand): a scenario, its summary
//! and its tables.

use super::exit::{Exit, Outcome};
use super::inputs::{load_scenario, positive_duration};
use super::output::{self, out, outln};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use procsim::bench::parse_count;
use procsim::engine::stop::{DEFAULT_MAX_EVENTS_PER_TICK, SIGINT, SIGTERM};
use procsim::engine::{Interrupt, Limits, SimDuration, Status, Stop};
use procsim::harness;
use procsim::host::MemoryGuard;
use procsim::io::results::Results;
use procsim::io::summary::{Summary, headline};
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
    /// Stop the run (keeping its results so far) once it has more than N processes.
    #[arg(long, value_name = "N", value_parser = parse_count)]
    max_processes: Option<u64>,
    /// The events budget: stop the run (keeping its results so far) if a tick would carry more
    /// than N events.
    #[arg(long, value_name = "N", value_parser = parse_count, default_value_t = DEFAULT_MAX_EVENTS_PER_TICK)]
    max_events_per_tick: u64,
    /// Whose rules the machine follows, instead of the scenario's `semantics`: `linux`,
    /// `linux+VARIANT…`, `gvisor-2018`, or `host`.
    #[arg(long, value_name = "SPEC")]
    semantics: Option<Requested>,
}

/// Runs a scenario, with a progress bar on stderr once it has taken a
/// second, and prints the summary. A run that would outgrow the machine does
/// not start; one that outgrows it, carries a tick over the events budget or
/// receives SIGINT or SIGTERM stops (inside the tick or after it), and writes
/// its tables so far, marked with how it ended.
pub fn run(args: RunArgs, harness: &harness::Options) -> Outcome {
    let scenario = load_scenario(args.scenario.as_deref(), args.seed, args.duration, args.semantics, harness)?;
    if args.max_events_per_tick == 0 {
        return Err(Exit::BadInput.error("--max-events-per-tick: a tick may carry at least 1 event"));
    }
    let file =
        args.scenario.as_ref().map_or_else(|| format!("{} (built in)", scenario.name), |p| p.display().to_string());
    scenario.check_budget(&file, args.max_events_per_tick).map_err(|e| Exit::BadInput.error(e))?;
    let guard = MemoryGuard::new(args.max_processes)
        .map_err(|e| Exit::BadInput.error(format_args!("the memory guard: {e}")))?;
    if let Err(outgrown) = guard.check(scenario.start_processes()) {
        eprintln!("stopped before the start: {outgrown}");
        return Ok(Exit::Outgrown);
    }
    let interrupt = Interrupt::on_termination_signals().unwrap_or_else(|e| {
        eprintln!("warning: SIGINT and SIGTERM will end the run without its tables: {e}");
        Interrupt::new()
    });
    let limits =
        Limits { max_events_per_tick: args.max_events_per_tick, guard: Some(guard), interrupt: Some(interrupt) };
    let dir = args.out.unwrap_or_else(|| output::default_run_dir(&scenario));
    let cannot_write = |e| Exit::CannotWrite.error(e);
    let mut results = Results::create(&dir, scenario.run_id(), args.events).map_err(cannot_write)?;
    for stale in results.stale() {
        eprintln!("removed {}, left by a run that did not finish", stale.display());
    }
    let started = Instant::now();
    let mut sim = match scenario.simulation_within(limits) {
        Ok(sim) => sim,
        Err(outgrown) => {
            eprintln!("stopped before the start: {outgrown}");
            return Ok(Exit::Outgrown);
        }
    };
    sim.keep_records(args.events);
    let bar = ProgressBar::with_draw_target(Some(sim.clock().total()), ProgressDrawTarget::hidden());
    bar.set_style(
        ProgressStyle::with_template("{bar:40} {pos}/{len} ticks, {msg} [{elapsed}<{eta}]").expect("a valid template"),
    );
    let mut summary = Summary::default();
    let setup = started.elapsed();
    let mut shown = false;
    while let Some(tick) = sim.advance() {
        results.record(&tick).map_err(cannot_write)?;
        summary.add(tick.metrics);
        if !shown && started.elapsed() > Duration::from_secs(1) {
            bar.set_draw_target(ProgressDrawTarget::stderr());
            shown = true;
        }
        bar.set_position(sim.clock().done());
        bar.set_message(format!("{} live", sim.machine().census().live()));
    }
    let ticking = started.elapsed() - setup;
    bar.finish_and_clear();
    let end = sim.end();
    results.finish(&scenario, sim.start_population(), &end).map_err(cannot_write)?;
    outln!("{}", headline(&scenario.name, scenario.seed, scenario.duration, &end))?;
    out!("{}", summary.render(sim.start_population(), setup, ticking))?;
    outln!("{:<18} {}", "results", dir.display())?;
    let Some(stopped) = sim.stopped() else {
        return Ok(Exit::Success);
    };
    let at = stopped.at.nanos();
    if sim.clock().done() == 0 {
        eprintln!("stopped at time 0, before the first tick: {}", stopped.reason);
    } else if stopped.inside_tick {
        eprintln!("stopped at {at}ns, inside a tick (its operations so far are written): {}", stopped.reason);
    } else {
        eprintln!("stopped after the tick that ended at {at}ns: {}", stopped.reason);
    }
    Ok(match (end.status, stopped.reason) {
        (Status::Interrupted, Stop::Interrupted { signal: SIGINT }) => Exit::Interrupted,
        (Status::Interrupted, Stop::Interrupted { signal: SIGTERM }) => Exit::Terminated,
        (Status::Interrupted, _) => Exit::Interrupted,
        _ => Exit::Outgrown,
    })
}
