//! `procsim probe`: which Linux the running kernel is.

use super::exit::{Exit, Outcome};
use super::output::{out, outln};
use procsim::harness;
use procsim::probe;
use std::path::PathBuf;

#[derive(clap::Args)]
pub struct ProbeArgs {
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

/// The kernel, how the harness runs, which variants hold, and last
/// `semantics: SPEC`. Exit 4 when the harness cannot run, 1 when the kernel
/// matches no known Linux (with the diff, and no `semantics:` line), 2 when
/// `--reports` cannot be read.
pub fn probe(args: ProbeArgs, harness: &harness::Options) -> Outcome {
    if let Some(dir) = &args.write_scripts {
        std::fs::create_dir_all(dir)
            .and_then(|()| {
                let write =
                    |p: &probe::scripts::ProbeScript| std::fs::write(dir.join(format!("{}.ops", p.name)), p.text);
                probe::scripts::SCRIPTS.iter().try_for_each(write)
            })
            .map_err(|e| Exit::CannotWrite.error(format_args!("{}: {e}", dir.display())))?;
        return Ok(Exit::Success);
    }
    let findings = match &args.reports {
        Some(dir) => {
            let reports = probe::read_reports(dir).map_err(|e| Exit::BadInput.error(e))?;
            let mut findings = probe::Findings::new(probe::Uname::current());
            findings.result = Some(probe::classify(&reports));
            findings
        }
        None => probe::probe(harness),
    };
    if args.json {
        outln!("{}", findings.to_json())?;
    } else {
        out!("{findings}")?;
    }
    Ok(match (&findings.harness, findings.spec()) {
        (Some(Err(_)), _) => Exit::NoHarness,
        (_, Some(_)) => Exit::Success,
        (_, None) => Exit::Mismatch,
    })
}
