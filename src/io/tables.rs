//! The columns of the result tables, and their rows.
//!
//! * `run.csv` — one row: the run id, the scenario, the seed, the version
//!   and the git commit procsim was built from ([`crate::COMMIT`]), the
//!   start population, the duration and tick, how the run ended (its
//!   status, the time it reached) and the limits it was held to, and every
//!   effective parameter (defaults included), one column each, named by its
//!   dotted key (a `threads` table the scenario leaves out has none:
//!   [`crate::workload::pool`]);
//! * `metrics.csv` — one row per tick: the run id, the state at the end of
//!   the tick, and counts of what happened during it;
//! * `events.csv` — one row per operation performed, after the run id.
//!
//! The run id ([`RunId`](crate::workload::RunId)) starts every row of every table: the key that
//! joins the rows of many runs' tables to their `run.csv`.
//!
//! Every value is an integer or a name, written the same way on every
//! machine; process, thread and group numbers are as the root namespace
//! sees them (an actor is a task: a process's pid, or a thread's tid).

use crate::engine::record::{ERRORS, Op, Record};
use crate::engine::{RunEnd, SimDuration, TickMetrics};
use crate::model::Signal;
use crate::workload::Scenario;

/// A named column of `metrics.csv` read off a tick's metrics.
type Column = (&'static str, fn(&TickMetrics) -> u64);

/// The columns before the per-kind counts: the state at the end of the tick,
/// then what happened during it.
const COLUMNS: [Column; 23] = [
    ("time_ns", |m| m.time.nanos()),
    ("live", |m| m.census.live()),
    ("threads", |m| m.census.tasks()),
    ("running", |m| m.census.running),
    ("stopped", |m| m.census.stopped),
    ("exiting", |m| m.census.exiting),
    ("zombies", |m| m.census.zombies),
    ("groups", |m| m.census.groups),
    ("orphaned_groups", |m| m.census.orphaned_groups),
    ("sessions", |m| m.census.sessions),
    ("namespaces", |m| m.census.namespaces),
    ("terminals", |m| m.census.terminals),
    ("pid_numbers_in_use", |m| m.pid_numbers),
    ("forks", |m| m.happened.forks),
    ("failed_forks", |m| m.counts.failed_op(Op::Fork) + m.counts.failed_op(Op::Clone)),
    ("failed_threads", |m| m.counts.failed_op(Op::Thread)),
    ("exits", |m| m.happened.exits),
    ("deaths_by_signal", |m| m.happened.deaths_by_signal),
    ("released", |m| m.happened.released),
    ("orphan_pairs", |m| m.happened.orphan_pairs),
    ("hangups", |m| m.happened.hangups),
    ("events", |m| m.counts.performed()),
    ("cancelled", |m| m.counts.cancelled),
];

/// The first column of every table.
pub const RUN_ID: &str = "run_id";

/// The header of `metrics.csv`: the run id, then [`metrics_row`]'s columns.
pub fn metrics_header() -> Vec<String> {
    let fixed = std::iter::once(RUN_ID).chain(COLUMNS.iter().map(|(name, _)| *name)).map(str::to_owned);
    let ops = Op::ALL.iter().map(|op| format!("events_{}", op.name()));
    let errors = std::iter::once("errors".to_owned())
        .chain(ERRORS.iter().map(|e| format!("errors_{}", e.name().to_ascii_lowercase())));
    let signals = Signal::BEFORE_TERMINALS.iter().map(|s| format!("signals_{}", s.name().to_ascii_lowercase()));
    fixed.chain(ops).chain(errors).chain(signals).collect()
}

/// A row of `metrics.csv` after the run id, in the order of [`metrics_header`].
pub fn metrics_row(m: &TickMetrics) -> impl Iterator<Item = u64> + '_ {
    let fixed = COLUMNS.iter().map(move |(_, value)| value(m));
    let errors = std::iter::once(m.counts.failed()).chain(m.counts.errors);
    let signals = Signal::BEFORE_TERMINALS.iter().map(|s| m.happened.signals[usize::from(s.number())]);
    fixed.chain(m.counts.ops).chain(errors).chain(signals)
}

/// The header of `events.csv`.
pub const EVENTS_HEADER: [&str; 9] = [RUN_ID, "time_ns", "seq", "kind", "actor", "target", "group", "signal", "status"];

/// A row of `events.csv` after the run id: absent values are empty.
pub fn events_row(r: &Record) -> [String; 8] {
    let number = |n: Option<u32>| n.map(|n| n.to_string()).unwrap_or_default();
    [
        r.time.nanos().to_string(),
        r.sequence.to_string(),
        r.op.name().to_owned(),
        number(r.actor),
        number(r.target),
        number(r.group),
        r.signal.map(|s| s.name().to_owned()).unwrap_or_default(),
        r.status.name().to_owned(),
    ]
}

/// The columns of `run.csv` before the parameters.
pub const RUN_COLUMNS: [&str; 12] = [
    RUN_ID,
    "scenario",
    "seed",
    "procsim_version",
    "procsim_commit",
    "start_population",
    "duration_ns",
    "tick_ns",
    "status",
    "stopped_at_ns",
    "max_processes",
    "max_events_per_tick",
];

/// The header and the one row of `run.csv`: [`RUN_COLUMNS`], then the
/// parameters.
pub fn run_table(scenario: &Scenario, start_population: u64, end: &RunEnd) -> (Vec<String>, Vec<String>) {
    let nanos = |d: SimDuration| d.nanos().to_string();
    let values = [
        scenario.run_id().to_string(),
        scenario.name.clone(),
        scenario.seed.to_string(),
        env!("CARGO_PKG_VERSION").to_owned(),
        crate::COMMIT.to_owned(),
        start_population.to_string(),
        nanos(scenario.duration),
        nanos(scenario.tick),
        end.status.name().to_owned(),
        end.stopped_at.nanos().to_string(),
        end.max_processes.map(|n| n.to_string()).unwrap_or_default(),
        end.max_events_per_tick.to_string(),
    ];
    let mut columns: Vec<(String, String)> = RUN_COLUMNS.iter().map(|c| (*c).to_owned()).zip(values).collect();
    columns.extend(scenario.parameters());
    columns.into_iter().unzip()
}
