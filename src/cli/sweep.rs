//! `procsim sweep`: a scenario over seeds and parameter values, on every
//! core, or one shard of it as a task of a cluster's array job.

use super::exit::{Exit, Outcome};
use super::inputs::{load_scenario, resolve};
use super::output::{self, outln};
use super::run::{LimitArgs, stopped_exit};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use procsim::engine::Stop;
use procsim::harness;
use procsim::io::results::Folder;
use procsim::semantics::Requested;
use procsim::sweep::execute::execute;
use procsim::sweep::tables::{Manifest, RunRow, RunStatus, TABLES, Tables, point_id};
use procsim::sweep::{Plan, Seeds, Setting, Shard};
use std::io::IsTerminal;
use std::path::{Path, PathBuf};

#[derive(clap::Args)]
pub struct SweepArgs {
    /// The scenario file [default: the built-in `default`, scenarios/default.toml].
    scenario: Option<PathBuf>,
    /// The seeds, A..B with both included (`1..64` is 64 seeds) [default: the `seeds` of the
    /// scenario's [sweep] table].
    #[arg(long, value_name = "A..B", value_parser = str::parse::<Seeds>)]
    seeds: Option<Seeds>,
    /// A value of a scenario key, VALUE one TOML value (`shells.suspend=0.5`,
    /// `duration="10min"`); repeat a key once per value. The points are every combination.
    #[arg(long = "set", value_name = "KEY=VALUE")]
    set: Vec<String>,
    /// Runs at once [default: the number of cores].
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..))]
    jobs: Option<u32>,
    /// Where to write the tables [default: results/<scenario>-sweep, or
    /// results/<scenario>-sweep-shard<I> for a shard].
    #[arg(long)]
    out: Option<PathBuf>,
    /// Make only shard I of N: the runs whose index is I modulo N [default: from Slurm's
    /// SLURM_ARRAY_TASK_* variables, or Kubernetes' JOB_COMPLETION_INDEX with --shards].
    #[arg(long, value_name = "I/N", value_parser = str::parse::<Shard>, conflicts_with = "shards")]
    shard: Option<Shard>,
    /// The number of shards, when JOB_COMPLETION_INDEX (a Kubernetes Indexed Job) gives the
    /// shard.
    #[arg(long, value_name = "N")]
    shards: Option<u64>,
    #[command(flatten)]
    limits: LimitArgs,
}

/// Runs a sweep (or its shard) and writes its tables. Exit 8 when a run
/// failed, 130 or 143 when SIGINT or SIGTERM stopped it.
pub fn sweep(args: SweepArgs, harness: &harness::Options) -> Outcome {
    let base = load_scenario(args.scenario.as_deref(), None, None, None, harness)?;
    let file = args.scenario.as_ref().map_or_else(|| format!("{} (built in)", base.name), |p| p.display().to_string());
    let settings = args.set.iter().map(|s| s.parse::<Setting>()).collect::<Result<Vec<_>, _>>()?;
    let plan = Plan::new(&base, &file, settings, args.seeds, || resolve(Requested::Host, harness))?;
    let jobs = args.jobs.map_or_else(|| std::thread::available_parallelism().map_or(1, usize::from), |n| n as usize);
    let limits = args.limits.limits(jobs)?;
    plan.check_budget(limits.max_events_per_tick)?;
    let shard = shard(args.shard, args.shards)?;
    let runs: Vec<u64> = shard.runs(plan.runs()).collect();
    if shard != Shard::WHOLE {
        eprintln!("shard {shard}: {} of the sweep's {} runs", runs.len(), plan.runs());
    }
    let dir = args.out.unwrap_or_else(|| {
        let suffix = if shard == Shard::WHOLE { String::new() } else { format!("-shard{}", shard.index) };
        let dir = PathBuf::from(format!("results/{}-sweep{suffix}", base.name));
        output::note_replacing(&dir, &TABLES);
        dir
    });
    let folder = hold(&dir)?;
    let bar = progress(runs.len() as u64);
    let done = |run: &procsim::sweep::plan::PlannedRun, row: &RunRow| {
        if row.status == RunStatus::Failed {
            bar.suspend(|| {
                eprintln!("run {} (point {}, seed {}) failed: {}", run.index, point_id(run.point), run.seed, row.error)
            });
        }
        bar.inc(1);
    };
    let rows = execute(&plan, &runs, jobs, &limits, folder.dir(), &done);
    bar.finish_and_clear();
    let rows = rows.map_err(|e| Exit::CannotWrite.error(e))?;
    let manifest = Manifest {
        sweep_id: plan.id(),
        scenario: base.name.clone(),
        procsim_version: env!("CARGO_PKG_VERSION").to_owned(),
        procsim_commit: procsim::COMMIT.to_owned(),
        points: plan.points.len(),
        seeds: plan.seeds.to_string(),
        runs: plan.runs(),
        shard,
    };
    let points: Vec<Vec<String>> = (0..plan.points.len()).map(|i| plan.point_cells(i)).collect();
    let parameters: Vec<String> = plan.points[0].scenario.parameters().into_iter().map(|(key, _)| key).collect();
    let tables =
        Tables { manifest: &manifest, keys: &plan.keys, points: &points, parameters: &parameters, runs: &rows };
    tables.write(folder.dir()).map_err(|e| Exit::CannotWrite.error(e))?;
    report(&manifest, &rows, &dir)?;
    let signal = limits.interrupt.as_ref().and_then(|i| i.raised());
    Ok(match signal {
        Some(signal) => stopped_exit(&Stop::Interrupted { signal }),
        None if rows.iter().any(|r| r.status == RunStatus::Failed) => Exit::RunsFailed,
        None => Exit::Success,
    })
}

/// The shard to make: `--shard`, else the environment's (said on stderr),
/// else the whole sweep.
fn shard(flag: Option<Shard>, shards: Option<u64>) -> Outcome<Shard> {
    if let Some(shard) = flag {
        return Ok(shard);
    }
    match Shard::from_env(|name| std::env::var(name).ok(), shards) {
        Ok(Some((shard, source))) => {
            eprintln!("note: making shard {shard} of the sweep, from {source}");
            Ok(shard)
        }
        Ok(None) => Ok(Shard::WHOLE),
        Err(message) => Err(Exit::BadInput.error(message)),
    }
}

/// Holds a sweep's folder, saying what it removed.
pub fn hold(dir: &Path) -> Outcome<Folder> {
    let folder = Folder::hold(dir, &TABLES).map_err(|e| Exit::CannotWrite.error(e))?;
    for stale in folder.stale() {
        eprintln!("removed {}, left by a sweep that did not finish", stale.display());
    }
    Ok(folder)
}

/// A progress bar over `runs` runs, on stderr when it is a terminal.
fn progress(runs: u64) -> ProgressBar {
    let target =
        if std::io::stderr().is_terminal() { ProgressDrawTarget::stderr() } else { ProgressDrawTarget::hidden() };
    let bar = ProgressBar::with_draw_target(Some(runs), target);
    bar.set_style(
        ProgressStyle::with_template("{bar:40} {pos}/{len} runs [{elapsed}<{eta}]").expect("a valid template"),
    );
    bar
}

/// The lines a sweep (or a merge) ends with: what it made, and where.
pub fn report(manifest: &Manifest, rows: &[RunRow], dir: &Path) -> Outcome<()> {
    let count = |status| rows.iter().filter(|r| r.status == status).count();
    let shard = if manifest.shard == Shard::WHOLE { String::new() } else { format!(", shard {}", manifest.shard) };
    outln!(
        "{} sweep {}: {} points × seeds {} = {} runs{shard}",
        manifest.scenario,
        manifest.sweep_id,
        manifest.points,
        manifest.seeds,
        manifest.runs
    )?;
    outln!(
        "{:<18} {} complete, {} failed, {} interrupted",
        "runs",
        count(RunStatus::Complete),
        count(RunStatus::Failed),
        count(RunStatus::Interrupted)
    )?;
    outln!("{:<18} {}", "results", dir.display())
}
