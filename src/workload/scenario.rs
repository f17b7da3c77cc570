//! Scenario files: what a run simulates, written in TOML.
//!
//! A scenario names its seed, duration and tick length, and the mix of
//! models with their parameters: each model's table (`[shells]`,
//! `[daemons]`, `[supervisors]`, `[containers]`, `[batch]`, `[calibration]`)
//! says how many instances exist at time 0, how often more arrive, and how
//! they behave; a model whose table is absent has no instances. Every key is
//! described in `scenarios/README.md`.
//!
//! A file is read strictly: an unknown or duplicate key, a value of the
//! wrong type or an impossible value (a probability above 1, a zero tick, a
//! tick that does not divide the duration, a uniform range whose minimum is
//! above its maximum) is an error that names the file, the line and the key,
//! in TOML's words ([`crate::workload::value`]); so is a file that is not
//! UTF-8. A byte-order mark at the start is skipped (as toml does, and as a
//! replay script's parser does).
//!
//! `procsim` carries the default scenario in itself
//! ([`Scenario::builtin_default`]), so that it runs from any folder.

use crate::engine::{SimDuration, Simulation};
use crate::io::text;
use crate::machine::{Machine, MachineConfig};
use crate::model::namespace::PID_MAX_LIMIT;
use crate::semantics::{Requested, Spec};
use crate::workload::Mix;
use crate::workload::batch::BatchParams;
use crate::workload::calibration::CalibrationParams;
use crate::workload::container::ContainerParams;
use crate::workload::daemon::DaemonParams;
use crate::workload::service::SupervisorParams;
use crate::workload::shell::ShellParams;
use crate::workload::value::{describe, table, whole_in};
use serde::de::{self, Deserializer};
use serde::{Deserialize, Serialize};
use std::ops::Range;
use std::path::Path;
use toml::de::{DeTable, DeValue};

/// The smallest `pid_max` the kernel accepts (`RESERVED_PIDS + 1`).
const PID_MAX_MIN: u32 = 301;

/// The most ticks a run may have (a row of `metrics.csv` each).
pub const MAX_TICKS: u64 = 100_000_000;

/// `scenarios/default.toml`, built in: the scenario of a bare `procsim`.
pub const DEFAULT: &str = include_str!("../../scenarios/default.toml");

/// A whole scenario.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, expecting = "a scenario")]
pub struct Scenario {
    /// Its name: the file's stem.
    #[serde(skip)]
    pub name: String,
    /// At most 2^63 - 1, the largest integer TOML writes (and `run.csv`).
    #[serde(deserialize_with = "seed")]
    pub seed: u64,
    /// Simulated time the run covers.
    #[serde(deserialize_with = "positive")]
    pub duration: SimDuration,
    /// The length of a tick.
    #[serde(deserialize_with = "positive")]
    pub tick: SimDuration,
    /// `pid_max` of the root namespace.
    #[serde(default = "default_pid_max", deserialize_with = "pid_max")]
    pub pid_max: u32,
    /// Whose rules the machine follows: a spec, or `host` until the command
    /// line resolves it ([`Scenario::resolve_host`]).
    #[serde(default)]
    pub semantics: Requested,
    #[serde(default, deserialize_with = "table")]
    pub shells: ShellParams,
    #[serde(default, deserialize_with = "table")]
    pub daemons: DaemonParams,
    #[serde(default, deserialize_with = "table")]
    pub supervisors: SupervisorParams,
    #[serde(default, deserialize_with = "table")]
    pub containers: ContainerParams,
    #[serde(default, deserialize_with = "table")]
    pub batch: BatchParams,
    #[serde(default, deserialize_with = "table")]
    pub calibration: CalibrationParams,
}

fn default_pid_max() -> u32 {
    PID_MAX_LIMIT
}

/// A duration that must not be zero.
pub fn positive<'de, D: Deserializer<'de>>(d: D) -> Result<SimDuration, D::Error> {
    let value = SimDuration::deserialize(d)?;
    if value.nanos() == 0 {
        return Err(de::Error::custom("must be longer than 0s"));
    }
    Ok(value)
}

fn pid_max<'de, D: Deserializer<'de>>(d: D) -> Result<u32, D::Error> {
    whole_in(d, PID_MAX_MIN.into(), PID_MAX_LIMIT.into()).map(|n| n as u32)
}

fn seed<'de, D: Deserializer<'de>>(d: D) -> Result<u64, D::Error> {
    whole_in(d, 0, i64::MAX as u64)
}

/// Why a scenario cannot be run.
#[derive(Debug, thiserror::Error)]
pub enum ScenarioError {
    #[error("{file}: {source}")]
    Read {
        file: String,
        #[source]
        source: std::io::Error,
    },
    #[error("{file}:{line}: {}{message}", key.as_ref().map(|k| format!("`{k}`: ")).unwrap_or_default())]
    Invalid { file: String, line: usize, key: Option<String>, message: String },
}

impl Scenario {
    /// Reads a scenario file; its name is the file's stem.
    pub fn load(path: &Path) -> Result<Scenario, ScenarioError> {
        let file = path.display().to_string();
        let bytes = std::fs::read(path).map_err(|source| ScenarioError::Read { file: file.clone(), source })?;
        let text = text::utf8(bytes).map_err(|e| ScenarioError::Invalid {
            file: file.clone(),
            line: e.line,
            key: None,
            message: e.to_string(),
        })?;
        let mut scenario = Scenario::parse(&file, &text)?;
        scenario.name = path.file_stem().map_or_else(|| "scenario".to_owned(), |s| s.to_string_lossy().into_owned());
        Ok(scenario)
    }

    /// The default scenario, `scenarios/default.toml` as built in.
    pub fn builtin_default() -> Result<Scenario, ScenarioError> {
        let mut scenario = Scenario::parse("scenarios/default.toml (built in)", DEFAULT)?;
        scenario.name = "default".to_owned();
        Ok(scenario)
    }

    /// Parses the text of a scenario; `file` names it in errors.
    pub fn parse(file: &str, text: &str) -> Result<Scenario, ScenarioError> {
        let invalid = |span: Option<Range<usize>>, key: Option<String>, message: String| ScenarioError::Invalid {
            file: file.to_owned(),
            line: span.map_or(1, |s| line_of(text, s.start)),
            key,
            message,
        };
        let scenario: Scenario = toml::from_str(text).map_err(|e| {
            if let Some(span) = e.span().filter(|_| e.message() == "duplicate key") {
                let (key, first) = duplicate(text, span.clone());
                let first = first.map(|line| format!(" (first set on line {line})")).unwrap_or_default();
                return invalid(Some(span), Some(key), format!("duplicate key{first}"));
            }
            // An empty span points at no key in particular (a missing key, a
            // syntax error at the end of a table).
            let key = e.span().filter(|s| !s.is_empty()).and_then(|s| key_at(text, s.start));
            let message = e.message().replace("unknown field", "unknown key").replace("missing field", "missing key");
            let message = e.span().and_then(|s| found_instead(text, s, &message)).unwrap_or(message);
            invalid(e.span(), key, message)
        })?;
        if let Some((key, message)) = scenario.impossibility() {
            return Err(invalid(span_of(text, key), Some(key.to_owned()), message));
        }
        Ok(scenario)
    }

    /// The first combination of values that cannot be run, with the key it
    /// is reported at.
    fn impossibility(&self) -> Option<(&'static str, String)> {
        if let Err(message) = self.check_length() {
            return Some(("tick", message));
        }
        let services = [
            ("supervisors.services.count", self.supervisors.services.count),
            ("containers.services.count", self.containers.services.count),
        ];
        let counts = self.initial().into_iter().chain(services);
        if let Some((key, n)) = counts.into_iter().find(|&(_, n)| n > self.pid_max) {
            return Some((key, format!("{n} is more processes than pid_max ({}) allows", self.pid_max)));
        }
        let mix = self.calibration.mix;
        let weights = [mix.fork, mix.exit, mix.setpgid_new, mix.setpgid_join, mix.setsid];
        if self.calibration.events > 0 && weights.iter().all(|&w| w == 0) {
            return Some(("calibration.mix", "the weights of the operations add up to 0".to_owned()));
        }
        if self.shells.pipeline.min == 0 {
            return Some(("shells.pipeline", "a job has at least one process (min is 0)".to_owned()));
        }
        None
    }

    /// Whether the run is a whole number of ticks, and short enough in
    /// ticks: at most [`MAX_TICKS`]. (A last tick cut short would give
    /// `metrics.csv` a row unlike the others, its counts over less time.)
    pub fn check_length(&self) -> Result<(), String> {
        let (duration, tick) = (self.duration.nanos(), self.tick.nanos());
        if tick > duration {
            return Err(format!("a tick of {} is longer than the run ({})", self.tick, self.duration));
        }
        if !duration.is_multiple_of(tick) {
            return Err(format!(
                "{} is not a whole number of ticks of {} (a tick must divide the duration)",
                self.duration, self.tick
            ));
        }
        let ticks = duration / tick;
        if ticks > MAX_TICKS {
            return Err(format!(
                "{} in ticks of {} is {ticks} ticks; a run has at most {MAX_TICKS}",
                self.duration, self.tick
            ));
        }
        Ok(())
    }

    /// The fewest processes a run of this scenario starts with: init, the
    /// calibration workload's build, and the first process of each instance
    /// at time 0.
    pub fn start_processes(&self) -> u64 {
        1 + self.initial().into_iter().map(|(_, n)| u64::from(n)).sum::<u64>()
    }

    /// What each model starts with at time 0, by the key that sets it: the
    /// calibration workload's build, and the instances of the others.
    fn initial(&self) -> [(&'static str, u32); 6] {
        [
            ("shells.initial", self.shells.initial),
            ("daemons.initial", self.daemons.initial),
            ("supervisors.initial", self.supervisors.initial),
            ("containers.initial", self.containers.initial),
            ("batch.initial", self.batch.initial),
            ("calibration.processes", self.calibration.processes),
        ]
    }

    /// Replaces `semantics = "host"` by the spec `host` finds (the running
    /// kernel's, from `procsim probe`), so that the run and its tables name
    /// what it followed.
    pub fn resolve_host<E>(&mut self, host: impl FnOnce() -> Result<Spec, E>) -> Result<(), E> {
        if self.semantics == Requested::Host {
            self.semantics = Requested::Spec(host()?);
        }
        Ok(())
    }

    /// The semantics the run follows.
    ///
    /// # Panics
    /// If the scenario asks for `host` and [`Scenario::resolve_host`] has not
    /// resolved it: the library never runs the kernel on its own.
    pub fn spec(&self) -> Spec {
        match self.semantics {
            Requested::Spec(spec) => spec,
            Requested::Host => panic!("scenario `{}`: resolve `semantics = \"host\"` before running it", self.name),
        }
    }

    /// The machine a run of this scenario starts with.
    pub fn machine(&self) -> Machine {
        Machine::new(MachineConfig {
            pid_max: self.pid_max,
            record_transitions: true,
            semantics: self.spec().semantics(),
            ..MachineConfig::default()
        })
    }

    /// A run of this scenario, set up and ready for its first tick.
    pub fn simulation(&self) -> Simulation<Mix> {
        Simulation::new(self.machine(), Mix::new(self), self.tick, self.duration)
    }
}

/// The line (from 1) of byte `pos`.
fn line_of(text: &str, pos: usize) -> usize {
    text.as_bytes()[..pos.min(text.len())].iter().filter(|&&b| b == b'\n').count() + 1
}

/// The dotted key written at byte `pos`: the deepest whose key or value
/// holds it.
fn key_at(text: &str, pos: usize) -> Option<String> {
    fn find(table: &DeTable<'_>, pos: usize) -> Option<Vec<String>> {
        for (key, value) in table.iter() {
            if let DeValue::Table(inner) = value.get_ref()
                && let Some(mut path) = find(inner, pos)
            {
                path.insert(0, key.get_ref().to_string());
                return Some(path);
            }
            if key.span().contains(&pos) || value.span().contains(&pos) {
                return Some(vec![key.get_ref().to_string()]);
            }
        }
        None
    }
    let root = DeTable::parse(text).ok()?;
    find(root.get_ref(), pos).map(|path| path.join("."))
}

/// The dotted key set a second time at `span` (where toml places a
/// duplicate key), and the line where it was set first, if found. The text
/// does not parse, so the second key is renamed to a stand-in to find where
/// it sits, and the first one.
fn duplicate(text: &str, span: Range<usize>) -> (String, Option<usize>) {
    const STAND_IN: &str = "procsim_duplicate_key_stand_in";
    let name = text[span.clone()].trim_matches(['"', '\'']).to_owned();
    let renamed = format!("{}{STAND_IN}{}", &text[..span.start], &text[span.end..]);
    let Some(path) = key_at(&renamed, span.start) else {
        return (name, None);
    };
    let dotted = match path.rsplit_once('.') {
        Some((parent, _)) => format!("{parent}.{name}"),
        None => name,
    };
    let first = span_of(&renamed, &dotted).map(|s| line_of(&renamed, s.start));
    (dotted, first)
}

/// `message` (serde's `invalid type: …, expected …` or `invalid value: …`)
/// with what was found told in TOML's words, from the value written at
/// `span`: ``string "x"``, ``integer `-1` ``, ``datetime `1979-05-27` ``,
/// `array`, `table`. `None` when the message is of another kind or no value
/// sits there.
fn found_instead(text: &str, span: Range<usize>, message: &str) -> Option<String> {
    let (kind, rest) = ["invalid type: ", "invalid value: "]
        .into_iter()
        .find_map(|prefix| message.strip_prefix(prefix).map(|rest| (prefix, rest)))?;
    let (_, expected) = rest.split_once(", expected ")?;
    let root = DeTable::parse(text).ok()?;
    let (value, written) = value_at(root.get_ref(), &span)?;
    Some(format!("{kind}{}, expected {expected}", describe(value, &text[written])))
}

/// The value written at `span`: the one spanning it exactly, else the
/// innermost that holds its start; with where it is written.
fn value_at<'a>(table: &'a DeTable<'a>, span: &Range<usize>) -> Option<(&'a DeValue<'a>, Range<usize>)> {
    fn within<'a>(
        value: &'a toml::Spanned<DeValue<'a>>,
        span: &Range<usize>,
    ) -> Option<(&'a DeValue<'a>, Range<usize>)> {
        let inner = match value.get_ref() {
            DeValue::Table(table) => value_at(table, span),
            DeValue::Array(items) => items.iter().find_map(|item| within(item, span)),
            _ => None,
        };
        let here = value.span();
        inner.or_else(|| (here == *span || here.contains(&span.start)).then(|| (value.get_ref(), here)))
    }
    table.iter().find_map(|(_, value)| within(value, span))
}

/// Where the value of a dotted key is written, or its nearest table that is.
fn span_of(text: &str, dotted: &str) -> Option<Range<usize>> {
    let root = DeTable::parse(text).ok()?;
    let mut table = root.get_ref();
    let mut found = None;
    for part in dotted.split('.') {
        let (_, value) = table.iter().find(|(k, _)| k.get_ref().as_ref() == part)?;
        found = Some(value.span());
        match value.get_ref() {
            DeValue::Table(inner) => table = inner,
            _ => break,
        }
    }
    found
}
