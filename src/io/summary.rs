//! The short summary of a run that `procsim run` prints at the end.
//!
//! It folds the tick metrics as they come (peaks, sums); the wall-clock
//! figures are added only when it is printed, and never reach the tables.

use crate::engine::{RunEnd, SimDuration, Status, TickMetrics};
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

/// The first line of the summary: what was simulated, or how far the run
/// got and why it stopped.
pub fn headline(scenario: &str, seed: u64, duration: SimDuration, end: &RunEnd) -> String {
    match end.status {
        Status::Complete => format!("{scenario} (seed {seed}): {duration} simulated"),
        status => format!(
            "{scenario} (seed {seed}): stopped after {} of {duration} simulated ({status})",
            roughly(SimDuration(end.stopped_at.nanos()))
        ),
    }
}

/// A duration as written when that is short (`300us`, `10min`), else to
/// four or five significant digits in the largest unit it reaches (`10.053min`).
pub fn roughly(d: SimDuration) -> String {
    let exact = d.to_string();
    if exact.trim_end_matches(char::is_alphabetic).len() <= 4 {
        return exact;
    }
    let units = [("h", 3.6e12), ("min", 6e10), ("s", 1e9), ("ms", 1e6), ("us", 1e3)];
    let nanos = d.nanos() as f64;
    units.iter().find(|(_, ns)| nanos >= *ns).map_or(exact, |(name, ns)| format!("{:.3}{name}", nanos / ns))
}

impl Summary {
    /// The names of [`Summary::figures`]: the columns a sweep gives each run.
    pub const FIGURES: [&'static str; 11] = [
        "ticks",
        "events",
        "failed",
        "cancelled",
        "processes_created",
        "peak_live",
        "peak_zombies",
        "peak_orphaned_groups",
        "orphan_pairs",
        "sighups",
        "deaths_by_signal",
    ];

    /// Every total and peak, in the order of [`Summary::FIGURES`].
    pub fn figures(&self) -> [u64; 11] {
        [
            self.ticks,
            self.events,
            self.failed,
            self.cancelled,
            self.processes_created,
            self.peak_live,
            self.peak_zombies,
            self.peak_orphaned_groups,
            self.orphan_pairs,
            self.sighups,
            self.deaths_by_signal,
        ]
    }

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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::SimTime;

    #[test]
    fn a_stopped_run_says_how_far_it_got() {
        let end = |status, at| RunEnd { status, stopped_at: SimTime(at), max_processes: None, max_events_per_tick: 1 };
        let hour = SimDuration(3_600_000_000_000);
        assert_eq!(headline("d", 1, hour, &end(Status::Complete, hour.nanos())), "d (seed 1): 1h simulated");
        assert_eq!(
            headline("d", 2, hour, &end(Status::Interrupted, 603_200_000_000)),
            "d (seed 2): stopped after 10.053min of 1h simulated (interrupted)"
        );
        assert_eq!(roughly(SimDuration(300_000)), "300us");
        assert_eq!(roughly(SimDuration(1_234_567)), "1.235ms");
    }
}
