//! The `procsim` command line: thin glue over the library. Each command is a
//! file; `inputs` reads what they read, `output` prints what they print,
//! `exit` says how they end.
//!
//! `procsim` with no subcommand is `procsim run`: it runs the default
//! scenario (`scenarios/default.toml`, built into the binary, so that it
//! runs from any folder) and writes its tables to
//! `results/<scenario>-seed<N>/`. So the first argument that is neither an
//! option nor an option's value is either a scenario or a subcommand: it is a
//! subcommand when it names one, or when it is neither an existing file nor a
//! name ending in `.toml` — so that a mistyped subcommand (`procsim replya
//! x.ops`) gets clap's "a similar subcommand exists", not a missing file.

mod bench;
mod compare;
mod conform;
mod exit;
mod inputs;
mod merge;
mod output;
mod plot;
mod probe;
mod replay;
mod run;
mod sweep;

use clap::{CommandFactory, Parser, Subcommand};
use exit::Exit;
use output::out;
use procsim::bench::isolated;
use procsim::harness::{self, ExitStatusRequest};
use std::ffi::{OsStr, OsString};
use std::io::IsTerminal;
use std::path::Path;
use std::process::ExitCode;

/// `procsim --version`: the version and the commit it was built from.
const VERSION: &str = concat!(env!("CARGO_PKG_VERSION"), " (commit ", env!("PROCSIM_COMMIT"), ")");

/// The command line when its first word is a scenario, or absent: `procsim
/// [SCENARIO] [run's options]`, or a subcommand after options.
#[derive(Parser)]
#[command(name = "procsim", version = VERSION, about, args_conflicts_with_subcommands = true)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
    #[command(flatten)]
    run: run::RunArgs,
    #[command(flatten)]
    global: Global,
}

/// The command line when its first word is a subcommand, or what must have
/// meant one.
#[derive(Parser)]
#[command(name = "procsim", version = VERSION, about)]
struct CommandLine {
    #[command(subcommand)]
    command: Command,
    #[command(flatten)]
    global: Global,
}

/// The options of every command.
#[derive(clap::Args)]
struct Global {
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
    Run(run::RunArgs),
    /// Replay a `.ops` script on the simulator and print its report (`-` reads stdin).
    Replay(replay::ReplayArgs),
    /// Run a `.ops` script on the real Linux kernel and print the same report (`-` reads stdin).
    Kernel(replay::KernelArgs),
    /// Run scripts on the simulator and on the kernel and compare the reports.
    Conform(conform::ConformArgs),
    /// Find which Linux the running kernel is: run short scripts on it and name the semantics
    /// spec (mainline and kernel variants) whose reports match. The last line is
    /// `semantics: SPEC`.
    Probe(probe::ProbeArgs),
    /// Replay scripts under two semantics (Linux and the 2018 gVisor seed, unless told), and put
    /// every difference down to the decisions that cause it — rows of the seed's table of
    /// differences, kernel variants; or run a scenario (`.toml`) under the base, replay its
    /// operations under the other, and write where they part.
    Compare(compare::CompareArgs),
    /// Run a scenario over seeds and parameter values (`--set KEY=VALUE`, repeated), on every
    /// core or as one shard of a cluster's array job, and write tidy tables with a summary
    /// across seeds (mean, sd, 95% confidence interval).
    Sweep(sweep::SweepArgs),
    /// Combine the folders the shards of one sweep wrote into exactly the files one machine's
    /// sweep writes.
    Merge(merge::MergeArgs),
    /// Draw a run's figures over time, or a sweep's (each point's mean over its seeds with the
    /// 95% confidence band), as an SVG image.
    Plot(plot::PlotArgs),
    /// Measure the simulator's cost against the population (the calibration workload), and
    /// write the scaling table.
    Bench(bench::BenchArgs),
    /// One measurement in a process of its own (started by `procsim bench`).
    #[command(name = isolated::SUBCOMMAND, hide = true)]
    Measure,
}

/// Parses the command line, runs the command, and gives its exit code.
pub fn main() -> ExitCode {
    let args: Vec<OsString> = std::env::args_os().collect();
    let parsed = if first_word(&Cli::command(), &args).is_some_and(is_subcommand) {
        CommandLine::try_parse_from(&args).map(|c| (c.command, c.global))
    } else {
        Cli::try_parse_from(&args).map(|c| (c.command.unwrap_or(Command::Run(c.run)), c.global))
    };
    let (command, global) = match parsed {
        Ok(parsed) => parsed,
        Err(e) => return clap_exit(&e),
    };
    let harness = harness::Options { exit_status: global.exit_status };
    let outcome = match command {
        Command::Run(args) => run::run(args, &harness),
        Command::Replay(args) => replay::replay(args, &harness),
        Command::Kernel(args) => replay::kernel(args, &harness),
        Command::Conform(args) => conform::conform(args, &harness),
        Command::Probe(args) => probe::probe(args, &harness),
        Command::Compare(args) => compare::compare(args, &harness),
        Command::Sweep(args) => sweep::sweep(args, &harness),
        Command::Merge(args) => merge::merge(args),
        Command::Plot(args) => plot::plot(args),
        Command::Bench(args) => bench::bench(args),
        Command::Measure => bench::measure(),
    };
    outcome.unwrap_or_else(|exit: Exit| exit).into()
}

/// The first argument that is neither an option nor the value of one (the
/// options `command` knows say which take a value).
fn first_word<'a>(command: &clap::Command, args: &'a [OsString]) -> Option<&'a OsStr> {
    let takes_value = |arg: &clap::Arg| arg.get_action().takes_values();
    let mut rest = args.iter().skip(1);
    while let Some(arg) = rest.next() {
        let text = arg.to_string_lossy();
        let value_follows = if text == "--" {
            return rest.next().map(OsString::as_os_str);
        } else if let Some(long) = text.strip_prefix("--") {
            !long.contains('=') && command.get_arguments().any(|a| a.get_long() == Some(long) && takes_value(a))
        } else if let Some(short) = text.strip_prefix('-').filter(|s| !s.is_empty()) {
            let mut chars = short.chars();
            let (first, attached) = (chars.next(), chars.next().is_some());
            !attached && command.get_arguments().any(|a| a.get_short() == first && takes_value(a))
        } else {
            return Some(arg);
        };
        if value_follows {
            rest.next();
        }
    }
    None
}

/// Whether the first word of the command line is a subcommand: one that
/// exists, or a word that is not a scenario — not an existing file, and not
/// a name ending in `.toml`.
fn is_subcommand(word: &OsStr) -> bool {
    let command = CommandLine::command();
    let named = command.get_subcommands().any(|c| c.get_name() == word || c.get_all_aliases().any(|a| a == word));
    let path = Path::new(word);
    let scenario = (path.exists() && !path.is_dir()) || path.extension().is_some_and(|e| e == "toml");
    named || word == "help" || !scenario
}

/// Ends as clap would on a command line it refused, or on `--help` and
/// `--version`: those print on stdout, through [`output`] when it is not a
/// terminal, so that `procsim --help | head -1` ends quietly too.
fn clap_exit(e: &clap::Error) -> ExitCode {
    let code = u8::try_from(e.exit_code()).unwrap_or(Exit::BadInput.code());
    if e.use_stderr() || std::io::stdout().is_terminal() {
        let _ = e.print();
        return ExitCode::from(code);
    }
    match out!("{}", e.render()) {
        Ok(()) => ExitCode::from(code),
        Err(exit) => exit.into(),
    }
}
