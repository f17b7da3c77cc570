//! `procsim compare`: where two semantics profiles behave differently, and
//! why — the 2018 gVisor seed against Linux, say, or a vendor kernel's
//! variant against mainline.
//!
//! A script is replayed under a *base* profile and under the profile it is
//! compared *against*, and the two reports are compared field by field: each
//! operation's result (by line number), and each field of each process's
//! final state (by label: its state, parent, group, session, ids, handlers
//! run, exit status), at the core or strict level of the replay format.
//! Every field that differs is a [`Difference`], and each is put down to the
//! [`Decision`]s that cause it: rows of the table of differences (semantics
//! §6.3) for the seed, kernel variants for a vendor kernel.
//!
//! # How differences are explained
//!
//! A profile is a set of decisions, and any set of them is a machine that
//! takes the others the mainline way ([`crate::semantics`]). The two profiles
//! differ in the decisions of [`Semantics::differences`]; switching any of
//! them in `against` back to the base's way gives a machine between the two.
//! So the cause of a difference is found by experiment, replaying the script
//! under such machines, rather than by reading patterns into the reports:
//!
//! 1. **Leave one out.** For each decision in which the profiles differ, the
//!    script is replayed under `against` with that decision taken the base's
//!    way. A decision whose switch gives the field its base value is
//!    *needed* — unless the switch makes another field of the line differ
//!    that did not (then the field came back by another road: a stop that
//!    the seed keeps because its count wrapped, say, is undone by a SIGCONT
//!    that a count left unwrapped lets through, which shows in the handlers
//!    run). If some decisions are needed, they are the explanation
//!    ([`Explanation::Needs`]); several needed decisions mean the difference
//!    takes all of them (a count that drifts by one rule and a check that
//!    only another makes, say).
//! 2. **Add one in.** If none is needed — each of two decisions causes the
//!    difference on its own, so switching either leaves the other — the
//!    script is replayed under the base with each single decision switched
//!    to `against`'s way. Those that alone give `against`'s value (or,
//!    failing that, alone make the field differ from the base's) are the
//!    explanation ([`Explanation::AnyOf`]).
//! 3. **Shrink.** If no single decision makes the difference either, it takes
//!    several together and none alone is needed: starting from `against`,
//!    each decision is switched back, in order, if the field still differs
//!    from the base's without it. What is left is a set of decisions that
//!    together make the difference, each needed within the set
//!    ([`Explanation::Together`]).
//!
//! A difference always has an explanation: with every decision switched back
//! the machine is the base's, so shrinking can never switch the last one. A
//! consequence is put down to its cause: a job left stopped because the seed
//! sent no SIGHUP, and an operation that then finds its actor stopped, both
//! go to the rule that withheld the signal. A replay of a short script takes
//! a fraction of a millisecond, and replays are shared between fields, so the
//! 2 + 2·n replays of steps 1 and 2 for n differing decisions (and n more per
//! field for step 3, rarely needed) are cheap: n is 25 between Linux and the
//! seed.
//!
//! A profile compared against itself differs in no decision, and its two
//! replays are one: nothing differs.

mod explanation;
pub mod scenario;
mod summary;

pub use explanation::Explanation;
pub use summary::{Summary, Tally};

use crate::io::report::{Level, Report};
use crate::io::script::Script;
use crate::replay::replay_with;
use crate::semantics::{Decision, Semantics};
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::fmt;

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

/// One field on which the profiles differ.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Difference {
    pub key: Key,
    /// The field under the base profile (`None`: no such field).
    pub base: Option<String>,
    /// The field under the profile compared against it.
    pub against: Option<String>,
    pub explanation: Explanation,
}

/// The comparison of one script.
#[derive(Clone, Debug)]
pub struct Comparison {
    /// Label names, to print process lines.
    labels: Vec<String>,
    base: Lines,
    against: Lines,
    pub differences: Vec<Difference>,
}

impl Comparison {
    /// The differences explained by `decision` (alone or with others).
    pub fn explained_by(&self, decision: impl Into<Decision>) -> impl Iterator<Item = &Difference> {
        let decision = decision.into();
        self.differences.iter().filter(move |d| d.explanation.decisions().contains(&decision))
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
    /// The differing lines, the base's then the other's, each differing field
    /// with its explanation, then what the decisions named are.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let show = |v: Option<&String>| v.map_or("(none)".to_owned(), String::clone);
        let mut last = None;
        let mut named = BTreeSet::new();
        for d in &self.differences {
            if last != Some(d.key.line) {
                last = Some(d.key.line);
                let name = self.line_name(d.key.line);
                writeln!(f, "  {name} {}", show(self.base.get(&d.key.line)))?;
                writeln!(f, "  {:width$} {}", "", show(self.against.get(&d.key.line)), width = name.len())?;
            }
            writeln!(
                f,
                "    {} {} -> {}: {}",
                d.key.field,
                show(d.base.as_ref()),
                show(d.against.as_ref()),
                d.explanation
            )?;
            named.extend(d.explanation.decisions().iter().copied());
        }
        for decision in named {
            writeln!(f, "  {decision}: {} ({})", decision.describe(), decision.source())?;
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
    /// The profile differences are measured from.
    base: Semantics,
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
    /// from the base's.
    fn differing(&mut self, semantics: Semantics, line: Line) -> BTreeSet<&'static str> {
        let theirs = self.lines(semantics).get(&line).cloned();
        let base = self.lines(self.base).get(&line).cloned();
        line_differences(line, base.as_ref(), theirs.as_ref()).into_iter().collect()
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
fn differing_keys(base: &Lines, against: &Lines) -> Vec<Key> {
    let all: BTreeSet<Line> = base.keys().chain(against.keys()).copied().collect();
    all.into_iter()
        .flat_map(|line| {
            line_differences(line, base.get(&line), against.get(&line))
                .into_iter()
                .map(move |field| Key { line, field })
        })
        .collect()
}

/// Compares `script` under `base` and under `against`, at `level`, and
/// explains each difference by the decisions in which they differ.
pub fn compare(script: &Script, base: Semantics, against: Semantics, level: Level) -> Comparison {
    let mut runs = Runs { script, level, base, done: HashMap::new() };
    let (base_lines, against_lines) = (runs.lines(base).clone(), runs.lines(against).clone());
    let differences = differing_keys(&base_lines, &against_lines)
        .into_iter()
        .map(|key| {
            let (b, a) = (value(&base_lines, key), value(&against_lines, key));
            let explanation = explanation::explain(&mut runs, against, key, &b, &a);
            Difference { key, base: b, against: a, explanation }
        })
        .collect();
    Comparison { labels: script.labels.clone(), base: base_lines, against: against_lines, differences }
}
