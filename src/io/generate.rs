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
//! The output depends on the seed only (ChaCha8, no hashing order involved).

use crate::model::{DefaultAction, Disposition, Signal};
use rand::seq::IndexedRandom;
use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;
use std::fmt::Write;

/// The kernel's limit of nested PID namespaces; `init`'s namespace is level 1.
const MAX_LEVEL: usize = 32;

/// The text of a valid `.ops` script of `ops` operations, the same for the same
/// seed.
pub fn random_script(seed: u64, ops: usize) -> String {
    let mut sketch = Sketch::new(seed);
    let mut text = format!("# random script: seed {seed}, {ops} operations\n");
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
    name: String,
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
    /// By position in [`Signal::ALL`].
    handlers: [Disposition; 11],
    subreaper: bool,
    execed: bool,
}

impl ProcSketch {
    fn able(&self) -> bool {
        self.created && !self.ended && !self.risky
    }

    fn handler(&self, sig: Signal) -> Disposition {
        self.handlers[sig_index(sig)]
    }

    fn is_ns_init(&self, me: usize) -> bool {
        self.ns.last() == Some(&me)
    }
}

fn sig_index(sig: Signal) -> usize {
    Signal::ALL.iter().position(|&s| s == sig).unwrap_or(0)
}

struct Sketch {
    rng: ChaCha8Rng,
    procs: Vec<ProcSketch>,
    /// Diving: the tip of the chain of `newpid` forks, until one fails.
    dive: Option<usize>,
}

impl Sketch {
    fn new(seed: u64) -> Sketch {
        let mut handlers = [Disposition::Default; 11];
        handlers[sig_index(Signal::Hup)] = Disposition::Catch;
        handlers[sig_index(Signal::Cont)] = Disposition::Catch;
        let init = ProcSketch {
            name: "init".into(),
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
        Sketch { rng: ChaCha8Rng::seed_from_u64(seed), procs: vec![init], dive: None }
    }

    fn name(&self, p: usize) -> &str {
        &self.procs[p].name
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
        match self.rng.random_range(0..100) {
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
            _ => self.subreaper(),
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
        sketch.name = format!("p{child}");
        sketch.parent = parent;
        sketch.subreaper = false;
        sketch.created = !newpid || sketch.ns.len() < MAX_LEVEL;
        if newpid {
            sketch.ns.push(child);
        }
        let line = format!("fork {} {}{}", self.name(parent), sketch.name, if newpid { " newpid" } else { "" });
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
        let code = if self.rng.random_bool(0.8) { self.rng.random_range(0..4) } else { self.rng.random_range(0..256) };
        self.end(me);
        format!("exit {} {code}", self.name(me))
    }

    /// `p` ends: its children find a new parent, and a namespace dies with its init.
    fn end(&mut self, p: usize) {
        self.procs[p].ended = true;
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

    fn exec(&mut self) -> String {
        let me = self.actor();
        let sketch = &mut self.procs[me];
        for handler in &mut sketch.handlers {
            if *handler == Disposition::Catch {
                *handler = Disposition::Default;
            }
        }
        sketch.execed = true;
        format!("exec {}", sketch.name)
    }

    fn setsid(&mut self) -> String {
        let me = self.actor();
        if !self.procs.iter().any(|q| q.pgrp == me) {
            self.procs[me].pgrp = me;
            self.procs[me].sid = me;
        }
        format!("setsid {}", self.name(me))
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
            if target == me && self.rng.random_bool(0.5) { "0".to_owned() } else { self.name(target).to_owned() };
        let (group, group_word) = match self.rng.random_range(0..10) {
            0..4 => (Some(target), "0".to_owned()),
            4..9 => {
                let leaders: Vec<usize> = (0..self.procs.len())
                    .filter(|&q| self.procs[q].created && self.procs.iter().any(|r| r.pgrp == q))
                    .collect();
                let group = if self.rng.random_bool(0.7) { leaders.choose(&mut self.rng).copied() } else { None };
                let group = group.unwrap_or_else(|| self.anyone());
                (Some(group), self.name(group).to_owned())
            }
            _ => (None, format!("-{}", self.rng.random_range(1..5))),
        };
        let t = &self.procs[target];
        let allowed = (target == me || (t.parent == me && t.sid == self.procs[me].sid && !t.execed))
            && t.sid != target
            && !t.ended;
        if let Some(group) = group
            && allowed
            && (group == target || self.procs.iter().any(|r| r.pgrp == group && r.sid == self.procs[me].sid))
        {
            self.procs[target].pgrp = group;
        }
        format!("setpgid {} {target_word} {group_word}", self.name(me))
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
        if self.procs[child].parent == me && self.procs[child].ended {
            self.procs[child].reaped = true;
        }
        format!("reap {} {}", self.name(me), self.name(child))
    }

    fn signal(&mut self) -> String {
        let outside = self.rng.random_bool(0.25);
        let sender = if outside { None } else { Some(self.actor()) };
        let sig = *Signal::ALL.choose(&mut self.rng).unwrap_or(&Signal::Term);
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
        let target_word = if group { format!("%{}", self.name(target)) } else { self.name(target).to_owned() };
        let sender_word = sender.map_or("-".to_owned(), |s| self.name(s).to_owned());
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
        let sig = *Signal::ALL.choose(&mut self.rng).unwrap_or(&Signal::Usr1);
        let action = *[Disposition::Default, Disposition::Ignore, Disposition::Catch]
            .choose(&mut self.rng)
            .unwrap_or(&Disposition::Catch);
        if !sig.is_kernel_only() {
            self.procs[me].handlers[sig_index(sig)] = action;
        }
        format!("dispose {} {sig} {action}", self.name(me))
    }

    fn subreaper(&mut self) -> String {
        let me = self.actor();
        let on = self.rng.random_bool(0.7);
        self.procs[me].subreaper = on;
        format!("subreaper {} {}", self.name(me), if on { "on" } else { "off" })
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
        for sig in Signal::ALL {
            assert!(all.contains(&format!(" {sig} ")), "no {sig}");
        }
        assert!(all.contains(" -1\n") || all.contains(" -2\n"), "no negative group");
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
