//! `procsim conform`: the same scripts on the simulator and on the kernel.

use super::exit::{Exit, Outcome};
use super::inputs::{Case, SIMULATOR_SPEAKS, Scripts, load_cases, resolve, runs_under};
use super::output::outln;
use procsim::harness;
use procsim::semantics::Requested;
use std::path::PathBuf;

#[derive(clap::Args)]
pub struct ConformArgs {
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

/// The spec compared with on the first line, a line per script, a closing
/// `N passed, M failed`; exit 1 on any failure, 4 when the harness cannot
/// run.
pub fn conform(args: ConformArgs, harness: &harness::Options) -> Outcome {
    let cases = load_cases(&args.scripts, SIMULATOR_SPEAKS)?;
    let spec = resolve(args.semantics, harness)?;
    for Case { name, script, .. } in &cases {
        runs_under(name, script, &spec)?;
    }
    let host = if args.semantics == Requested::Host { " (host)" } else { "" };
    outln!("semantics: {spec}{host}")?;
    let (mut passed, mut failed) = (0, 0);
    for Case { name, text, script } in &cases {
        let comparison = procsim::conform::compare(script, spec.semantics(), args.scripts.level, harness)
            .map_err(|e| Exit::NoHarness.error(format_args!("{name}: {e}")))?;
        if comparison.agrees {
            passed += 1;
            outln!("pass {name}")?;
        } else {
            failed += 1;
            let file = name.rsplit('/').next().unwrap_or(name).trim_end_matches(".ops").replace(' ', "-");
            match comparison.save(&args.failures, &file, text) {
                Ok(base) => outln!("FAIL {name} (saved as {}.*)", base.display())?,
                Err(e) => outln!("FAIL {name} (not saved: {e})")?,
            }
        }
    }
    outln!("{passed} passed, {failed} failed")?;
    Ok(if failed > 0 { Exit::Mismatch } else { Exit::Success })
}
