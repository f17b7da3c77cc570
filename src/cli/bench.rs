//! `procsim bench`: the scaling table, and the hidden `procsim measure` that
//! runs one of its measurements in a fresh process.

use super::exit::{Exit, Outcome};
use super::output::{self, out, outln};
use procsim::bench::isolated;
use procsim::bench::population::Mix;
use procsim::bench::{BenchConfig, BenchError, Progress, chart, parse_count, table};
use procsim::host::MemoryGuard;
use procsim::host::platform::Platform;
use procsim::io::partial::PartialFile;
use std::ops::ControlFlow;
use std::path::{Path, PathBuf};

#[derive(clap::Args)]
pub struct BenchArgs {
    /// The populations, in order [default: 1e4,1e5,1e6,1e7; with --quick: 1e4,1e5].
    #[arg(long, value_name = "N,...", value_delimiter = ',', value_parser = population)]
    sizes: Option<Vec<u32>>,
    /// A smoke run of seconds: 2·10^4 events a population, one run each, and a shorter kernel
    /// run.
    #[arg(long)]
    quick: bool,
    /// Runs of each population, each in a fresh process; every figure is their median
    /// [default: 3; with --quick: 1].
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..))]
    runs: Option<u32>,
    /// Measure the thread mix (scenarios/calibration-threads.toml) rather than the calibration:
    /// each population counts tasks, in processes of ten; the table goes to
    /// results/scaling-threads.csv unless --out says otherwise.
    #[arg(long)]
    threads: bool,
    /// Also measure the real kernel's fork + _exit + waitpid, for the ratio to it.
    #[arg(long)]
    kernel: bool,
    /// Also measure bevy_ecs's own floor at each population up to 10^7 — memory per entity, and
    /// the cost of a random `world.get` — into `<table>-floor.csv` beside the table.
    #[arg(long)]
    floor: bool,
    /// Where to write the table [default: results/scaling.csv; with --quick:
    /// results/scaling-quick.csv; with --threads: scaling-threads.csv, scaling-threads-quick.csv].
    #[arg(long, value_name = "FILE")]
    out: Option<PathBuf>,
    /// Also draw the chart of events/s and bytes per process, as SVG.
    #[arg(long, value_name = "FILE")]
    svg: Option<PathBuf>,
    /// Measure no population of more than N processes.
    #[arg(long, value_name = "N", value_parser = parse_count)]
    max_processes: Option<u64>,
}

/// A population on the command line: a count from 1 that fits a `u32`.
fn population(text: &str) -> Result<u32, String> {
    match parse_count(text)? {
        0 => Err("a population is at least 1 process".to_owned()),
        n => u32::try_from(n).map_err(|_| format!("`{text}` is more than {} processes", u32::MAX)),
    }
}

/// Whether the files the bench will write can be written, before it spends
/// minutes measuring: each one's folder is created, and a file beside it
/// (its temporary name, `NAME.partial`) created and removed.
fn check_writable(paths: &[&Path]) -> Outcome<()> {
    for path in paths {
        PartialFile::check(path).map_err(|e| Exit::CannotWrite.error(format_args!("{}: {e}", path.display())))?;
    }
    Ok(())
}

/// Prints each measurement as it is made, then writes the tables (and the
/// chart) of what was measured, even when the run stopped early.
pub fn bench(args: BenchArgs) -> Outcome {
    let mut config = if args.quick {
        BenchConfig::quick(args.kernel, args.floor)
    } else {
        BenchConfig::full(args.kernel, args.floor)
    };
    config.sizes = args.sizes.unwrap_or(config.sizes);
    config.runs = args.runs.unwrap_or(config.runs);
    if args.threads {
        config.mix = Mix::Threads;
    }
    let chosen = args.out.is_some();
    let out = args.out.unwrap_or_else(|| {
        let threads = if args.threads { "-threads" } else { "" };
        let quick = if args.quick { "-quick" } else { "" };
        PathBuf::from(format!("results/scaling{threads}{quick}.csv"))
    });
    let floor_out = out.with_file_name(format!("{}-floor.csv", out.file_stem().unwrap_or_default().display()));
    let mut outputs = vec![out.as_path()];
    outputs.extend(args.floor.then_some(floor_out.as_path()));
    outputs.extend(args.svg.as_deref());
    check_writable(&outputs)?;
    if !chosen {
        // The tables go to results/ by default (the chart, only where --svg says).
        let name = |p: &Path| p.file_name().unwrap_or_default().to_string_lossy().into_owned();
        let names = [Some(name(&out)), args.floor.then(|| name(&floor_out))];
        let names: Vec<&str> = names.iter().flatten().map(String::as_str).collect();
        output::note_replacing(out.parent().unwrap_or(Path::new("")), &names);
    }
    let (mut guard, platform) = MemoryGuard::new(args.max_processes)
        .and_then(|g| Ok((g, Platform::now()?)))
        .map_err(|e| Exit::MeasurementFailed.error(e))?;
    outln!("machine: {platform}")?;
    let (mut floor_shown, mut rows_shown) = (false, false);
    let mut printed = Ok(());
    let report = procsim::bench::run(&config, &mut guard, |progress| {
        printed = match progress {
            Progress::Kernel(per_s) => outln!("kernel: {per_s:.0} fork+_exit+waitpid per second"),
            Progress::Floor(run) => {
                let header = if std::mem::replace(&mut floor_shown, true) {
                    String::new()
                } else {
                    format!("\nbevy_ecs alone:\n{}\n", table::floor_header())
                };
                outln!("{header}{}", table::floor_line(run))
            }
            Progress::Population(row) => {
                let header = if std::mem::replace(&mut rows_shown, true) {
                    String::new()
                } else {
                    let runs =
                        if config.runs > 1 { format!(", medians of {} runs", config.runs) } else { String::new() };
                    let mix = match config.mix {
                        Mix::Processes => "calibration",
                        Mix::Threads => "calibration with threads (a population counts tasks, ten a process)",
                    };
                    format!("\n{mix}, {} events a population{runs}:\n{}\n", config.events, table::scaling_header())
                };
                outln!("{header}{}", table::scaling_line(row))
            }
        };
        if printed.is_ok() { ControlFlow::Continue(()) } else { ControlFlow::Break(()) }
    });
    if let (Ok(now), Ok(())) = (Platform::now(), printed) {
        printed = outln!("load at the end: {:.2}", now.load);
    }
    let mut written = table::write_scaling(&out, &report.rows);
    if !report.floor.is_empty() {
        written = written.and_then(|()| table::write_floor(&floor_out, &report.floor));
    }
    if let Some(path) = &args.svg {
        let command: Vec<String> = std::env::args().skip(1).collect();
        let caption = format!("{platform}; procsim {}", command.join(" "));
        match chart::svg(&report.rows, &report.floor, &caption) {
            Ok(svg) => written = written.and_then(|()| procsim::io::results::write_whole(path, svg.as_bytes())),
            Err(e) => return Err(Exit::CannotWrite.error(e)),
        }
    }
    written.map_err(|e| Exit::CannotWrite.error(e))?;
    printed?;
    outln!("\ntable: {}", out.display())?;
    Ok(match report.stopped {
        None | Some(BenchError::Stopped) => Exit::Success,
        Some(e @ BenchError::Outgrown(_)) => {
            eprintln!("{e}");
            Exit::Outgrown
        }
        Some(e) => Exit::MeasurementFailed.error(e),
    })
}

/// `procsim measure`: one job of `procsim bench`, read from stdin; its reply
/// on stdout.
pub fn measure() -> Outcome {
    let mut request = String::new();
    std::io::Read::read_to_string(&mut std::io::stdin(), &mut request)
        .map_err(|e| Exit::MeasurementFailed.error(format_args!("reading the job: {e}")))?;
    let reply = isolated::serve(&request).map_err(|e| Exit::MeasurementFailed.error(e))?;
    out!("{reply}")?;
    Ok(Exit::Success)
}
