//! The tables of a sweep, each tidy (one row per observation, one column
//! per variable) and each starting with the identity of what its rows are:
//!
//! * `sweep.csv`, one row: the sweep's id, the scenario, procsim's version
//!   and commit, the numbers of points and runs, the seeds, and the shard
//!   these files hold (`0` of `1` for a whole sweep);
//! * `points.csv`: one row per point — the sweep's id, the point's id
//!   (`p0`, `p1`, …) and the value of each swept key;
//! * `runs.csv`: one row per run — its run id, point, seed and status
//!   (`complete`, `failed` or `interrupted`), every parameter in effect, the
//!   run's summary figures (counts and peaks, the same on every machine:
//!   never a wall-clock time), and for a failed run what went wrong;
//! * `metrics.csv`: `procsim run`'s `metrics.csv`, one row per run and tick,
//!   the runs in the plan's order, each starting with its run id;
//! * `summary.csv` (a whole sweep only): one row per point and figure —
//!   the sweep's id, the point and its values, the figure, and over the
//!   point's complete runs `n`, `mean`, `sd`, the 95% confidence interval
//!   of the mean (`ci95_low`, `ci95_high`: [`super::stats`]), `min` and
//!   `max`.
//!
//! A run that did not complete keeps its row in `runs.csv` (with the
//! figures it reached, if it started) and does not count in `n`.

use super::shard::Shard;
use super::stats::Spread;
use crate::io::partial::PartialFile;
use crate::io::results::{ResultsError, Table};
use crate::io::summary::Summary;
use crate::io::tables::metrics_header;
use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};

pub const SWEEP: &str = "sweep.csv";
pub const POINTS: &str = "points.csv";
pub const RUNS: &str = "runs.csv";
pub const METRICS: &str = "metrics.csv";
pub const SUMMARY: &str = "summary.csv";

/// Every table of a sweep's folder.
pub const TABLES: [&str; 5] = [SWEEP, POINTS, RUNS, METRICS, SUMMARY];

/// The columns of `runs.csv` before the parameters.
const RUN_COLUMNS: [&str; 4] = ["run_id", "point", "seed", "status"];

/// The figures of `runs.csv` before [`Summary::FIGURES`]; the summary
/// covers `start_population` and what follows it.
const RUN_FIGURES: [&str; 2] = ["stopped_at_ns", "start_population"];

/// The columns of `summary.csv` after the figure's name.
const SPREAD_COLUMNS: [&str; 7] = ["n", "mean", "sd", "ci95_low", "ci95_high", "min", "max"];

/// The names of the figures of `runs.csv`, in order.
pub fn figure_names() -> impl Iterator<Item = &'static str> {
    RUN_FIGURES.into_iter().chain(Summary::FIGURES)
}

/// The figures `summary.csv` summarises: all but when the run stopped and
/// how many ticks it had, which a complete run's duration fixes.
fn summarised() -> impl Iterator<Item = (usize, &'static str)> {
    figure_names().enumerate().filter(|(_, name)| !matches!(*name, "stopped_at_ns" | "ticks"))
}

/// How a run of a sweep ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RunStatus {
    /// It covered its whole duration.
    Complete,
    /// It could not: it panicked, the memory guard or the events budget
    /// stopped it, or its rows could not be written.
    Failed,
    /// SIGINT or SIGTERM stopped it, or came before it started.
    Interrupted,
}

impl RunStatus {
    pub fn name(self) -> &'static str {
        match self {
            RunStatus::Complete => "complete",
            RunStatus::Failed => "failed",
            RunStatus::Interrupted => "interrupted",
        }
    }

    fn parse(name: &str) -> Option<RunStatus> {
        [RunStatus::Complete, RunStatus::Failed, RunStatus::Interrupted].into_iter().find(|s| s.name() == name)
    }
}

/// One row of `runs.csv`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RunRow {
    pub run_id: String,
    /// The place of its point among the sweep's.
    pub point: usize,
    pub seed: u64,
    pub status: RunStatus,
    /// The values of the parameters, in the order of the table's columns.
    pub parameters: Vec<String>,
    /// The figures, in the order of [`figure_names`]; `None` for a run that
    /// never started.
    pub figures: Option<Vec<u64>>,
    /// What went wrong, for a failed run.
    pub error: String,
}

impl RunRow {
    fn cells(&self) -> Vec<String> {
        let fixed = [self.run_id.clone(), point_id(self.point), self.seed.to_string(), self.status.name().to_owned()];
        let figures: Vec<String> = match &self.figures {
            Some(figures) => figures.iter().map(u64::to_string).collect(),
            None => figure_names().map(|_| String::new()).collect(),
        };
        fixed.into_iter().chain(self.parameters.iter().cloned()).chain(figures).chain([self.error.clone()]).collect()
    }

    /// Reads a row of `runs.csv` with `parameters` parameter columns.
    fn parse(record: &csv::StringRecord, parameters: usize) -> Result<RunRow, String> {
        let field = |i: usize| record.get(i).unwrap_or_default();
        let figures_at = RUN_COLUMNS.len() + parameters;
        let figures: Vec<&str> = (figures_at..figures_at + figure_names().count()).map(field).collect();
        let figures = if figures.iter().all(|f| f.is_empty()) {
            None
        } else {
            Some(
                figures
                    .iter()
                    .map(|f| f.parse::<u64>().map_err(|_| format!("`{f}` is not a figure")))
                    .collect::<Result<_, _>>()?,
            )
        };
        Ok(RunRow {
            run_id: field(0).to_owned(),
            point: field(1)
                .strip_prefix('p')
                .and_then(|n| n.parse().ok())
                .ok_or(format!("`{}` is not a point", field(1)))?,
            seed: field(2).parse().map_err(|_| format!("`{}` is not a seed", field(2)))?,
            status: RunStatus::parse(field(3)).ok_or(format!("`{}` is not a status", field(3)))?,
            parameters: (RUN_COLUMNS.len()..figures_at).map(|i| field(i).to_owned()).collect(),
            figures,
            error: field(figures_at + figure_names().count()).to_owned(),
        })
    }
}

/// The id of point `i`: `p0`, `p1`, …
pub fn point_id(i: usize) -> String {
    format!("p{i}")
}

/// What `sweep.csv` says.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Manifest {
    pub sweep_id: String,
    pub scenario: String,
    pub procsim_version: String,
    pub procsim_commit: String,
    pub points: usize,
    /// `A..B`.
    pub seeds: String,
    /// Runs in the whole sweep.
    pub runs: u64,
    pub shard: Shard,
}

const MANIFEST_COLUMNS: [&str; 9] =
    ["sweep_id", "scenario", "procsim_version", "procsim_commit", "points", "seeds", "runs", "shard", "shards"];

impl Manifest {
    fn cells(&self) -> [String; 9] {
        [
            self.sweep_id.clone(),
            self.scenario.clone(),
            self.procsim_version.clone(),
            self.procsim_commit.clone(),
            self.points.to_string(),
            self.seeds.clone(),
            self.runs.to_string(),
            self.shard.index.to_string(),
            self.shard.count.to_string(),
        ]
    }

    /// Reads `sweep.csv` in `dir`.
    pub fn read(dir: &Path) -> Result<Manifest, String> {
        let table = read_table(&dir.join(SWEEP))?;
        let row = match table.rows.as_slice() {
            [row] if table.header == MANIFEST_COLUMNS => row,
            _ => return Err(format!("{}: not the one row of a sweep's sweep.csv", dir.join(SWEEP).display())),
        };
        let number = |i: usize| {
            row[i].parse::<u64>().map_err(|_| format!("{}: `{}` is not a number", dir.join(SWEEP).display(), row[i]))
        };
        let shard = Shard::new(number(7)?, number(8)?).map_err(|e| format!("{}: {e}", dir.join(SWEEP).display()))?;
        Ok(Manifest {
            sweep_id: row[0].clone(),
            scenario: row[1].clone(),
            procsim_version: row[2].clone(),
            procsim_commit: row[3].clone(),
            points: number(4)? as usize,
            seeds: row[5].clone(),
            runs: number(6)?,
            shard,
        })
    }
}

/// A table read whole: its header and rows.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReadTable {
    pub header: Vec<String>,
    pub rows: Vec<Vec<String>>,
}

/// Reads a small table whole.
pub fn read_table(path: &Path) -> Result<ReadTable, String> {
    let fail = |e: &dyn std::fmt::Display| format!("{}: {e}", path.display());
    let mut reader = csv::Reader::from_path(path).map_err(|e| fail(&e))?;
    let header = reader.headers().map_err(|e| fail(&e))?.iter().map(str::to_owned).collect();
    let rows = reader
        .records()
        .map(|r| r.map(|r| r.iter().map(str::to_owned).collect()).map_err(|e| fail(&e)))
        .collect::<Result<_, _>>()?;
    Ok(ReadTable { header, rows })
}

/// Reads `runs.csv` in `dir`: its parameters' names, and its rows.
pub fn read_runs(dir: &Path) -> Result<(Vec<String>, Vec<RunRow>), String> {
    let path = dir.join(RUNS);
    let table = read_table(&path)?;
    let fixed = RUN_COLUMNS.len() + figure_names().count() + 1;
    if table.header.len() < fixed || table.header[..RUN_COLUMNS.len()] != RUN_COLUMNS {
        return Err(format!("{}: not a sweep's runs.csv", path.display()));
    }
    let parameters = table.header[RUN_COLUMNS.len()..table.header.len() - (fixed - RUN_COLUMNS.len())].to_vec();
    let rows = table.rows.iter().enumerate().map(|(i, row)| {
        RunRow::parse(&csv::StringRecord::from(row.clone()), parameters.len())
            .map_err(|e| format!("{}:{}: {e}", path.display(), i + 2))
    });
    let rows = rows.collect::<Result<_, _>>()?;
    Ok((parameters, rows))
}

/// What a sweep writes besides `metrics.csv`.
pub struct Tables<'a> {
    pub manifest: &'a Manifest,
    /// The swept keys.
    pub keys: &'a [String],
    /// Each point's values, as cells.
    pub points: &'a [Vec<String>],
    /// The names of the parameter columns of `runs.csv`.
    pub parameters: &'a [String],
    pub runs: &'a [RunRow],
}

impl Tables<'_> {
    /// Writes `points.csv`, `runs.csv`, `summary.csv` for a whole sweep,
    /// and last `sweep.csv` (a folder with a `sweep.csv` has the other
    /// tables), each whole or not at all.
    pub fn write(&self, dir: &Path) -> Result<(), ResultsError> {
        let id = &self.manifest.sweep_id;
        let header = ["sweep_id", "point"].map(str::to_owned).into_iter().chain(self.keys.iter().cloned());
        let rows =
            self.points.iter().enumerate().map(|(i, values)| {
                [id.clone(), point_id(i)].into_iter().chain(values.iter().cloned()).collect::<Vec<_>>()
            });
        Table::write(&dir.join(POINTS), header, rows)?;
        let header = RUN_COLUMNS.map(str::to_owned).into_iter().chain(self.parameters.iter().cloned());
        let header = header.chain(figure_names().map(str::to_owned)).chain(["error".to_owned()]);
        Table::write(&dir.join(RUNS), header, self.runs.iter().map(RunRow::cells))?;
        if self.manifest.shard == Shard::WHOLE {
            Table::write(&dir.join(SUMMARY), self.summary_header(), self.summary())?;
        }
        Table::write(&dir.join(SWEEP), MANIFEST_COLUMNS, [self.manifest.cells()])
    }

    fn summary_header(&self) -> Vec<String> {
        let fixed = ["sweep_id", "point"].into_iter().map(str::to_owned).chain(self.keys.iter().cloned());
        fixed.chain(["figure"].into_iter().chain(SPREAD_COLUMNS).map(str::to_owned)).collect()
    }

    /// The rows of `summary.csv`: each point's complete runs, figure by
    /// figure.
    fn summary(&self) -> Vec<Vec<String>> {
        let mut rows = Vec::new();
        for (point, values) in self.points.iter().enumerate() {
            let complete: Vec<&Vec<u64>> = self
                .runs
                .iter()
                .filter(|r| r.point == point && r.status == RunStatus::Complete)
                .filter_map(|r| r.figures.as_ref())
                .collect();
            for (figure, name) in summarised() {
                let sample: Vec<f64> = complete.iter().map(|f| f[figure] as f64).collect();
                let spread = Spread::of(&sample);
                let fixed = [self.manifest.sweep_id.clone(), point_id(point)].into_iter().chain(values.iter().cloned());
                let row = fixed.chain([name.to_owned(), spread.n.to_string()]).chain(spread.cells());
                rows.push(row.collect());
            }
        }
        rows
    }
}

/// A sweep's `metrics.csv`, written as the runs' rows are copied in, in the
/// plan's order; it takes its name only when committed.
pub struct MetricsFile {
    path: PathBuf,
    file: PartialFile,
}

impl MetricsFile {
    /// Starts `metrics.csv` in `dir`, with `procsim run`'s header.
    pub fn create(dir: &Path) -> Result<MetricsFile, ResultsError> {
        let path = dir.join(METRICS);
        let mut header = csv::Writer::from_writer(Vec::new());
        let written = header.write_record(metrics_header()).map_err(io::Error::from).and_then(|()| {
            let bytes = header.into_inner().map_err(|e| e.into_error())?;
            let mut file = PartialFile::create(&path)?;
            file.write_all(&bytes)?;
            Ok(file)
        });
        match written {
            Ok(file) => Ok(MetricsFile { path, file }),
            Err(source) => Err(ResultsError { path, source }),
        }
    }

    /// Copies the rows `rows` holds (read from `from`), as they are.
    pub fn copy(&mut self, rows: &mut impl Read, from: &Path) -> Result<(), ResultsError> {
        let mut buffer = vec![0; 1 << 16];
        loop {
            let n = match rows.read(&mut buffer) {
                Ok(0) => return Ok(()),
                Ok(n) => n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(source) => return Err(ResultsError { path: from.to_owned(), source }),
            };
            self.write(&buffer[..n])?;
        }
    }

    /// Writes rows already written as CSV.
    pub fn write(&mut self, rows: &[u8]) -> Result<(), ResultsError> {
        self.file.write_all(rows).map_err(|source| ResultsError { path: self.path.clone(), source })
    }

    /// Gives the finished file its name.
    pub fn commit(self) -> Result<(), ResultsError> {
        self.file.commit().map_err(|source| ResultsError { path: self.path, source })
    }
}
