//! The short summary of a run that `procsim run` prints at the end.
//!
//! It folds the tick metrics as they come (peaks, sums); the wall-clock
//! figures are added only when it is printed, and never reach the tables.

use crate::engine::TickMetrics;
use crate::model::Signal;
use std::fmt::Write;
use std::time::Duration;

/// Totals and peaks over the ticks of a run.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Summary {
    pub ticks: u64,
    pub events: u64,
    pub cancelled: u64,
    pub failed: u64,
    pub processes_created: u64,
    pub peak_live: u64,
    pub peak_zombies: u64,
    pub peak_orphaned_groups: u64,
    /// Orphaned groups with stopped members sent SIGHUP and SIGCONT.
    pub orphan_pairs: u64,
    pub sighups: u64,
    pub deaths_by_signal: u64,
}

impl Summary {
    /// Takes one tick into account.
    pub fn add(&mut self, m: &TickMetrics) {
        self.ticks += 1;
        self.events += m.counts.performed();
        self.cancelled += m.counts.cancelled;
        self.failed += m.counts.failed();
        self.processes_created += m.happened.forks;
        self.peak_live = self.peak_live.max(m.census.live());
        self.peak_zombies = self.peak_zombies.max(m.census.zombies);
        self.peak_orphaned_groups = self.peak_orphaned_groups.max(m.census.orphaned_groups);
        self.orphan_pairs += m.happened.orphan_pairs;
        self.sighups += m.happened.signals[usize::from(Signal::Hup.number())];
        self.deaths_by_signal += m.happened.deaths_by_signal;
    }

    /// The table, with the start population and the wall-clock time the
    /// setup and the ticks took.
    pub fn render(&self, start_population: u64, setup: Duration, ticks: Duration) -> String {
        let per_second = self.events as f64 / ticks.as_secs_f64().max(1e-9);
        let rows = [
            ("ticks", self.ticks.to_string()),
            ("events", format!("{} ({} failed, {} cancelled)", self.events, self.failed, self.cancelled)),
            ("start population", start_population.to_string()),
            ("processes created", self.processes_created.to_string()),
            ("peak live", self.peak_live.to_string()),
            ("peak zombies", self.peak_zombies.to_string()),
            ("orphaned groups", format!("{} at the peak", self.peak_orphaned_groups)),
            ("  signalled", format!("{} (SIGHUP+SIGCONT: stopped members)", self.orphan_pairs)),
            ("SIGHUPs sent", self.sighups.to_string()),
            ("deaths by signal", self.deaths_by_signal.to_string()),
            ("wall time", format!("{:.2} s (and {:.2} s to set up)", ticks.as_secs_f64(), setup.as_secs_f64())),
            ("events/s", format!("{per_second:.0}")),
        ];
        let mut out = String::new();
        for (name, value) in rows {
            let _ = writeln!(out, "{name:<18} {value}");
        }
        out
    }
}
