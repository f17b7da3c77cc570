//! `procsim compare`: where the 2018 gVisor seed would have behaved
//! differently from Linux, and why.
//!
//! A script is replayed under both profiles and the two reports are compared
//! line by line: each operation's result (by line number) and each process's
//! final state (by label), at the core or strict level of the replay format.
//! Every line that differs is a [`Difference`], and each difference is
//! classified by the row of the table of differences (semantics §6.3) that
//! explains it.
//!
//! # How differences are classified
//!
//! The `gvisor-2018` profile is a set of [`Rule`]s, one per row, and any
//! subset of them is a machine that takes the other decisions the Linux way
//! ([`crate::semantics`]). So the cause of a difference can be found by
//! experiment rather than by reading patterns into the reports:
//!
//! 1. **Leave one out.** For each rule, the script is replayed under the
//!    seed's rules minus that one. A rule whose removal makes the line what
//!    Linux says is *needed* for the difference. When one or more rules are
//!    needed, those are the explanation ([`Explanation::Needs`]); several
//!    needed rules mean the difference takes all of them together (say, a
//!    count that drifts by one rule and a check that only another makes).
//! 2. **Add one in.** When no single rule is needed — two rules each cause
//!    the difference on their own, so removing either leaves the other — the
//!    script is replayed under Linux plus each single rule. The rules that
//!    alone reproduce the seed's line (or, failing that, alone make the line
//!    differ from Linux) are the explanation ([`Explanation::AnyOf`]).
//! 3. Otherwise the difference is [`Explanation::Unexplained`]: it would take
//!    several rules together, none of them needed alone — or the profiles
//!    differ somewhere no rule accounts for, which would be a bug.
//!
//! Consequences are explained by their cause: a job left stopped because the
//! seed sent no SIGHUP, and an operation that then finds its actor stopped,
//! both go to the rule that withheld the signal. Each replay of a short script
//! takes microseconds, so the at most 2 + 2·25 replays per script are cheap.

use crate::io::report::{Level, Report};
use crate::io::script::Script;
use crate::replay::replay_with;
use crate::semantics::{Rule, Semantics};
use std::collections::{BTreeMap, HashMap};
use std::fmt::{self, Write};

/// A line of a report: an operation's result or a process's final state.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Key {
    /// The result of the operation on this line of the script.
    Op(usize),
    /// The final state of the process with this label index.
    Proc(u32),
}

/// Why the seed's line differs from Linux's.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Explanation {
    /// Each of these rules is needed: without any one of them, the line is
    /// Linux's.
    Needs(Vec<Rule>),
    /// No rule is needed, but each of these alone makes the difference.
    AnyOf(Vec<Rule>),
    /// No rule, alone or left out, accounts for it.
    Unexplained,
}

impl Explanation {
    /// The rules named, in row order.
    pub fn rules(&self) -> &[Rule] {
        match self {
            Explanation::Needs(rules) | Explanation::AnyOf(rules) => rules,
            Explanation::Unexplained => &[],
        }
    }

    /// The rows named.
    pub fn rows(&self) -> Vec<u8> {
        self.rules().iter().map(|r| r.row()).collect()
    }
}

impl fmt::Display for Explanation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (rules, joint) = match self {
            Explanation::Needs(rules) => (rules, "each needed"),
            Explanation::AnyOf(rules) => (rules, "each enough alone"),
            Explanation::Unexplained => return f.write_str("unexplained"),
        };
        let rows: Vec<String> = rules.iter().map(|r| r.row().to_string()).collect();
        let noun = if rules.len() == 1 { "row" } else { "rows" };
        write!(f, "{noun} {}", rows.join(if matches!(self, Explanation::Needs(_)) { "+" } else { " or " }))?;
        if rules.len() > 1 {
            write!(f, " ({joint})")?;
        }
        for rule in rules {
            write!(f, "\n      row {}: {} ({})", rule.row(), rule.describe(), rule.seed_source())?;
        }
        Ok(())
    }
}

/// One line on which the profiles differ.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Difference {
    pub key: Key,
    /// The line under Linux, without its key (`None`: no such line).
    pub linux: Option<String>,
    /// The line under the seed.
    pub seed: Option<String>,
    pub explanation: Explanation,
}

/// The comparison of one script.
#[derive(Clone, Debug)]
pub struct Comparison {
    /// Label names, to print process keys.
    labels: Vec<String>,
    pub differences: Vec<Difference>,
}

impl Comparison {
    /// The differences explained by `row` (alone or with others).
    pub fn explained_by(&self, row: u8) -> impl Iterator<Item = &Difference> {
        self.differences.iter().filter(move |d| d.explanation.rows().contains(&row))
    }

    /// The name of a key as the report writes it.
    pub fn key_name(&self, key: Key) -> String {
        match key {
            Key::Op(line) => format!("{line}:"),
            Key::Proc(label) => format!("proc {}", self.labels[label as usize]),
        }
    }
}

impl fmt::Display for Comparison {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for d in &self.differences {
            let none = "(no line)".to_owned();
            writeln!(
                f,
                "  {} {} | {}",
                self.key_name(d.key),
                d.linux.as_ref().unwrap_or(&none),
                d.seed.as_ref().unwrap_or(&none)
            )?;
            writeln!(f, "    {}", d.explanation)?;
        }
        Ok(())
    }
}

/// A report's lines by key, as `level` compares them.
type Lines = BTreeMap<Key, String>;

fn lines(script: &Script, report: &Report, level: Level) -> Lines {
    let text = level.normalize(&report.render(script));
    let mut out = Lines::new();
    for line in text.lines() {
        if let Some(rest) = line.strip_prefix("proc ") {
            let (name, state) = rest.split_once(' ').unwrap_or((rest, ""));
            let label = script.labels.iter().position(|l| l == name).expect("a report names the script's labels");
            out.insert(Key::Proc(label as u32), state.to_owned());
        } else if let Some((number, result)) = line.split_once(": ") {
            out.insert(Key::Op(number.parse().expect("an operation line starts with its number")), result.to_owned());
        }
    }
    out
}

/// Replays of one script, each kept once it has run.
struct Runs<'s> {
    script: &'s Script,
    level: Level,
    done: HashMap<Semantics, Lines>,
}

impl Runs<'_> {
    fn get(&mut self, semantics: Semantics) -> &Lines {
        let (script, level) = (self.script, self.level);
        self.done.entry(semantics).or_insert_with(|| lines(script, &replay_with(script, semantics), level))
    }
}

/// Compares `script` under Linux and under the seed, at `level`.
pub fn compare(script: &Script, level: Level) -> Comparison {
    let mut runs = Runs { script, level, done: HashMap::new() };
    let linux = runs.get(Semantics::LINUX).clone();
    let seed = runs.get(Semantics::gvisor_2018()).clone();
    let keys: std::collections::BTreeSet<Key> = linux.keys().chain(seed.keys()).copied().collect();
    let mut differences = Vec::new();
    for key in keys {
        let (l, s) = (linux.get(&key), seed.get(&key));
        if l == s {
            continue;
        }
        let explanation = classify(&mut runs, key, l, s);
        differences.push(Difference { key, linux: l.cloned(), seed: s.cloned(), explanation });
    }
    Comparison { labels: script.labels.clone(), differences }
}

/// The explanation of the difference at `key` (see the module docs).
fn classify(runs: &mut Runs, key: Key, linux: Option<&String>, seed: Option<&String>) -> Explanation {
    let all = Semantics::gvisor_2018();
    let needed: Vec<Rule> = Rule::ALL.into_iter().filter(|&r| runs.get(all.without(r)).get(&key) == linux).collect();
    if !needed.is_empty() {
        return Explanation::Needs(needed);
    }
    let alone: Vec<(Rule, Option<String>)> =
        Rule::ALL.into_iter().map(|r| (r, runs.get(Semantics::LINUX.with(r)).get(&key).cloned())).collect();
    let reproduce: Vec<Rule> = alone.iter().filter(|(_, line)| line.as_ref() == seed).map(|&(r, _)| r).collect();
    if !reproduce.is_empty() {
        return Explanation::AnyOf(reproduce);
    }
    let differ: Vec<Rule> = alone.iter().filter(|(_, line)| line.as_ref() != linux).map(|&(r, _)| r).collect();
    if !differ.is_empty() {
        return Explanation::AnyOf(differ);
    }
    Explanation::Unexplained
}

/// Counts of differences by row over many comparisons, with the first place
/// each row was seen.
#[derive(Debug, Default)]
pub struct Summary {
    /// Row (0 for unexplained) → (differences, scripts, first occurrence).
    rows: BTreeMap<u8, (usize, usize, String)>,
    scripts: usize,
    diverging: usize,
}

impl Summary {
    /// Adds the comparison of the script called `name`.
    pub fn add(&mut self, name: &str, comparison: &Comparison) {
        self.scripts += 1;
        self.diverging += usize::from(!comparison.differences.is_empty());
        let mut seen = Vec::new();
        for d in &comparison.differences {
            let rows = d.explanation.rows();
            for row in if rows.is_empty() { vec![0] } else { rows } {
                let first = format!("{name} {}", comparison.key_name(d.key));
                let entry = self.rows.entry(row).or_insert((0, 0, first));
                entry.0 += 1;
                if !seen.contains(&row) {
                    seen.push(row);
                    entry.1 += 1;
                }
            }
        }
    }

    /// Whether some difference is unexplained.
    pub fn has_unexplained(&self) -> bool {
        self.rows.contains_key(&0)
    }
}

impl fmt::Display for Summary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "== summary: {} of {} scripts diverge", self.diverging, self.scripts)?;
        let mut table = String::new();
        let _ = writeln!(table, "{:<5} {:>11} {:>8}  first occurrence", "row", "differences", "scripts");
        for (row, (count, scripts, first)) in &self.rows {
            let row = if *row == 0 { "none".to_owned() } else { row.to_string() };
            let _ = writeln!(table, "{row:<5} {count:>11} {scripts:>8}  {first}");
        }
        f.write_str(&table)
    }
}
