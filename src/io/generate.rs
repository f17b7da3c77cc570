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
//! cannot act (fewer with terminals), and a few scripts dive to the kernel's
//! limit of nested PID namespaces (ENOSPC).
//!
//! With [`Lines::Threads`], scripts are version 2 of the replay format: a
//! process may have further threads (`thread`), every line may come from any
//! of its live threads, and the new lines (`exit_thread`, `tkill`, `mask`,
//! `pdeathsig`) are drawn too. The sketch stays one of processes, with each
//! process's live tasks on the side; a process whose task set a harmful
//! parent-death signal is risky as soon as any task of its parent's process
//! ends. Without threads, a seed gives the very script it always gave: every
//! random draw of the thread lines happens only with [`Lines::Threads`] (or
//! [`Lines::Terminals`]).
//!
//! With [`Lines::Terminals`], scripts are version 3: the lines of
//! [`Lines::Threads`], the signal `QUIT` among the others, and the terminal
//! lines (`tty`, `ctty`, `fg`, `key`, `ttyread`, `ttywrite`, `tostop`,
//! `notty`, `hangup`), about half of all lines, with dispositions and masks
//! of SIGTTIN and SIGTTOU that steer the job-control check (semantics rule
//! 50) to each of its ends: EIO, going on, EINTR, a stopped group. The sketch
//! then follows one to three terminals (`t1`..`t3`): the session each
//! controls and its foreground group, typed lines, TOSTOP, hangups, and each
//! process's controlling terminal (inherited by `fork`, dropped by `setsid`
//! and `notty`, freed for the whole session when its leader exits or gives it
//! up), and each task's signal mask. A session leader without a terminal
//! takes one early (`init`, or a process that made itself a session leader
//! for it); most children are born to a process with a terminal, and jobs
//! are made — a child of such a process moved to a group of its own, in the
//! background and not orphaned — for reads, writes, `tostop` and `fg` from
//! the background to meet. The sketch predicts the check from the caller's
//! group, disposition and mask and whether its group is orphaned, and fears
//! what terminals send (keys, the check's SIGTTIN and SIGTTOU, hangups) as it
//! fears `signal`s; before a call the check would stop, it now and then makes
//! the caller catch the signal first (EINTR). It is approximate — the kernel
//! is the judge — and stays wary: a session leader that may have died may
//! have hung up its terminal's foreground group. A namespace init whose call
//! would signal at the default action would spin for ever (rule 58, `invalid
//! livelock`): the generator most often makes it catch or ignore the signal
//! first instead, so one or two scripts in a hundred end there. Deliberately
//! invalid actors are rarer (one operation in 250): jobs take a while to set
//! up. The other modes' scripts are the same as before terminals: the new
//! draws happen with [`Lines::Terminals`] only, and so do two corrections of
//! the sketch their scripts depend on (`Sketch::precise`).
//!
//! The output depends on the seed only (ChaCha8, no hashing order involved).

use super::script::Key;
use crate::model::{DefaultAction, Disposition, Signal};
use rand::seq::IndexedRandom;
use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;
use std::fmt::Write;

/// The kernel's limit of nested PID namespaces; `init`'s namespace is level 1.
const MAX_LEVEL: usize = 32;

/// At most this many terminals in a script.
const MAX_TTYS: usize = 3;

/// Which lines a random script uses.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Lines {
    /// Version 1 of the replay format: single-threaded processes.
    #[default]
    Processes,
    /// Version 2: threads too.
    Threads,
    /// Version 3: threads and controlling terminals (terminal lines, `QUIT`).
    Terminals,
}

impl Lines {
    /// Whether processes may have further threads.
    fn threads(self) -> bool {
        matches!(self, Lines::Threads | Lines::Terminals)
    }
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
        Lines::Terminals => format!("# random script with terminals: seed {seed}, {ops} operations\n"),
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
    /// The signals its leader blocks.
    leader_mask: u32,
    /// Its further threads.
    threads: Vec<ThreadSketch>,
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
    /// By position in [`Signal::ALL`].
    handlers: [Disposition; 12],
    subreaper: bool,
    execed: bool,
    /// Its controlling terminal, by position in [`Sketch::ttys`].
    ctty: Option<usize>,
    /// As a session leader: the foreground group a hangup left it (semantics rule 57).
    old_fg: Option<Fg>,
}

/// What the generator believes about a further thread of a process.
#[derive(Clone, Debug)]
struct ThreadSketch {
    name: String,
    /// It has not exited.
    live: bool,
    /// The signals it blocks.
    mask: u32,
}

/// A terminal's foreground group, as the sketch knows it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Fg {
    /// The pid of a process, which may lead a group or not (semantics rule 51).
    Pid(usize),
    /// The tid of a thread: no group has that number, keys reach nobody.
    Tid,
}

/// What the generator believes about a terminal.
#[derive(Clone, Debug)]
struct TtySketch {
    name: String,
    /// The leader of the session it controls.
    session: Option<usize>,
    fg: Option<Fg>,
    /// Lines typed and not read yet.
    lines: usize,
    tostop: bool,
    hung_up: bool,
}

/// The job-control check of a terminal call (semantics rule 50), as the
/// sketch predicts it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Check {
    /// No controlling terminal: ENXIO before anything.
    NoTty,
    /// The call goes on.
    Pass,
    /// EIO without a signal (ENOTTY for `fg`).
    Eio,
    /// The signal goes to the caller's group: at its default action the
    /// caller stops (a namespace init spins, rule 58); caught, EINTR.
    Signal,
}

impl ProcSketch {
    fn able(&self) -> bool {
        self.created && !self.ended && !self.risky && self.live_tasks() > 0
    }

    /// How many of its tasks have not exited.
    fn live_tasks(&self) -> usize {
        usize::from(self.leader_live) + self.threads.iter().filter(|t| t.live).count()
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

/// `sig`'s bit in a signal mask.
fn bit(sig: Signal) -> u32 {
    1 << sig.number()
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
    /// The signals lines name: version 3 adds `QUIT`.
    signals: &'static [Signal],
    procs: Vec<ProcSketch>,
    ttys: Vec<TtySketch>,
    /// How many labels exist (`init` included): the next one is `p{labels}`.
    labels: usize,
    /// Diving: the tip of the chain of `newpid` forks, until one fails.
    dive: Option<usize>,
}

impl Sketch {
    fn new(seed: u64, lines: Lines) -> Sketch {
        let mut handlers = [Disposition::Default; 12];
        handlers[sig_index(Signal::Hup)] = Disposition::Catch;
        handlers[sig_index(Signal::Cont)] = Disposition::Catch;
        let init = ProcSketch {
            name: "init".into(),
            leader_live: true,
            leader_mask: 0,
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
            ctty: None,
            old_fg: None,
        };
        let signals: &[Signal] = if lines == Lines::Terminals { &Signal::ALL } else { &Signal::BEFORE_TERMINALS };
        Sketch {
            rng: ChaCha8Rng::seed_from_u64(seed),
            lines,
            signals,
            procs: vec![init],
            ttys: Vec::new(),
            labels: 1,
            dive: None,
        }
    }

    fn name(&self, p: usize) -> &str {
        &self.procs[p].name
    }

    fn threads(&self) -> bool {
        self.lines.threads()
    }

    /// Whether the sketch is spared two approximations of the older modes,
    /// which their scripts depend on: that a child of a process that exec'd
    /// has exec'd too (so `setpgid` on it fails), and that `setpgid` may join
    /// a group whose number the caller does not see. Terminal scripts need
    /// jobs in the right groups.
    fn precise(&self) -> bool {
        self.lines == Lines::Terminals
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
        live.extend((0..proc.threads.len()).filter(|&i| proc.threads[i].live).map(Task::Thread));
        live.choose(&mut self.rng).copied().unwrap_or(Task::Leader)
    }

    fn task_name(&self, p: usize, task: Task) -> &str {
        match task {
            Task::Leader => self.name(p),
            Task::Thread(i) => &self.procs[p].threads[i].name,
        }
    }

    /// The signals `task` of `p` blocks.
    fn mask_of(&self, p: usize, task: Task) -> u32 {
        match task {
            Task::Leader => self.procs[p].leader_mask,
            Task::Thread(i) => self.procs[p].threads[i].mask,
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
            && let Some(thread) = self.procs[p].threads.choose(&mut self.rng)
        {
            return thread.name.clone();
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
                self.endanger(q);
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
        // Terminal scripts end less often on purpose: they need length to set up jobs.
        let invalid = if self.lines == Lines::Terminals { 0.004 } else { 0.01 };
        if self.rng.random_bool(invalid)
            && let Some(line) = self.invalid()
        {
            return line;
        }
        // Lines 100 and up are version 2's, 136 and up version 3's.
        let lines = match self.lines {
            Lines::Processes => 0..100,
            Lines::Threads => 0..136,
            Lines::Terminals => 0..256,
        };
        match self.rng.random_range(lines) {
            0..22 => {
                // With terminals, most children are born with one.
                let parent = if self.lines == Lines::Terminals && self.rng.random_bool(0.6) {
                    self.terminal_actor(false)
                } else {
                    self.actor()
                };
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
            132..136 => self.pdeathsig(),
            n => self.terminal_line(n - 136),
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
        sketch.old_fg = None;
        // A child has not exec'd.
        sketch.execed &= !self.precise();
        sketch.created = !newpid || sketch.ns.len() < MAX_LEVEL;
        if newpid {
            sketch.ns.push(child);
        }
        let task = self.pick_task(parent);
        let actor = self.task_name(parent, task).to_owned();
        sketch.leader_mask = self.mask_of(parent, task);
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
        self.leader_exits(p);
        self.parent_task_ends(p);
        self.procs[p].ended = true;
        self.procs[p].leader_live = false;
        for thread in &mut self.procs[p].threads {
            thread.live = false;
        }
        if self.procs[p].is_ns_init(p) {
            for q in 0..self.procs.len() {
                if q != p && self.procs[q].ns.contains(&p) {
                    self.leader_exits(q);
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
                for r in 0..self.procs.len() {
                    if self.procs[r].pgrp == group {
                        self.endanger(r);
                    }
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
            sketch.threads[i].live = false;
            sketch.leader_mask = sketch.threads[i].mask;
            let old = std::mem::replace(&mut sketch.name, actor.clone());
            sketch.threads.push(ThreadSketch { name: old, live: false, mask: 0 });
        }
        for thread in &mut sketch.threads {
            thread.live = false;
        }
        sketch.leader_live = true;
        format!("exec {actor}")
    }

    fn setsid(&mut self) -> String {
        let me = self.actor();
        self.setsid_of(me)
    }

    /// `setsid` by `me`, which leaves its controlling terminal when it succeeds (semantics rule 47).
    fn setsid_of(&mut self, me: usize) -> String {
        if !self.procs.iter().any(|q| q.pgrp == me) {
            self.procs[me].pgrp = me;
            self.procs[me].sid = me;
            self.procs[me].ctty = None;
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
        // A group whose number `me` does not see is no group (EPERM).
        let seen = !self.precise() || self.procs[group.unwrap_or(me)].ns.starts_with(&self.procs[me].ns);
        if let Some(group) = group
            && allowed
            && seen
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
        let sig = *self.signals.choose(&mut self.rng).unwrap_or(&Signal::Term);
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
                self.endanger(q);
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
        let sig = *self.signals.choose(&mut self.rng).unwrap_or(&Signal::Usr1);
        let action = *[Disposition::Default, Disposition::Ignore, Disposition::Catch]
            .choose(&mut self.rng)
            .unwrap_or(&Disposition::Catch);
        self.disposed(me, sig, action)
    }

    /// `dispose` by a task of `me`.
    fn disposed(&mut self, me: usize, sig: Signal, action: Disposition) -> String {
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

    /// `thread`: the new thread starts with its creator's mask.
    fn thread(&mut self) -> String {
        let me = self.actor();
        let task = self.pick_task(me);
        let actor = self.task_name(me, task).to_owned();
        let name = self.new_label();
        let mask = self.mask_of(me, task);
        self.procs[me].threads.push(ThreadSketch { name: name.clone(), live: true, mask });
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
            Task::Thread(i) => self.procs[me].threads[i].live = false,
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
        let sig = *self.signals.choose(&mut self.rng).unwrap_or(&Signal::Term);
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
            self.endanger(target);
        }
        let sender_word = sender.map_or_else(|| "-".to_owned(), |s| self.actor_word(s));
        format!("tkill {sender_word} {sig} {target_word}")
    }

    fn mask(&mut self) -> String {
        let me = self.actor();
        let sig = *self.signals.choose(&mut self.rng).unwrap_or(&Signal::Usr1);
        let block = self.rng.random_bool(0.5);
        self.masked(me, sig, block)
    }

    /// `mask` by a task of `me` (KILL and STOP are left out by the kernel).
    fn masked(&mut self, me: usize, sig: Signal, block: bool) -> String {
        let task = self.pick_task(me);
        let bits = if sig.is_kernel_only() { 0 } else { bit(sig) };
        let mask = match task {
            Task::Leader => &mut self.procs[me].leader_mask,
            Task::Thread(i) => &mut self.procs[me].threads[i].mask,
        };
        *mask = if block { *mask | bits } else { *mask & !bits };
        format!("mask {} {sig} {}", self.task_name(me, task), if block { "block" } else { "unblock" })
    }

    /// `pdeathsig`: a signal that may stop or end the process (whatever its
    /// handler by then) makes it risky once a task of its parent ends.
    fn pdeathsig(&mut self) -> String {
        let me = self.actor();
        let sig = if self.rng.random_bool(0.2) { None } else { self.signals.choose(&mut self.rng).copied() };
        if sig.is_some_and(|sig| sig.is_kernel_only() || sig.default_action() != DefaultAction::Ignore) {
            self.procs[me].pdeath = true;
        }
        let word = sig.map_or_else(|| "0".to_owned(), |sig| sig.to_string());
        format!("pdeathsig {} {word}", self.actor_word(me))
    }
}

/// Terminals (version 3 of the replay format).
impl Sketch {
    /// A line of version 3, `n` in `0..120`: a terminal line, or a `dispose`,
    /// `mask` or `setpgid` that shapes job control. The first one makes a
    /// terminal; while no process that can act has one, most are `tty` or
    /// `ctty`.
    fn terminal_line(&mut self, n: usize) -> String {
        if self.ttys.is_empty() {
            return self.tty();
        }
        if self.able_where(|_, proc| proc.ctty.is_some()).is_empty() && self.rng.random_bool(0.7) {
            let free = self.ttys.iter().any(|t| t.session.is_none() && !t.hung_up);
            if free || self.ttys.len() == MAX_TTYS {
                return self.ctty();
            }
            return self.tty();
        }
        let free_leader = !self.able_where(|p, proc| proc.sid == p && proc.ctty.is_none()).is_empty();
        match n {
            0..5 if self.ttys.len() < MAX_TTYS && (free_leader || self.rng.random_bool(0.3)) => self.tty(),
            0..10 => self.ctty(),
            10..26 => self.fg(),
            26..42 => self.key(),
            42..60 => self.ttyread(),
            60..69 => self.ttywrite(),
            69..76 => self.tostop(),
            76..80 => self.notty(),
            80..83 => self.hangup(),
            83..96 => self.dispose_job_control(),
            96..103 => self.mask_job_control(),
            _ => self.setpgid_job(),
        }
    }

    /// The processes that can act and satisfy `wanted`.
    fn able_where(&self, wanted: impl Fn(usize, &ProcSketch) -> bool) -> Vec<usize> {
        (0..self.procs.len()).filter(|&p| self.procs[p].able() && wanted(p, &self.procs[p])).collect()
    }

    /// Whether `p` leads its session.
    fn leads_session(&self, p: usize) -> bool {
        self.procs[p].sid == p
    }

    /// Whether `p`'s group is its terminal's foreground group.
    fn in_foreground(&self, p: usize) -> bool {
        self.procs[p].ctty.is_some_and(|t| self.ttys[t].fg == Some(Fg::Pid(self.procs[p].pgrp)))
    }

    /// An actor for a terminal line: most often a process with a controlling
    /// terminal; with `background`, most often one outside its terminal's
    /// foreground group, whose calls meet job control — a job (in a group
    /// that is not orphaned, which the check signals) rather than not.
    fn terminal_actor(&mut self, background: bool) -> usize {
        let with_tty = self.able_where(|_, proc| proc.ctty.is_some());
        let behind: Vec<usize> = with_tty.iter().copied().filter(|&p| !self.in_foreground(p)).collect();
        let jobs = self.jobs();
        if background
            && self.rng.random_bool(0.5)
            && let Some(&p) = jobs.choose(&mut self.rng)
        {
            return p;
        }
        if background
            && self.rng.random_bool(0.5)
            && let Some(&p) = behind.choose(&mut self.rng)
        {
            return p;
        }
        match with_tty.choose(&mut self.rng) {
            Some(&p) if self.rng.random_bool(0.9) => p,
            _ => self.actor(),
        }
    }

    /// The processes that can act in the background of their terminal, in a
    /// group that is not orphaned: those whose calls job control signals.
    fn jobs(&self) -> Vec<usize> {
        self.able_where(|p, proc| proc.ctty.is_some() && !self.in_foreground(p) && !self.orphaned(proc.pgrp))
    }

    /// Before a call meant for the background, while no job is there, now
    /// and then a `setpgid` that makes one.
    fn job_first(&mut self) -> Option<String> {
        if !self.jobs().is_empty() || !self.rng.random_bool(0.4) {
            return None;
        }
        self.new_job()
    }

    /// The live members of the group a foreground group names (none for a tid).
    fn members(&self, fg: Fg) -> Vec<usize> {
        match fg {
            Fg::Pid(g) => (0..self.procs.len())
                .filter(|&q| self.procs[q].created && !self.procs[q].ended && self.procs[q].pgrp == g)
                .collect(),
            Fg::Tid => Vec::new(),
        }
    }

    /// Whether group `g` is orphaned (semantics rule 20): no live member has
    /// its parent in another group of its session. `init`'s parent is outside.
    fn orphaned(&self, g: usize) -> bool {
        !(0..self.procs.len()).any(|q| {
            let (member, parent) = (&self.procs[q], &self.procs[self.procs[q].parent]);
            member.created
                && !member.ended
                && member.pgrp == g
                && member.parent != q
                && parent.pgrp != g
                && parent.sid == member.sid
        })
    }

    /// Whether `sig`, sent by a terminal or by job control as a kernel signal,
    /// may stop or end `q`: a namespace init drops it at its default action
    /// (semantics rule 55), and a stop signal other than STOP is discarded in
    /// an orphaned group (rule 26).
    fn harms_tty(&self, q: usize, sig: Signal) -> bool {
        let proc = &self.procs[q];
        proc.handler(sig) == Disposition::Default
            && sig.default_action() != DefaultAction::Ignore
            && !proc.is_ns_init(q)
            && !(sig.is_stop() && self.orphaned(proc.pgrp))
    }

    /// `q` may be stopped or dead from now on. A session leader that may have
    /// died may have sent SIGHUP to its terminal's foreground group (rule 56).
    fn endanger(&mut self, q: usize) {
        if self.procs[q].risky {
            return;
        }
        self.procs[q].risky = true;
        if self.leads_session(q)
            && let Some(t) = self.procs[q].ctty
            && let Some(fg) = self.ttys[t].fg
        {
            self.hang_up_group(fg, None);
        }
    }

    /// SIGHUP to the members of `fg`, from a terminal, or from `sender` (a
    /// user signal, where a namespace init is protected from inside only).
    fn hang_up_group(&mut self, fg: Fg, sender: Option<usize>) {
        for q in self.members(fg) {
            let harms = match sender {
                Some(s) => self.harms(Some(s), Signal::Hup, q),
                None => self.harms_tty(q, Signal::Hup),
            };
            if harms {
                self.endanger(q);
            }
        }
    }

    /// `p` acquires terminal `t` (semantics rule 45).
    fn acquire(&mut self, p: usize, t: usize) {
        let tty = &mut self.ttys[t];
        tty.session = Some(p);
        tty.fg = Some(Fg::Pid(self.procs[p].pgrp));
        self.procs[p].ctty = Some(t);
        self.procs[p].old_fg = None;
    }

    /// Every process of session `s`, zombies included, loses its terminal
    /// (`session_clear_tty`).
    fn clear_session(&mut self, s: usize) {
        for proc in self.procs.iter_mut().filter(|proc| proc.sid == s && !proc.reaped) {
            proc.ctty = None;
        }
    }

    /// Terminal `t` is free: no session, no foreground group, and nobody of
    /// its old session has it.
    fn free(&mut self, t: usize) {
        if let Some(s) = self.ttys[t].session.take() {
            self.clear_session(s);
        }
        self.ttys[t].fg = None;
    }

    /// The exit of `p`'s last thread, for a session leader (semantics rule
    /// 56): SIGHUP to its terminal's foreground group, which is freed; or,
    /// without a terminal, SIGHUP and SIGCONT to the group a hangup left it.
    fn leader_exits(&mut self, p: usize) {
        if !self.leads_session(p) {
            return;
        }
        if let Some(t) = self.procs[p].ctty {
            if let Some(fg) = self.ttys[t].fg {
                self.hang_up_group(fg, None);
            }
            self.free(t);
        } else if let Some(fg) = self.procs[p].old_fg {
            self.hang_up_group(fg, None);
        }
        self.procs[p].old_fg = None;
    }

    /// What the job-control check of `sig` by `task` of `p` does (semantics rule 50).
    fn check(&self, p: usize, task: Task, sig: Signal) -> Check {
        let proc = &self.procs[p];
        let Some(t) = proc.ctty else { return Check::NoTty };
        match self.ttys[t].fg {
            None => return Check::Pass,
            Some(Fg::Pid(g)) if g == proc.pgrp => return Check::Pass,
            Some(_) => {}
        }
        if self.mask_of(p, task) & bit(sig) != 0 || proc.handler(sig) == Disposition::Ignore {
            return if sig == Signal::Ttin { Check::Eio } else { Check::Pass };
        }
        if self.orphaned(proc.pgrp) { Check::Eio } else { Check::Signal }
    }

    /// The job-control check of `sig` by `task` of `p`, and the harm its
    /// signal may do to `p`'s group.
    fn job_control(&mut self, p: usize, task: Task, sig: Signal) -> Check {
        let check = self.check(p, task, sig);
        if check == Check::Signal {
            for q in self.members(Fg::Pid(self.procs[p].pgrp)) {
                if self.harms_tty(q, sig) {
                    self.endanger(q);
                }
            }
        }
        check
    }

    /// Instead of a call by `task` of `p` whose check would send `sig` at its
    /// default action, now and then a `dispose` that makes `p` catch it
    /// (mostly) or ignore it, for a later call to end with EINTR (or EIO, or
    /// go on) rather than stop. For a namespace init the call would spin for
    /// ever (semantics rule 58): then most often the `dispose`, and now and
    /// then the call that ends the script (`invalid livelock`).
    fn instead_of_signal(&mut self, p: usize, task: Task, sig: Signal) -> Option<String> {
        if self.procs[p].handler(sig) != Disposition::Default || self.check(p, task, sig) != Check::Signal {
            return None;
        }
        let (odds, catch) = if self.procs[p].is_ns_init(p) { (0.9, 0.6) } else { (0.25, 0.8) };
        if !self.rng.random_bool(odds) {
            return None;
        }
        let action = if self.rng.random_bool(catch) { Disposition::Catch } else { Disposition::Ignore };
        Some(self.disposed(p, sig, action))
    }

    /// While no session leader but `init` is without a terminal, now and
    /// then a `setsid` that makes one, before it takes a terminal.
    fn setsid_for_tty(&mut self) -> Option<String> {
        let leaders = self.able_where(|p, proc| proc.sid == p && proc.ctty.is_none());
        if leaders.iter().any(|&p| p != 0) || !self.rng.random_bool(0.5) {
            return None;
        }
        let others = self.able_where(|p, _| p != 0 && !self.procs.iter().any(|q| q.pgrp == p));
        let p = *others.choose(&mut self.rng)?;
        Some(self.setsid_of(p))
    }

    /// The actor of `tty` or `ctty`: most often a session leader without a
    /// terminal, else anyone (EPERM).
    fn leader_for_tty(&mut self) -> usize {
        let leaders = self.able_where(|p, proc| proc.sid == p && proc.ctty.is_none());
        match leaders.choose(&mut self.rng) {
            Some(&p) if self.rng.random_bool(0.9) => p,
            _ => self.actor(),
        }
    }

    /// `tty`: most often by a session leader without a terminal, which takes
    /// the new one.
    fn tty(&mut self) -> String {
        if let Some(line) = self.setsid_for_tty() {
            return line;
        }
        let me = self.leader_for_tty();
        let t = self.ttys.len();
        let name = format!("t{}", t + 1);
        self.ttys.push(TtySketch {
            name: name.clone(),
            session: None,
            fg: None,
            lines: 0,
            tostop: false,
            hung_up: false,
        });
        if self.leads_session(me) && self.procs[me].ctty.is_none() {
            self.acquire(me, t);
        }
        format!("tty {} {name}", self.actor_word(me))
    }

    /// A terminal at random, most often one not hung up.
    fn some_tty(&mut self) -> usize {
        let open: Vec<usize> = (0..self.ttys.len()).filter(|&t| !self.ttys[t].hung_up).collect();
        match open.choose(&mut self.rng) {
            Some(&t) if self.rng.random_bool(0.9) => t,
            _ => self.rng.random_range(0..self.ttys.len()),
        }
    }

    /// `ctty`, most often by a session leader without a terminal; `steal`
    /// takes a terminal from the session it controls (semantics rule 45).
    fn ctty(&mut self) -> String {
        if let Some(line) = self.setsid_for_tty() {
            return line;
        }
        let t = self.some_tty();
        // Now and then, the leader of the session that has it already: `ok`, and nothing changes.
        let me = match self.ttys[t].session {
            Some(s) if self.procs[s].able() && self.rng.random_bool(0.2) => s,
            _ => self.leader_for_tty(),
        };
        let steal = self.rng.random_bool(0.4);
        let tty = &self.ttys[t];
        let (session, hung_up) = (tty.session, tty.hung_up);
        if !hung_up
            && self.leads_session(me)
            && session != Some(me)
            && self.procs[me].ctty.is_none()
            && (session.is_none() || steal)
        {
            if let Some(s) = session {
                self.clear_session(s);
            }
            self.acquire(me, t);
        }
        let actor = self.actor_word(me);
        format!("ctty {actor} {}{}", self.ttys[t].name, if steal { " steal" } else { "" })
    }

    /// `fg`, most often by a session leader (a shell) on a group of its
    /// session other than the foreground one; now and then on any task.
    fn fg(&mut self) -> String {
        let shells = self.able_where(|p, proc| proc.sid == p && proc.ctty.is_some());
        let me = match shells.choose(&mut self.rng) {
            Some(&p) if self.rng.random_bool(0.5) => p,
            _ => self.terminal_actor(false),
        };
        let task = self.pick_task(me);
        if let Some(line) = self.instead_of_signal(me, task, Signal::Ttou) {
            return line;
        }
        let sid = self.procs[me].sid;
        let current = self.procs[me].ctty.and_then(|t| self.ttys[t].fg);
        let mut groups: Vec<usize> = (0..self.procs.len())
            .filter(|&q| self.procs[q].created && !self.procs[q].reaped && self.procs[q].sid == sid)
            .map(|q| self.procs[q].pgrp)
            .collect();
        groups.sort_unstable();
        groups.dedup();
        let others: Vec<usize> = groups.iter().copied().filter(|&g| current != Some(Fg::Pid(g))).collect();
        let from = if others.is_empty() { &groups } else { &others };
        let (target, word) = match from.choose(&mut self.rng) {
            Some(&g) if self.rng.random_bool(0.8) => (g, self.name(g).to_owned()),
            _ => {
                let q = self.anyone();
                (q, self.target_word(q))
            }
        };
        if self.job_control(me, task, Signal::Ttou) == Check::Pass
            && let Some(t) = self.procs[me].ctty
            && let Some(fg) = self.foreground_named(me, target, &word)
        {
            self.ttys[t].fg = Some(fg);
        }
        format!("fg {} {word}", self.task_name(me, task))
    }

    /// The foreground group `fg P G` sets, with `word` a label of process
    /// `q` (semantics rule 51): none when the number names nothing P sees
    /// (ESRCH) or names a group, or else a task, of another session (EPERM).
    fn foreground_named(&self, me: usize, q: usize, word: &str) -> Option<Fg> {
        let (caller, target) = (&self.procs[me], &self.procs[q]);
        if !target.ns.starts_with(&caller.ns) {
            return None;
        }
        if word != target.name {
            let live = target.threads.iter().any(|t| t.name == word && t.live);
            return (live && target.sid == caller.sid).then_some(Fg::Tid);
        }
        let member = self.procs.iter().find(|r| r.created && !r.reaped && r.pgrp == q);
        let session = match member {
            Some(member) => member.sid,
            None if !target.reaped => target.sid,
            None => return None,
        };
        (session == caller.sid).then_some(Fg::Pid(q))
    }

    /// `key`: mostly a line (`^J`), else `^Z`, `^C` or `^\` to the
    /// foreground group (semantics rule 55), which empties the input queue.
    fn key(&mut self) -> String {
        let t = self.some_tty();
        let key = match self.rng.random_range(0..20) {
            0..7 => Key::Newline,
            7..12 => Key::Susp,
            12..16 => Key::Intr,
            _ => Key::Quit,
        };
        let sig = match key {
            Key::Newline => None,
            Key::Intr => Some(Signal::Int),
            Key::Susp => Some(Signal::Tstp),
            Key::Quit => Some(Signal::Quit),
        };
        if !self.ttys[t].hung_up {
            match sig {
                None => self.ttys[t].lines += 1,
                Some(sig) => {
                    for q in self.ttys[t].fg.map(|fg| self.members(fg)).unwrap_or_default() {
                        if self.harms_tty(q, sig) {
                            self.endanger(q);
                        }
                    }
                    self.ttys[t].lines = 0;
                }
            }
        }
        format!("key {} {}", self.ttys[t].name, key.name())
    }

    /// `ttyread`, most often from the background: SIGTTIN.
    fn ttyread(&mut self) -> String {
        if let Some(line) = self.job_first() {
            return line;
        }
        let me = self.terminal_actor(true);
        let task = self.pick_task(me);
        if let Some(line) = self.instead_of_signal(me, task, Signal::Ttin) {
            return line;
        }
        if self.job_control(me, task, Signal::Ttin) == Check::Pass
            && let Some(t) = self.procs[me].ctty
        {
            self.ttys[t].lines = self.ttys[t].lines.saturating_sub(1);
        }
        format!("ttyread {}", self.task_name(me, task))
    }

    /// `ttywrite`, most often from the background: SIGTTOU while the terminal has TOSTOP.
    fn ttywrite(&mut self) -> String {
        if let Some(line) = self.job_first() {
            return line;
        }
        let me = self.terminal_actor(true);
        let task = self.pick_task(me);
        if self.procs[me].ctty.is_some_and(|t| self.ttys[t].tostop) {
            if let Some(line) = self.instead_of_signal(me, task, Signal::Ttou) {
                return line;
            }
            self.job_control(me, task, Signal::Ttou);
        }
        format!("ttywrite {}", self.task_name(me, task))
    }

    /// `tostop`: tcsetattr, SIGTTOU from the background whatever TOSTOP says.
    fn tostop(&mut self) -> String {
        if let Some(line) = self.job_first() {
            return line;
        }
        let me = self.terminal_actor(true);
        let task = self.pick_task(me);
        if let Some(line) = self.instead_of_signal(me, task, Signal::Ttou) {
            return line;
        }
        let on = self.rng.random_bool(0.6);
        if self.job_control(me, task, Signal::Ttou) == Check::Pass
            && let Some(t) = self.procs[me].ctty
        {
            self.ttys[t].tostop = on;
        }
        format!("tostop {} {}", self.task_name(me, task), if on { "on" } else { "off" })
    }

    /// `notty`: a process gives up its terminal; the session leader hangs up
    /// its foreground group and frees it for the whole session (semantics
    /// rules 47, 48).
    fn notty(&mut self) -> String {
        let me = self.terminal_actor(false);
        if let Some(t) = self.procs[me].ctty {
            if self.leads_session(me) {
                if let Some(fg) = self.ttys[t].fg {
                    self.hang_up_group(fg, Some(me));
                }
                self.free(t);
                self.procs[me].old_fg = None;
            } else {
                self.procs[me].ctty = None;
            }
        }
        format!("notty {}", self.actor_word(me))
    }

    /// `hangup`: the session loses the terminal, its leader gets SIGHUP and
    /// SIGCONT and keeps the foreground group for its exit (semantics rule 57).
    fn hangup(&mut self) -> String {
        let t = self.some_tty();
        if !self.ttys[t].hung_up {
            let fg = self.ttys[t].fg;
            if let Some(s) = self.ttys[t].session {
                for proc in self.procs.iter_mut().filter(|proc| proc.ctty == Some(t)) {
                    proc.ctty = None;
                }
                self.procs[s].old_fg = fg;
                if self.harms_tty(s, Signal::Hup) {
                    self.endanger(s);
                }
            }
            let tty = &mut self.ttys[t];
            (tty.session, tty.fg, tty.lines, tty.hung_up) = (None, None, 0, true);
        }
        format!("hangup {}", self.ttys[t].name)
    }

    /// `dispose` of a job-control signal, most often SIGTTIN or SIGTTOU, by
    /// a process with a terminal: what steers the check of rule 50.
    fn dispose_job_control(&mut self) -> String {
        let me = self.terminal_actor(true);
        let signals = [
            Signal::Ttou,
            Signal::Ttin,
            Signal::Ttou,
            Signal::Ttin,
            Signal::Tstp,
            Signal::Int,
            Signal::Quit,
            Signal::Hup,
        ];
        let sig = *signals.choose(&mut self.rng).unwrap_or(&Signal::Ttou);
        let action = match self.rng.random_range(0..20) {
            0..7 => Disposition::Ignore,
            7..16 => Disposition::Catch,
            _ => Disposition::Default,
        };
        self.disposed(me, sig, action)
    }

    /// `mask`, most often of SIGTTIN or SIGTTOU, by a process with a terminal.
    fn mask_job_control(&mut self) -> String {
        let me = self.terminal_actor(true);
        let sig = if self.rng.random_bool(0.85) {
            *[Signal::Ttou, Signal::Ttin].choose(&mut self.rng).unwrap_or(&Signal::Ttou)
        } else {
            *self.signals.choose(&mut self.rng).unwrap_or(&Signal::Ttou)
        };
        let block = self.rng.random_bool(0.7);
        self.masked(me, sig, block)
    }

    /// `setpgid` by a process with a terminal on a child of its session: a
    /// job of its own (most often) or joining another group of the session.
    fn setpgid_job(&mut self) -> String {
        self.new_job().unwrap_or_else(|| self.setpgid())
    }

    /// [`Sketch::setpgid_job`], if a process with a terminal has a child to move.
    fn new_job(&mut self) -> Option<String> {
        let is_job = |procs: &[ProcSketch], p: usize, c: usize| {
            let child = &procs[c];
            c != p
                && child.parent == p
                && child.created
                && !child.ended
                && !child.execed
                && child.sid == procs[p].sid
                && child.sid != c
        };
        let shells =
            self.able_where(|p, proc| proc.ctty.is_some() && (0..self.procs.len()).any(|c| is_job(&self.procs, p, c)));
        let &me = shells.choose(&mut self.rng)?;
        let jobs: Vec<usize> = (0..self.procs.len()).filter(|&c| is_job(&self.procs, me, c)).collect();
        let child = *jobs.choose(&mut self.rng).unwrap_or(&me);
        let sid = self.procs[me].sid;
        let mut groups: Vec<usize> = (0..self.procs.len())
            .filter(|&q| self.procs[q].created && !self.procs[q].ended && self.procs[q].sid == sid)
            .map(|q| self.procs[q].pgrp)
            .filter(|&g| g != self.procs[child].pgrp && self.procs[g].ns.starts_with(&self.procs[me].ns))
            .collect();
        groups.sort_unstable();
        groups.dedup();
        let joined = if self.rng.random_bool(0.3) { groups.choose(&mut self.rng).copied() } else { None };
        self.procs[child].pgrp = joined.unwrap_or(child);
        let group_word = joined.map_or_else(|| "0".to_owned(), |g| self.name(g).to_owned());
        Some(format!("setpgid {} {} {group_word}", self.actor_word(me), self.name(child)))
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
    fn terminal_scripts_are_version_3_and_cover_its_lines() {
        let mut all = String::new();
        for seed in 0..300 {
            let text = random_script_of(seed, 40, Lines::Terminals);
            let script = Script::parse(&text).unwrap_or_else(|e| panic!("seed {seed}: {e}\n{text}"));
            assert_eq!(script.steps.len(), 40, "seed {seed}");
            assert_eq!(script.version(), 3, "seed {seed}");
            all.push_str(&text);
        }
        let words = [
            "tty init t1\n",
            " t2\n",
            " t3\n",
            "ctty ",
            " steal\n",
            "fg ",
            "ttyread ",
            "ttywrite ",
            "notty ",
            "hangup ",
            " on\n",
            " off\n",
            "thread ",
            "exit_thread ",
            "pdeathsig ",
        ];
        for word in words {
            assert!(all.contains(word), "no `{word}`");
        }
        for key in Key::ALL {
            assert!(all.contains(&format!(" {}\n", key.name())), "no key {}", key.name());
        }
        // What steers the job-control check: dispositions (`dispose`) and masks (`mask`).
        for sig in ["TTIN", "TTOU"] {
            for how in ["default", "ignore", "catch", "block", "unblock"] {
                assert!(all.contains(&format!(" {sig} {how}\n")), "no `{sig} {how}`");
            }
        }
        for sig in Signal::ALL {
            assert!(all.contains(&format!(" {sig} ")), "no {sig}");
        }
        // At most three terminals, named t1, t2, t3 in order.
        assert!(!all.contains(" t4"));
        assert!(
            all.lines()
                .filter(|l| l.starts_with("tty "))
                .all(|l| l.ends_with(" t1") || l.ends_with(" t2") || l.ends_with(" t3"))
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
