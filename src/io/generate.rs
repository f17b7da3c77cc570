//! Random replay scripts, for checking the simulator and the kernel harness on
//! workloads nobody wrote by hand.
//!
//! A script is only interesting if it runs long, and an operation whose actor
//! is stopped, a zombie or gone ends a script (the replay format, "Errors"). So
//! the generator keeps a rough sketch of the world (who exists, who may have
//! been stopped or killed, groups, sessions, namespaces, dispositions) and
//! picks actors it believes can act. The sketch is deliberately simple and
//! conservative: a process that *may* have been stopped or killed is never an
//! actor again. On purpose, about one operation in a hundred has an actor that
//! cannot act, and a few scripts dive to the kernel's limit of nested PID
//! namespaces (ENOSPC).
//!
//! With [`Lines::Threads`], scripts are version 2 of the replay format: a
//! process may have further threads (`thread`), every line may come from any
//! of its live threads, and the new lines (`exit_thread`, `tkill`, `mask`,
//! `pdeathsig`) are drawn too. The sketch stays one of processes, with each
//! process's live tasks on the side; a process whose task set a harmful
//! parent-death signal is risky as soon as any task of its parent's process
//! ends. Without threads, a seed gives the very script it always gave: every
//! random draw of the thread lines happens only with [`Lines::Threads`].
//!
//! The output depends on the seed only (ChaCha8, no hashing order involved).

use crate::model::{DefaultAction, Disposition, Signal};
use rand::seq::IndexedRandom;
use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;
use std::fmt::Write;

/// The kernel's limit of nested PID namespaces; `init`'s namespace is level 1.
const MAX_LEVEL: usize = 32;

/// Which lines a random script uses.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Lines {
    /// Version 1 of the replay format: single-threaded processes.
    #[default]
    Processes,
    /// Version 2: threads too.
    Threads,
}

/// The text of a valid version-1 `.ops` script of `ops` operations, the same
/// for the same seed.
pub fn random_script(seed: u64, ops: usize) -> String {
    random_script_of(seed, ops, Lines::Processes)
}

/// The text of a valid `.ops` script of `ops` operations using `lines`, the
/// same for the same seed.
pub fn random_script_of(seed: u64, ops: usize, lines: Lines) -> String {
    let mut sketch = Sketch::new(seed, lines);
    let mut text = match lines {
        Lines::Processes => format!("# random script: seed {seed}, {ops} operations\n"),
        Lines::Threads => format!("# random script with threads: seed {seed}, {ops} operations\n"),
    };
    // A few scripts dive to the namespace limit (a chain of `MAX_LEVEL` forks),
    // early enough to get there if the script is long enough.
    let last_start = ops.saturating_sub(MAX_LEVEL + 1).max(1);
    let dive_at = sketch.rng.random_bool(0.04).then(|| sketch.rng.random_range(0..last_start));
    for n in 0..ops {
        if dive_at == Some(n) {
            sketch.dive = Some(0);
        }
        let line = sketch.next_line();
        let _ = writeln!(text, "{line}");
    }
    text
}

/// What the generator believes about one process.
#[derive(Clone, Debug)]
struct ProcSketch {
    /// The label of its leader.
    name: String,
    /// Its leader has not exited (`exit_thread`).
    leader_live: bool,
    /// The labels of its further threads, and whether each is live.
    threads: Vec<(String, bool)>,
    /// A task of it set a parent-death signal that may stop or end it.
    pdeath: bool,
    /// Its fork succeeded.
    created: bool,
    /// It exited or was killed: a zombie or gone.
    ended: bool,
    reaped: bool,
    /// It may be stopped or dead: never an actor again (but for invalid ones).
    risky: bool,
    parent: usize,
    pgrp: usize,
    sid: usize,
    /// Its namespaces, outermost first, each named by its init.
    ns: Vec<usize>,
    /// By position in [`Signal::BEFORE_TERMINALS`].
    handlers: [Disposition; 11],
    subreaper: bool,
    execed: bool,
}

impl ProcSketch {
    fn able(&self) -> bool {
        self.created && !self.ended && !self.risky && self.live_tasks() > 0
    }

    /// How many of its tasks have not exited.
    fn live_tasks(&self) -> usize {
        usize::from(self.leader_live) + self.threads.iter().filter(|(_, live)| *live).count()
    }

    fn handler(&self, sig: Signal) -> Disposition {
        self.handlers[sig_index(sig)]
    }

    fn is_ns_init(&self, me: usize) -> bool {
        self.ns.last() == Some(&me)
    }
}

fn sig_index(sig: Signal) -> usize {
    Signal::BEFORE_TERMINALS.iter().position(|&s| s == sig).unwrap_or(0)
}

/// A task of a process, for a line that names one.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Task {
    Leader,
    /// By position in [`ProcSketch::threads`].
    Thread(usize),
}

struct Sketch {
    rng: ChaCha8Rng,
    lines: Lines,
    procs: Vec<ProcSketch>,
    /// How many labels exist (`init` included): the next one is `p{labels}`.
    labels: usize,
    /// Diving: the tip of the chain of `newpid` forks, until one fails.
    dive: Option<usize>,
}

impl Sketch {
    fn new(seed: u64, lines: Lines) -> Sketch {
        let mut handlers = [Disposition::Default; 11];
        handlers[sig_index(Signal::Hup)] = Disposition::Catch;
        handlers[sig_index(Signal::Cont)] = Disposition::Catch;
        let init = ProcSketch {
            name: "init".into(),
            leader_live: true,
            threads: Vec::new(),
            pdeath: false,
            created: true,
            ended: false,
            reaped: false,
            risky: false,
            parent: 0,
            pgrp: 0,
            sid: 0,
            ns: vec![0],
            handlers,
            subreaper: false,
            execed: false,
        };
        Sketch { rng: ChaCha8Rng::seed_from_u64(seed), lines, procs: vec![init], labels: 1, dive: None }
    }

    fn name(&self, p: usize) -> &str {
        &self.procs[p].name
    }

    fn threads(&self) -> bool {
        self.lines == Lines::Threads
    }

    /// A new label's name.
    fn new_label(&mut self) -> String {
        self.labels += 1;
        format!("p{}", self.labels - 1)
    }

    /// A live task of `p` to act, at random (with threads; else its only one).
    fn pick_task(&mut self, p: usize) -> Task {
        if !self.threads() {
            return Task::Leader;
        }
        let proc = &self.procs[p];
        let mut live: Vec<Task> = proc.leader_live.then_some(Task::Leader).into_iter().collect();
        live.extend((0..proc.threads.len()).filter(|&i| proc.threads[i].1).map(Task::Thread));
        live.choose(&mut self.rng).copied().unwrap_or(Task::Leader)
    }

    fn task_name(&self, p: usize, task: Task) -> &str {
        match task {
            Task::Leader => self.name(p),
            Task::Thread(i) => &self.procs[p].threads[i].0,
        }
    }

    /// The label of a live task of `p`, at random, to name an actor.
    fn actor_word(&mut self, p: usize) -> String {
        let task = self.pick_task(p);
        self.task_name(p, task).to_owned()
    }

    /// A label of `p` to name a target: with threads, now and then one of
    /// its threads, live or not (a tid where a pid is expected); else its leader.
    fn target_word(&mut self, p: usize) -> String {
        if self.threads()
            && !self.procs[p].threads.is_empty()
            && self.rng.random_bool(0.3)
            && let Some((name, _)) = self.procs[p].threads.choose(&mut self.rng)
        {
            return name.clone();
        }
        self.name(p).to_owned()
    }

    /// A task of `p` ended: the children of `p` whose parent-death signal may
    /// harm them are risky (a child's parent is one of `p`'s tasks; which one
    /// is not followed).
    fn parent_task_ends(&mut self, p: usize) {
        for q in 0..self.procs.len() {
            let child = &self.procs[q];
            if q != p && child.parent == p && child.created && !child.ended && child.pdeath {
                self.procs[q].risky = true;
            }
        }
    }

    /// A process that can act, at random (`init` if no other can).
    fn actor(&mut self) -> usize {
        let able: Vec<usize> = (0..self.procs.len()).filter(|&p| self.procs[p].able()).collect();
        able.choose(&mut self.rng).copied().unwrap_or(0)
    }

    /// Any process whose fork ran, at random.
    fn anyone(&mut self) -> usize {
        let created: Vec<usize> = (0..self.procs.len()).filter(|&p| self.procs[p].created).collect();
        created.choose(&mut self.rng).copied().unwrap_or(0)
    }

    fn next_line(&mut self) -> String {
        if let Some(tip) = self.dive {
            return self.fork(tip, true);
        }
        if self.rng.random_bool(0.01)
            && let Some(line) = self.invalid()
        {
            return line;
        }
        // Lines 100 and up are version 2's.
        let lines = if self.threads() { 0..136 } else { 0..100 };
        match self.rng.random_range(lines) {
            0..22 => {
                let parent = self.actor();
                let newpid = self.rng.random_bool(0.2);
                self.fork(parent, newpid)
            }
            22..30 => self.exit(),
            30..35 => self.exec(),
            35..42 => self.setsid(),
            42..54 => self.setpgid(),
            54..62 => self.reap(),
            62..84 => self.signal(),
            84..96 => self.dispose(),
            96..100 => self.subreaper(),
            100..113 => self.thread(),
            113..119 => self.exit_thread(),
            119..127 => self.tkill(),
            127..132 => self.mask(),
            _ => self.pdeathsig(),
        }
    }

    /// An operation whose actor cannot act, if there is one to make.
    fn invalid(&mut self) -> Option<String> {
        let unable: Vec<usize> = (1..self.procs.len()).filter(|&p| !self.procs[p].able()).collect();
        match (self.rng.random_range(0..4), unable.choose(&mut self.rng)) {
            (0, _) if self.procs[0].able() => Some("exit init".into()),
            (1, _) => Some("signal - KILL init".into()),
            (_, Some(&p)) => Some(format!("setsid {}", self.name(p))),
            _ => None,
        }
    }

    fn fork(&mut self, parent: usize, newpid: bool) -> String {
        let child = self.procs.len();
        let mut sketch = self.procs[parent].clone();
        sketch.name = self.new_label();
        sketch.leader_live = true;
        sketch.threads.clear();
        sketch.pdeath = false;
        sketch.parent = parent;
        sketch.subreaper = false;
        sketch.created = !newpid || sketch.ns.len() < MAX_LEVEL;
        if newpid {
            sketch.ns.push(child);
        }
        let actor = self.actor_word(parent);
        let line = format!("fork {actor} {}{}", sketch.name, if newpid { " newpid" } else { "" });
        self.dive = match self.dive {
            Some(_) if sketch.created => Some(child),
            _ => None,
        };
        self.procs.push(sketch);
        line
    }

    fn exit(&mut self) -> String {
        let me = self.actor();
        if me == 0 {
            return self.fork(0, false);
        }
        let code = self.exit_code();
        let actor = self.actor_word(me);
        self.end(me);
        format!("exit {actor} {code}")
    }

    fn exit_code(&mut self) -> i32 {
        if self.rng.random_bool(0.8) { self.rng.random_range(0..4) } else { self.rng.random_range(0..256) }
    }

    /// `p` ends: its children find a new parent, and a namespace dies with its init.
    fn end(&mut self, p: usize) {
        self.parent_task_ends(p);
        self.procs[p].ended = true;
        self.procs[p].leader_live = false;
        for thread in &mut self.procs[p].threads {
            thread.1 = false;
        }
        if self.procs[p].is_ns_init(p) {
            for q in 0..self.procs.len() {
                if q != p && self.procs[q].ns.contains(&p) {
                    self.procs[q].ended = true;
                    self.procs[q].reaped = true;
                }
            }
        }
        let reaper = self.reaper_for(p);
        let touched: Vec<usize> = (0..self.procs.len())
            .filter(|&q| q == p || (self.procs[q].parent == p && self.procs[q].created && !self.procs[q].reaped))
            .collect();
        for &q in &touched {
            if q != p {
                self.procs[q].parent = reaper;
            }
        }
        // A group left without a link while a member may be stopped gets SIGHUP: be wary of them all.
        for &q in &touched {
            let group = self.procs[q].pgrp;
            if self.procs.iter().any(|r| r.pgrp == group && r.risky) {
                for r in self.procs.iter_mut().filter(|r| r.pgrp == group) {
                    r.risky = true;
                }
            }
        }
        let parent = self.procs[p].parent;
        if self.procs[parent].handler(Signal::Chld) == Disposition::Ignore {
            self.procs[p].reaped = true;
        }
    }

    /// Who adopts the children of `p`: the nearest subreaper above it in its
    /// namespace, else its namespace's init.
    fn reaper_for(&self, p: usize) -> usize {
        let ns_init = *self.procs[p].ns.last().unwrap_or(&0);
        let mut q = self.procs[p].parent;
        while q != ns_init && self.procs[q].ns.last() == Some(&ns_init) {
            if self.procs[q].subreaper && !self.procs[q].ended {
                return q;
            }
            q = self.procs[q].parent;
        }
        ns_init
    }

    /// `exec`: from a thread, the thread takes the leader's pid (and the
    /// leader's label names nothing any more); every other thread ends.
    fn exec(&mut self) -> String {
        let me = self.actor();
        let task = self.pick_task(me);
        let actor = self.task_name(me, task).to_owned();
        if self.procs[me].live_tasks() > 1 {
            self.parent_task_ends(me);
        }
        let sketch = &mut self.procs[me];
        for handler in &mut sketch.handlers {
            if *handler == Disposition::Catch {
                *handler = Disposition::Default;
            }
        }
        sketch.execed = true;
        if let Task::Thread(i) = task {
            sketch.threads[i].1 = false;
            let old = std::mem::replace(&mut sketch.name, actor.clone());
            sketch.threads.push((old, false));
        }
        for thread in &mut sketch.threads {
            thread.1 = false;
        }
        sketch.leader_live = true;
        format!("exec {actor}")
    }

    fn setsid(&mut self) -> String {
        let me = self.actor();
        if !self.procs.iter().any(|q| q.pgrp == me) {
            self.procs[me].pgrp = me;
            self.procs[me].sid = me;
        }
        format!("setsid {}", self.actor_word(me))
    }

    fn setpgid(&mut self) -> String {
        let me = self.actor();
        let children: Vec<usize> = (0..self.procs.len()).filter(|&q| self.procs[q].parent == me && q != me).collect();
        let target = match self.rng.random_range(0..10) {
            0..3 => me,
            3..7 => children.choose(&mut self.rng).copied().unwrap_or(me),
            _ => self.anyone(),
        };
        let target_word =
            if target == me && self.rng.random_bool(0.5) { "0".to_owned() } else { self.target_word(target) };
        // A thread's tid is no process's: EINVAL.
        let names_process = target_word == "0" || target_word == self.name(target);
        let (group, group_word) = match self.rng.random_range(0..10) {
            0..4 => (Some(target), "0".to_owned()),
            4..9 => {
                let leaders: Vec<usize> = (0..self.procs.len())
                    .filter(|&q| self.procs[q].created && self.procs.iter().any(|r| r.pgrp == q))
                    .collect();
                let group = if self.rng.random_bool(0.7) { leaders.choose(&mut self.rng).copied() } else { None };
                let group = group.unwrap_or_else(|| self.anyone());
                let word = self.target_word(group);
                // A thread's tid is no group's: EPERM.
                (Some(group).filter(|&g| word == self.name(g)), word)
            }
            _ => (None, format!("-{}", self.rng.random_range(1..5))),
        };
        let t = &self.procs[target];
        let allowed = (target == me || (t.parent == me && t.sid == self.procs[me].sid && !t.execed))
            && t.sid != target
            && !t.ended
            && names_process;
        if let Some(group) = group
            && allowed
            && (group == target || self.procs.iter().any(|r| r.pgrp == group && r.sid == self.procs[me].sid))
        {
            self.procs[target].pgrp = group;
        }
        format!("setpgid {} {target_word} {group_word}", self.actor_word(me))
    }

    fn reap(&mut self) -> String {
        let me = self.actor();
        let ended: Vec<usize> = (1..self.procs.len())
            .filter(|&q| self.procs[q].parent == me && self.procs[q].ended && !self.procs[q].reaped)
            .collect();
        let child = match ended.choose(&mut self.rng) {
            Some(&child) if self.rng.random_bool(0.7) => child,
            _ => self.anyone(),
        };
        let child_word = self.target_word(child);
        if self.procs[child].parent == me && self.procs[child].ended && child_word == self.name(child) {
            self.procs[child].reaped = true;
        }
        format!("reap {} {child_word}", self.actor_word(me))
    }

    fn signal(&mut self) -> String {
        let outside = self.rng.random_bool(0.25);
        let sender = if outside { None } else { Some(self.actor()) };
        let sig = *Signal::BEFORE_TERMINALS.choose(&mut self.rng).unwrap_or(&Signal::Term);
        let group = self.rng.random_bool(0.35);
        let mut target = self.anyone();
        // From outside, only KILL and STOP reach init, and they would end or freeze the script.
        let reaches_init = |t: usize, procs: &[ProcSketch]| if group { procs[t].pgrp == 0 && t == 0 } else { t == 0 };
        if outside && matches!(sig, Signal::Kill | Signal::Stop) && reaches_init(target, &self.procs) {
            target = self.actor();
            if target == 0 {
                return self.dispose();
            }
        }
        let members: Vec<usize> = match sender {
            Some(s) if group && self.procs[target].is_ns_init(target) && self.procs[s].ns.last() == Some(&target) => {
                // kill(-1): everyone in the sender's namespace but its init and the sender.
                (0..self.procs.len()).filter(|&q| q != s && q != target && self.procs[q].ns.contains(&target)).collect()
            }
            _ if group => (0..self.procs.len()).filter(|&q| self.procs[q].pgrp == target).collect(),
            _ => vec![target],
        };
        for q in members {
            let sees = sender.is_none_or(|s| self.procs[q].ns.starts_with(&self.procs[s].ns));
            if sees && self.harms(sender, sig, q) {
                self.procs[q].risky = true;
            }
        }
        let target_word = self.target_word(target);
        let target_word = if group { format!("%{target_word}") } else { target_word };
        let sender_word = sender.map_or_else(|| "-".to_owned(), |s| self.actor_word(s));
        format!("signal {sender_word} {sig} {target_word}")
    }

    /// Whether `sig` from `sender` may stop or end `q`.
    fn harms(&self, sender: Option<usize>, sig: Signal, q: usize) -> bool {
        let handler = self.procs[q].handler(sig);
        let harmful =
            sig.is_kernel_only() || (handler == Disposition::Default && sig.default_action() != DefaultAction::Ignore);
        if !harmful {
            return false;
        }
        // A namespace's init ignores default signals from inside; from outside it takes only KILL and STOP.
        let protected = self.procs[q].is_ns_init(q)
            && handler == Disposition::Default
            && match sender {
                Some(s) => self.procs[s].ns.contains(&q),
                None => !sig.is_kernel_only(),
            };
        !protected
    }

    fn dispose(&mut self) -> String {
        let me = self.actor();
        let sig = *Signal::BEFORE_TERMINALS.choose(&mut self.rng).unwrap_or(&Signal::Usr1);
        let action = *[Disposition::Default, Disposition::Ignore, Disposition::Catch]
            .choose(&mut self.rng)
            .unwrap_or(&Disposition::Catch);
        if !sig.is_kernel_only() {
            self.procs[me].handlers[sig_index(sig)] = action;
        }
        format!("dispose {} {sig} {action}", self.actor_word(me))
    }

    fn subreaper(&mut self) -> String {
        let me = self.actor();
        let on = self.rng.random_bool(0.7);
        self.procs[me].subreaper = on;
        format!("subreaper {} {}", self.actor_word(me), if on { "on" } else { "off" })
    }

    fn thread(&mut self) -> String {
        let me = self.actor();
        let actor = self.actor_word(me);
        let name = self.new_label();
        self.procs[me].threads.push((name.clone(), true));
        format!("thread {actor} {name}")
    }

    /// `exit_thread`: never the last live task of `init`'s process.
    fn exit_thread(&mut self) -> String {
        let me = self.actor();
        if me == 0 && self.procs[0].live_tasks() == 1 {
            return self.thread();
        }
        let code = self.exit_code();
        let task = self.pick_task(me);
        let actor = self.task_name(me, task).to_owned();
        match task {
            Task::Leader => self.procs[me].leader_live = false,
            Task::Thread(i) => self.procs[me].threads[i].1 = false,
        }
        if self.procs[me].live_tasks() == 0 {
            self.end(me);
        } else {
            self.parent_task_ends(me);
        }
        format!("exit_thread {actor} {code}")
    }

    /// `tkill`: to a task of any process; from `-`, never KILL or STOP to
    /// `init`'s process.
    fn tkill(&mut self) -> String {
        let outside = self.rng.random_bool(0.25);
        let sender = if outside { None } else { Some(self.actor()) };
        let sig = *Signal::BEFORE_TERMINALS.choose(&mut self.rng).unwrap_or(&Signal::Term);
        let mut target = self.anyone();
        if outside && matches!(sig, Signal::Kill | Signal::Stop) && target == 0 {
            target = self.actor();
            if target == 0 {
                return self.mask();
            }
        }
        // A live task, or any of the process's labels (a thread that ended: ESRCH).
        let target_word = if self.rng.random_bool(0.5) { self.actor_word(target) } else { self.target_word(target) };
        let sees = sender.is_none_or(|s| self.procs[target].ns.starts_with(&self.procs[s].ns));
        if sees && self.harms(sender, sig, target) {
            self.procs[target].risky = true;
        }
        let sender_word = sender.map_or_else(|| "-".to_owned(), |s| self.actor_word(s));
        format!("tkill {sender_word} {sig} {target_word}")
    }

    fn mask(&mut self) -> String {
        let me = self.actor();
        let sig = *Signal::BEFORE_TERMINALS.choose(&mut self.rng).unwrap_or(&Signal::Usr1);
        let how = if self.rng.random_bool(0.5) { "block" } else { "unblock" };
        format!("mask {} {sig} {how}", self.actor_word(me))
    }

    /// `pdeathsig`: a signal that may stop or end the process (whatever its
    /// handler by then) makes it risky once a task of its parent ends.
    fn pdeathsig(&mut self) -> String {
        let me = self.actor();
        let sig =
            if self.rng.random_bool(0.2) { None } else { Signal::BEFORE_TERMINALS.choose(&mut self.rng).copied() };
        if sig.is_some_and(|sig| sig.is_kernel_only() || sig.default_action() != DefaultAction::Ignore) {
            self.procs[me].pdeath = true;
        }
        let word = sig.map_or_else(|| "0".to_owned(), |sig| sig.to_string());
        format!("pdeathsig {} {word}", self.actor_word(me))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::io::script::Script;

    #[test]
    fn the_same_seed_gives_the_same_script() {
        assert_eq!(random_script(7, 40), random_script(7, 40));
        assert_ne!(random_script(7, 40), random_script(8, 40));
    }

    #[test]
    fn scripts_parse_and_have_the_asked_length() {
        for seed in 0..300 {
            let text = random_script(seed, 30);
            let script = Script::parse(&text).unwrap_or_else(|e| panic!("seed {seed}: {e}\n{text}"));
            assert_eq!(script.steps.len(), 30, "seed {seed}");
        }
    }

    #[test]
    fn scripts_cover_every_word_of_the_format() {
        let all: String = (0..300).map(|seed| random_script(seed, 30)).collect();
        let words = ["fork ", " newpid", "exit ", "exec ", "setsid ", "setpgid ", "reap ", "signal - ", " %"];
        let more = ["dispose ", "subreaper ", " on\n", " off\n", " default\n", " ignore\n", " catch\n", "exit init"];
        for word in words.iter().chain(&more) {
            assert!(all.contains(word), "no `{word}`");
        }
        for sig in Signal::BEFORE_TERMINALS {
            assert!(all.contains(&format!(" {sig} ")), "no {sig}");
        }
        assert!(all.contains(" -1\n") || all.contains(" -2\n"), "no negative group");
    }

    /// Version-1 scripts are those the generator made before it knew threads:
    /// the SHA-256 of 1000 of them, concatenated.
    #[test]
    fn version_1_scripts_are_the_same_as_before_threads() {
        use sha2::{Digest, Sha256};
        let mut hasher = Sha256::new();
        for ops in [10, 30, 40, 80] {
            for seed in 0..250 {
                hasher.update(random_script(seed, ops).as_bytes());
            }
        }
        let digest: String = hasher.finalize().iter().map(|b| format!("{b:02x}")).collect();
        assert_eq!(digest, "ce1fcaf34a15e20624ecd0eb208c6b599ba09ca513120f11bc812d1c1f0b642b");
    }

    #[test]
    fn thread_scripts_are_version_2_and_cover_its_lines() {
        let mut all = String::new();
        let mut version_2 = 0;
        for seed in 0..300 {
            let text = random_script_of(seed, 30, Lines::Threads);
            let script = Script::parse(&text).unwrap_or_else(|e| panic!("seed {seed}: {e}\n{text}"));
            assert_eq!(script.steps.len(), 30, "seed {seed}");
            version_2 += usize::from(script.version() == 2);
            all.push_str(&text);
        }
        assert!(version_2 >= 270, "only {version_2} of 300 thread scripts use a thread line");
        let words = ["thread ", "exit_thread ", "tkill - ", " block\n", " unblock\n", "pdeathsig ", " 0\n", "exec "];
        for word in words {
            assert!(all.contains(word), "no `{word}`");
        }
        // Lines from threads, and threads named where a process or a group is expected.
        let threads: Vec<&str> = all.lines().filter_map(|l| l.strip_prefix("thread ")?.split(' ').nth(1)).collect();
        for verb in ["fork", "exec", "setsid", "signal", "tkill", "reap", "setpgid", "dispose", "exit"] {
            let from_a_thread = all.lines().any(|l| {
                let mut words = l.split(' ');
                words.next() == Some(verb) && words.next().is_some_and(|actor| threads.contains(&actor))
            });
            assert!(from_a_thread, "no `{verb}` from a thread");
        }
        assert!(
            all.lines().any(|l| l.starts_with("signal ") && threads.iter().any(|t| l.ends_with(&format!(" %{t}"))))
        );
    }

    #[test]
    fn some_scripts_dive_to_the_namespace_limit() {
        let dives = (0..300)
            .filter(|&seed| {
                let text = random_script(seed, 40);
                let mut run = 0;
                let mut longest = 0;
                for line in text.lines() {
                    run = if line.ends_with(" newpid") { run + 1 } else { 0 };
                    longest = longest.max(run);
                }
                longest >= MAX_LEVEL
            })
            .count();
        assert!(dives > 0, "no dive to the namespace limit");
    }
}
