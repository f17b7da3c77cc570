//! The `procsim` command line: thin glue over the library.
//!
//! `procsim` with no subcommand is `procsim run`: it runs
//! `scenarios/default.toml` and writes its tables to
//! `results/<scenario>-seed<N>/`.
//!
//! Exit codes: 0 success, 1 a check failed (conform), 2 bad input (parse error,
//! unreadable file), 3 a replay script's operation was invalid at run time,
//! 4 the kernel harness cannot run here, 5 the results could not be written,
//! 6 a run stopped before it outgrew the machine (its results so far are
//! written), 7 a benchmark's measurement failed.

use clap::{Args, Parser, Subcommand};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use procsim::bench::isolated::{self, Job};
use procsim::bench::{BenchConfig, BenchError, Progress, chart, parse_count, table};
use procsim::compare::Summary as Divergences;
use procsim::engine::SimDuration;
use procsim::host::MemoryGuard;
use procsim::host::platform::Platform;
use procsim::io::generate::random_script;
use procsim::io::report::Level;
use procsim::io::results::Results;
use procsim::io::script::Script;
use procsim::io::summary::Summary;
use procsim::kernel::{self, ExitStatusRequest};
use procsim::probe::{self, ProbeError};
use procsim::semantics::{Requested, Spec};
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
    /// How the kernel harness learns the exit status of processes the kernel reaps by itself:
    /// `pidfd` (Linux 6.15 or later), `connector` (the process events connector; root), or
    /// `auto` (the pidfd where it works, else the connector).
    #[arg(long, global = true, value_name = "HOW", env = "PROCSIM_EXIT_STATUS", default_value_t,
          value_parser = str::parse::<ExitStatusRequest>)]
    exit_status: ExitStatusRequest,
}

#[derive(Subcommand)]
enum Command {
    /// Run a scenario and write its CSV tables (the default).
    Run(RunArgs),
    /// Replay a `.ops` script on the simulator and print its report (`-` reads stdin).
    Replay {
        file: PathBuf,
        /// Whose rules the simulator follows: `linux`, `linux+VARIANT…`, `gvisor-2018`, or `host`
        /// (what `procsim probe` finds on the running kernel).
        #[arg(long, value_name = "SPEC", default_value_t = Requested::Spec(Spec::LINUX))]
        semantics: Requested,
    },
    /// Run a `.ops` script on the real Linux kernel and print the same report (`-` reads stdin).
    Kernel { file: PathBuf },
    /// Run scripts on the simulator and on the kernel and compare the reports.
    Conform(ConformArgs),
    /// Find which Linux the running kernel is: run short scripts on it and name the semantics
    /// spec (mainline and kernel variants) whose reports match. The last line is
    /// `semantics: SPEC`.
    Probe(ProbeArgs),
    /// Replay scripts under two semantics (Linux and the 2018 gVisor seed, unless told), and put
    /// every difference down to the decisions that cause it — rows of the seed's table of
    /// differences, kernel variants; or run a scenario (`.toml`) under the base, replay its
    /// operations under the other, and write where they part.
    Compare(CompareArgs),
    /// Measure the simulator's cost against the population (the calibration workload), and
    /// write the scaling table.
    Bench(BenchArgs),
    /// One measurement in a process of its own (started by `procsim bench`).
    #[command(name = isolated::SUBCOMMAND, hide = true)]
    Measure {
        #[command(subcommand)]
        job: Job,
    },
}

#[derive(Args)]
struct BenchArgs {
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
    /// Also measure the real kernel's fork + _exit + waitpid, for the ratio to it.
    #[arg(long)]
    kernel: bool,
    /// Also measure bevy_ecs's own floor at each population up to 10^7 — memory per entity, and
    /// the cost of a random `world.get` — into `<table>-floor.csv` beside the table.
    #[arg(long)]
    floor: bool,
    /// Where to write the table [default: results/scaling.csv; with --quick:
    /// results/scaling-quick.csv].
    #[arg(long, value_name = "FILE")]
    out: Option<PathBuf>,
    /// Also draw the chart of events/s and bytes per process, as SVG.
    #[arg(long, value_name = "FILE")]
    svg: Option<PathBuf>,
    /// Measure no population of more than N processes.
    #[arg(long, value_name = "N", value_parser = parse_count)]
    max_processes: Option<u64>,
}

/// A population on the command line: a count that fits a `u32`.
fn population(text: &str) -> Result<u32, String> {
    u32::try_from(parse_count(text)?).map_err(|_| format!("`{text}` is more than {} processes", u32::MAX))
}

/// The scripts a command runs.
#[derive(clap::Args)]
struct Scripts {
    /// `.ops` files, or folders holding them.
    paths: Vec<PathBuf>,
    /// Also (or instead) N random scripts.
    #[arg(long, value_name = "N")]
    random: Option<u64>,
    /// The seed of the first random script (script i uses seed S + i) [default: 1]; for a
    /// scenario, its seed instead of its own.
    #[arg(long, value_name = "S")]
    seed: Option<u64>,
    /// Operations per random script.
    #[arg(long, value_name = "K", default_value_t = 30)]
    ops: usize,
    /// How closely the reports must agree.
    #[arg(long, value_enum, default_value_t = Level::Core)]
    level: Level,
}

#[derive(clap::Args)]
struct CompareArgs {
    #[command(flatten)]
    scripts: Scripts,
    /// The semantics differences are measured from (`linux`, `gvisor-2018`,
    /// `linux+VARIANT`, or `host`); a scenario's workload runs under it.
    #[arg(long, value_name = "SPEC", default_value_t = Requested::Spec(Spec::LINUX))]
    base: Requested,
    /// The semantics compared with the base; a scenario's operations are replayed under it.
    #[arg(long, value_name = "SPEC", default_value_t = Requested::Spec(Spec::GVISOR_2018))]
    against: Requested,
    /// For a scenario: the simulated time to cover, instead of its own.
    #[arg(long, value_parser = positive_duration)]
    duration: Option<SimDuration>,
    /// For a scenario: where to write `divergences.csv` [default:
    /// results/<scenario>-seed<N>-<base>-vs-<against>].
    #[arg(long)]
    out: Option<PathBuf>,
}

#[derive(clap::Args)]
struct ProbeArgs {
    /// Print the findings as one JSON object instead.
    #[arg(long)]
    json: bool,
    /// Classify reports the harness made earlier or elsewhere instead of running the probe
    /// scripts here: `DIR/NAME.report` for each probe script NAME (`--write-scripts` writes them
    /// out; `procsim kernel NAME.ops > DIR/NAME.report` makes the reports).
    #[arg(long, value_name = "DIR", conflicts_with = "write_scripts")]
    reports: Option<PathBuf>,
    /// Write the probe scripts into DIR as `NAME.ops` and stop.
    #[arg(long, value_name = "DIR")]
    write_scripts: Option<PathBuf>,
}

#[derive(clap::Args)]
struct ConformArgs {
    #[command(flatten)]
    scripts: Scripts,
    /// The simulator's semantics to compare with the kernel; `host` is what `procsim probe`
    /// finds on it.
    #[arg(long, value_name = "SPEC", default_value_t = Requested::Host)]
    semantics: Requested,
    /// Where failing scripts are saved, with both reports and a diff.
    #[arg(long, value_name = "DIR", default_value = "results/conform-failures")]
    failures: PathBuf,
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
    /// Stop the run (keeping its results so far) once it has more than N processes.
    #[arg(long, value_name = "N", value_parser = parse_count)]
    max_processes: Option<u64>,
    /// Whose rules the machine follows, instead of the scenario's `semantics`: `linux`,
    /// `linux+VARIANT…`, `gvisor-2018`, or `host`.
    #[arg(long, value_name = "SPEC")]
    semantics: Option<Requested>,
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

/// The `.ops` files named, and those directly in the folders named, sorted
/// within each folder (subfolders such as `bad/`, of scripts that must not
/// parse, are left alone).
fn collect_scripts(paths: &[PathBuf]) -> std::io::Result<Vec<PathBuf>> {
    let mut out = Vec::new();
    for path in paths {
        if path.is_dir() {
            let mut files: Vec<PathBuf> =
                std::fs::read_dir(path)?.map(|e| e.map(|e| e.path())).collect::<Result<_, _>>()?;
            files.retain(|p| p.is_file() && p.extension().is_some_and(|e| e == "ops"));
            files.sort();
            out.extend(files);
        } else {
            out.push(path.clone());
        }
    }
    Ok(out)
}

/// A script to run: its name, its text and the script.
struct Case {
    name: String,
    text: String,
    script: Script,
}

/// The scripts named and the random ones asked for, parsed; on failure prints
/// the error and gives the exit code (2).
fn load_cases(scripts: &Scripts) -> Result<Vec<Case>, ExitCode> {
    let fail = |e: String| {
        eprintln!("error: {e}");
        ExitCode::from(2)
    };
    let files = collect_scripts(&scripts.paths).map_err(|e| fail(e.to_string()))?;
    if files.is_empty() && scripts.random.is_none() {
        return Err(fail("no scripts given (pass .ops files or folders, or --random N)".to_owned()));
    }
    let mut texts = Vec::new();
    for path in files {
        let text = std::fs::read_to_string(&path).map_err(|e| fail(format!("{}: {e}", path.display())))?;
        texts.push((path.display().to_string(), text));
    }
    for seed in (0..scripts.random.unwrap_or(0)).map(|i| scripts.seed.unwrap_or(1) + i) {
        texts.push((format!("random seed {seed}"), random_script(seed, scripts.ops)));
    }
    texts
        .into_iter()
        .map(|(name, text)| match Script::parse(&text) {
            Ok(script) => Ok(Case { name, text, script }),
            Err(e) => Err(fail(format!("{name}: {e}"))),
        })
        .collect()
}

/// `procsim conform`: one line per script, a closing count, exit 1 on any
/// failure, 2 on bad input, 4 when the kernel harness cannot run.
fn conform(args: ConformArgs, harness: &kernel::Options) -> ExitCode {
    let cases = match load_cases(&args.scripts) {
        Ok(cases) => cases,
        Err(code) => return code,
    };
    let spec = match resolve(args.semantics, harness) {
        Ok(spec) => spec,
        Err(code) => return code,
    };
    let host = if args.semantics == Requested::Host { " (host)" } else { "" };
    println!("semantics: {spec}{host}");
    let (mut passed, mut failed) = (0, 0);
    for Case { name, text, script } in &cases {
        let comparison = match procsim::conform::compare(script, spec.semantics(), args.scripts.level, harness) {
            Ok(c) => c,
            Err(e) => {
                eprintln!("error: {name}: {e}");
                return ExitCode::from(4);
            }
        };
        if comparison.agrees {
            passed += 1;
            println!("pass {name}");
        } else {
            failed += 1;
            let file = name.rsplit('/').next().unwrap_or(name).trim_end_matches(".ops").replace(' ', "-");
            match comparison.save(&args.failures, &file, text) {
                Ok(base) => println!("FAIL {name} (saved as {}.*)", base.display()),
                Err(e) => println!("FAIL {name} (not saved: {e})"),
            }
        }
    }
    println!("{passed} passed, {failed} failed");
    if failed > 0 { ExitCode::from(1) } else { ExitCode::SUCCESS }
}

/// `procsim compare`: the differing fields of each script that diverges
/// between `--base` and `--against`, each with its explanation, then a count
/// by decision; or, for a scenario, its divergences' count by kind, and
/// `divergences.csv`. Exit 2 on bad input, 5 when the table cannot be
/// written.
fn compare(args: CompareArgs, harness: &kernel::Options) -> ExitCode {
    let (base, against) = match resolve(args.base, harness).and_then(|base| Ok((base, resolve(args.against, harness)?)))
    {
        Ok(specs) => specs,
        Err(code) => return code,
    };
    let scripts = args.scripts;
    let same = if base == against { " (the same semantics: nothing differs)" } else { "" };
    if let [path] = scripts.paths.as_slice()
        && path.extension().is_some_and(|e| e == "toml")
    {
        let scenario = match load_scenario(path, scripts.seed, args.duration, None, harness) {
            Ok(s) => s,
            Err(code) => return code,
        };
        println!(
            "{} (seed {}): {} under {base}, replayed under {against}{same}",
            scenario.name, scenario.seed, scenario.duration
        );
        let report = procsim::compare::scenario::compare(&scenario, base, against);
        let dir = args.out.unwrap_or_else(|| {
            PathBuf::from(format!("results/{}-seed{}-{base}-vs-{against}", scenario.name, scenario.seed))
        });
        print!("{report}");
        return match report.write(&dir) {
            Ok(()) => {
                println!("{:<18} {}", "divergences", dir.join("divergences.csv").display());
                ExitCode::SUCCESS
            }
            Err(e) => {
                eprintln!("error: {e}");
                ExitCode::from(5)
            }
        };
    }
    let cases = match load_cases(&scripts) {
        Ok(cases) => cases,
        Err(code) => return code,
    };
    println!("replaying under {base}, then under {against}{same}");
    let mut summary = Divergences::default();
    for Case { name, script, .. } in &cases {
        let comparison = procsim::compare::compare(script, base.semantics(), against.semantics(), scripts.level);
        if !comparison.differences.is_empty() {
            println!("== {name}: {} lines differ ({base}, then {against})", comparison.differing_lines());
            print!("{comparison}");
        }
        summary.add(name, &comparison);
    }
    print!("{summary}");
    ExitCode::SUCCESS
}

/// The spec a request names: `host` is what the probe finds on the running
/// kernel. On failure prints why and gives the exit code: 4 when the harness
/// cannot run, 1 when the kernel is no known Linux.
fn resolve(requested: Requested, harness: &kernel::Options) -> Result<Spec, ExitCode> {
    match requested {
        Requested::Spec(spec) => Ok(spec),
        Requested::Host => probe::host(harness).map_err(|e| {
            eprintln!("error: --semantics host: {e}");
            probe_exit(&e)
        }),
    }
}

/// The exit code of a probe that found no answer.
fn probe_exit(e: &ProbeError) -> ExitCode {
    ExitCode::from(match e {
        ProbeError::Harness { .. } => 4,
        ProbeError::Unmatched(_) => 1,
    })
}

/// `procsim probe`: the kernel, how the harness runs, which variants hold,
/// and last `semantics: SPEC`. Exit 4 when the harness cannot run, 1 when
/// the kernel matches no known Linux (with the diff, and no `semantics:`
/// line), 2 when `--reports` cannot be read.
fn probe(args: ProbeArgs, harness: &kernel::Options) -> ExitCode {
    if let Some(dir) = &args.write_scripts {
        let written = std::fs::create_dir_all(dir).and_then(|()| {
            probe::scripts::SCRIPTS.iter().try_for_each(|p| std::fs::write(dir.join(format!("{}.ops", p.name)), p.text))
        });
        return match written {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => {
                eprintln!("error: {}: {e}", dir.display());
                ExitCode::from(5)
            }
        };
    }
    let findings = match &args.reports {
        Some(dir) => match probe::read_reports(dir) {
            Ok(reports) => {
                let mut findings = probe::Findings::new(probe::Uname::current());
                findings.result = Some(probe::classify(&reports));
                findings
            }
            Err(e) => {
                eprintln!("error: {e}");
                return ExitCode::from(2);
            }
        },
        None => probe::probe(harness),
    };
    if args.json {
        println!("{}", findings.to_json());
    } else {
        print!("{findings}");
    }
    match (&findings.harness, findings.spec()) {
        (Some(Err(_)), _) => ExitCode::from(4),
        (_, Some(_)) => ExitCode::SUCCESS,
        (_, None) => ExitCode::from(1),
    }
}

/// Reads a scenario, with the seed, duration and semantics given instead of
/// its own, and `host` resolved; on failure prints the error and gives the
/// exit code (2 for bad input, 4 or 1 when `host` cannot be resolved).
fn load_scenario(
    path: &Path,
    seed: Option<u64>,
    duration: Option<SimDuration>,
    semantics: Option<Requested>,
    harness: &kernel::Options,
) -> Result<Scenario, ExitCode> {
    let mut scenario = Scenario::load(path).map_err(|e| {
        eprintln!("error: {e}");
        ExitCode::from(2)
    })?;
    scenario.semantics = semantics.unwrap_or(scenario.semantics);
    scenario.resolve_host(|| resolve(Requested::Host, harness))?;
    scenario.seed = seed.unwrap_or(scenario.seed);
    scenario.duration = duration.unwrap_or(scenario.duration);
    if let Err(message) = scenario.check_length() {
        eprintln!("error: --duration: {message}");
        return Err(ExitCode::from(2));
    }
    Ok(scenario)
}

/// Runs a scenario, with a progress bar on stderr once it has taken a
/// second, and prints the summary. A run that would outgrow the machine does
/// not start, or stops after the tick that outgrew it, with its tables so far.
fn run(args: RunArgs, harness: &kernel::Options) -> ExitCode {
    let scenario = match load_scenario(&args.scenario, args.seed, args.duration, args.semantics, harness) {
        Ok(s) => s,
        Err(code) => return code,
    };
    let guard = match MemoryGuard::new(args.max_processes) {
        Ok(guard) => guard,
        Err(e) => {
            eprintln!("error: the memory guard: {e}");
            return ExitCode::from(2);
        }
    };
    if let Err(outgrown) = guard.check(scenario.start_processes()) {
        eprintln!("stopped before the start: {outgrown}");
        return ExitCode::from(6);
    }
    let dir = args.out.unwrap_or_else(|| PathBuf::from(format!("results/{}-seed{}", scenario.name, scenario.seed)));
    let mut stopped = None;
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
        println!("{} (seed {}): {} simulated", scenario.name, scenario.seed, scenario.duration);
        print!("{}", summary.render(sim.start_population(), setup, ticking));
        println!("{:<18} {}", "results", dir.display());
        Ok(())
    });
    match (written, stopped) {
        (Err(e), _) => {
            eprintln!("error: {e}");
            ExitCode::from(5)
        }
        (Ok(()), Some((outgrown, time))) => {
            eprintln!("stopped after the tick that ended at {}ns: {outgrown}", time.nanos());
            ExitCode::from(6)
        }
        (Ok(()), None) => ExitCode::SUCCESS,
    }
}

/// `procsim bench`: prints each measurement as it is made, then writes the
/// tables (and the chart) of what was measured, even when the run stopped
/// early.
fn bench(args: BenchArgs) -> ExitCode {
    let mut config = if args.quick {
        BenchConfig::quick(args.kernel, args.floor)
    } else {
        BenchConfig::full(args.kernel, args.floor)
    };
    config.sizes = args.sizes.unwrap_or(config.sizes);
    config.runs = args.runs.unwrap_or(config.runs);
    let out = args
        .out
        .unwrap_or_else(|| PathBuf::from(if args.quick { "results/scaling-quick.csv" } else { "results/scaling.csv" }));
    let (mut guard, platform) = match MemoryGuard::new(args.max_processes).and_then(|g| Ok((g, Platform::now()?))) {
        Ok(found) => found,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(7);
        }
    };
    println!("machine: {platform}");
    let (mut floor_shown, mut rows_shown) = (false, false);
    let report = procsim::bench::run(&config, &mut guard, |progress| match progress {
        Progress::Kernel(per_s) => println!("kernel: {per_s:.0} fork+_exit+waitpid per second"),
        Progress::Floor(run) => {
            if !std::mem::replace(&mut floor_shown, true) {
                println!("\nbevy_ecs alone:\n{}", table::floor_header());
            }
            println!("{}", table::floor_line(run));
        }
        Progress::Population(row) => {
            if !std::mem::replace(&mut rows_shown, true) {
                let runs = if config.runs > 1 { format!(", medians of {} runs", config.runs) } else { String::new() };
                println!("\ncalibration, {} events a population{runs}:\n{}", config.events, table::scaling_header());
            }
            println!("{}", table::scaling_line(row));
        }
    });
    if let Ok(now) = Platform::now() {
        println!("load at the end: {:.2}", now.load);
    }
    let floor_out = out.with_file_name(format!("{}-floor.csv", out.file_stem().unwrap_or_default().display()));
    let mut written = table::write_scaling(&out, &report.rows).map(|()| println!("\ntable: {}", out.display()));
    if !report.floor.is_empty() {
        written = written.and_then(|()| table::write_floor(&floor_out, &report.floor));
    }
    if let Some(path) = &args.svg {
        let command: Vec<String> = std::env::args().skip(1).collect();
        let caption = format!("{platform}; procsim {}", command.join(" "));
        let svg = chart::svg(&report.rows, &report.floor, &caption);
        written = written.and_then(|()| procsim::io::results::write_whole(path, svg.as_bytes()));
    }
    if let Err(e) = written {
        eprintln!("error: {e}");
        return ExitCode::from(5);
    }
    match report.stopped {
        None => ExitCode::SUCCESS,
        Some(e @ BenchError::Outgrown(_)) => {
            eprintln!("{e}");
            ExitCode::from(6)
        }
        Some(e) => {
            eprintln!("error: {e}");
            ExitCode::from(7)
        }
    }
}

fn main() -> ExitCode {
    // A puppet of the kernel harness that came back from `exec` never returns from here.
    procsim::kernel::enter_puppet_if_requested();
    let cli = Cli::parse();
    let harness = kernel::Options { exit_status: cli.exit_status };
    match cli.command {
        None => run(cli.run, &harness),
        Some(Command::Run(args)) => run(args, &harness),
        Some(Command::Replay { file, semantics }) => {
            let script = match load_script(&file) {
                Ok(s) => s,
                Err(code) => return code,
            };
            let spec = match resolve(semantics, &harness) {
                Ok(spec) => spec,
                Err(code) => return code,
            };
            let report = procsim::replay::replay_with(&script, spec.semantics());
            print!("{}", report.render(&script));
            ExitCode::from(report.exit_code() as u8)
        }
        Some(Command::Kernel { file }) => {
            let script = match load_script(&file) {
                Ok(s) => s,
                Err(code) => return code,
            };
            match kernel::run_with(&script, &harness) {
                Ok(report) => {
                    print!("{}", report.render(&script));
                    ExitCode::from(report.exit_code() as u8)
                }
                Err(e) => {
                    eprintln!("error: {e}");
                    ExitCode::from(4)
                }
            }
        }
        Some(Command::Conform(args)) => conform(args, &harness),
        Some(Command::Probe(args)) => probe(args, &harness),
        Some(Command::Compare(args)) => compare(args, &harness),
        Some(Command::Bench(args)) => bench(args),
        Some(Command::Measure { job }) => match isolated::serve(job) {
            Ok(reply) => {
                print!("{reply}");
                ExitCode::SUCCESS
            }
            Err(e) => {
                eprintln!("error: {e}");
                ExitCode::from(7)
            }
        },
    }
}
