//! The results directory of a run: `run.csv`, `metrics.csv` and, when asked
//! for, `events.csv` ([`crate::io::tables`]).
//!
//! The tables are written as the run goes, under temporary names, and all
//! renamed together when it ends ([`crate::io::partial`]). Finished tables
//! left by an earlier run into the same directory are removed first, so the
//! directory never mixes the whole files of two runs.

use crate::engine::TickReport;
use crate::io::partial::PartialFile;
use crate::io::tables;
use crate::workload::Scenario;
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

/// The tables of a run in progress.
pub struct Results {
    dir: PathBuf,
    metrics: csv::Writer<PartialFile>,
    events: Option<csv::Writer<PartialFile>>,
}

impl Results {
    /// Creates `dir` if need be and starts the tables; `events` asks for
    /// `events.csv`.
    pub fn create(dir: &Path, events: bool) -> Result<Results, ResultsError> {
        let at = |name: &str| dir.join(name);
        let fail = |path: PathBuf| move |source| ResultsError { path, source };
        std::fs::create_dir_all(dir).map_err(fail(dir.to_owned()))?;
        for name in [RUN, METRICS, EVENTS] {
            match std::fs::remove_file(at(name)) {
                Err(e) if e.kind() != io::ErrorKind::NotFound => return Err(fail(at(name))(e)),
                _ => {}
            }
        }
        let table = |name: &str, header: &[String]| -> Result<csv::Writer<PartialFile>, ResultsError> {
            let mut writer = csv::Writer::from_writer(PartialFile::create(&at(name)).map_err(fail(at(name)))?);
            writer.write_record(header).map_err(|e| fail(at(name))(e.into()))?;
            Ok(writer)
        };
        let metrics = table(METRICS, &tables::metrics_header())?;
        let header = tables::EVENTS_HEADER.map(str::to_owned);
        let events = if events { Some(table(EVENTS, &header)?) } else { None };
        Ok(Results { dir: dir.to_owned(), metrics, events })
    }

    /// The directory the tables go to.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Writes one tick's rows.
    pub fn record(&mut self, tick: &TickReport<'_>) -> Result<(), ResultsError> {
        let row = tables::metrics_row(tick.metrics).map(|n| n.to_string());
        self.metrics.write_record(row).map_err(|e| self.error(METRICS, e.into()))?;
        if let Some(events) = &mut self.events {
            for record in tick.records {
                events
                    .write_record(tables::events_row(record))
                    .map_err(|e| ResultsError { path: self.dir.join(EVENTS), source: e.into() })?;
            }
        }
        Ok(())
    }

    /// Writes `run.csv` and gives every table its own name.
    pub fn finish(self, scenario: &Scenario, start_population: u64) -> Result<(), ResultsError> {
        let (header, row) = tables::run_table(scenario, start_population);
        let mut run =
            csv::Writer::from_writer(PartialFile::create(&self.dir.join(RUN)).map_err(|e| self.error(RUN, e))?);
        run.write_record(&header).and_then(|()| run.write_record(&row)).map_err(|e| self.error(RUN, e.into()))?;
        let tables = [(RUN, Some(run)), (METRICS, Some(self.metrics)), (EVENTS, self.events)];
        for (name, writer) in tables {
            if let Some(writer) = writer {
                let path = self.dir.join(name);
                let file =
                    writer.into_inner().map_err(|e| ResultsError { path: path.clone(), source: e.into_error() })?;
                file.commit().map_err(|source| ResultsError { path, source })?;
            }
        }
        Ok(())
    }

    fn error(&self, name: &str, source: io::Error) -> ResultsError {
        ResultsError { path: self.dir.join(name), source }
    }
}
