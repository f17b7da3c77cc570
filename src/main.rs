//! The `procsim` command line: thin glue over the library.
//!
//! `procsim` with no subcommand is `procsim run`: it runs
//! `scenarios/default.toml` and writes its tables to
//! `results/<scenario>-seed<N>/`.
//!
//! Exit codes: 0 success, 1 a check failed (conform), 2 bad input (parse error,
//! unreadable file), 3 a replay script's operation was invalid at run time,
//! 4 the kernel harness cannot run here, 5 the results could not be written.

use clap::{Args, Parser, Subcommand};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use procsim::engine::SimDuration;
use procsim::io::results::Results;
use procsim::io::script::Script;
use procsim::io::summary::Summary;
use procsim::workload::Scenario;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::{Duration, Instant};

#[derive(Parser)]
#[command(name = "procsim", version, about, args_conflicts_with_subcommands = true)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
    #[command(flatten)]
    run: RunArgs,
}

#[derive(Subcommand)]
enum Command {
    /// Run a scenario and write its CSV tables (the default).
    Run(RunArgs),
    /// Replay a `.ops` script on the simulator and print its report (`-` reads stdin).
    Replay { file: PathBuf },
    /// Run a `.ops` script on the real Linux kernel and print the same report (`-` reads stdin).
    Kernel { file: PathBuf },
}

#[derive(Args)]
struct RunArgs {
    /// The scenario file.
    #[arg(default_value = "scenarios/default.toml")]
    scenario: PathBuf,
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
}

fn positive_duration(text: &str) -> Result<SimDuration, String> {
    match text.parse::<SimDuration>() {
        Ok(d) if d.nanos() > 0 => Ok(d),
        Ok(_) => Err("must be longer than 0s".to_owned()),
        Err(e) => Err(e.to_string()),
    }
}

/// Reads a script file (`-` is stdin) and parses it; on failure prints the error
/// and gives the exit code.
fn load_script(path: &Path) -> Result<Script, ExitCode> {
    let text = if path == Path::new("-") {
        let mut text = String::new();
        std::io::Read::read_to_string(&mut std::io::stdin(), &mut text).map(|_| text)
    } else {
        std::fs::read_to_string(path)
    };
    let text = text.map_err(|e| {
        eprintln!("error: {}: {e}", path.display());
        ExitCode::from(2)
    })?;
    Script::parse(&text).map_err(|e| {
        eprintln!("error: {e}");
        ExitCode::from(2)
    })
}

/// Runs a scenario, with a progress bar on stderr once it has taken a
/// second, and prints the summary.
fn run(args: RunArgs) -> ExitCode {
    let mut scenario = match Scenario::load(&args.scenario) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(2);
        }
    };
    scenario.seed = args.seed.unwrap_or(scenario.seed);
    scenario.duration = args.duration.unwrap_or(scenario.duration);
    if let Err(message) = scenario.check_length() {
        eprintln!("error: --duration: {message}");
        return ExitCode::from(2);
    }
    let dir = args.out.unwrap_or_else(|| PathBuf::from(format!("results/{}-seed{}", scenario.name, scenario.seed)));
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
        let ticking = Instant::now();
        while let Some(tick) = sim.advance() {
            results.record(&tick)?;
            summary.add(tick.metrics);
            if bar.is_hidden() && started.elapsed() > Duration::from_secs(1) {
                bar.set_draw_target(ProgressDrawTarget::stderr());
            }
            bar.set_position(sim.clock().done());
            bar.set_message(format!("{} live", sim.machine().census().live()));
        }
        let wall = ticking.elapsed();
        bar.finish_and_clear();
        results.finish(&scenario, sim.start_population())?;
        println!("{} (seed {}): {} simulated", scenario.name, scenario.seed, scenario.duration);
        print!("{}", summary.render(sim.start_population(), wall));
        println!("{:<18} {}", "results", dir.display());
        Ok(())
    });
    match written {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::from(5)
        }
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        None => run(cli.run),
        Some(Command::Run(args)) => run(args),
        Some(Command::Replay { file }) => {
            let script = match load_script(&file) {
                Ok(s) => s,
                Err(code) => return code,
            };
            let report = procsim::replay::replay(&script);
            print!("{}", report.render(&script));
            ExitCode::from(report.exit_code() as u8)
        }
        Some(Command::Kernel { file }) => {
            let script = match load_script(&file) {
                Ok(s) => s,
                Err(code) => return code,
            };
            let _ = script;
            eprintln!("error: kernel is not built yet");
            ExitCode::from(4)
        }
    }
}
