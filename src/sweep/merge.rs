//! Merging a sweep's shards: the folders each task of an array job wrote,
//! combined into exactly the files one machine's sweep writes, byte for
//! byte.
//!
//! The shards must be of one sweep (the same sweep id, made by the same
//! build of procsim), each given once, and all there: shard `I` of `N`
//! for every `I` below `N`. The runs are put back in the plan's order — run
//! `k` is the `k / N`-th of shard `k mod N` — and their rows of
//! `metrics.csv` with them, streamed (the file can be far larger than
//! memory); `summary.csv` is computed from the merged `runs.csv` by the
//! code a whole sweep uses.

use super::shard::Shard;
use super::tables::{METRICS, Manifest, MetricsFile, POINTS, RunRow, Tables, read_runs, read_table};
use crate::io::results::ResultsError;
use crate::io::tables::metrics_header;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};

/// Why shards could not be merged.
#[derive(Debug, thiserror::Error)]
pub enum MergeError {
    /// The shards are not the whole of one sweep, or not a sweep's: the
    /// message says which and why.
    #[error("{0}")]
    Refused(String),
    /// The merged tables could not be written.
    #[error(transparent)]
    Results(#[from] ResultsError),
}

/// What was merged.
#[derive(Clone, Debug)]
pub struct Merged {
    pub manifest: Manifest,
    /// The runs, in the plan's order.
    pub runs: Vec<RunRow>,
}

/// Shards checked to be the whole of one sweep, and read but for their
/// `metrics.csv`.
#[derive(Clone, Debug)]
pub struct Shards {
    manifest: Manifest,
    /// The shards' folders, by shard index.
    order: Vec<PathBuf>,
    keys: Vec<String>,
    points: Vec<Vec<String>>,
    parameters: Vec<String>,
    runs: Vec<RunRow>,
}

/// Checks that the folders `shards` are the whole of one sweep, and reads
/// them.
pub fn check(shards: &[PathBuf]) -> Result<Shards, MergeError> {
    let refuse = |message: String| MergeError::Refused(message);
    if shards.is_empty() {
        return Err(refuse("no shards given".to_owned()));
    }
    let manifests: Vec<Manifest> =
        shards.iter().map(|dir| Manifest::read(dir)).collect::<Result<_, _>>().map_err(refuse)?;
    let first = &manifests[0];
    let count = first.shard.count;
    let name = |i: usize| shards[i].display().to_string();
    for (i, m) in manifests.iter().enumerate().skip(1) {
        let differs = if m.sweep_id != first.sweep_id {
            Some(format!("sweep {} and sweep {}", first.sweep_id, m.sweep_id))
        } else if m.shard.count != count {
            Some(format!("a sweep in {count} shards and one in {}", m.shard.count))
        } else if (&m.procsim_version, &m.procsim_commit) != (&first.procsim_version, &first.procsim_commit) {
            Some(format!(
                "procsim {} ({}) and procsim {} ({})",
                first.procsim_version, first.procsim_commit, m.procsim_version, m.procsim_commit
            ))
        } else {
            None
        };
        if let Some(differs) = differs {
            return Err(refuse(format!("{} and {} are not shards of one sweep: {differs}", name(0), name(i))));
        }
    }
    let mut by_index: Vec<Option<usize>> = vec![None; count as usize];
    for (i, m) in manifests.iter().enumerate() {
        if let Some(earlier) = by_index[m.shard.index as usize].replace(i) {
            return Err(refuse(format!("shard {} is given twice: {} and {}", m.shard, name(earlier), name(i))));
        }
    }
    let missing: Vec<String> =
        by_index.iter().enumerate().filter(|(_, s)| s.is_none()).map(|(i, _)| format!("{i}/{count}")).collect();
    if !missing.is_empty() {
        return Err(refuse(format!("shard {} of sweep {} is missing", missing.join(", "), first.sweep_id)));
    }
    let order: Vec<PathBuf> = by_index.iter().map(|i| shards[i.expect("every shard is there")].clone()).collect();

    let points = read_table(&order[0].join(POINTS)).map_err(refuse)?;
    let mut parameters = None;
    let mut runs_by_shard = Vec::new();
    for (index, dir) in order.iter().enumerate() {
        if read_table(&dir.join(POINTS)).map_err(refuse)? != points {
            return Err(refuse(format!("{}: its points.csv differs from {}'s", dir.display(), order[0].display())));
        }
        let (names, rows) = read_runs(dir).map_err(refuse)?;
        if *parameters.get_or_insert_with(|| names.clone()) != names {
            return Err(refuse(format!("{}: its runs.csv has other parameters", dir.display())));
        }
        let expected = Shard { index: index as u64, count }.runs(first.runs).count();
        if rows.len() != expected {
            return Err(refuse(format!(
                "{}: runs.csv has {} runs where shard {index}/{count} has {expected}",
                dir.display(),
                rows.len()
            )));
        }
        runs_by_shard.push(rows.into_iter());
    }
    let runs: Vec<RunRow> =
        (0..first.runs).map(|k| runs_by_shard[(k % count) as usize].next().expect("each shard has its runs")).collect();
    Ok(Shards {
        manifest: Manifest { shard: Shard::WHOLE, ..first.clone() },
        keys: points.header.iter().skip(2).cloned().collect(),
        points: points.rows.iter().map(|row| row.iter().skip(2).cloned().collect()).collect(),
        parameters: parameters.unwrap_or_default(),
        order,
        runs,
    })
}

impl Shards {
    /// Writes the merged sweep into `out` (a folder the caller holds).
    pub fn write(self, out: &Path) -> Result<Merged, MergeError> {
        merge_metrics(out, &self.order, &self.runs)?;
        let tables = Tables {
            manifest: &self.manifest,
            keys: &self.keys,
            points: &self.points,
            parameters: &self.parameters,
            runs: &self.runs,
        };
        tables.write(out)?;
        Ok(Merged { manifest: self.manifest, runs: self.runs })
    }
}

/// Writes `metrics.csv` in `out`: each run's rows, in the order of `runs`,
/// taken from its shard's file (run `k` from shard `k mod N`).
fn merge_metrics(out: &Path, shards: &[PathBuf], runs: &[RunRow]) -> Result<(), MergeError> {
    let mut merged = MetricsFile::create(out)?;
    let mut readers = Vec::new();
    for dir in shards {
        let path = dir.join(METRICS);
        let file = std::fs::File::open(&path).map_err(|source| ResultsError { path: path.clone(), source })?;
        let mut reader = Lines { reader: BufReader::new(file), line: String::new(), path };
        reader.advance()?;
        if reader.line.trim_end() != metrics_header().join(",") {
            let message = "not the metrics.csv of this version of procsim (its header differs)";
            return Err(MergeError::Refused(format!("{}: {message}", reader.path.display())));
        }
        reader.advance()?;
        readers.push(reader);
    }
    let count = shards.len();
    for (k, run) in runs.iter().enumerate() {
        let reader = &mut readers[k % count];
        while reader.line.split(',').next() == Some(run.run_id.as_str()) {
            merged.write(reader.line.as_bytes())?;
            reader.advance()?;
        }
    }
    if let Some(left) = readers.iter().find(|r| !r.line.is_empty()) {
        return Err(MergeError::Refused(format!(
            "{}: rows of a run that is not in its runs.csv, or out of order: {}",
            left.path.display(),
            left.line.trim_end()
        )));
    }
    merged.commit()?;
    Ok(())
}

/// A table read a line at a time; `line` is empty at its end.
struct Lines {
    reader: BufReader<std::fs::File>,
    line: String,
    path: PathBuf,
}

impl Lines {
    fn advance(&mut self) -> Result<(), ResultsError> {
        self.line.clear();
        self.reader.read_line(&mut self.line).map_err(|source| ResultsError { path: self.path.clone(), source })?;
        Ok(())
    }
}
