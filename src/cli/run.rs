//! `procsim run` (and `procsim` with no subcommand): a scenario, its summary
//! and its tables.

use super::exit::{Exit, Outcome};
use super::inputs::{load_scenario, positive_duration};
use super::output::{self, out, outln};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use procsim::bench::parse_count;
use procsim::engine::SimDuration;
use procsim::host::MemoryGuard;
use procsim::io::results::Results;
use procsim::io::summary::Summary;
use procsim::kernel;
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
    /// Whose rules the machine follows, instead of the scenario's `semantics`: `linux`,
    /// `linux+VARIANT…`, `gvisor-2018`, or `host`.
    #[arg(long, value_name = "SPEC")]
    semantics: Option<Requested>,
}

/// Runs a scenario, with a progress bar on stderr once it has taken a
/// second, and prints the summary. A run that would outgrow the machine does
/// not start, or stops after the tick that outgrew it, with its tables so far.
pub fn run(args: RunArgs, harness: &kernel::Options) -> Outcome {
    let scenario = load_scenario(args.scenario.as_deref(), args.seed, args.duration, args.semantics, harness)?;
    let guard = MemoryGuard::new(args.max_processes)
        .map_err(|e| Exit::BadInput.error(format_args!("the memory guard: {e}")))?;
    if let Err(outgrown) = guard.check(scenario.start_processes()) {
        eprintln!("stopped before the start: {outgrown}");
        return Ok(Exit::Outgrown);
    }
    let dir = args.out.unwrap_or_else(|| output::default_run_dir(&scenario));
    let mut stopped = None;
    let mut printed = Ok(());
    let written = Results::create(&dir, args.events).and_then(|mut results| {
        let started = Instant::now();
        let mut sim = scenario.simulation();
        sim.keep_records(args.events);
        let bar = ProgressBar::with_draw_target(Some(sim.clock().total()), ProgressDrawTarget::hidden());
        bar.set_style(
            ProgressStyle::with_template("{bar:40} {pos}/{len} ticks, {msg} [{elapsed}<{eta}]")
                .expect("a valid template"),
        );
        let mut summary = Summary::default();
        let setup = started.elapsed();
        let mut shown = false;
        while let Some(tick) = sim.advance() {
            results.record(&tick)?;
            summary.add(tick.metrics);
            if let Err(outgrown) = guard.check_census(&tick.metrics.census) {
                stopped = Some((outgrown, tick.metrics.time));
                break;
            }
            if !shown && started.elapsed() > Duration::from_secs(1) {
                bar.set_draw_target(ProgressDrawTarget::stderr());
                shown = true;
            }
            bar.set_position(sim.clock().done());
            bar.set_message(format!("{} live", sim.machine().census().live()));
        }
        let ticking = started.elapsed() - setup;
        bar.finish_and_clear();
        results.finish(&scenario, sim.start_population())?;
        printed = outln!("{} (seed {}): {} simulated", scenario.name, scenario.seed, scenario.duration)
            .and_then(|()| out!("{}", summary.render(sim.start_population(), setup, ticking)))
            .and_then(|()| outln!("{:<18} {}", "results", dir.display()));
        Ok(())
    });
    written.map_err(|e| Exit::CannotWrite.error(e))?;
    printed?;
    Ok(match stopped {
        Some((outgrown, time)) => {
            eprintln!("stopped after the tick that ended at {}ns: {outgrown}", time.nanos());
            Exit::Outgrown
        }
        None => Exit::Success,
    })
}
