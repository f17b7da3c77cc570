//! The time series a plot shows, read from a run's folder (`run.csv`,
//! `metrics.csv`) or a sweep's (`sweep.csv`, `points.csv`, `runs.csv`,
//! `metrics.csv`).
//!
//! A series keeps at most [`MAX_SAMPLES`] ticks, evenly spaced (and the
//! last), so that an hour in ticks of 100 ms is not 36 000 points per line
//! (a pixel is wider than a sample still);
//! the totals are summed over every tick all the same. A sweep's series are
//! taken over each point's complete runs only, tick by tick: the mean of the
//! runs at that tick, and the confidence interval of that mean.

use super::PlotError;
use crate::sweep::stats::Spread;
use crate::sweep::tables::{self, Manifest, RunStatus};
use std::collections::BTreeMap;
use std::path::Path;

/// The most ticks a series keeps.
pub const MAX_SAMPLES: u64 = 600;

/// A figure plotted: its title, the column of `metrics.csv` it comes from,
/// and whether it is shown as the total so far.
#[derive(Clone, Copy, Debug)]
pub struct Figure {
    pub title: &'static str,
    pub column: &'static str,
    pub cumulative: bool,
}

/// The figures, in the order of the panels.
pub const FIGURES: [Figure; 5] = [
    Figure { title: "live processes", column: "live", cumulative: false },
    Figure { title: "stopped processes", column: "stopped", cumulative: false },
    Figure { title: "orphaned process groups", column: "orphaned_groups", cumulative: false },
    Figure { title: "orphaned groups signalled (total)", column: "orphan_pairs", cumulative: true },
    Figure { title: "deaths by signal (total)", column: "deaths_by_signal", cumulative: true },
];

/// A value of a series at one tick: the mean, and for a sweep the
/// confidence interval of the mean (absent with fewer than two runs).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Sample {
    pub minutes: f64,
    pub mean: f64,
    pub band: Option<(f64, f64)>,
}

/// One line per figure: a run, or a point of a sweep.
#[derive(Clone, Debug, PartialEq)]
pub struct Line {
    pub label: String,
    /// Complete runs behind it.
    pub runs: usize,
    /// One series per [`FIGURES`].
    pub series: Vec<Vec<Sample>>,
}

/// What a plot shows.
#[derive(Clone, Debug, PartialEq)]
pub struct Plot {
    pub title: String,
    pub lines: Vec<Line>,
}

/// Reads the run or the sweep in `dir`.
pub fn read(dir: &Path) -> Result<Plot, PlotError> {
    if dir.join(tables::SWEEP).exists() {
        read_sweep(dir)
    } else if dir.join("run.csv").exists() {
        read_run(dir)
    } else {
        Err(PlotError::Input(format!(
            "{}: holds neither a run (run.csv) nor a sweep (sweep.csv): give the folder `procsim run` or `procsim \
             sweep` wrote",
            dir.display()
        )))
    }
}

fn input(e: impl std::fmt::Display) -> PlotError {
    PlotError::Input(e.to_string())
}

fn read_run(dir: &Path) -> Result<Plot, PlotError> {
    let run = tables::read_table(&dir.join("run.csv")).map_err(input)?;
    let row = run.rows.first().ok_or_else(|| input(format!("{}: no run", dir.join("run.csv").display())))?;
    let column = |name: &str| run.header.iter().position(|c| c == name).map(|i| row[i].as_str()).unwrap_or_default();
    let ticks =
        column("duration_ns").parse::<u64>().unwrap_or(0) / column("tick_ns").parse::<u64>().unwrap_or(1).max(1);
    let runs = BTreeMap::from([(column("run_id").to_owned(), (0, ticks))]);
    let mut lines = collect(dir, &runs, 1)?;
    lines[0].label = format!("seed {}", column("seed"));
    let title =
        format!("{} (seed {}, run {}, {})", column("scenario"), column("seed"), column("run_id"), column("status"));
    Ok(Plot { title, lines })
}

fn read_sweep(dir: &Path) -> Result<Plot, PlotError> {
    let manifest = Manifest::read(dir).map_err(input)?;
    let points = tables::read_table(&dir.join(tables::POINTS)).map_err(input)?;
    let (_, runs) = tables::read_runs(dir).map_err(input)?;
    let ticks_at = tables::figure_names().position(|name| name == "ticks").expect("runs.csv has ticks");
    let complete = runs
        .iter()
        .filter(|r| r.status == RunStatus::Complete)
        .filter_map(|r| r.figures.as_ref().map(|f| (r.run_id.clone(), (r.point, f[ticks_at]))));
    let mut lines = collect(dir, &complete.collect(), points.rows.len())?;
    for (line, row) in lines.iter_mut().zip(&points.rows) {
        let values: Vec<String> = points.header.iter().zip(row).skip(2).map(|(k, v)| format!("{k}={v}")).collect();
        line.label = if values.is_empty() { manifest.scenario.clone() } else { values.join(", ") };
    }
    lines.retain(|line| line.runs > 0);
    let shard = if manifest.shard == crate::sweep::Shard::WHOLE {
        String::new()
    } else {
        format!(", shard {}", manifest.shard)
    };
    let title = format!(
        "{} sweep {} (seeds {}{shard}): mean and 95% confidence interval over the complete runs",
        manifest.scenario, manifest.sweep_id, manifest.seeds
    );
    Ok(Plot { title, lines })
}

/// The series of `metrics.csv` in `dir`, one line per point, over the runs
/// of `runs` (run id: its point, and its ticks); rows of other runs are
/// passed over.
fn collect(dir: &Path, runs: &BTreeMap<String, (usize, u64)>, points: usize) -> Result<Vec<Line>, PlotError> {
    let path = dir.join(tables::METRICS);
    let fail = |e: &dyn std::fmt::Display| input(format!("{}: {e}", path.display()));
    let mut reader = csv::Reader::from_path(&path).map_err(|e| fail(&e))?;
    let header = reader.byte_headers().map_err(|e| fail(&e))?.clone();
    let at =
        |name: &str| header.iter().position(|c| c == name.as_bytes()).ok_or_else(|| fail(&format!("no column {name}")));
    let time = at("time_ns")?;
    let columns: Vec<usize> = FIGURES.iter().map(|f| at(f.column)).collect::<Result<_, _>>()?;
    let stride = |ticks: u64| ticks.div_ceil(MAX_SAMPLES).max(1);
    // By point: the time of each kept tick, and each figure's values there.
    let mut times: Vec<Vec<u64>> = vec![Vec::new(); points];
    let mut values: Vec<Vec<Vec<Vec<f64>>>> = vec![vec![Vec::new(); FIGURES.len()]; points];
    let mut counts = vec![0; points];
    let mut current: Option<(Vec<u8>, usize, u64)> = None;
    let (mut tick, mut totals) = (0u64, [0u64; FIGURES.len()]);
    let mut record = csv::ByteRecord::new();
    while reader.read_byte_record(&mut record).map_err(|e| fail(&e))? {
        let id = &record[0];
        if current.as_ref().is_none_or(|(c, _, _)| c != id) {
            let known = std::str::from_utf8(id).ok().and_then(|id| runs.get(id));
            current = known.map(|&(point, ticks)| (id.to_vec(), point, ticks));
            if let Some((_, point, _)) = current {
                counts[point] += 1;
            }
            (tick, totals) = (0, [0; FIGURES.len()]);
        }
        let Some((_, point, ticks)) = current else { continue };
        let number = |i: usize| std::str::from_utf8(&record[i]).ok().and_then(|t| t.parse::<u64>().ok()).unwrap_or(0);
        for (f, figure) in FIGURES.iter().enumerate() {
            totals[f] = if figure.cumulative { totals[f] + number(columns[f]) } else { number(columns[f]) };
        }
        tick += 1;
        if tick % stride(ticks) == 0 || tick == ticks {
            let k = ((tick - 1) / stride(ticks)) as usize;
            if counts[point] == 1 {
                times[point].push(number(time));
            }
            for (f, total) in totals.iter().enumerate() {
                let samples = &mut values[point][f];
                if samples.len() <= k {
                    samples.resize(k + 1, Vec::new());
                }
                samples[k].push(*total as f64);
            }
        }
    }
    let lines = (0..points).map(|point| Line {
        label: String::new(),
        runs: counts[point],
        series: values[point]
            .iter()
            .map(|figure| {
                figure
                    .iter()
                    .zip(&times[point])
                    .map(|(sample, &time)| {
                        let spread = Spread::of(sample);
                        Sample { minutes: time as f64 / 6e10, mean: spread.mean.unwrap_or(0.0), band: spread.ci }
                    })
                    .collect()
            })
            .collect(),
    });
    Ok(lines.collect())
}
