//! `procsim compare SCENARIO`: what another semantics profile would have
//! done to a scenario's workload — the 2018 gVisor seed against Linux, or a
//! vendor kernel's variant against mainline.
//!
//! The workload runs under the *base* profile, exactly as `procsim run` runs
//! it under that profile: its programs decide what to do from what the base
//! machine does. Every operation they perform — the event stream,
//! `events.csv`'s rows — is also performed on a second machine under the
//! profile it is compared *against*, in the same order, and each time the
//! base machine settles (at the end of each tick, and of each round of the
//! setup) the other settles too. The programs do not see the second machine:
//! they go on as the base leads them, so what is measured is how the other
//! profile would have treated the very same calls.
//!
//! Processes are matched by the pid the base gave them; the other machine
//! hands out its own numbers (they part when the seed wraps at 65536, say),
//! and each operation's numbers are translated into its numbers, as its
//! actor sees them there. An operation whose actor cannot act under
//! `against` (a zombie, gone, or never created there) is skipped, and
//! counted.
//!
//! The divergences, each with the simulated time it shows at and the
//! process concerned (by its pid under the base), are:
//!
//! * `errno` — an operation ended differently (another errno, success
//!   against failure, a stopped actor against a running one);
//! * `skipped` — its actor could not act under `against`;
//! * `missed_orphan_signal` / `spurious_orphan_signal` — the base sent a
//!   group SIGHUP+SIGCONT as orphaned and `against` did not, or the other way
//!   round (the process is the group's leader);
//! * `reparent` — an orphan was given different parents (Linux's rules find
//!   subreapers, say; the seed has none, and leaves a dying namespace's
//!   orphans with no parent);
//! * `dead_under_base` / `dead_under_against` — a process died under one
//!   profile while it lived on under the other.
//!
//! `divergences.csv` has one row per divergence, with the columns
//! [`Divergence::HEADER`]: `time_ns`, `kind`, `op` (for `errno` and
//! `skipped`), `process`, then `base` and `against` — what happened under
//! each profile (`ok` / `EINVAL`, `died` / `alive`, `parent 92` / `parent 1`)
//! — and `base_spec` and `against_spec`, the two profiles' specs
//! (`linux`, `linux+orphan-hup-stopped-only`): the same on every row, so that
//! the file alone says what was compared, and any CSV reader can take it.
//! With no divergence the table is its header alone; the default folder's
//! name (`<scenario>-seed<N>-<base>-vs-<against>`) still says what was
//! compared.
//!
//! The event stream records what a call did, not all it was given, so the
//! two things a replay needs besides — a `sigaction`'s action and an
//! `_exit`'s code — are read off the base machine right after each call. (A
//! thread's `SYS_exit` code is not kept by either machine once the thread
//! has gone; the workload's threads retire with 0, and are replayed so.)
//!
//! Threads are matched as processes are, by their tid under the base;
//! terminals by the order in which they are first used (each is made as a
//! login acquires it). A key typed on a terminal and a hangup are replayed
//! on the matching terminal; the signal a session without a terminal gets
//! from the keyboard is sent to the matching group.

use crate::engine::record::{Op, Record, Status};
use crate::engine::{Context, SimDuration, SimTime, Simulation, Workload};
use crate::io::results::{ResultsError, Table};
use crate::machine::{self, Actor, Call, CannotAct, Machine, MachineConfig, Reply, TtyCall, Waited};
use crate::model::{Disposition, Errno, ExitStatus, Key, Pid, RunState, TtyId};
use crate::semantics::Spec;
use crate::systems::journal::Journal;
use crate::workload::{Event, Mix, Scenario};
use bevy_ecs::prelude::Entity;
use std::collections::{BTreeMap, HashMap};
use std::fmt;
use std::path::Path;

/// A kind of divergence.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Kind {
    Errno,
    Skipped,
    MissedOrphanSignal,
    SpuriousOrphanSignal,
    Reparent,
    DeadUnderBase,
    DeadUnderAgainst,
}

impl Kind {
    pub fn name(self) -> &'static str {
        match self {
            Kind::Errno => "errno",
            Kind::Skipped => "skipped",
            Kind::MissedOrphanSignal => "missed_orphan_signal",
            Kind::SpuriousOrphanSignal => "spurious_orphan_signal",
            Kind::Reparent => "reparent",
            Kind::DeadUnderBase => "dead_under_base",
            Kind::DeadUnderAgainst => "dead_under_against",
        }
    }
}

/// One place where the profile compared parted from the base.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Divergence {
    pub time: SimTime,
    pub kind: Kind,
    /// The operation, for `errno` and `skipped`.
    pub op: Option<Op>,
    /// The process concerned, by its pid under the base in the root
    /// namespace: the actor of an operation, the leader of a signalled group,
    /// the orphan, the process that died.
    pub process: Option<u32>,
    /// What happened under the base, and under the profile compared.
    pub base: String,
    pub against: String,
    /// The two profiles.
    pub base_spec: Spec,
    pub against_spec: Spec,
}

impl Divergence {
    /// The header of `divergences.csv`.
    pub const HEADER: [&'static str; 8] =
        ["time_ns", "kind", "op", "process", "base", "against", "base_spec", "against_spec"];

    /// Its row of `divergences.csv`.
    pub fn row(&self) -> [String; 8] {
        [
            self.time.nanos().to_string(),
            self.kind.name().to_owned(),
            self.op.map(|op| op.name().to_owned()).unwrap_or_default(),
            self.process.map(|p| p.to_string()).unwrap_or_default(),
            self.base.clone(),
            self.against.clone(),
            self.base_spec.to_string(),
            self.against_spec.to_string(),
        ]
    }
}

impl fmt::Display for Divergence {
    /// `at 48.8s pid 1664: linux died, linux+orphan-hup-stopped-only alive`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "at {}", SimDuration(self.time.nanos()))?;
        if let Some(op) = self.op {
            write!(f, " {}", op.name())?;
        }
        if let Some(p) = self.process {
            write!(f, " pid {p}")?;
        }
        write!(f, ": {} {}, {} {}", self.base_spec, self.base, self.against_spec, self.against)
    }
}

/// The outcome of a comparison.
#[derive(Debug)]
pub struct Report {
    /// The profile the workload ran under, and the one it was replayed
    /// under.
    pub base: Spec,
    pub against: Spec,
    pub divergences: Vec<Divergence>,
    /// Operations replayed (performed or skipped).
    pub operations: u64,
    /// Orphan pairs sent under the base, and under `against`.
    pub pairs: [u64; 2],
}

impl Report {
    /// Count and first occurrence of each kind.
    pub fn by_kind(&self) -> BTreeMap<Kind, (usize, &Divergence)> {
        let mut out = BTreeMap::new();
        for d in &self.divergences {
            out.entry(d.kind).or_insert((0, d)).0 += 1;
        }
        out
    }

    /// Writes `divergences.csv` into `dir`, whole or not at all.
    pub fn write(&self, dir: &Path) -> Result<(), ResultsError> {
        Table::write(&dir.join("divergences.csv"), Divergence::HEADER, self.divergences.iter().map(Divergence::row))
    }
}

impl fmt::Display for Report {
    /// The summary table: a row per kind, with its first occurrence.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "{:<18} {}", "operations", self.operations)?;
        writeln!(f, "{:<18} {} {}, {} {}", "orphan pairs", self.base, self.pairs[0], self.against, self.pairs[1])?;
        writeln!(f, "{:<24} {:>8}  first occurrence", "divergence", "count")?;
        for (kind, (count, first)) in self.by_kind() {
            writeln!(f, "{:<24} {count:>8}  {first}", kind.name())?;
        }
        Ok(())
    }
}

/// Runs `scenario` under `base` and replays its operations under `against`
/// (replayed under `base` itself, nothing diverges).
pub fn compare(scenario: &Scenario, base: Spec, against: Spec) -> Report {
    let config = |spec: Spec| MachineConfig {
        pid_max: scenario.pid_max,
        record_transitions: true,
        record_journal: true,
        semantics: spec.semantics(),
        ..MachineConfig::default()
    };
    let mut replay = Replay::new(Machine::new(config(against)), base, against);
    let mirror = Mirror { workload: Mix::new(scenario), replay: &mut replay };
    let mut sim = Simulation::new(Machine::new(config(base)), mirror, scenario.tick, scenario.duration);
    while sim.advance().is_some() {}
    let base_pairs = sim.machine().census().totals.orphan_pairs;
    drop(sim);
    replay.report.pairs = [base_pairs, replay.machine.census().totals.orphan_pairs];
    replay.report
}

/// The scenario's workload on the base machine, with every batch of its
/// operations replayed on the other when the base machine has settled.
struct Mirror<'r> {
    workload: Mix,
    replay: &'r mut Replay,
}

impl Workload for Mirror<'_> {
    type Event = Event;

    fn populate(&mut self, ctx: &mut Context<'_, Event>) {
        ctx.log.keep_records = true;
        self.workload.populate(ctx);
        self.replay.take_records(ctx);
    }

    fn apply(&mut self, event: Event, ctx: &mut Context<'_, Event>) {
        self.workload.apply(event, ctx);
        self.replay.take_records(ctx);
    }

    fn react(&mut self, ctx: &mut Context<'_, Event>) {
        self.replay.settle(ctx);
        self.workload.react(ctx);
        self.replay.take_records(ctx);
    }
}

/// An operation of the stream, with what it did: its numbers are those of
/// the base machine, and are translated when it is replayed
/// ([`Replay::translate`]).
struct Pending {
    record: Record,
    act: Act,
}

/// What an operation of the stream did.
#[derive(Clone, Copy)]
enum Act {
    /// A process's call.
    Call(Call),
    /// The keyboard's signal to a group of a session without a terminal.
    Signal,
    /// A key typed on a terminal.
    Key(TtyId, Key),
    /// A terminal's master closed.
    Hangup(TtyId),
}

/// The machine under `against` and the correspondence between its processes
/// and the base machine's.
struct Replay {
    machine: Machine,
    /// Operations performed on the base machine and not yet replayed.
    pending: Vec<Pending>,
    /// Base pid → the process in that role on `against`'s machine.
    against: HashMap<u32, (Entity, Pid)>,
    /// A process of `against`'s machine → its base pid.
    base_pid_of_against: HashMap<Entity, u32>,
    /// A pid in the root namespace of `against`'s machine → the base pid
    /// (kept after the process has gone: it names the groups it made).
    base_pid_of_number: HashMap<u32, u32>,
    /// The base machine's process → its pid, and back.
    base_pid_of: HashMap<Entity, u32>,
    base: HashMap<u32, Entity>,
    /// The base machine's terminal → the one `against`'s machine made for it.
    terminals: HashMap<TtyId, TtyId>,
    report: Report,
}

impl Replay {
    fn new(machine: Machine, base: Spec, against: Spec) -> Replay {
        let init = machine.global_init();
        let pid = machine.pid(init).expect("the global init exists").clone();
        let mut replay = Replay {
            machine,
            pending: Vec::new(),
            against: HashMap::new(),
            base_pid_of_against: HashMap::new(),
            base_pid_of_number: HashMap::new(),
            base_pid_of: HashMap::new(),
            base: HashMap::new(),
            terminals: HashMap::new(),
            report: Report { base, against, divergences: Vec::new(), operations: 0, pairs: [0; 2] },
        };
        replay.against.insert(pid.nr, (init, pid.clone()));
        replay.base_pid_of_against.insert(init, pid.nr);
        replay.base_pid_of_number.insert(pid.nr, pid.nr);
        replay
    }

    /// Takes the operations the base machine has just performed, reading off
    /// it what the stream does not carry, while it is still as the call left
    /// it.
    fn take_records(&mut self, ctx: &mut Context<'_, Event>) {
        let records = std::mem::take(&mut ctx.log.records);
        let base = ctx.machine();
        if self.base.is_empty() {
            let init = base.global_init();
            let nr = base.pid(init).expect("the global init exists").nr;
            self.base.insert(nr, init);
            self.base_pid_of.insert(init, nr);
        }
        for record in records {
            let actor = record.actor.and_then(|pid| self.base.get(&pid).copied());
            let signal = || record.signal.expect("a kill, a sigaction or the terminal names its signal");
            // A fork names its child, a clone(CLONE_THREAD) its thread, if it succeeded.
            let mut made = || {
                if let Some(made) = record.target {
                    let e = base.namespace(base.root_namespace()).table.process(made).expect("just made");
                    self.base.insert(made, e);
                    self.base_pid_of.insert(e, made);
                }
            };
            let tty = || record.tty.expect("a terminal's operation names its terminal");
            let act = match record.op {
                Op::Fork | Op::Clone => {
                    made();
                    Act::Call(Call::Fork { newpid: record.op == Op::Clone })
                }
                Op::Thread => {
                    made();
                    Act::Call(Call::CloneThread)
                }
                Op::ExitThread => Act::Call(Call::ExitThread { code: 0 }),
                Op::Tkill => Act::Call(Call::Tgkill { tgid: 0, tid: 0, sig: signal() }),
                Op::Exit => {
                    let exit = actor.and_then(|a| base.process(a)).and_then(|p| p.exit);
                    let code = match exit {
                        Some(ExitStatus::Code(code)) => code,
                        _ => 0,
                    };
                    Act::Call(Call::Exit { code })
                }
                Op::Exec => Act::Call(Call::Exec),
                Op::Setsid => Act::Call(Call::Setsid),
                Op::Setpgid => Act::Call(Call::Setpgid { pid: 0, pgid: 0 }),
                Op::Wait => Act::Call(Call::Wait { pid: 0 }),
                Op::Kill => Act::Call(Call::Kill { pid: 0, sig: signal() }),
                Op::Sigaction => {
                    let action = actor.map_or(Disposition::Default, |a| base.signals(a).disposition(signal()));
                    Act::Call(Call::Sigaction { sig: signal(), action })
                }
                Op::Subreaper => Act::Call(Call::Subreaper { on: true }),
                Op::Tty => match record.tty {
                    Some(tty) => {
                        let key = Key::ALL.into_iter().find(|k| k.signal() == record.signal).expect("a key");
                        Act::Key(tty, key)
                    }
                    None => Act::Signal,
                },
                Op::Ctty => Act::Call(Call::Tiocsctty { tty: tty(), steal: false }),
                Op::Tcsetpgrp => Act::Call(Call::Tty(TtyCall::Foreground { pgrp: 0 })),
                Op::TtyRead => Act::Call(Call::Tty(TtyCall::Read)),
                Op::Hangup => Act::Hangup(tty()),
            };
            self.pending.push(Pending { record, act });
        }
    }

    /// The base machine has settled: replays the pending operations, settles
    /// the other machine, and compares what the two did on their own.
    fn settle(&mut self, ctx: &mut Context<'_, Event>) {
        let now = ctx.now;
        for pending in std::mem::take(&mut self.pending) {
            self.perform(&pending, now);
        }
        self.machine.settle();
        // Deaths are read from the run-state changes; the released logs would only grow.
        self.machine.take_released();
        self.machine.take_released_threads();
        let base_journal = ctx.machine_mut().take_journal();
        let against_journal = self.machine.take_journal();
        self.compare_pairs(&base_journal, &against_journal, now);
        self.compare_reparents(ctx.machine(), &base_journal, &against_journal, now);
        let base = ctx.machine();
        let base_deaths = base.transitions().iter().filter_map(died).map(|e| self.base_pid_of[&e]);
        let against_deaths: Vec<u32> = (self.machine.take_transitions().iter().filter_map(died))
            .filter_map(|e| self.base_pid_of_against.get(&e).copied())
            .collect();
        let deaths: Vec<u32> = base_deaths.chain(against_deaths).collect();
        for pid in deaths {
            let base_alive = self.base.get(&pid).and_then(|&e| base.process(e)).is_some_and(|p| p.is_alive());
            let against_alive =
                self.against.get(&pid).and_then(|&(e, _)| self.machine.process(e)).is_some_and(|p| p.is_alive());
            let kind = match (base_alive, against_alive) {
                (false, true) => Kind::DeadUnderBase,
                (true, false) => Kind::DeadUnderAgainst,
                _ => continue,
            };
            let state = |alive: bool| if alive { "alive" } else { "died" }.to_owned();
            self.diverge(now, kind, None, Some(pid), state(base_alive), state(against_alive));
        }
    }

    fn diverge(
        &mut self,
        time: SimTime,
        kind: Kind,
        op: Option<Op>,
        process: Option<u32>,
        base: String,
        against: String,
    ) {
        let (base_spec, against_spec) = (self.report.base, self.report.against);
        self.report.divergences.push(Divergence { time, kind, op, process, base, against, base_spec, against_spec });
    }

    /// `against`'s number for the process the base numbered `base_pid`, as
    /// `actor` sees it there (from outside for no actor).
    fn number(&self, base_pid: Option<u32>, actor: Option<Entity>) -> i64 {
        let id = base_pid.and_then(|pid| self.against.get(&pid)).map(|(_, id)| id);
        self.machine.seen_by(actor.map_or(Actor::Outside, Actor::Task), id)
    }

    /// The terminal of `against`'s machine that matches the base's `tty`,
    /// made the first time it is used.
    fn terminal(&mut self, tty: TtyId) -> TtyId {
        *self.terminals.entry(tty).or_insert_with(|| self.machine.open_terminal())
    }

    /// `call` with its numbers as `actor` sees them, and its terminal, on
    /// `against`'s machine.
    fn translate(&mut self, r: &Record, call: Call, actor: Option<Entity>) -> Call {
        if let Call::Tiocsctty { tty, steal } = call {
            return Call::Tiocsctty { tty: self.terminal(tty), steal };
        }
        let number = |pid| self.number(pid, actor);
        match call {
            Call::Setpgid { .. } => {
                Call::Setpgid { pid: number(r.target), pgid: if r.group == r.target { 0 } else { number(r.group) } }
            }
            Call::Wait { .. } => Call::Wait { pid: number(r.target) },
            Call::Kill { sig, .. } => Call::Kill {
                pid: match r.target {
                    Some(_) => number(r.target),
                    None => -number(r.group),
                },
                sig,
            },
            Call::Tgkill { sig, .. } => {
                let thread = r.target.and_then(|tid| self.against.get(&tid)).map(|&(t, _)| t);
                let tgid = thread.and_then(|t| self.machine.pid(self.machine.leader_of(t)));
                let tgid = self.machine.seen_by(actor.map_or(Actor::Outside, Actor::Task), tgid);
                Call::Tgkill { tgid, tid: number(r.target), sig }
            }
            Call::Tty(TtyCall::Foreground { .. }) => Call::Tty(TtyCall::Foreground { pgrp: number(r.group) }),
            other => other,
        }
    }

    /// Replays one operation on `against`'s machine.
    fn perform(&mut self, pending: &Pending, now: SimTime) {
        let r = pending.record;
        self.report.operations += 1;
        let base = r.status.name().to_owned();
        let actor = r.actor.map(|pid| self.against.get(&pid).map(|&(e, _)| e));
        let cannot = match actor {
            Some(None) => Some("never created"),
            Some(Some(a)) => match self.machine.can_act(a) {
                Err(CannotAct::Stopped) if r.status != Status::Stopped => Some("stopped"),
                Err(CannotAct::Zombie) => Some("zombie"),
                Err(CannotAct::Gone) => Some("gone"),
                _ => None,
            },
            None => None,
        };
        if let Some(why) = cannot {
            return self.diverge(now, Kind::Skipped, Some(r.op), r.actor, base, why.to_owned());
        }
        let status = self.call(pending, actor.flatten());
        if status != r.status {
            self.diverge(now, Kind::Errno, Some(r.op), r.actor, base, status.name().to_owned());
        }
    }

    /// Performs the pending operation by `actor` (who can act, or is stopped)
    /// on `against`'s machine and gives its status as the event stream would
    /// record it.
    fn call(&mut self, pending: &Pending, actor: Option<Entity>) -> Status {
        let r = pending.record;
        let emulated = |result: Result<(), Errno>| result.map_or_else(Status::Err, |()| Status::Ok);
        let call = match pending.act {
            Act::Call(call) => call,
            Act::Signal => {
                let sig = r.signal.expect("the keyboard sends a signal");
                let root = self.machine.root_namespace();
                let nr = u32::try_from(self.number(r.group, None)).unwrap_or(0);
                return match self.machine.process_group_with_id(root, nr) {
                    Some(g) => {
                        self.machine.signal_group(g, sig);
                        Status::Ok
                    }
                    None => Status::Err(Errno::ESRCH),
                };
            }
            Act::Key(tty, key) => {
                let tty = self.terminal(tty);
                return emulated(self.machine.type_key(tty, key));
            }
            Act::Hangup(tty) => {
                let tty = self.terminal(tty);
                return emulated(self.machine.hang_up(tty));
            }
        };
        let call = self.translate(&r, call, actor);
        match self.machine.perform(actor.map_or(Actor::Outside, Actor::Task), call) {
            machine::Outcome::Done(Reply::Child(made) | Reply::Thread(made)) => {
                if let Some(pid) = r.target {
                    let id = self.machine.tid(made).expect("just made").clone();
                    self.base_pid_of_number.insert(id.nr_at(0).expect("a pid has a root number"), pid);
                    self.against.insert(pid, (made, id));
                    self.base_pid_of_against.insert(made, pid);
                }
                Status::Ok
            }
            machine::Outcome::Done(Reply::Waited(Waited::Busy)) => Status::Busy,
            machine::Outcome::Done(_) => Status::Ok,
            machine::Outcome::Failed(e) => Status::Err(e),
            machine::Outcome::Stopped | machine::Outcome::CannotAct(_) => Status::Stopped,
        }
    }

    /// Groups signalled as orphaned by one profile and not the other, by
    /// their leader's base pid.
    fn compare_pairs(&mut self, base: &Journal, against: &Journal, now: SimTime) {
        let mut count: BTreeMap<Option<u32>, i64> = BTreeMap::new();
        for id in &base.orphan_pairs {
            *count.entry(id.nr_at(0)).or_default() += 1;
        }
        for id in &against.orphan_pairs {
            *count.entry(id.nr_at(0).and_then(|nr| self.base_pid_of_number.get(&nr).copied())).or_default() -= 1;
        }
        for (leader, n) in count {
            let (kind, base, against) = if n > 0 {
                (Kind::MissedOrphanSignal, "SIGHUP+SIGCONT", "none")
            } else {
                (Kind::SpuriousOrphanSignal, "none", "SIGHUP+SIGCONT")
            };
            for _ in 0..n.unsigned_abs() {
                self.diverge(now, kind, None, leader, base.to_owned(), against.to_owned());
            }
        }
    }

    /// Orphans given different parents, among those either side reparented.
    fn compare_reparents(&mut self, base_machine: &Machine, base: &Journal, against: &Journal, now: SimTime) {
        // Child's base pid → its new parent under each profile, as shown.
        let mut moved: BTreeMap<u32, [Option<String>; 2]> = BTreeMap::new();
        for &(child, parent) in &base.reparented {
            moved.entry(self.base_pid_of[&child]).or_default()[0] = Some(self.base_parent(parent));
        }
        for &(child, parent) in &against.reparented {
            if let Some(&pid) = self.base_pid_of_against.get(&child) {
                moved.entry(pid).or_default()[1] = Some(self.against_parent(parent));
            }
        }
        for (child, [base_parent, against_parent]) in moved {
            let (Some(&b), Some(&(a, _))) = (self.base.get(&child), self.against.get(&child)) else {
                continue;
            };
            if base_machine.process(b).is_none() || self.machine.process(a).is_none() {
                continue;
            }
            let base_parent = base_parent.unwrap_or_else(|| self.base_parent(base_machine.parent(b)));
            let against_parent = against_parent.unwrap_or_else(|| self.against_parent(self.machine.parent(a)));
            if base_parent != against_parent {
                self.diverge(now, Kind::Reparent, None, Some(child), base_parent, against_parent);
            }
        }
    }

    /// A parent on the base machine, as `divergences.csv` shows it.
    fn base_parent(&self, parent: Option<Entity>) -> String {
        parent.map_or("no parent".to_owned(), |p| format!("parent {}", self.base_pid_of[&p]))
    }

    /// A parent on `against`'s machine, by its base pid.
    fn against_parent(&self, parent: Option<Entity>) -> String {
        match parent.map(|p| self.base_pid_of_against.get(&p)) {
            None => "no parent".to_owned(),
            Some(Some(pid)) => format!("parent {pid}"),
            Some(None) => "a parent the base never made".to_owned(),
        }
    }
}

/// The process, if this run-state change is a death.
fn died(&(p, state): &(Entity, RunState)) -> Option<Entity> {
    (state == RunState::Zombie).then_some(p)
}
