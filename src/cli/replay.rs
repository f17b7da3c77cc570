//! `procsim replay` and `procsim kernel`: one script's report, from the
//! simulator or from the real kernel.

use super::exit::{Exit, Outcome};
use super::inputs::{SIMULATOR_SPEAKS, load_script, resolve, runs_under};
use super::output::out;
use procsim::harness;
use procsim::io::report::Report;
use procsim::io::script::Script;
use procsim::semantics::{Requested, Spec};
use std::path::PathBuf;

#[derive(clap::Args)]
pub struct ReplayArgs {
    /// The script (`-` reads stdin).
    file: PathBuf,
    /// Whose rules the simulator follows: `linux`, `linux+VARIANT…`, `gvisor-2018`, or `host`
    /// (what `procsim probe` finds on the running kernel).
    #[arg(long, value_name = "SPEC", default_value_t = Requested::Spec(Spec::LINUX))]
    semantics: Requested,
}

#[derive(clap::Args)]
pub struct KernelArgs {
    /// The script (`-` reads stdin).
    file: PathBuf,
}

/// Prints a report; exit 3 when the script stopped at an invalid operation.
fn print(report: &Report, script: &Script) -> Outcome {
    out!("{}", report.render(script))?;
    Ok(if report.invalid.is_some() { Exit::InvalidOperation } else { Exit::Success })
}

/// `procsim replay`: the simulator's report.
pub fn replay(args: ReplayArgs, harness: &harness::Options) -> Outcome {
    let script = load_script(&args.file, SIMULATOR_SPEAKS)?;
    let spec = resolve(args.semantics, harness)?;
    runs_under(&args.file.display().to_string(), &script, &spec)?;
    print(&procsim::replay::replay_with(&script, spec.semantics()), &script)
}

/// `procsim kernel`: the real kernel's report; exit 4 when the harness
/// cannot run.
pub fn kernel(args: KernelArgs, harness: &harness::Options) -> Outcome {
    let script = load_script(&args.file, harness::SPEAKS)?;
    let report = harness::run_with(&script, harness).map_err(|e| Exit::NoHarness.error(e))?;
    print(&report, &script)
}
