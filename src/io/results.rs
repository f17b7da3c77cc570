//! The results directory of a run: `run.csv`, `metrics.csv` and, when asked
//! for, `events.csv` ([`crate::io::tables`]).
//!
//! The tables are written as the run goes, under temporary names, and all
//! renamed together when it ends ([`crate::io::partial`]). Finished tables
//! left by an earlier run into the same directory are removed first, so the
//! directory never mixes the whole files of two runs; so are the `.partial`
//! files of a run that was killed ([`Results::stale`] names them).
//!
//! A run holds the directory for as long as it writes there ([`Folder`]):
//! an exclusive `flock` on the directory itself (std's [`File::try_lock`],
//! which is `flock(LOCK_EX | LOCK_NB)` on Linux). A second run into the same
//! directory is refused at once, before it touches anything. The lock is the
//! open directory, not a file in it: it leaves nothing behind, and the kernel
//! drops it when the run ends, however it ends (even by SIGKILL), so a stale
//! lock cannot outlive its run. A sweep ([`crate::sweep`]) holds its folder
//! the same way.

use crate::engine::{RunEnd, TickMetrics, TickReport};
use crate::io::partial::PartialFile;
use crate::io::tables;
use crate::workload::{RunId, Scenario};
use std::fs::{File, TryLockError};
use std::io;
use std::path::{Path, PathBuf};

/// The file names of the tables.
const RUN: &str = "run.csv";
const METRICS: &str = "metrics.csv";
const EVENTS: &str = "events.csv";

/// What went wrong writing the results, and where.
#[derive(Debug, thiserror::Error)]
#[error("{}: {source}", path.display())]
pub struct ResultsError {
    pub path: PathBuf,
    #[source]
    pub source: io::Error,
}

/// One table being written: it takes its own name only when committed.
pub(crate) struct Table {
    path: PathBuf,
    writer: csv::Writer<PartialFile>,
}

impl Table {
    /// Starts `path` with its header.
    pub(crate) fn create<I: AsRef<[u8]>>(
        path: PathBuf,
        header: impl IntoIterator<Item = I>,
    ) -> Result<Table, ResultsError> {
        let mut table = Table::headless(path)?;
        table.row(header)?;
        Ok(table)
    }

    /// Starts `path` with no header: rows to be copied into another table
    /// once closed ([`Table::close`]).
    pub(crate) fn headless(path: PathBuf) -> Result<Table, ResultsError> {
        match PartialFile::create(&path) {
            Ok(file) => Ok(Table { writer: csv::Writer::from_writer(file), path }),
            Err(source) => Err(ResultsError { path, source }),
        }
    }

    pub(crate) fn row<I: AsRef<[u8]>>(&mut self, fields: impl IntoIterator<Item = I>) -> Result<(), ResultsError> {
        self.writer.write_record(fields).map_err(|e| self.error(e.into()))
    }

    /// A row that starts with `first` (the run id), then `rest`.
    pub(crate) fn row_after<I: AsRef<[u8]>>(
        &mut self,
        first: &str,
        rest: impl IntoIterator<Item = I>,
    ) -> Result<(), ResultsError> {
        let written = self.writer.write_field(first).and_then(|()| self.writer.write_record(rest));
        written.map_err(|e| self.error(e.into()))
    }

    /// Writes one row of `metrics.csv`: the run id, then the tick's figures.
    pub(crate) fn metrics_row(&mut self, run_id: &str, metrics: &TickMetrics) -> Result<(), ResultsError> {
        self.row_after(run_id, tables::metrics_row(metrics).map(|n| n.to_string()))
    }

    /// Ends a headless table without giving it its own name: its rows stay
    /// in its temporary file, whose path it gives.
    pub(crate) fn close(self) -> Result<PathBuf, ResultsError> {
        let Table { path, writer } = self;
        match writer.into_inner().map_err(|e| e.into_error()).and_then(PartialFile::close) {
            Ok(partial) => Ok(partial),
            Err(source) => Err(ResultsError { path, source }),
        }
    }

    /// Gives the finished table its own name.
    pub(crate) fn commit(self) -> Result<(), ResultsError> {
        let Table { path, writer } = self;
        match writer.into_inner().map_err(|e| e.into_error()).and_then(PartialFile::commit) {
            Ok(()) => Ok(()),
            Err(source) => Err(ResultsError { path, source }),
        }
    }

    /// Writes a whole table at once: `path` (and its folder) with `header`
    /// and `rows`.
    pub(crate) fn write<H: AsRef<[u8]>, I: AsRef<[u8]>, R: IntoIterator<Item = I>>(
        path: &Path,
        header: impl IntoIterator<Item = H>,
        rows: impl IntoIterator<Item = R>,
    ) -> Result<(), ResultsError> {
        create_parent(path)?;
        let mut table = Table::create(path.to_owned(), header)?;
        for row in rows {
            table.row(row)?;
        }
        table.commit()
    }

    fn error(&self, source: io::Error) -> ResultsError {
        ResultsError { path: self.path.clone(), source }
    }
}

/// Creates the folder `path` goes in, if it has one.
fn create_parent(path: &Path) -> Result<(), ResultsError> {
    match path.parent().filter(|d| !d.as_os_str().is_empty()) {
        Some(dir) => std::fs::create_dir_all(dir).map_err(|source| ResultsError { path: dir.to_owned(), source }),
        None => Ok(()),
    }
}

/// Writes `bytes` to `path` (and its folder), whole or not at all.
pub fn write_whole(path: &Path, bytes: &[u8]) -> Result<(), ResultsError> {
    create_parent(path)?;
    let written = PartialFile::create(path).and_then(|mut file| {
        io::Write::write_all(&mut file, bytes)?;
        file.commit()
    });
    written.map_err(|source| ResultsError { path: path.to_owned(), source })
}

/// A results folder, held: created if need be, locked against every other
/// run or sweep, and cleared of what an earlier one left there.
pub struct Folder {
    dir: PathBuf,
    /// `.partial` files an earlier run left, removed.
    stale: Vec<PathBuf>,
    /// The directory, locked: held for as long as the folder is.
    _lock: File,
}

impl Folder {
    /// Creates `dir` if need be, locks it (refusing a directory another run
    /// holds, with an error of kind [`io::ErrorKind::WouldBlock`]), and
    /// removes the `tables` an earlier run left there, and every temporary
    /// file whose name starts with one of theirs (`metrics.csv.partial`),
    /// table by table.
    pub fn hold(dir: &Path, tables: &[&str]) -> Result<Folder, ResultsError> {
        let error = |path: &Path| {
            let path = path.to_owned();
            move |source| ResultsError { path, source }
        };
        std::fs::create_dir_all(dir).map_err(error(dir))?;
        let lock = File::open(dir).map_err(error(dir))?;
        match lock.try_lock() {
            Ok(()) => {}
            Err(TryLockError::WouldBlock) => {
                let message = "another run is writing its results here (it holds the folder's lock); wait for it to \
                               end, or write elsewhere";
                return Err(error(dir)(io::Error::new(io::ErrorKind::WouldBlock, message)));
            }
            Err(TryLockError::Error(source)) => return Err(error(dir)(source)),
        }
        for name in tables {
            remove_if_there(&dir.join(name))?;
        }
        let mut partials = Vec::new();
        for entry in std::fs::read_dir(dir).map_err(error(dir))? {
            let name = entry.map_err(error(dir))?.file_name().to_string_lossy().into_owned();
            if name.ends_with(".partial") {
                partials.push(name);
            }
        }
        partials.sort();
        let mut stale = Vec::new();
        for table in tables {
            for name in partials.iter().filter(|name| name.starts_with(table)) {
                let partial = dir.join(name);
                if remove_if_there(&partial)? {
                    stale.push(partial);
                }
            }
        }
        Ok(Folder { dir: dir.to_owned(), stale, _lock: lock })
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The `.partial` files a run that did not finish had left in the
    /// directory, which [`Folder::hold`] removed.
    pub fn stale(&self) -> &[PathBuf] {
        &self.stale
    }
}

/// The tables of a run in progress.
pub struct Results {
    run_id: String,
    metrics: Table,
    events: Option<Table>,
    /// The directory, held until the tables are committed.
    folder: Folder,
}

impl Results {
    /// Holds `dir` ([`Folder::hold`]) and starts the tables of run `run_id`;
    /// `events` asks for `events.csv`.
    pub fn create(dir: &Path, run_id: RunId, events: bool) -> Result<Results, ResultsError> {
        let folder = Folder::hold(dir, &[RUN, METRICS, EVENTS])?;
        let metrics = Table::create(dir.join(METRICS), tables::metrics_header())?;
        let events = if events { Some(Table::create(dir.join(EVENTS), tables::EVENTS_HEADER)?) } else { None };
        Ok(Results { run_id: run_id.to_string(), metrics, events, folder })
    }

    /// The `.partial` files a run that did not finish had left in the
    /// directory, which [`Results::create`] removed.
    pub fn stale(&self) -> &[PathBuf] {
        self.folder.stale()
    }

    /// Writes one tick's rows.
    pub fn record(&mut self, tick: &TickReport<'_>) -> Result<(), ResultsError> {
        self.metrics.metrics_row(&self.run_id, tick.metrics)?;
        if let Some(events) = &mut self.events {
            for record in tick.records {
                events.row_after(&self.run_id, tables::events_row(record))?;
            }
        }
        Ok(())
    }

    /// Writes `run.csv`, with how the run ended, and gives every table its
    /// own name, `run.csv` last (a folder with a `run.csv` has the run's
    /// other tables too, even if the process is killed in between); then
    /// lets the directory go.
    pub fn finish(self, scenario: &Scenario, start_population: u64, end: &RunEnd) -> Result<(), ResultsError> {
        let (header, row) = tables::run_table(scenario, start_population, end);
        let mut run = Table::create(self.folder.dir.join(RUN), header)?;
        run.row(row)?;
        for table in [Some(self.metrics), self.events, Some(run)].into_iter().flatten() {
            table.commit()?;
        }
        Ok(())
    }
}

/// Removes `path` if it exists; says whether it did.
fn remove_if_there(path: &Path) -> Result<bool, ResultsError> {
    match std::fs::remove_file(path) {
        Ok(()) => Ok(true),
        Err(source) if source.kind() == io::ErrorKind::NotFound => Ok(false),
        Err(source) => Err(ResultsError { path: path.to_owned(), source }),
    }
}
