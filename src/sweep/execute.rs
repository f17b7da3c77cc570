//! Running a shard of a sweep: its runs on a rayon pool, each on one thread,
//! each the same [`execution`](crate::io::execution) as `procsim run`.
//!
//! A run's ticks go to a spool of its own (`metrics.csv.runK.partial`),
//! which is copied into `metrics.csv` as soon as every run before it in the
//! plan's order has been: the file holds the runs in that order, whatever
//! order they end in, and nothing in it depends on how many ran at once.
//!
//! A run that fails — it panics, the memory guard or the events budget
//! stops it, its rows cannot be written — is a row with status `failed`
//! and what went wrong; the others go on. Once the interrupt is raised
//! (SIGINT or SIGTERM), no run starts: those under way stop as `procsim
//! run` does, at their next check, and those not yet started are
//! `interrupted` too, with no figures.

use super::plan::{Plan, PlannedRun};
use super::tables::{METRICS, MetricsFile, RunRow, RunStatus};
use crate::engine::{Limits, Status};
use crate::io::execution::execute as execute_run;
use crate::io::results::{ResultsError, Table};
use rayon::prelude::*;
use std::collections::BTreeMap;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::{Path, PathBuf};
use std::sync::Mutex;

/// Why a sweep could not be run.
#[derive(Debug, thiserror::Error)]
pub enum ExecuteError {
    #[error(transparent)]
    Results(#[from] ResultsError),
    #[error("cannot start {jobs} threads: {source}")]
    Pool {
        jobs: usize,
        #[source]
        source: rayon::ThreadPoolBuildError,
    },
}

/// Runs `runs` (indices into `plan`) on `jobs` threads, held to `limits`
/// each (their interrupt stops the sweep), writing `metrics.csv` into `dir`
/// (a folder the caller holds); calls `done` as each run ends (or is
/// skipped). Gives the rows of `runs.csv`, in the order of `runs`.
pub fn execute(
    plan: &Plan,
    runs: &[u64],
    jobs: usize,
    limits: &Limits,
    dir: &Path,
    done: &(dyn Fn(&PlannedRun, &RunRow) + Sync),
) -> Result<Vec<RunRow>, ExecuteError> {
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(jobs)
        .build()
        .map_err(|source| ExecuteError::Pool { jobs, source })?;
    let metrics =
        Mutex::new(InOrder { file: MetricsFile::create(dir)?, next: 0, ready: BTreeMap::new(), failed: None });
    let rows: Vec<RunRow> = pool.install(|| {
        runs.par_iter()
            .enumerate()
            .map(|(position, &index)| {
                let run = plan.run(index);
                let (row, spool) = one(&run, limits, dir);
                metrics.lock().expect("no run panics while it holds the file").ready(position, spool);
                done(&run, &row);
                row
            })
            .collect()
    });
    let metrics = metrics.into_inner().expect("no run panicked while it held the file");
    if let Some(failed) = metrics.failed {
        return Err(failed.into());
    }
    metrics.file.commit()?;
    Ok(rows)
}

/// `metrics.csv`, taking each run's spool once those before it are in.
struct InOrder {
    file: MetricsFile,
    /// The position of the next run to copy.
    next: usize,
    /// Spools of runs that ended before their turn (`None`: no rows).
    ready: BTreeMap<usize, Option<PathBuf>>,
    /// The first failure to write the file: the others are not tried.
    failed: Option<ResultsError>,
}

impl InOrder {
    fn ready(&mut self, position: usize, spool: Option<PathBuf>) {
        self.ready.insert(position, spool);
        while let Some(spool) = self.ready.remove(&self.next) {
            self.next += 1;
            if let (Some(spool), None) = (spool, &self.failed) {
                self.failed = self.copy(&spool).err();
            }
        }
    }

    fn copy(&mut self, spool: &Path) -> Result<(), ResultsError> {
        let error = |source| ResultsError { path: spool.to_owned(), source };
        let mut rows = std::fs::File::open(spool).map_err(error)?;
        self.file.copy(&mut rows, spool)?;
        std::fs::remove_file(spool).map_err(error)
    }
}

/// Makes one run (unless the sweep was interrupted): its row, and its
/// spool if it wrote one.
fn one(run: &PlannedRun, limits: &Limits, dir: &Path) -> (RunRow, Option<PathBuf>) {
    let run_id = run.scenario.run_id().to_string();
    let row = |status: RunStatus, figures: Option<Vec<u64>>, error: String| RunRow {
        run_id: run_id.clone(),
        point: run.point,
        seed: run.seed,
        status,
        parameters: run.scenario.parameters().into_iter().map(|(_, value)| value).collect(),
        figures,
        error,
    };
    if limits.interrupt.as_ref().is_some_and(|i| i.raised().is_some()) {
        return (row(RunStatus::Interrupted, None, String::new()), None);
    }
    let mut spool = match Table::headless(dir.join(format!("{METRICS}.run{}", run.index))) {
        Ok(spool) => spool,
        Err(e) => return (row(RunStatus::Failed, None, e.to_string()), None),
    };
    let executed = catch_unwind(AssertUnwindSafe(|| {
        execute_run(&run.scenario, limits.clone(), false, |tick| spool.metrics_row(&run_id, tick.metrics))
    }));
    let spooled = spool.close();
    let spool = spooled.as_ref().ok().cloned();
    let result = match (executed, spooled) {
        (Err(panic), _) => row(RunStatus::Failed, None, format!("panicked: {}", panic_message(&*panic))),
        (Ok(Err(e)), _) | (Ok(Ok(_)), Err(e)) => row(RunStatus::Failed, None, e.to_string()),
        (Ok(Ok(Err(outgrown))), Ok(_)) => row(RunStatus::Failed, None, format!("stopped before the start: {outgrown}")),
        (Ok(Ok(Ok(execution))), Ok(_)) => {
            let figures = [execution.end.stopped_at.nanos(), execution.start_population]
                .into_iter()
                .chain(execution.summary.figures())
                .collect();
            match (execution.end.status, execution.stopped) {
                (Status::Complete, _) => row(RunStatus::Complete, Some(figures), String::new()),
                (Status::Interrupted, _) => row(RunStatus::Interrupted, Some(figures), String::new()),
                (_, stopped) => {
                    let why = stopped.map(|s| s.reason.to_string()).unwrap_or_default();
                    let at = execution.end.stopped_at.nanos();
                    row(RunStatus::Failed, Some(figures), format!("stopped at {at}ns: {why}"))
                }
            }
        }
    };
    (result, spool)
}

/// What a panic said.
fn panic_message(payload: &(dyn std::any::Any + Send)) -> &str {
    payload
        .downcast_ref::<&str>()
        .copied()
        .or_else(|| payload.downcast_ref::<String>().map(String::as_str))
        .unwrap_or("(no message)")
}
