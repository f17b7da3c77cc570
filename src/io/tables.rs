//! The columns of the result tables, and their rows.
//!
//! * `run.csv` — one row: the scenario, the seed, the version and the git
//!   commit procsim was built from ([`crate::COMMIT`]), the start population,
//!   and every effective parameter (defaults included), one column each,
//!   named by its dotted key;
//! * `metrics.csv` — one row per tick: the state at the end of the tick, and
//!   counts of what happened during it;
//! * `events.csv` — one row per operation performed.
//!
//! Every value is an integer or a name, written the same way on every
//! machine; process and group numbers are as the root namespace sees them.

use crate::engine::record::{ERRORS, Op, Record};
use crate::engine::{SimDuration, TickMetrics};
use crate::model::Signal;
use crate::workload::Scenario;

/// A named column of `metrics.csv` read off a tick's metrics.
type Column = (&'static str, fn(&TickMetrics) -> u64);

/// The columns before the per-kind counts: the state at the end of the tick,
/// then what happened during it.
const COLUMNS: [Column; 17] = [
    ("time_ns", |m| m.time.nanos()),
    ("live", |m| m.census.live()),
    ("running", |m| m.census.running),
    ("stopped", |m| m.census.stopped),
    ("exiting", |m| m.census.exiting),
    ("zombies", |m| m.census.zombies),
    ("groups", |m| m.census.groups),
    ("orphaned_groups", |m| m.census.orphaned_groups),
    ("sessions", |m| m.census.sessions),
    ("namespaces", |m| m.census.namespaces),
    ("forks", |m| m.happened.forks),
    ("exits", |m| m.happened.exits),
    ("deaths_by_signal", |m| m.happened.deaths_by_signal),
    ("released", |m| m.happened.released),
    ("orphan_pairs", |m| m.happened.orphan_pairs),
    ("events", |m| m.counts.performed()),
    ("cancelled", |m| m.counts.cancelled),
];

/// The header of `metrics.csv`.
pub fn metrics_header() -> Vec<String> {
    let fixed = COLUMNS.iter().map(|(name, _)| (*name).to_owned());
    let ops = Op::ALL.iter().map(|op| format!("events_{}", op.name()));
    let errors = std::iter::once("errors".to_owned())
        .chain(ERRORS.iter().map(|e| format!("errors_{}", e.name().to_ascii_lowercase())));
    let signals = Signal::ALL.iter().map(|s| format!("signals_{}", s.name().to_ascii_lowercase()));
    fixed.chain(ops).chain(errors).chain(signals).collect()
}

/// A row of `metrics.csv`, in the order of [`metrics_header`].
pub fn metrics_row(m: &TickMetrics) -> impl Iterator<Item = u64> + '_ {
    let fixed = COLUMNS.iter().map(move |(_, value)| value(m));
    let errors = std::iter::once(m.counts.failed()).chain(m.counts.errors);
    let signals = Signal::ALL.iter().map(|s| m.happened.signals[usize::from(s.number())]);
    fixed.chain(m.counts.ops).chain(errors).chain(signals)
}

/// The header of `events.csv`.
pub const EVENTS_HEADER: [&str; 8] = ["time_ns", "seq", "kind", "actor", "target", "group", "signal", "status"];

/// A row of `events.csv`: absent values are empty.
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

/// The header and the one row of `run.csv`.
pub fn run_table(scenario: &Scenario, start_population: u64) -> (Vec<String>, Vec<String>) {
    let nanos = |d: SimDuration| d.nanos().to_string();
    let mut columns = vec![
        ("scenario".to_owned(), scenario.name.clone()),
        ("seed".to_owned(), scenario.seed.to_string()),
        ("procsim_version".to_owned(), env!("CARGO_PKG_VERSION").to_owned()),
        ("procsim_commit".to_owned(), crate::COMMIT.to_owned()),
        ("start_population".to_owned(), start_population.to_string()),
        ("duration_ns".to_owned(), nanos(scenario.duration)),
        ("tick_ns".to_owned(), nanos(scenario.tick)),
    ];
    let mut parameters = Vec::new();
    flatten(String::new(), &toml::Value::try_from(scenario).expect("a scenario is TOML"), &mut parameters);
    columns.extend(parameters.into_iter().filter(|(key, _)| key != "seed"));
    columns.into_iter().unzip()
}

/// Every leaf of a TOML value, with its dotted key, in key order.
fn flatten(key: String, value: &toml::Value, out: &mut Vec<(String, String)>) {
    match value {
        toml::Value::Table(table) => {
            for (name, inner) in table {
                let dotted = if key.is_empty() { name.clone() } else { format!("{key}.{name}") };
                flatten(dotted, inner, out);
            }
        }
        toml::Value::String(s) => out.push((key, s.clone())),
        other => out.push((key, other.to_string())),
    }
}
