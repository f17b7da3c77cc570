//! The plan of a sweep: which runs it makes, in which order.
//!
//! A sweep sets some scenario keys to each of several values. The values
//! come from `--set KEY=VALUE` (repeated once per value) and from the
//! scenario file's `[sweep]` table, whose arrays list the values of the
//! dotted key that leads to them (`shells.suspend = [0.1, 0.2]`); a key set
//! on the command line replaces the file's values for it. The *points* are
//! the Cartesian product of the values, the keys in alphabetical order, the
//! first key varying slowest and each key's values in the order given; the
//! runs are every point at every seed, point by point:
//!
//! ```text
//! run index = point × seeds + (seed − first seed)
//! ```
//!
//! Every value is checked on its own before the product is made, so that a
//! mistake is reported where it was written (`--set KEY=VALUE`, or the
//! file's line), and every point is then checked as a whole (two values may
//! be fine alone and impossible together: a tick that does not divide a
//! duration).
//!
//! The sweep's id ([`Plan::id`]) is `s` and 16 hex digits of the SHA-256
//! of the seeds and of what each point's run id covers at its first seed
//! ([`crate::workload::run_id::canonical`]) — the scenario's text, every
//! parameter in effect, the semantics, procsim's version — so it names the
//! runs and their order, and shards of one sweep share it.

use crate::semantics::{Requested, Spec};
use crate::workload::run_id::canonical;
use crate::workload::scenario::cell;
use crate::workload::{Scenario, ScenarioError};
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;
use std::fmt;
use std::str::FromStr;

/// The most runs a sweep may have.
pub const MAX_RUNS: u64 = 100_000_000;

/// A mistake in what a sweep was asked to do, and where it was written.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{origin}: {}{message}", key.as_ref().map(|k| format!("`{k}`: ")).unwrap_or_default())]
pub struct SweepError {
    /// Where: `--set KEY=VALUE`, `FILE:LINE`, `--seeds`, or a point.
    pub origin: String,
    pub key: Option<String>,
    pub message: String,
}

impl SweepError {
    fn new(origin: impl fmt::Display, key: Option<&str>, message: impl fmt::Display) -> SweepError {
        SweepError { origin: origin.to_string(), key: key.map(str::to_owned), message: message.to_string() }
    }

    /// A scenario's refusal of a value, said of where the value came from.
    fn from_scenario(origin: impl fmt::Display, error: ScenarioError) -> SweepError {
        match error {
            ScenarioError::Invalid { key, message, .. } => SweepError::new(origin, key.as_deref(), message),
            read @ ScenarioError::Read { .. } => SweepError::new(origin, None, read),
        }
    }
}

/// The seeds of a sweep: `A..B`, both included.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Seeds {
    pub first: u64,
    pub last: u64,
}

impl Seeds {
    /// How many seeds.
    pub fn count(&self) -> u64 {
        self.last - self.first + 1
    }
}

impl FromStr for Seeds {
    type Err = String;

    fn from_str(text: &str) -> Result<Seeds, String> {
        let seed = |part: &str| match part.trim().parse::<u64>() {
            Ok(n) if n <= i64::MAX as u64 => Ok(n),
            _ => Err(format!("`{part}` is not a seed (a whole number from 0 to {})", i64::MAX)),
        };
        let (first, last) = text.split_once("..").ok_or_else(|| format!("`{text}`: expected A..B, such as 1..64"))?;
        let seeds = Seeds { first: seed(first)?, last: seed(last)? };
        if seeds.last < seeds.first {
            return Err(format!("`{text}`: the range is reversed ({} is less than {})", seeds.last, seeds.first));
        }
        Ok(seeds)
    }
}

impl fmt::Display for Seeds {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}..{}", self.first, self.last)
    }
}

/// One value given to a key, and where.
#[derive(Clone, Debug, PartialEq)]
pub struct Setting {
    pub key: String,
    pub value: toml::Value,
    /// `--set KEY=VALUE`, or `FILE:LINE`.
    pub origin: String,
}

impl FromStr for Setting {
    type Err = SweepError;

    /// `KEY=VALUE`, VALUE one TOML value (`0.5`, `"10min"`,
    /// `{ dist = "constant", value = "2s" }`).
    fn from_str(text: &str) -> Result<Setting, SweepError> {
        let origin = format!("--set {text}");
        let Some((key, written)) = text.split_once('=') else {
            return Err(SweepError::new(origin, None, "expected KEY=VALUE, such as shells.suspend=0.5"));
        };
        let key = key.trim();
        let parsed: Result<toml::Table, _> = toml::from_str(&format!("value = {written}"));
        let value = match parsed.map(|mut t| (t.remove("value"), t.len())) {
            Ok((Some(value), 0)) => value,
            _ => {
                let hint = "a string needs its quotes, as in a scenario file: 'duration=\"10min\"'";
                return Err(SweepError::new(origin, Some(key), format!("`{written}` is not one TOML value ({hint})")));
            }
        };
        Ok(Setting { key: key.to_owned(), value, origin })
    }
}

/// A parameter point: one value for each swept key.
#[derive(Clone, Debug)]
pub struct Point {
    /// The values, in the order of [`Plan::keys`].
    pub values: Vec<toml::Value>,
    /// The scenario at this point (at the scenario's own seed).
    pub scenario: Scenario,
}

/// A sweep's runs.
#[derive(Clone, Debug)]
pub struct Plan {
    /// The swept keys, in alphabetical order.
    pub keys: Vec<String>,
    /// The points, in the order of the product.
    pub points: Vec<Point>,
    pub seeds: Seeds,
}

/// One run of the plan.
#[derive(Clone, Debug)]
pub struct PlannedRun {
    /// Its place in the plan's order.
    pub index: u64,
    /// Its point's place in [`Plan::points`].
    pub point: usize,
    pub seed: u64,
    /// The scenario at its point, with its seed.
    pub scenario: Scenario,
}

impl Plan {
    /// The plan of `base` (read from `file`) swept over the values of its
    /// `[sweep]` table and of `settings` (which replace the table's values
    /// for their keys), at `seeds` (else the table's `seeds`). A point whose
    /// semantics is `host` is given the spec `host` resolves to (asked once).
    pub fn new<E: From<SweepError>>(
        base: &Scenario,
        file: &str,
        settings: Vec<Setting>,
        seeds: Option<Seeds>,
        mut host: impl FnMut() -> Result<Spec, E>,
    ) -> Result<Plan, E> {
        let (mut values, file_seeds) = from_table(base, file)?;
        let mut from_command_line = BTreeMap::<String, Vec<Setting>>::new();
        for setting in settings {
            from_command_line.entry(setting.key.clone()).or_default().push(setting);
        }
        values.extend(from_command_line);
        let seeds = seeds.or(file_seeds).ok_or_else(|| {
            SweepError::new("--seeds", None, "no seeds: give --seeds A..B, or `seeds = \"A..B\"` in [sweep]")
        })?;
        for (key, settings) in &values {
            check_values(base, key, settings)?;
        }
        let keys: Vec<String> = values.keys().cloned().collect();
        let mut resolved = None;
        let mut points = Vec::new();
        for combination in product(values.values().map(Vec::as_slice)) {
            let origin = describe(&keys, &combination);
            let overrides: Vec<(String, toml::Value)> =
                keys.iter().cloned().zip(combination.iter().map(|s| s.value.clone())).collect();
            let mut scenario =
                base.with_settings(&origin, &overrides).map_err(|e| SweepError::from_scenario(&origin, e))?;
            if scenario.semantics == Requested::Host {
                let spec = match resolved {
                    Some(spec) => spec,
                    None => *resolved.insert(host()?),
                };
                scenario.semantics = Requested::Spec(spec);
            }
            points.push(Point { values: overrides.into_iter().map(|(_, v)| v).collect(), scenario });
        }
        let plan = Plan { keys, points, seeds };
        plan.check_size()?;
        plan.check_distinct()?;
        Ok(plan)
    }

    /// How many runs: points times seeds.
    pub fn runs(&self) -> u64 {
        self.points.len() as u64 * self.seeds.count()
    }

    /// The run at `index` in the plan's order.
    pub fn run(&self, index: u64) -> PlannedRun {
        let seeds = self.seeds.count();
        let point = (index / seeds) as usize;
        let seed = self.seeds.first + index % seeds;
        let mut scenario = self.points[point].scenario.clone();
        scenario.seed = seed;
        PlannedRun { index, point, seed, scenario }
    }

    /// The values of point `i`, as the tables' cells.
    pub fn point_cells(&self, i: usize) -> Vec<String> {
        self.points[i].values.iter().map(cell).collect()
    }

    /// The sweep's id: `s` and 16 hex digits (see the module's documentation).
    pub fn id(&self) -> String {
        let mut hash = Sha256::new();
        hash.update(format!("format 18\nprocsim-sweep-id/1\nseeds {}\n", self.seeds));
        for point in &self.points {
            let mut scenario = point.scenario.clone();
            scenario.seed = self.seeds.first;
            let bytes = canonical(&scenario);
            hash.update(format!("point {}\n", bytes.len()));
            hash.update(bytes);
        }
        let digest = hash.finalize();
        std::iter::once("s".to_owned()).chain(digest[..8].iter().map(|b| format!("{b:02x}"))).collect()
    }

    /// Refuses a point one of whose instances alone would carry more than
    /// `max_events_per_tick` events in a tick (as `procsim run` does).
    pub fn check_budget(&self, max_events_per_tick: u64) -> Result<(), SweepError> {
        for point in &self.points {
            let origin = describe(&self.keys, &point.values);
            point
                .scenario
                .check_budget(&origin, max_events_per_tick)
                .map_err(|e| SweepError::from_scenario(&origin, e))?;
        }
        Ok(())
    }

    fn check_size(&self) -> Result<(), SweepError> {
        let runs = (self.points.len() as u128) * u128::from(self.seeds.count());
        if runs > u128::from(MAX_RUNS) {
            let message = format!(
                "{} points at {} seeds are {runs} runs; a sweep has at most {MAX_RUNS}",
                self.points.len(),
                self.seeds.count()
            );
            return Err(SweepError::new("--seeds", None, message));
        }
        Ok(())
    }

    /// Refuses two points that are the same runs (a value that the scenario
    /// reads as another's, such as `0.5` and `0.50`).
    fn check_distinct(&self) -> Result<(), SweepError> {
        let mut seen = BTreeMap::new();
        for (i, point) in self.points.iter().enumerate() {
            if let Some(first) = seen.insert(point.scenario.parameters(), i) {
                let message = format!(
                    "is the same as {}: every parameter is equal, so their runs would be the same",
                    describe(&self.keys, &self.points[first].values)
                );
                return Err(SweepError::new(describe(&self.keys, &point.values), None, message));
            }
        }
        Ok(())
    }
}

/// The values a key of `base`'s `[sweep]` table takes, by key, and its seeds.
#[allow(clippy::type_complexity)]
fn from_table(base: &Scenario, file: &str) -> Result<(BTreeMap<String, Vec<Setting>>, Option<Seeds>), SweepError> {
    let mut values = BTreeMap::new();
    let mut seeds = None;
    let Some(table) = &base.sweep else {
        return Ok((values, seeds));
    };
    let at = |key: &str| format!("{file}:{}", base.line_of(&format!("sweep.{key}")));
    if let Some(written) = table.get("seeds") {
        let text = written.as_str().ok_or_else(|| {
            SweepError::new(at("seeds"), Some("sweep.seeds"), "expected a string of seeds, such as \"1..64\"")
        })?;
        seeds = Some(text.parse().map_err(|e| SweepError::new(at("seeds"), Some("sweep.seeds"), e))?);
    }
    let mut pending: Vec<(String, &toml::Value)> =
        table.iter().filter(|(k, _)| *k != "seeds").map(|(k, v)| (k.clone(), v)).collect();
    while let Some((key, value)) = pending.pop() {
        match value {
            toml::Value::Array(items) => {
                let origin = at(&key);
                let settings = items
                    .iter()
                    .map(|v| Setting { key: key.clone(), value: v.clone(), origin: origin.clone() })
                    .collect();
                values.insert(key, settings);
            }
            toml::Value::Table(inner) => pending.extend(inner.iter().map(|(k, v)| (format!("{key}.{k}"), v))),
            _ => {
                return Err(SweepError::new(
                    at(&key),
                    Some(&format!("sweep.{key}")),
                    "expected the list of values the key takes, such as [0.1, 0.2]",
                ));
            }
        }
    }
    Ok((values, seeds))
}

/// Checks each value of `key` on its own, at `base`'s other values.
fn check_values(base: &Scenario, key: &str, settings: &[Setting]) -> Result<(), SweepError> {
    let origin = |i: usize| settings.get(i).map_or_else(|| key.to_owned(), |s| s.origin.clone());
    match key {
        "seed" => return Err(SweepError::new(origin(0), Some(key), "the seeds of a sweep are given by --seeds")),
        "sweep" => return Err(SweepError::new(origin(0), Some(key), "a sweep's values cannot be swept")),
        _ if settings.is_empty() => return Err(SweepError::new(origin(0), Some(key), "no values")),
        _ => {}
    }
    for (i, setting) in settings.iter().enumerate() {
        if settings[..i].iter().any(|earlier| earlier.value == setting.value) {
            return Err(SweepError::new(origin(i), Some(key), format!("{} is given twice", setting.value)));
        }
        let value = [(key.to_owned(), setting.value.clone())];
        base.with_settings(&setting.origin, &value).map_err(|e| SweepError::from_scenario(&setting.origin, e))?;
    }
    Ok(())
}

/// Every combination of one item from each list, the first list varying
/// slowest; one empty combination when there are no lists.
fn product<'a, T>(lists: impl Iterator<Item = &'a [T]>) -> Vec<Vec<&'a T>> {
    let mut combinations = vec![Vec::new()];
    for list in lists {
        combinations =
            combinations.iter().flat_map(|c| list.iter().map(move |item| [c.as_slice(), &[item]].concat())).collect();
    }
    combinations
}

/// A point, for messages: `the point shells.suspend=0.2, tick="7min"`.
fn describe<V: AsValue>(keys: &[String], values: &[V]) -> String {
    if keys.is_empty() {
        return "the scenario".to_owned();
    }
    let pairs: Vec<String> = keys.iter().zip(values).map(|(k, v)| format!("{k}={}", v.value())).collect();
    format!("the point {}", pairs.join(", "))
}

/// A value, or a setting's value.
trait AsValue {
    fn value(&self) -> &toml::Value;
}

impl AsValue for toml::Value {
    fn value(&self) -> &toml::Value {
        self
    }
}

impl AsValue for &Setting {
    fn value(&self) -> &toml::Value {
        &self.value
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const BASE: &str = "seed = 1\nduration = \"1s\"\ntick = \"100ms\"\n[shells]\ninitial = 2\n";

    fn plan(text: &str, settings: &[&str], seeds: Option<&str>) -> Result<Plan, SweepError> {
        let base = Scenario::parse("s.toml", text).unwrap();
        let settings = settings.iter().map(|s| s.parse()).collect::<Result<Vec<Setting>, _>>()?;
        let seeds = seeds.map(|s| s.parse::<Seeds>().unwrap());
        Plan::new(&base, "s.toml", settings, seeds, || -> Result<Spec, SweepError> { Ok(Spec::LINUX) })
    }

    #[test]
    fn seeds_are_an_inclusive_range() {
        assert_eq!("1..64".parse::<Seeds>().unwrap().count(), 64);
        assert_eq!("5..5".parse::<Seeds>().unwrap().count(), 1);
        assert!("9..2".parse::<Seeds>().unwrap_err().contains("reversed"));
        assert!("1-4".parse::<Seeds>().unwrap_err().contains("expected A..B"));
        assert!("1..x".parse::<Seeds>().unwrap_err().contains("`x` is not a seed"));
    }

    #[test]
    fn the_points_are_the_product_of_the_values_and_the_runs_go_point_by_point() {
        let p = plan(BASE, &["shells.suspend=0.5", "tick=\"10ms\"", "shells.suspend=0.25"], Some("3..4")).unwrap();
        assert_eq!(p.keys, ["shells.suspend", "tick"]);
        assert_eq!(p.points.len(), 2);
        assert_eq!(p.runs(), 4);
        let runs: Vec<(usize, u64)> = (0..4).map(|i| p.run(i)).map(|r| (r.point, r.seed)).collect();
        assert_eq!(runs, [(0, 3), (0, 4), (1, 3), (1, 4)]);
        let parameters = p.run(2).scenario.parameters();
        assert!(parameters.contains(&("shells.suspend".to_owned(), "0.25".to_owned())));
        assert_eq!(p.run(2).scenario.seed, 3);
        assert_eq!(p.point_cells(1), ["0.25", "10ms"]);
        let file = format!("{BASE}[sweep]\nseeds = \"1..3\"\nshells.initial = [1, 2]\nshells.hangup = [0.1, 0.9]\n");
        let p = plan(&file, &["shells.hangup=0.5"], None).unwrap();
        assert_eq!(p.keys, ["shells.hangup", "shells.initial"]);
        assert_eq!((p.points.len(), p.seeds.count()), (2, 3), "the command line replaces the file's values");
    }

    #[test]
    fn the_sweep_id_names_the_runs_and_their_order() {
        let a = plan(BASE, &["shells.suspend=0.5", "shells.suspend=0.25"], Some("1..2")).unwrap();
        let b = plan(BASE, &["shells.suspend=0.25", "shells.suspend=0.5"], Some("1..2")).unwrap();
        let c = plan(BASE, &["shells.suspend=0.5", "shells.suspend=0.25"], Some("1..3")).unwrap();
        assert_eq!(a.id(), plan(BASE, &["shells.suspend=0.5", "shells.suspend=0.25"], Some("1..2")).unwrap().id());
        assert_ne!(a.id(), b.id());
        assert_ne!(a.id(), c.id());
        assert!(a.id().starts_with('s') && a.id().len() == 17);
    }

    #[test]
    fn a_mistake_is_told_where_it_was_written() {
        let e = |settings: &[&str]| plan(BASE, settings, Some("1..2")).unwrap_err().to_string();
        assert_eq!(
            e(&["shells.nosuch=1"]),
            "--set shells.nosuch=1: `shells.nosuch`: unknown key `nosuch`, expected one of `initial`, `arrivals`, \
             `reap`, `session`, `think`, `pipeline`, `job`, `background`, `suspend`, `suspend_after`, `resume`, \
             `resume_in_background`, `nohup`, `hangup`, `terminal`"
        );
        assert_eq!(
            e(&["shells.suspend=\"x\""]),
            "--set shells.suspend=\"x\": `shells.suspend`: invalid type: string \"x\", expected a probability from 0 \
             to 1"
        );
        assert!(e(&["shells.suspend=x"]).contains("`x` is not one TOML value"), "{}", e(&["shells.suspend=x"]));
        assert!(e(&["seed=3"]).contains("the seeds of a sweep are given by --seeds"));
        assert!(e(&["shells.suspend=0.5", "shells.suspend=0.5"]).contains("0.5 is given twice"));
        assert!(e(&["shells.initial.x=1"]).contains("`shells.initial` is a value, not a table"));
        let both = e(&["tick=\"200ms\"", "duration=\"2s\"", "duration=\"1.5s\""]);
        assert_eq!(
            both,
            "the point duration=\"1.5s\", tick=\"200ms\": `tick`: 1500ms is not a whole number of ticks of 200ms (a \
             tick must divide the duration)"
        );
        let file = format!("{BASE}[sweep]\n\nshells.suspend = 0.5\n");
        let e = plan(&file, &[], Some("1..2")).unwrap_err().to_string();
        assert_eq!(
            e,
            "s.toml:8: `sweep.shells.suspend`: expected the list of values the key takes, such as [0.1, 0.2]"
        );
        let file = format!("{BASE}[sweep]\nshells.suspend = [0.5, 2.0]\n");
        let e = plan(&file, &[], Some("1..2")).unwrap_err().to_string();
        assert!(e.starts_with("s.toml:7: `shells.suspend`: "), "{e}");
    }
}
