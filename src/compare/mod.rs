//! `procsim compare`: where the 2018 gVisor seed would have behaved
//! differently from Linux, and why.
//!
//! A script is replayed under both profiles and the two reports are compared
//! field by field: each operation's result (by line number), and each field
//! of each process's final state (by label: its state, parent, group,
//! session, ids, handlers run, exit status), at the core or strict level of
//! the replay format. Every field that differs is a [`Difference`], and each
//! is put down to the rows of the table of differences (semantics §6.3) that
//! cause it.
//!
//! # How differences are explained
//!
//! The `gvisor-2018` profile is a set of [`Rule`]s, one per row, and any
//! subset of them is a machine that takes the other decisions the Linux way
//! ([`crate::semantics`]). So the cause of a difference is found by
//! experiment, replaying the script under other sets of rules, rather than by
//! reading patterns into the reports:
//!
//! 1. **Leave one out.** For each rule, the script is replayed under the
//!    seed's rules minus that one. A rule whose removal gives the field its
//!    Linux value is *needed* — unless the removal makes another field of the
//!    line differ that did not (then the field came back by another road: a
//!    stop that the seed keeps because its count wrapped, say, is undone by a
//!    SIGCONT that a count left unwrapped lets through, which shows in the
//!    handlers run). If some rules are needed, they are the explanation
//!    ([`Explanation::Needs`]); several needed rules mean the difference takes
//!    all of them (a count that drifts by one rule and a check that only
//!    another makes, say).
//! 2. **Add one in.** If none is needed — each of two rules causes the
//!    difference on its own, so removing either leaves the other — the script
//!    is replayed under Linux plus each single rule. The rules that alone give
//!    the seed's value (or, failing that, alone make the field differ from
//!    Linux) are the explanation ([`Explanation::AnyOf`]).
//! 3. **Shrink.** If no single rule makes the difference either, it takes
//!    several rules together and none alone is needed: starting from all of
//!    them, each rule is dropped in row order if the field still differs
//!    without it. What is left is a set of rules that together make the
//!    difference, each needed within the set ([`Explanation::Together`]).
//!
//! A difference always has an explanation: under no rule the machine is
//! Linux's, so shrinking can never drop the last rule. A consequence is put
//! down to its cause: a job left stopped because the seed sent no SIGHUP, and
//! an operation that then finds its actor stopped, both go to the rule that
//! withheld the signal. A replay of a short script takes a fraction of a
//! millisecond, and replays are shared between fields, so the 2 + 2·25 replays
//! of steps 1 and 2 (and 25 more per field for step 3, rarely needed) are
//! cheap.

pub mod scenario;

use crate::io::report::{Level, Report};
use crate::io::script::Script;
use crate::replay::replay_with;
use crate::semantics::{Rule, Semantics};
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::fmt::{self, Write};

/// A line of a report: an operation's result or a process's final state.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Line {
    /// The result of the operation on this line of the script.
    Op(usize),
    /// The final state of the process with this label index.
    Proc(u32),
}

/// A field of a line: `result` for an operation; for a process `state`,
/// `parent`, `pgrp`, `sid`, `ns`, `caught` or `exit`; `line` for a line that
/// only one report has.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Key {
    pub line: Line,
    pub field: &'static str,
}

/// Why the seed's field differs from Linux's.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Explanation {
    /// Each of these rules is needed: without any one of them, the field is
    /// Linux's.
    Needs(Vec<Rule>),
    /// No rule is needed, but each of these alone makes the difference.
    AnyOf(Vec<Rule>),
    /// None is needed and none is enough alone; these make it together, and
    /// each is needed among them.
    Together(Vec<Rule>),
}

impl Explanation {
    /// The rules named, in row order.
    pub fn rules(&self) -> &[Rule] {
        match self {
            Explanation::Needs(rules) | Explanation::AnyOf(rules) | Explanation::Together(rules) => rules,
        }
    }

    /// The rows named.
    pub fn rows(&self) -> Vec<u8> {
        self.rules().iter().map(|r| r.row()).collect()
    }
}

impl fmt::Display for Explanation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let rules = self.rules();
        let rows: Vec<String> = rules.iter().map(|r| r.row().to_string()).collect();
        let (join, how) = match self {
            Explanation::Needs(_) => ("+", "each needed"),
            Explanation::AnyOf(_) => (" or ", "each enough alone"),
            Explanation::Together(_) => ("+", "together, none needed alone"),
        };
        write!(f, "{} {}", if rules.len() == 1 { "row" } else { "rows" }, rows.join(join))?;
        if rules.len() > 1 || matches!(self, Explanation::Together(_)) {
            write!(f, " ({how})")?;
        }
        Ok(())
    }
}

/// One field on which the profiles differ.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Difference {
    pub key: Key,
    /// The field under Linux (`None`: no such field).
    pub linux: Option<String>,
    /// The field under the seed.
    pub seed: Option<String>,
    pub explanation: Explanation,
}

/// The comparison of one script.
#[derive(Clone, Debug)]
pub struct Comparison {
    /// Label names, to print process lines.
    labels: Vec<String>,
    linux: Lines,
    seed: Lines,
    pub differences: Vec<Difference>,
}

impl Comparison {
    /// The differences explained by `row` (alone or with others).
    pub fn explained_by(&self, row: u8) -> impl Iterator<Item = &Difference> {
        self.differences.iter().filter(move |d| d.explanation.rows().contains(&row))
    }

    /// The name of a line as the report writes it.
    pub fn line_name(&self, line: Line) -> String {
        match line {
            Line::Op(number) => format!("{number}:"),
            Line::Proc(label) => format!("proc {}", self.labels[label as usize]),
        }
    }

    /// The lines on which the profiles differ.
    pub fn differing_lines(&self) -> usize {
        self.differences.iter().map(|d| d.key.line).collect::<BTreeSet<_>>().len()
    }
}

impl fmt::Display for Comparison {
    /// The differing lines, Linux's then the seed's, each differing field
    /// with its explanation, then what the rows named are.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let show = |v: Option<&String>| v.map_or("(none)".to_owned(), String::clone);
        let mut last = None;
        let mut rules = BTreeSet::new();
        for d in &self.differences {
            if last != Some(d.key.line) {
                last = Some(d.key.line);
                let name = self.line_name(d.key.line);
                writeln!(f, "  {name} {}", show(self.linux.get(&d.key.line)))?;
                writeln!(f, "  {:width$} {}", "", show(self.seed.get(&d.key.line)), width = name.len())?;
            }
            writeln!(
                f,
                "    {} {} -> {}: {}",
                d.key.field,
                show(d.linux.as_ref()),
                show(d.seed.as_ref()),
                d.explanation
            )?;
            rules.extend(d.explanation.rules().iter().copied());
        }
        for rule in rules {
            writeln!(f, "  row {}: {} ({})", rule.row(), rule.describe(), rule.seed_source())?;
        }
        Ok(())
    }
}

/// A report's lines, without their keys, as `level` compares them.
type Lines = BTreeMap<Line, String>;

fn lines(script: &Script, report: &Report, level: Level) -> Lines {
    let text = level.normalize(&report.render(script));
    let mut out = Lines::new();
    for line in text.lines() {
        if let Some(rest) = line.strip_prefix("proc ") {
            let (name, state) = rest.split_once(' ').unwrap_or((rest, ""));
            let label = script.labels.iter().position(|l| l == name).expect("a report names the script's labels");
            out.insert(Line::Proc(label as u32), state.to_owned());
        } else if let Some((number, result)) = line.split_once(": ") {
            out.insert(Line::Op(number.parse().expect("an operation line starts with its number")), result.to_owned());
        }
    }
    out
}

/// The fields of a process line after its state, in report order.
const PROC_FIELDS: [&str; 6] = ["parent", "pgrp", "sid", "ns", "caught", "exit"];

/// The fields of a line: an operation's `result`, or the `state` and the
/// `name=value` pairs of a process line.
fn fields(line: Line, text: &str) -> Vec<(&'static str, String)> {
    match line {
        Line::Op(_) => vec![("result", text.to_owned())],
        Line::Proc(_) => {
            let mut words = text.split(' ');
            let mut out = vec![("state", words.next().unwrap_or_default().to_owned())];
            for word in words {
                let (name, value) = word.split_once('=').unwrap_or((word, ""));
                let name = PROC_FIELDS.into_iter().find(|&n| n == name).expect("a process line has known fields");
                out.push((name, value.to_owned()));
            }
            out
        }
    }
}

/// The value of a field in a report (`None` if the report lacks it).
fn value(lines: &Lines, key: Key) -> Option<String> {
    let text = lines.get(&key.line)?;
    if key.field == "line" {
        return Some(text.clone());
    }
    fields(key.line, text).into_iter().find(|&(name, _)| name == key.field).map(|(_, v)| v)
}

/// Replays of one script, each kept once it has run.
struct Runs<'s> {
    script: &'s Script,
    level: Level,
    done: HashMap<Semantics, Lines>,
}

impl Runs<'_> {
    fn lines(&mut self, semantics: Semantics) -> &Lines {
        let (script, level) = (self.script, self.level);
        self.done.entry(semantics).or_insert_with(|| lines(script, &replay_with(script, semantics), level))
    }

    fn value(&mut self, semantics: Semantics, key: Key) -> Option<String> {
        value(self.lines(semantics), key)
    }

    /// The fields of `line` on which the replay under `semantics` differs
    /// from Linux's.
    fn differing(&mut self, semantics: Semantics, line: Line) -> BTreeSet<&'static str> {
        let theirs = self.lines(semantics).get(&line).cloned();
        let linux = self.lines(Semantics::LINUX).get(&line).cloned();
        line_differences(line, linux.as_ref(), theirs.as_ref()).into_iter().collect()
    }
}

/// The fields on which two versions of a line differ (`line` when only one
/// report has it).
fn line_differences(line: Line, a: Option<&String>, b: Option<&String>) -> Vec<&'static str> {
    match (a, b) {
        (Some(a), Some(b)) if a != b => {
            let (a, b) = (fields(line, a), fields(line, b));
            let get = |fs: &[(&str, String)], n: &str| fs.iter().find(|&&(name, _)| name == n).map(|(_, v)| v.clone());
            ["result", "state"].into_iter().chain(PROC_FIELDS).filter(|n| get(&a, n) != get(&b, n)).collect()
        }
        (Some(_), None) | (None, Some(_)) => vec!["line"],
        _ => Vec::new(),
    }
}

/// The keys on which two reports differ.
fn differing_keys(linux: &Lines, seed: &Lines) -> Vec<Key> {
    let all: BTreeSet<Line> = linux.keys().chain(seed.keys()).copied().collect();
    all.into_iter()
        .flat_map(|line| {
            line_differences(line, linux.get(&line), seed.get(&line)).into_iter().map(move |field| Key { line, field })
        })
        .collect()
}

/// Compares `script` under Linux and under the seed, at `level`.
pub fn compare(script: &Script, level: Level) -> Comparison {
    let mut runs = Runs { script, level, done: HashMap::new() };
    let report = |semantics| lines(script, &replay_with(script, semantics), level);
    let (linux, seed) = (report(Semantics::LINUX), report(Semantics::gvisor_2018()));
    runs.done.insert(Semantics::LINUX, linux.clone());
    runs.done.insert(Semantics::gvisor_2018(), seed.clone());
    let differences = differing_keys(&linux, &seed)
        .into_iter()
        .map(|key| {
            let (l, s) = (value(&linux, key), value(&seed, key));
            let explanation = explain(&mut runs, key, &l, &s);
            Difference { key, linux: l, seed: s, explanation }
        })
        .collect();
    Comparison { labels: script.labels.clone(), linux, seed, differences }
}

/// The explanation of the difference at `key` (see the module docs).
fn explain(runs: &mut Runs, key: Key, linux: &Option<String>, seed: &Option<String>) -> Explanation {
    let all = Semantics::gvisor_2018();
    let seed_fields = runs.differing(all, key.line);
    let needed: Vec<Rule> = Rule::ALL
        .into_iter()
        .filter(|&r| {
            runs.value(all.without(r), key) == *linux
                && runs.differing(all.without(r), key.line).is_subset(&seed_fields)
        })
        .collect();
    if !needed.is_empty() {
        return Explanation::Needs(needed);
    }
    let alone: Vec<(Rule, Option<String>)> =
        Rule::ALL.into_iter().map(|r| (r, runs.value(Semantics::LINUX.with(r), key))).collect();
    // Alone giving the seed's value first; else alone making any difference.
    for exact in [true, false] {
        let enough: Vec<Rule> =
            alone.iter().filter(|(_, v)| if exact { v == seed } else { v != linux }).map(|&(r, _)| r).collect();
        if !enough.is_empty() {
            return Explanation::AnyOf(enough);
        }
    }
    let mut kept = all;
    for rule in Rule::ALL {
        if runs.value(kept.without(rule), key) != *linux {
            kept = kept.without(rule);
        }
    }
    Explanation::Together(kept.rules().collect())
}

/// Counts of differences by row over many comparisons, with the first place
/// each row was seen.
#[derive(Debug, Default)]
pub struct Summary {
    /// Row → (differences, scripts, first occurrence).
    rows: BTreeMap<u8, (usize, usize, String)>,
    scripts: usize,
    diverging: usize,
}

impl Summary {
    /// Adds the comparison of the script called `name`.
    pub fn add(&mut self, name: &str, comparison: &Comparison) {
        self.scripts += 1;
        self.diverging += usize::from(!comparison.differences.is_empty());
        let mut seen = BTreeSet::new();
        for d in &comparison.differences {
            for row in d.explanation.rows() {
                let first = format!("{name} {} {}", comparison.line_name(d.key.line), d.key.field);
                let entry = self.rows.entry(row).or_insert((0, 0, first));
                entry.0 += 1;
                if seen.insert(row) {
                    entry.1 += 1;
                }
            }
        }
    }
}

impl fmt::Display for Summary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "== summary: {} of {} scripts diverge", self.diverging, self.scripts)?;
        let mut table = String::new();
        let _ = writeln!(table, "{:<4} {:>11} {:>8}  first occurrence", "row", "differences", "scripts");
        for (row, (count, scripts, first)) in &self.rows {
            let _ = writeln!(table, "{row:<4} {count:>11} {scripts:>8}  {first}");
        }
        f.write_str(&table)
    }
}
