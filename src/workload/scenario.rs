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
//! UTF-8, and a start population larger than `pid_max`. A byte-order mark
//! at the start is skipped (as toml does, and as a replay script's parser
//! does).
//!
//! So is a value with which a run cannot make progress. Some of a model's
//! steps repeat for as long as an instance lives — arrivals, a daemon's
//! workers, a shell's commands, a service's restarts — each turn after the
//! gaps of its [`Cycle`]. Gaps whose means add up to 0 would repeat without
//! end at one instant (the engine counts a zero gap as 1 ns, so a tick would
//! hold a billion turns a second): refused when the file is read. Gaps so
//! short that one instance's turns alone would put more events in a tick than
//! the events budget allows are refused by [`Scenario::check_budget`], given
//! the budget.
//!
//! `procsim` carries the default scenario in itself
//! ([`Scenario::builtin_default`]), so that it runs from any folder.

use crate::engine::{Limits, SimDuration, Simulation};
use crate::host::guard::Outgrown;
use crate::io::text;
use crate::machine::{Machine, MachineConfig};
use crate::model::namespace::PID_MAX_LIMIT;
use crate::semantics::{Requested, Spec};
use crate::workload::Mix;
use crate::workload::batch::BatchParams;
use crate::workload::calibration::CalibrationParams;
use crate::workload::container::ContainerParams;
use crate::workload::daemon::DaemonParams;
use crate::workload::distribution::Distribution;
use crate::workload::run_id::RunId;
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

/// How errors name the built-in default scenario's file.
pub const DEFAULT_FILE: &str = "scenarios/default.toml (built in)";

/// A whole scenario.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, expecting = "a scenario")]
pub struct Scenario {
    /// Its name: the file's stem.
    #[serde(skip)]
    pub name: String,
    /// The text it was parsed from (empty if it was not), which the run id
    /// covers.
    #[serde(skip)]
    pub source: String,
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
    /// The sweep the file describes (`[sweep]`, read by [`crate::sweep`]):
    /// the values to run the scenario at, not a parameter of any run.
    #[serde(default, skip_serializing, deserialize_with = "sweep")]
    pub sweep: Option<toml::Table>,
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

fn sweep<'de, D: Deserializer<'de>>(d: D) -> Result<Option<toml::Table>, D::Error> {
    table(d).map(Some)
}

fn seed<'de, D: Deserializer<'de>>(d: D) -> Result<u64, D::Error> {
    whole_in(d, 0, i64::MAX as u64)
}

/// The most bytes a scenario file may have: 1 MiB, hundreds of times the
/// largest sensible one; a longer file is refused before it is parsed.
pub const LARGEST_SCENARIO: usize = 1024 * 1024;

/// Why a scenario cannot be run.
#[derive(Debug, thiserror::Error)]
pub enum ScenarioError {
    #[error("{file}: {source}")]
    Read {
        file: String,
        #[source]
        source: std::io::Error,
    },
    #[error(
        "{file}:{line}: {}",
        text::elide(&format!("{}{message}", key.as_ref().map(|k| format!("`{k}`: ")).unwrap_or_default()))
    )]
    Invalid { file: String, line: usize, key: Option<String>, message: String },
}

impl Scenario {
    /// Reads a scenario file; its name is the file's stem.
    pub fn load(path: &Path) -> Result<Scenario, ScenarioError> {
        use std::io::Read;
        let file = path.display().to_string();
        let read = |source| ScenarioError::Read { file: file.clone(), source };
        // Read one byte more than a scenario may have, and no more: the
        // parser takes about 75 times a file's size in memory (a 64 MB file
        // of one array took 5 GB, and aborted under `ulimit -v 4000000`).
        let mut bytes = Vec::new();
        std::fs::File::open(path)
            .and_then(|f| f.take(LARGEST_SCENARIO as u64 + 1).read_to_end(&mut bytes))
            .map_err(read)?;
        if bytes.len() > LARGEST_SCENARIO {
            return Err(ScenarioError::Invalid {
                file: file.clone(),
                line: 1 + bytes[..LARGEST_SCENARIO].iter().filter(|&&b| b == b'\n').count(),
                key: None,
                message: format!(
                    "the file goes on past {} MiB, more than a scenario may have (its settings take a few lines)",
                    LARGEST_SCENARIO / (1024 * 1024)
                ),
            });
        }
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
        let mut scenario = Scenario::parse(DEFAULT_FILE, DEFAULT)?;
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
        let mut scenario: Scenario = toml::from_str(text).map_err(|e| {
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
        scenario.source = text.to_owned();
        if let Some((key, message)) = scenario.impossibility() {
            return Err(scenario.invalid(file, key, message));
        }
        Ok(scenario)
    }

    /// The error for `key`, at its line in the text the scenario was parsed
    /// from (the line of its table, if the key is a default).
    fn invalid(&self, file: &str, key: &str, message: String) -> ScenarioError {
        ScenarioError::Invalid { file: file.to_owned(), line: self.line_of(key), key: Some(key.to_owned()), message }
    }

    /// The line of the text the scenario was parsed from where the dotted
    /// `key` is set (or its nearest table that is; 1 if none is).
    pub fn line_of(&self, key: &str) -> usize {
        span_of(&self.source, key).map_or(1, |s| line_of(&self.source, s.start))
    }

    /// This scenario with `settings` — dotted keys, each with a TOML value —
    /// in place of what its text says, read as strictly as the text: a key
    /// that does not exist, a value of the wrong type, an impossible
    /// combination is an error, named after `file` (its line is of no use:
    /// it is the line of the text with the settings made, which no one
    /// wrote). The result keeps this scenario's name and text (which its
    /// run id covers, with the parameters now in effect), and its
    /// `[sweep]`.
    pub fn with_settings(&self, file: &str, settings: &[(String, toml::Value)]) -> Result<Scenario, ScenarioError> {
        let invalid = |key: &str, message: String| ScenarioError::Invalid {
            file: file.to_owned(),
            line: 1,
            key: Some(key.to_owned()),
            message,
        };
        let mut document: toml::Table = toml::from_str(&self.source).map_err(|e| invalid("", e.to_string()))?;
        document.remove("sweep");
        for (key, value) in settings {
            let mut table = &mut document;
            let mut parts = key.split('.').peekable();
            while let Some(part) = parts.next() {
                if parts.peek().is_none() {
                    table.insert(part.to_owned(), value.clone());
                    break;
                }
                let inner = table.entry(part).or_insert_with(|| toml::Value::Table(toml::Table::new()));
                let toml::Value::Table(inner) = inner else {
                    let at = &key[..key.find(part).unwrap_or(0) + part.len()];
                    return Err(invalid(key, format!("`{at}` is a value, not a table")));
                };
                table = inner;
            }
        }
        let text = toml::to_string(&document).map_err(|e| invalid("", e.to_string()))?;
        let mut scenario = Scenario::parse(file, &text)?;
        scenario.name.clone_from(&self.name);
        scenario.source.clone_from(&self.source);
        scenario.sweep.clone_from(&self.sweep);
        Ok(scenario)
    }

    /// Refuses a run of this scenario under `spec` if `spec` cannot express
    /// it: terminals under the 2018 seed's rules, which have none (as a
    /// version-3 replay script is refused). The error names `file` and the
    /// line of `[shells.terminal]`.
    pub fn check_spec(&self, file: &str, spec: Spec) -> Result<(), ScenarioError> {
        match self.unexpressible_under(spec) {
            Some((key, message)) => Err(self.invalid(file, key, message)),
            None => Ok(()),
        }
    }

    /// What `spec` cannot express of this scenario, with the key it is
    /// reported at.
    fn unexpressible_under(&self, spec: Spec) -> Option<(&'static str, String)> {
        (self.shells.terminal.is_some() && spec.semantics().has_seed_rules()).then(|| {
            let message = format!(
                "{spec} has no controlling terminals (the 2018 seed's row 11: not expressible); run it under linux, \
                 or leave the table out"
            );
            ("shells.terminal", message)
        })
    }

    /// The first combination of values that cannot be run, with the key it
    /// is reported at.
    fn impossibility(&self) -> Option<(&'static str, String)> {
        if let Err(message) = self.check_length() {
            return Some(("tick", message));
        }
        if let Requested::Spec(spec) = self.semantics
            && let Some(unexpressible) = self.unexpressible_under(spec)
        {
            return Some(unexpressible);
        }
        let services = [
            ("supervisors.services.count", self.supervisors.services.count),
            ("containers.services.count", self.containers.services.count),
        ];
        let counts = self.initial().into_iter().chain(services);
        if let Some((key, n)) = counts.into_iter().find(|&(_, n)| n > self.pid_max) {
            return Some((key, format!("{n} is more processes than pid_max ({}) allows", self.pid_max)));
        }
        let start = self.start_processes();
        if start > u64::from(self.pid_max) {
            let (key, most) = self.start_by_model().into_iter().max_by_key(|&(_, n)| n).expect("six models");
            return Some((
                key,
                format!(
                    "the start population would be {start} processes ({most} of them from here), more than pid_max \
                     ({}) allows",
                    self.pid_max
                ),
            ));
        }
        let mix = self.calibration.mix;
        let threads = self.calibration.threads.map(|t| t.mix).unwrap_or_default();
        let weights = [
            mix.fork,
            mix.exit,
            mix.setpgid_new,
            mix.setpgid_join,
            mix.setsid,
            threads.thread,
            threads.exit_thread,
            threads.kill,
            threads.tkill,
        ];
        if self.calibration.events > 0 && weights.iter().all(|&w| w == 0) {
            return Some(("calibration.mix", "the weights of the operations add up to 0".to_owned()));
        }
        if self.shells.pipeline.min == 0 {
            return Some(("shells.pipeline", "a job has at least one process (min is 0)".to_owned()));
        }
        if let Some(cycle) = self.cycles().into_iter().find(|c| c.mean_turn() == 0.0) {
            return Some((
                cycle.key,
                format!(
                    "{} leaves no time between {}: they would repeat without end at one instant, and no tick would \
                     finish ({})",
                    cycle.reported(),
                    cycle.what,
                    cycle.hint
                ),
            ));
        }
        None
    }

    /// Refuses a scenario one of whose instances alone would put more than
    /// `max_events_per_tick` events in a tick (the events budget): a cycle
    /// whose mean turn is so short that a tick holds more turns, each at
    /// least [`Cycle::events`] events, or a calibration whose events are
    /// that close. The error names the key and its line, as [`Scenario::parse`]
    /// does; `file` names the file.
    pub fn check_budget(&self, file: &str, max_events_per_tick: u64) -> Result<(), ScenarioError> {
        let tick = self.tick.nanos() as f64;
        let budget = max_events_per_tick as f64;
        for cycle in self.cycles() {
            let per_tick = tick / cycle.shortest_mean_turn() * cycle.events as f64;
            if per_tick > budget {
                let message = format!(
                    "{} leaves so little time between {} that these alone would carry about {per_tick:.0} events \
                     in a tick of {}, more than the events budget of {max_events_per_tick} (--max-events-per-tick)",
                    cycle.reported(),
                    cycle.what,
                    self.tick
                );
                return Err(self.invalid(file, cycle.key, message));
            }
        }
        let calibration = self.calibration.events.min(self.tick.nanos() / self.calibration.interval.nanos());
        if calibration > max_events_per_tick {
            let message = format!(
                "{} events every {} are {calibration} events in a tick of {}, more than the events budget of \
                 {max_events_per_tick} (--max-events-per-tick)",
                self.calibration.events, self.calibration.interval, self.tick
            );
            return Err(self.invalid(file, "calibration.interval", message));
        }
        Ok(())
    }

    /// The steps that repeat for as long as an instance lives, with their
    /// gaps; a shell's only when a turn of its prompt can pass with no job
    /// holding it.
    pub fn cycles(&self) -> Vec<Cycle> {
        let mut cycles = Vec::new();
        let arrivals = [
            ("shells.arrivals", self.shells.arrivals),
            ("daemons.arrivals", self.daemons.arrivals),
            ("supervisors.arrivals", self.supervisors.arrivals),
            ("containers.arrivals", self.containers.arrivals),
            ("batch.arrivals", self.batch.arrivals),
        ];
        for (key, gap) in arrivals {
            if let Some(gap) = gap {
                // An arrival, and its newcomer's first two calls.
                cycles.push(Cycle::new(key, vec![gap], 3, "two arrivals", "leave `arrivals` out for none"));
            }
        }
        if let Some(work) = self.daemons.work {
            let what = "two workers of a daemon";
            cycles.push(Cycle::new("daemons.work", vec![work], 1, what, "leave `work` out for none"));
        }
        let sh = &self.shells;
        let hint = "give it a positive mean";
        let prompt = |gaps: Vec<Distribution>, what| Cycle::new("shells.think", gaps, 1, what, hint);
        if sh.background.is_possible() {
            cycles.push(prompt(vec![sh.think], "two commands at a shell's prompt that starts jobs in the background"));
        }
        if sh.suspend.is_possible() && sh.resume.is_possible() && sh.resume_in_background.is_possible() {
            cycles.push(prompt(vec![sh.think], "two commands at a shell's prompt that resumes jobs in the background"));
        }
        if sh.suspend.is_possible() {
            let what = "two commands at a shell's prompt, the user suspending each job";
            cycles.push(prompt(vec![sh.think, sh.suspend_after], what));
        }
        cycles.push(prompt(vec![sh.think, sh.job, sh.reap], "two jobs a shell runs in the foreground"));
        let services = [
            ("supervisors.services.lifetime", &self.supervisors.services, self.supervisors.reap),
            ("containers.services.lifetime", &self.containers.services, self.containers.reap),
        ];
        for (key, services, reap) in services {
            if services.count > 0 {
                let gaps = vec![services.lifetime, reap, services.restart];
                let what = "two starts of a service (its lifetime, its reaping and its restart)";
                cycles.push(Cycle::new(key, gaps, 1, what, "give one of them a positive mean"));
            }
        }
        let pools = [
            ("daemons.threads.spawn", &self.daemons.threads),
            ("supervisors.services.threads.spawn", &self.supervisors.services.threads),
            ("containers.services.threads.spawn", &self.containers.services.threads),
        ];
        for (key, pool) in pools {
            if let Some(pool) = pool.as_ref().filter(|pool| pool.count.max > 0) {
                // Each worker of a pool whose clones fail tries again after `spawn`.
                let what = "two tries of a pool's worker to start (a clone that fails is tried again `spawn` later)";
                let events = u64::from(pool.count.max);
                cycles.push(Cycle::new(key, vec![pool.spawn], events, what, "give it a positive mean"));
            }
        }
        cycles
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

    /// The processes a run of this scenario starts with: those live when its
    /// first tick begins, if every fork succeeds. Each model's instances at
    /// time 0, each with what it starts at once: a supervisor its services,
    /// a container's shim the container's init and its services, a batch job
    /// its first child; init and the calibration workload's tree besides.
    /// (A daemon's launcher and a daemonizing service's first process end at
    /// time 0, so they are not counted; they are transient, and the checks
    /// inside the setup count them while they last. A batch job whose
    /// `children` may be 0 is counted with its first child.) The threads of
    /// the calibration tree count as processes: each takes a pid number and
    /// memory as a process does. A pool starts its first worker after a gap
    /// ([`crate::workload::pool`]), never at time 0.
    pub fn start_processes(&self) -> u64 {
        1 + self.start_by_model().into_iter().map(|(_, n)| n).sum::<u64>()
    }

    /// [`Scenario::start_processes`] by model, at the key that sets its
    /// instances.
    fn start_by_model(&self) -> [(&'static str, u64); 6] {
        let n = u64::from;
        let [shells, daemons, supervisors, containers, batch, calibration] = self.initial().map(|(_, n)| u64::from(n));
        [
            ("shells.initial", shells),
            ("daemons.initial", daemons),
            ("supervisors.initial", supervisors * (1 + n(self.supervisors.services.count))),
            ("containers.initial", containers * (2 + n(self.containers.services.count))),
            ("batch.initial", batch * (1 + u64::from(self.batch.children.max > 0))),
            ("calibration.processes", calibration * (1 + n(self.calibration.threads.map_or(0, |t| t.count)))),
        ]
    }

    /// What each model starts with at time 0, by the key that sets it: the
    /// instances of each, and the calibration workload's build.
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

    /// Every parameter in effect (defaults included) but the seed, with its
    /// dotted key, in key order: the parameter columns of `run.csv`, which
    /// the run id covers.
    pub fn parameters(&self) -> Vec<(String, String)> {
        let mut parameters = Vec::new();
        flatten(String::new(), &toml::Value::try_from(self).expect("a scenario is TOML"), &mut parameters);
        parameters.retain(|(key, _)| key != "seed");
        parameters
    }

    /// The run id of this scenario's run ([`RunId`]): the same for the same
    /// text, parameters, seed, semantics and procsim version.
    ///
    /// # Panics
    /// If `semantics = "host"` has not been resolved ([`Scenario::spec`]).
    pub fn run_id(&self) -> RunId {
        RunId::of(self)
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

    /// A run of this scenario held to `limits`, set up and ready for its
    /// first tick; or, if the memory guard finds that its start population
    /// ([`Scenario::start_processes`]) would not fit, no run at all. (The
    /// setup itself may stop: see [`Simulation::stopped`].)
    pub fn simulation_within(&self, limits: Limits) -> Result<Simulation<Mix>, Outgrown> {
        if let Some(guard) = &limits.guard {
            guard.check(self.start_processes())?;
        }
        Ok(Simulation::with_limits(self.machine(), Mix::new(self), self.tick, self.duration, limits))
    }
}

/// Steps an instance repeats for as long as it lives, and the gaps between
/// them: one turn takes the sum of the gaps.
#[derive(Clone, Debug)]
pub struct Cycle {
    /// The key a refusal is reported at.
    pub key: &'static str,
    /// The gaps of one turn.
    pub gaps: Vec<Distribution>,
    /// The fewest events one turn carries.
    pub events: u64,
    /// Between what the gaps are, for messages.
    pub what: &'static str,
    /// What to write instead, for messages.
    pub hint: &'static str,
}

impl Cycle {
    fn new(key: &'static str, gaps: Vec<Distribution>, events: u64, what: &'static str, hint: &'static str) -> Cycle {
        Cycle { key, gaps, events, what, hint }
    }

    /// The mean time of one turn, in nanoseconds (each gap counted as
    /// written: 0 when every gap is 0 on average).
    pub fn mean_turn(&self) -> f64 {
        self.gaps.iter().map(Distribution::mean_nanos).sum()
    }

    /// The mean time of one turn as the engine runs it, in nanoseconds:
    /// each gap at least 1 ns ([`Context::after`](crate::engine::Context::after)).
    pub fn shortest_mean_turn(&self) -> f64 {
        self.gaps.iter().map(|gap| gap.mean_nanos().max(1.0)).sum()
    }

    /// The gaps, as the message names them.
    fn reported(&self) -> String {
        let gaps: Vec<String> = self.gaps.iter().map(ToString::to_string).collect();
        gaps.join(" + ")
    }
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
        leaf => out.push((key, cell(leaf))),
    }
}

/// A TOML value as a table's cell: a string as itself, anything else as
/// TOML writes it (`0.5`, `{ dist = "constant", value = "2s" }`).
pub fn cell(value: &toml::Value) -> String {
    match value {
        toml::Value::String(s) => s.clone(),
        other => other.to_string(),
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
