//! `procsim compare`: two semantics on the same scripts, or on a scenario's
//! workload, and the decisions that explain every difference.

use super::exit::{Exit, Outcome};
use super::inputs::{
    Case, SIMULATOR_SPEAKS, Scripts, load_cases, load_scenario, positive_duration, resolve, runs_under,
    scenario_runs_under,
};
use super::output::{self, out, outln};
use procsim::compare::Summary;
use procsim::engine::SimDuration;
use procsim::harness;
use procsim::semantics::{Requested, Spec};
use std::path::PathBuf;

#[derive(clap::Args)]
pub struct CompareArgs {
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

/// The differing fields of each script that diverges between `--base` and
/// `--against`, each with its explanation, then a count by decision; or, for
/// a scenario, its divergences' count by kind, and `divergences.csv`. Exit 2
/// on bad input, 5 when the table cannot be written.
pub fn compare(args: CompareArgs, harness: &harness::Options) -> Outcome {
    let base = resolve(args.base, harness)?;
    let against = resolve(args.against, harness)?;
    let scripts = args.scripts;
    let same = if base == against { " (the same semantics: nothing differs)" } else { "" };
    if let [path] = scripts.paths.as_slice()
        && path.extension().is_some_and(|e| e == "toml")
    {
        let scenario = load_scenario(Some(path), scripts.seed, args.duration, None, harness)?;
        scenario_runs_under(Some(path), &scenario, base)?;
        scenario_runs_under(Some(path), &scenario, against)?;
        outln!(
            "{} (seed {}): {} under {base}, replayed under {against}{same}",
            scenario.name,
            scenario.seed,
            scenario.duration
        )?;
        let report = procsim::compare::scenario::compare(&scenario, base, against);
        let dir = args.out.unwrap_or_else(|| {
            let dir = PathBuf::from(format!("results/{}-seed{}-{base}-vs-{against}", scenario.name, scenario.seed));
            output::note_replacing(&dir, &["divergences.csv"]);
            dir
        });
        report.write(&dir).map_err(|e| Exit::CannotWrite.error(e))?;
        out!("{report}")?;
        outln!("{:<18} {}", "divergences", dir.join("divergences.csv").display())?;
        return Ok(Exit::Success);
    }
    let cases = load_cases(&scripts, SIMULATOR_SPEAKS)?;
    for Case { name, script, .. } in &cases {
        runs_under(name, script, &base)?;
        runs_under(name, script, &against)?;
    }
    outln!("replaying under {base}, then under {against}{same}")?;
    let mut summary = Summary::default();
    for Case { name, script, .. } in &cases {
        let comparison = procsim::compare::compare(script, base.semantics(), against.semantics(), scripts.level);
        if !comparison.differences.is_empty() {
            outln!("== {name}: {} lines differ ({base}, then {against})", comparison.differing_lines())?;
            out!("{comparison}")?;
        }
        summary.add(name, &comparison);
    }
    out!("{summary}")?;
    Ok(Exit::Success)
}
