//! The tables `procsim bench` writes and prints: the scaling table, one row
//! per population (`scaling.csv`), and bevy_ecs's floor, one row per number
//! of components (`floor.csv`).
//!
//! The CSV files hold the figures the issue asks for, in fixed columns
//! ([`SCALING_COLUMNS`], [`FLOOR_COLUMNS`]); the printed tables add the
//! figures that explain them (the upkeep of a tick with no events, the peak
//! memory, the build time).

use crate::bench::floor::FloorRun;
use crate::bench::population::PopulationRun;
use crate::io::results::{ResultsError, Table};
use std::path::Path;

/// The columns of `scaling.csv`.
pub const SCALING_COLUMNS: [&str; 7] = [
    "population",
    "build_per_s",
    "events_per_s",
    "ns_per_event",
    "bytes_per_process",
    "upkeep_us_per_tick",
    "kernel_ratio",
];

/// The columns of `floor.csv`.
pub const FLOOR_COLUMNS: [&str; 7] = [
    "entities",
    "components",
    "bytes_per_entity",
    "resident_bytes_per_entity",
    "spawns_per_s",
    "ns_per_random_get",
    "ns_per_random_read",
];

/// A population's row: its run, and the real kernel's rate to compare it with.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ScalingRow {
    pub run: PopulationRun,
    /// The kernel's fork + _exit + waitpid cycles per second, if measured.
    pub kernel_per_s: Option<f64>,
}

impl ScalingRow {
    /// How many times the kernel's cycles per second the events per second are.
    pub fn kernel_ratio(&self) -> Option<f64> {
        self.kernel_per_s.map(|kernel| self.run.events_per_s() / kernel)
    }

    /// The row of `scaling.csv`, in the order of [`SCALING_COLUMNS`].
    pub fn fields(&self) -> [String; 7] {
        let run = &self.run;
        [
            run.population.to_string(),
            format!("{:.0}", run.build_per_s()),
            format!("{:.0}", run.events_per_s()),
            format!("{:.1}", run.ns_per_event()),
            format!("{:.1}", run.bytes_per_process()),
            format!("{:.2}", run.upkeep_us_per_tick()),
            self.kernel_ratio().map(|r| format!("{r:.1}")).unwrap_or_default(),
        ]
    }
}

impl FloorRun {
    /// The row of `floor.csv`, in the order of [`FLOOR_COLUMNS`].
    pub fn fields(&self) -> [String; 7] {
        [
            self.entities.to_string(),
            self.components.to_string(),
            format!("{:.1}", self.bytes_per_entity()),
            format!("{:.1}", self.resident_per_entity()),
            format!("{:.0}", self.spawns_per_s()),
            if self.components > 0 { format!("{:.1}", self.ns_per_random_get()) } else { String::new() },
            if self.components > 0 { format!("{:.1}", self.ns_per_random_read()) } else { String::new() },
        ]
    }
}

/// Writes `scaling.csv` at `path`, whole or not at all.
pub fn write_scaling(path: &Path, rows: &[ScalingRow]) -> Result<(), ResultsError> {
    Table::write(path, SCALING_COLUMNS, rows.iter().map(ScalingRow::fields))
}

/// Writes `floor.csv` at `path`, whole or not at all.
pub fn write_floor(path: &Path, rows: &[FloorRun]) -> Result<(), ResultsError> {
    Table::write(path, FLOOR_COLUMNS, rows.iter().map(FloorRun::fields))
}

/// The widths of the printed scaling table's columns.
const SCALING_WIDTHS: [usize; 10] = [11, 10, 10, 9, 10, 11, 11, 9, 9, 8];

/// The widths of the printed floor table's columns.
const FLOOR_WIDTHS: [usize; 7] = [11, 11, 12, 12, 10, 12, 12];

/// The header lines of the printed scaling table.
pub fn scaling_header() -> String {
    let names = ["", "build", "events", "ns per", "bytes per", "upkeep µs", "µs/empty", "ratio to", "peak", "build"];
    let units = ["population", "per s", "per s", "event", "process", "per tick", "tick", "kernel", "MiB", "s"];
    format!("{}\n{}", line(&names, &SCALING_WIDTHS), line(&units, &SCALING_WIDTHS))
}

/// A population's line of the printed scaling table.
pub fn scaling_line(row: &ScalingRow) -> String {
    let [population, build, events, ns, bytes, upkeep, ratio] = row.fields();
    let run = &row.run;
    let empty = format!("{:.2}", run.empty_upkeep_us_per_tick());
    let peak = format!("{:.0}", run.peak_bytes as f64 / f64::from(1u32 << 20));
    let build_s = format!("{:.2}", run.build.as_secs_f64());
    let ratio = if ratio.is_empty() { "-".to_owned() } else { ratio };
    line(&[population, build, events, ns, bytes, upkeep, empty, ratio, peak, build_s], &SCALING_WIDTHS)
}

/// The header line of the printed floor table.
pub fn floor_header() -> String {
    let names = ["entities", "components", "B per entity", "B resident", "spawns/s", "ns per get", "ns per read"];
    line(&names, &FLOOR_WIDTHS)
}

/// A line of the printed floor table.
pub fn floor_line(run: &FloorRun) -> String {
    line(&run.fields(), &FLOOR_WIDTHS)
}

/// Cells right-aligned in columns of `widths`.
fn line<S: AsRef<str>>(cells: &[S], widths: &[usize]) -> String {
    let cells = cells.iter().zip(widths).map(|(cell, &width)| format!("{:>width$}", cell.as_ref()));
    cells.collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    fn row(kernel_per_s: Option<f64>) -> ScalingRow {
        let run = PopulationRun {
            population: 1_000,
            build: Duration::from_millis(10),
            events: 2_000,
            event_ticks: 2,
            event_time: Duration::from_millis(4),
            upkeep: Duration::from_micros(300),
            empty_ticks: 100,
            empty_upkeep: Duration::from_micros(50),
            peak_processes: 1_010,
            peak_bytes: 505_000,
        };
        ScalingRow { run, kernel_per_s }
    }

    #[test]
    fn a_row_has_every_column_and_the_ratio_only_with_the_kernel() {
        assert_eq!(row(Some(5_000.0)).fields(), ["1000", "100000", "500000", "2000.0", "500.0", "150.00", "100.0"]);
        assert_eq!(row(None).fields()[6], "");
        let cells: Vec<String> = scaling_line(&row(None)).split_whitespace().map(str::to_owned).collect();
        assert_eq!(cells[5..], ["150.00", "0.50", "-", "0", "0.01"]);
    }

    #[test]
    fn the_table_is_written_whole_with_its_header() {
        let dir = std::env::temp_dir().join(format!("procsim-scaling-{}", std::process::id()));
        let path = dir.join("nested/scaling.csv");
        write_scaling(&path, &[row(None), row(Some(5_000.0))]).unwrap();
        let text = std::fs::read_to_string(&path).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines[0], SCALING_COLUMNS.join(","));
        assert_eq!(lines.len(), 3);
        std::fs::remove_dir_all(dir).unwrap();
    }
}
