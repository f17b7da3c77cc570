//! The `procsim` command line: thin glue over the library. Each command is a
//! file; `inputs` reads what they read, `exit` says how they end.
//!
//! `procsim` with no subcommand is `procsim run`: it runs
//! `scenarios/default.toml` and writes its tables to
//! `results/<scenario>-seed<N>/`.

mod bench;
mod compare;
mod conform;
mod exit;
mod inputs;
mod probe;
mod replay;
mod run;

use clap::{Parser, Subcommand};
use exit::Exit;
use procsim::bench::isolated;
use procsim::harness::{self, ExitStatusRequest};
use std::process::ExitCode;

#[derive(Parser)]
#[command(name = "procsim", version, about, args_conflicts_with_subcommands = true)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
    #[command(flatten)]
    run: run::RunArgs,
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
    /// Measure the simulator's cost against the population (the calibration workload), and
    /// write the scaling table.
    Bench(bench::BenchArgs),
    /// One measurement in a process of its own (started by `procsim bench`).
    #[command(name = isolated::SUBCOMMAND, hide = true)]
    Measure,
}

/// Parses the command line, runs the command, and gives its exit code.
pub fn main() -> ExitCode {
    let cli = Cli::parse();
    let harness = harness::Options { exit_status: cli.exit_status };
    let outcome = match cli.command {
        None => run::run(cli.run, &harness),
        Some(Command::Run(args)) => run::run(args, &harness),
        Some(Command::Replay(args)) => replay::replay(args, &harness),
        Some(Command::Kernel(args)) => replay::kernel(args, &harness),
        Some(Command::Conform(args)) => conform::conform(args, &harness),
        Some(Command::Probe(args)) => probe::probe(args, &harness),
        Some(Command::Compare(args)) => compare::compare(args, &harness),
        Some(Command::Bench(args)) => bench::bench(args),
        Some(Command::Measure) => bench::measure(),
    };
    outcome.unwrap_or_else(|exit: Exit| exit).into()
}
