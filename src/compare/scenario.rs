//! `procsim compare SCENARIO`: what the 2018 gVisor seed would have done to a
//! scenario's workload.
//!
//! The workload runs under Linux's rules, exactly as `procsim run` runs it:
//! its programs decide what to do from what the Linux machine does. Every
//! operation they perform — the event stream, `events.csv`'s rows — is also
//! performed on a second machine under the seed's rules, in the same order,
//! and each time the Linux machine settles (at the end of each tick, and of
//! each round of the setup) the seed's machine settles too. The programs do
//! not see the seed's machine: they go on as Linux leads them, so what is
//! measured is how the seed would have treated the very same calls.
//!
//! Processes are matched by the pid Linux gave them; the seed's machine
//! hands out its own numbers (they part when it wraps at 65536), and each
//! operation's numbers are translated into the seed's, as its actor sees
//! them there. An operation whose actor cannot act under the seed (a zombie,
//! gone, or never created there) is skipped, and counted.
//!
//! The divergences, each with the simulated time it shows at and the
//! process concerned (by its Linux pid), are:
//!
//! * `errno` — an operation ended differently (another errno, success
//!   against failure, a stopped actor against a running one);
//! * `skipped` — its actor could not act under the seed;
//! * `missed_orphan_signal` / `spurious_orphan_signal` — Linux sent a group
//!   SIGHUP+SIGCONT as orphaned and the seed did not, or the other way round
//!   (the process is the group's leader);
//! * `reparent` — an orphan was given different parents (Linux's rules find
//!   subreapers; the seed has none, and leaves a dying namespace's orphans
//!   with no parent);
//! * `dead_under_linux` / `dead_under_gvisor` — a process died under one
//!   set of rules while it lived on under the other.
//!
//! The event stream records what a call did, not all it was given, so the
//! two things a replay needs besides — a `sigaction`'s action and an
//! `_exit`'s code — are read off the Linux machine right after each call.

use crate::engine::record::{Op, Record, Status};
use crate::engine::{Context, SimDuration, SimTime, Simulation, Workload};
use crate::io::results::{ResultsError, Table};
use crate::machine::{CannotAct, Machine, MachineConfig, Waited};
use crate::model::{Disposition, Errno, ExitStatus, Pid, RunState};
use crate::semantics::Semantics;
use crate::systems::journal::Journal;
use crate::workload::{Event, Mix, Scenario};
use bevy_ecs::prelude::Entity;
use std::collections::{BTreeMap, HashMap};
use std::fmt;
use std::path::Path;

/// A number that names no process or group in any namespace.
const NOTHING: i64 = i32::MAX as i64;

/// A kind of divergence.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Kind {
    Errno,
    Skipped,
    MissedOrphanSignal,
    SpuriousOrphanSignal,
    Reparent,
    DeadUnderLinux,
    DeadUnderGvisor,
}

impl Kind {
    pub fn name(self) -> &'static str {
        match self {
            Kind::Errno => "errno",
            Kind::Skipped => "skipped",
            Kind::MissedOrphanSignal => "missed_orphan_signal",
            Kind::SpuriousOrphanSignal => "spurious_orphan_signal",
            Kind::Reparent => "reparent",
            Kind::DeadUnderLinux => "dead_under_linux",
            Kind::DeadUnderGvisor => "dead_under_gvisor",
        }
    }
}

/// One place where the seed parted from Linux.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Divergence {
    pub time: SimTime,
    pub kind: Kind,
    /// The operation, for `errno` and `skipped`.
    pub op: Option<Op>,
    /// The process concerned, by its pid under Linux in the root namespace:
    /// the actor of an operation, the leader of a signalled group, the
    /// orphan, the process that died.
    pub process: Option<u32>,
    /// What happened under Linux, and under the seed.
    pub linux: String,
    pub gvisor: String,
}

impl Divergence {
    /// The header of `divergences.csv`.
    pub const HEADER: [&'static str; 6] = ["time_ns", "kind", "op", "process", "linux", "gvisor"];

    /// Its row of `divergences.csv`.
    pub fn row(&self) -> [String; 6] {
        [
            self.time.nanos().to_string(),
            self.kind.name().to_owned(),
            self.op.map(|op| op.name().to_owned()).unwrap_or_default(),
            self.process.map(|p| p.to_string()).unwrap_or_default(),
            self.linux.clone(),
            self.gvisor.clone(),
        ]
    }
}

impl fmt::Display for Divergence {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "at {}", SimDuration(self.time.nanos()))?;
        if let Some(op) = self.op {
            write!(f, " {}", op.name())?;
        }
        if let Some(p) = self.process {
            write!(f, " pid {p}")?;
        }
        write!(f, ": linux {}, gvisor-2018 {}", self.linux, self.gvisor)
    }
}

/// The outcome of a comparison.
#[derive(Debug, Default)]
pub struct Report {
    pub divergences: Vec<Divergence>,
    /// Operations replayed (performed or skipped).
    pub operations: u64,
    /// Orphan pairs sent under Linux and under the seed.
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
        writeln!(f, "{:<18} linux {}, gvisor-2018 {}", "orphan pairs", self.pairs[0], self.pairs[1])?;
        writeln!(f, "{:<24} {:>8}  first occurrence", "divergence", "count")?;
        for (kind, (count, first)) in self.by_kind() {
            writeln!(f, "{:<24} {count:>8}  {first}", kind.name())?;
        }
        Ok(())
    }
}

/// Runs `scenario` under Linux and replays it under `semantics` (the
/// seed's, for `procsim compare`; replayed under Linux's, nothing diverges).
pub fn compare(scenario: &Scenario, semantics: Semantics) -> Report {
    let config = |semantics| MachineConfig {
        pid_max: scenario.pid_max,
        record_transitions: true,
        record_journal: true,
        semantics,
        ..MachineConfig::default()
    };
    let mut replay = Replay::new(Machine::new(config(semantics)));
    let mirror = Mirror { workload: Mix::new(scenario), replay: &mut replay };
    let mut sim = Simulation::new(Machine::new(config(Semantics::LINUX)), mirror, scenario.tick, scenario.duration);
    while sim.advance().is_some() {}
    let linux_pairs = sim.machine().census().totals.orphan_pairs;
    drop(sim);
    replay.report.pairs = [linux_pairs, replay.machine.census().totals.orphan_pairs];
    replay.report
}

/// The scenario's workload on the Linux machine, with every batch of its
/// operations replayed on the seed's when the Linux machine has settled.
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

/// An operation of the stream, with what the replay needs besides.
struct Call {
    record: Record,
    /// A sigaction's action.
    action: Disposition,
    /// An `_exit`'s code.
    code: u8,
}

/// The seed's machine and the correspondence between its processes and
/// Linux's.
struct Replay {
    machine: Machine,
    /// Operations performed on the Linux machine and not yet replayed.
    pending: Vec<Call>,
    /// Linux pid → the seed's process in that role.
    seed: HashMap<u32, (Entity, Pid)>,
    /// The seed's process → its Linux pid.
    linux_pid_of_seed: HashMap<Entity, u32>,
    /// The seed's pid in its root namespace → the Linux pid (kept after the
    /// process has gone: it names the groups it made).
    linux_pid_of_number: HashMap<u32, u32>,
    /// Linux's process → its pid, and back.
    linux_pid_of: HashMap<Entity, u32>,
    linux: HashMap<u32, Entity>,
    report: Report,
}

impl Replay {
    fn new(machine: Machine) -> Replay {
        let init = machine.global_init();
        let pid = machine.process(init).expect("the global init exists").pid.clone();
        let mut replay = Replay {
            machine,
            pending: Vec::new(),
            seed: HashMap::new(),
            linux_pid_of_seed: HashMap::new(),
            linux_pid_of_number: HashMap::new(),
            linux_pid_of: HashMap::new(),
            linux: HashMap::new(),
            report: Report::default(),
        };
        replay.seed.insert(pid.nr, (init, pid.clone()));
        replay.linux_pid_of_seed.insert(init, pid.nr);
        replay.linux_pid_of_number.insert(pid.nr, pid.nr);
        replay
    }

    /// Takes the operations the Linux machine has just performed, reading
    /// off it what the stream does not carry, while it is still as the call
    /// left it.
    fn take_records(&mut self, ctx: &mut Context<'_, Event>) {
        let records = std::mem::take(&mut ctx.log.records);
        let linux = ctx.machine();
        if self.linux.is_empty() {
            let init = linux.global_init();
            let nr = linux.process(init).expect("the global init exists").pid.nr;
            self.linux.insert(nr, init);
            self.linux_pid_of.insert(init, nr);
        }
        for record in records {
            let actor = record.actor.and_then(|pid| self.linux.get(&pid).copied());
            let mut call = Call { record, action: Disposition::Default, code: 0 };
            match (record.op, record.target, actor) {
                (Op::Fork | Op::Clone, Some(child), _) => {
                    let e = linux.namespace(linux.root_namespace()).table.process(child).expect("just forked");
                    self.linux.insert(child, e);
                    self.linux_pid_of.insert(e, child);
                }
                (Op::Sigaction, _, Some(a)) => {
                    let sig = record.signal.expect("a sigaction names its signal");
                    call.action = linux.signals(a).disposition(sig);
                }
                (Op::Exit, _, Some(a)) => {
                    if let Some(ExitStatus::Code(code)) = linux.process(a).and_then(|p| p.exit) {
                        call.code = code;
                    }
                }
                _ => {}
            }
            self.pending.push(call);
        }
    }

    /// The Linux machine has settled: replays the pending operations, settles
    /// the seed's machine, and compares what the two did on their own.
    fn settle(&mut self, ctx: &mut Context<'_, Event>) {
        let now = ctx.now;
        for call in std::mem::take(&mut self.pending) {
            self.perform(&call, now);
        }
        self.machine.settle();
        // Deaths are read from the run-state changes; the released log would only grow.
        self.machine.take_released();
        let linux = ctx.machine_mut().take_journal();
        let seed = self.machine.take_journal();
        self.compare_pairs(&linux, &seed, now);
        self.compare_reparents(ctx.machine(), &linux, &seed, now);
        let linux_deaths: Vec<Entity> = ctx.machine().transitions().iter().filter_map(died).collect();
        let seed_deaths: Vec<u32> = (self.machine.take_transitions().iter().filter_map(died))
            .filter_map(|s| self.linux_pid_of_seed.get(&s).copied())
            .collect();
        for e in linux_deaths {
            let pid = self.linux_pid_of[&e];
            let lives = self.seed.get(&pid).and_then(|&(s, _)| self.machine.process(s)).is_some_and(|p| p.is_alive());
            if lives {
                self.diverge(now, Kind::DeadUnderLinux, None, Some(pid), "died".to_owned(), "alive".to_owned());
            }
        }
        for pid in seed_deaths {
            let lives = self.linux.get(&pid).and_then(|&e| ctx.machine().process(e)).is_some_and(|p| p.is_alive());
            if lives {
                self.diverge(now, Kind::DeadUnderGvisor, None, Some(pid), "alive".to_owned(), "died".to_owned());
            }
        }
    }

    fn diverge(
        &mut self,
        time: SimTime,
        kind: Kind,
        op: Option<Op>,
        process: Option<u32>,
        linux: String,
        gvisor: String,
    ) {
        self.report.divergences.push(Divergence { time, kind, op, process, linux, gvisor });
    }

    /// The seed's number for the process Linux numbered `linux_pid`, as
    /// `actor` sees it there (the root namespace for no actor).
    fn number(&self, linux_pid: Option<u32>, actor: Option<Entity>) -> i64 {
        let ns = actor.and_then(|a| self.machine.process(a)).map_or(self.machine.root_namespace(), |p| p.pid.ns);
        match linux_pid.and_then(|pid| self.seed.get(&pid)).map(|(_, id)| self.machine.pid_nr_ns(id, ns)) {
            Some(nr) if nr > 0 => i64::from(nr),
            _ => NOTHING,
        }
    }

    /// Replays one operation on the seed's machine.
    fn perform(&mut self, call: &Call, now: SimTime) {
        let r = call.record;
        self.report.operations += 1;
        let linux = r.status.name().to_owned();
        let actor = r.actor.map(|pid| self.seed.get(&pid).map(|&(e, _)| e));
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
            return self.diverge(now, Kind::Skipped, Some(r.op), r.actor, linux, why.to_owned());
        }
        let status = self.call(call, actor.flatten());
        if status != r.status {
            self.diverge(now, Kind::Errno, Some(r.op), r.actor, linux, status.name().to_owned());
        }
    }

    /// Performs `call` by `actor` (who can act, or is stopped) on the seed's
    /// machine and gives its status as the event stream would record it.
    fn call(&mut self, call: &Call, actor: Option<Entity>) -> Status {
        let r = call.record;
        let ok = |r: Result<(), Errno>| r.map(|()| Status::Ok);
        let result: Result<Result<Status, Errno>, CannotAct> = match (r.op, actor) {
            (Op::Fork | Op::Clone, Some(a)) => {
                let forked = self.machine.fork(a, r.op == Op::Clone);
                if let (Ok(Ok(child)), Some(pid)) = (forked, r.target) {
                    let id = self.machine.process(child).expect("just forked").pid.clone();
                    self.linux_pid_of_number.insert(id.nr_at(0).expect("a pid has a root number"), pid);
                    self.seed.insert(pid, (child, id));
                    self.linux_pid_of_seed.insert(child, pid);
                }
                forked.map(|f| f.map(|_| Status::Ok))
            }
            (Op::Exit, Some(a)) => self.machine.exit(a, call.code).map(|()| Ok(Status::Ok)),
            (Op::Exec, Some(a)) => self.machine.exec(a).map(|()| Ok(Status::Ok)),
            (Op::Setsid, Some(a)) => self.machine.setsid(a).map(|r| r.map(|_| Status::Ok)),
            (Op::Setpgid, Some(a)) => {
                let pid = self.number(r.target, Some(a));
                let pgid = if r.group == r.target { 0 } else { self.number(r.group, Some(a)) };
                self.machine.setpgid(a, pid, pgid).map(ok)
            }
            (Op::Wait, Some(a)) => {
                let pid = self.number(r.target, Some(a));
                self.machine.waitpid(a, pid).map(|r| {
                    r.map(|w| match w {
                        Waited::Reaped(_) => Status::Ok,
                        Waited::Busy => Status::Busy,
                    })
                })
            }
            (Op::Kill, sender) => {
                let sig = r.signal.expect("a kill names its signal");
                let number = match r.target {
                    Some(_) => self.number(r.target, sender),
                    None => -self.number(r.group, sender),
                };
                match sender {
                    Some(s) => self.machine.kill(s, number, sig).map(ok),
                    None => Ok(ok(self.machine.kill_from_outside(number, sig))),
                }
            }
            (Op::Tty, _) => {
                let sig = r.signal.expect("the terminal sends a signal");
                let root = self.machine.root_namespace();
                let nr = u32::try_from(self.number(r.group, None)).unwrap_or(0);
                Ok(match self.machine.process_group_with_id(root, nr) {
                    Some(g) => {
                        self.machine.signal_group(g, sig);
                        Ok(Status::Ok)
                    }
                    None => Err(Errno::ESRCH),
                })
            }
            (Op::Sigaction, Some(a)) => {
                let sig = r.signal.expect("a sigaction names its signal");
                self.machine.sigaction(a, sig, call.action).map(ok)
            }
            (Op::Subreaper, Some(a)) => self.machine.set_child_subreaper(a, true).map(ok),
            (_, None) => unreachable!("only kill and the terminal act from outside"),
        };
        match result {
            Ok(Ok(status)) => status,
            Ok(Err(e)) => Status::Err(e),
            Err(_) => Status::Stopped,
        }
    }

    /// Groups signalled as orphaned by one set of rules and not the other,
    /// by their leader's Linux pid.
    fn compare_pairs(&mut self, linux: &Journal, seed: &Journal, now: SimTime) {
        let mut count: BTreeMap<Option<u32>, i64> = BTreeMap::new();
        for id in &linux.orphan_pairs {
            *count.entry(id.nr_at(0)).or_default() += 1;
        }
        for id in &seed.orphan_pairs {
            *count.entry(id.nr_at(0).and_then(|nr| self.linux_pid_of_number.get(&nr).copied())).or_default() -= 1;
        }
        for (leader, n) in count {
            let (kind, linux, gvisor) = if n > 0 {
                (Kind::MissedOrphanSignal, "SIGHUP+SIGCONT", "none")
            } else {
                (Kind::SpuriousOrphanSignal, "none", "SIGHUP+SIGCONT")
            };
            for _ in 0..n.unsigned_abs() {
                self.diverge(now, kind, None, leader, linux.to_owned(), gvisor.to_owned());
            }
        }
    }

    /// Orphans given different parents, among those either side reparented.
    fn compare_reparents(&mut self, linux_machine: &Machine, linux: &Journal, seed: &Journal, now: SimTime) {
        // Child's Linux pid → its new parent under each set of rules, as shown.
        let mut moved: BTreeMap<u32, [Option<String>; 2]> = BTreeMap::new();
        for &(child, parent) in &linux.reparented {
            moved.entry(self.linux_pid_of[&child]).or_default()[0] = Some(self.linux_parent(parent));
        }
        for &(child, parent) in &seed.reparented {
            if let Some(&pid) = self.linux_pid_of_seed.get(&child) {
                moved.entry(pid).or_default()[1] = Some(self.seed_parent(parent));
            }
        }
        for (child, [linux_parent, seed_parent]) in moved {
            let (Some(&l), Some(&(s, _))) = (self.linux.get(&child), self.seed.get(&child)) else {
                continue;
            };
            if linux_machine.process(l).is_none() || self.machine.process(s).is_none() {
                continue;
            }
            let linux_parent = linux_parent.unwrap_or_else(|| self.linux_parent(linux_machine.parent(l)));
            let seed_parent = seed_parent.unwrap_or_else(|| self.seed_parent(self.machine.parent(s)));
            if linux_parent != seed_parent {
                self.diverge(now, Kind::Reparent, None, Some(child), linux_parent, seed_parent);
            }
        }
    }

    /// A parent on the Linux machine, as `divergences.csv` shows it.
    fn linux_parent(&self, parent: Option<Entity>) -> String {
        parent.map_or("no parent".to_owned(), |p| format!("parent {}", self.linux_pid_of[&p]))
    }

    /// A parent on the seed's machine, by its Linux pid.
    fn seed_parent(&self, parent: Option<Entity>) -> String {
        match parent.map(|p| self.linux_pid_of_seed.get(&p)) {
            None => "no parent".to_owned(),
            Some(Some(pid)) => format!("parent {pid}"),
            Some(None) => "a parent Linux never made".to_owned(),
        }
    }
}

/// The process, if this run-state change is a death.
fn died(&(p, state): &(Entity, RunState)) -> Option<Entity> {
    (state == RunState::Zombie).then_some(p)
}
