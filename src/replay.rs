//! Replaying a `.ops` script on the simulator (`procsim replay`).
//!
//! The world at the start is the one the kernel harness builds: the script's
//! `init` is pid 1 of a fresh namespace below the root one, a session leader
//! that catches HUP and CONT. Operation n is performed at time n by its actor
//! and everything it causes settles before operation n+1. Labels are turned
//! into numbers as the actor sees them; a label with no number there becomes
//! a number that names nothing.

use crate::io::report::{ExitStatus, Invalid, Outcome, ProcLine, ProcState, Report};
use crate::io::script::{KillTarget, Label, Op, PgidArg, Script, Tty, TtyOp};
use crate::machine::{self, Actor, Call, CannotAct, How, Machine, MachineConfig, Reply, TtyCall, Waited};
use crate::model::{Disposition, Pid, RunState, Signal, TaskState, TtyId};
use crate::semantics::Semantics;
use bevy_ecs::prelude::Entity;
use std::collections::HashMap;

/// What became of a label (a task).
#[derive(Clone, Debug)]
enum Slot {
    /// Its `fork` or `thread` has not run (or failed).
    Unborn,
    /// It exists: a process's leader (running, stopped or zombie), or a
    /// live thread. `pid` is its tid.
    Live { entity: Entity, pid: Pid },
    /// The leader of a process that was reaped.
    Gone { pid: Pid, exit: ExitStatus },
    /// A thread that ended while not leading its process, or a leader
    /// replaced by another thread's exec; `tid` is the number it had last
    /// (a terminal's foreground group may still name it).
    ThreadGone { tid: Pid },
}

/// A script being replayed.
struct Replay<'s> {
    script: &'s Script,
    machine: Machine,
    slots: Vec<Slot>,
    /// The label of each live entity (the index of its slot): a lookup, never
    /// walked, so that a script of many labels is not replayed in O(n²).
    labels: HashMap<Entity, usize>,
    /// The script's pid-1 process (led by `init`, or by the thread that took
    /// its place with an exec).
    init: Entity,
    /// The terminal each terminal label names, once its `tty` line ran.
    terminals: Vec<Option<TtyId>>,
    /// The label of each terminal, by [`TtyId`] (in creation order).
    tty_labels: Vec<Label>,
}

/// Replays `script` under Linux's rules and returns its report.
pub fn replay(script: &Script) -> Report {
    replay_with(script, Semantics::LINUX)
}

/// Replays `script` under `semantics` and returns its report.
pub fn replay_with(script: &Script, semantics: Semantics) -> Report {
    replay_observed(script, semantics, |_| {})
}

/// Replays `script` under `semantics`, showing the machine to `observe`
/// after each operation has settled (tests check the model's invariants
/// there).
pub fn replay_observed(script: &Script, semantics: Semantics, mut observe: impl FnMut(&Machine)) -> Report {
    let mut machine = Machine::new(MachineConfig { record_handlers: true, semantics, ..Default::default() });
    let init = start_world(&mut machine);
    let slots = vec![Slot::Unborn; script.labels.len()];
    let pid = machine.pid(init).expect("init exists").clone();
    let terminals = vec![None; script.labels.len()];
    let mut replay = Replay { script, machine, slots, labels: HashMap::new(), init, terminals, tty_labels: Vec::new() };
    replay.set(Label::INIT.index(), Slot::Live { entity: init, pid });
    let mut outcomes = Vec::new();
    let mut invalid = None;
    for step in &script.steps {
        match replay.perform(step.op) {
            Ok(outcome) => outcomes.push((step.line, outcome)),
            Err(why) => {
                invalid = Some((step.line, why));
                break;
            }
        }
        replay.machine.settle();
        replay.collect_released();
        observe(&replay.machine);
    }
    Report { outcomes, invalid, procs: replay.state() }
}

/// Builds the script's world: `init` in a new namespace, leading its own
/// session, catching HUP and CONT.
fn start_world(machine: &mut Machine) -> Entity {
    let global = machine.global_init();
    let init = machine.perform(global, Call::Fork { newpid: true }).child().expect("the first namespace can be made");
    for call in [
        Call::Setsid,
        Call::Sigaction { sig: Signal::Hup, action: Disposition::Catch },
        Call::Sigaction { sig: Signal::Cont, action: Disposition::Catch },
    ] {
        let done = machine.perform(init, call).done();
        debug_assert!(done.is_some(), "init sets itself up");
    }
    machine.settle();
    init
}

impl Replay<'_> {
    /// The entity of a label that exists, or why it cannot act.
    fn actor(&self, label: Label) -> Result<Entity, Invalid> {
        match &self.slots[label.index()] {
            Slot::Live { entity, .. } => match self.machine.can_act(*entity) {
                Ok(()) => Ok(*entity),
                Err(why) => Err(invalid(why)),
            },
            Slot::Unborn | Slot::Gone { .. } | Slot::ThreadGone { .. } => Err(Invalid::Gone),
        }
    }

    /// The pid (a thread's tid) of a label, if its fork ran and it still
    /// names it.
    fn pid(&self, label: Label) -> Option<&Pid> {
        match &self.slots[label.index()] {
            Slot::Live { pid, .. } | Slot::Gone { pid, .. } => Some(pid),
            Slot::Unborn | Slot::ThreadGone { .. } => None,
        }
    }

    /// The entity of a label that exists.
    fn entity(&self, label: Label) -> Option<Entity> {
        match self.slots[label.index()] {
            Slot::Live { entity, .. } => Some(entity),
            _ => None,
        }
    }

    /// The label whose slot holds `entity`.
    fn label_of(&self, entity: Entity) -> Option<usize> {
        self.labels.get(&entity).copied()
    }

    /// Puts `slot` in label `label`'s place, keeping the index of live
    /// entities.
    fn set(&mut self, label: usize, slot: Slot) {
        if let Slot::Live { entity, .. } = self.slots[label] {
            self.labels.remove(&entity);
        }
        if let Slot::Live { entity, .. } = slot {
            self.labels.insert(entity, label);
        }
        self.slots[label] = slot;
    }

    /// The terminal a terminal label names (the parser lets a terminal be
    /// used only after its `tty` line, which always makes it).
    fn terminal(&self, tty: Tty) -> TtyId {
        self.terminals[tty.0.index()].expect("a terminal is used after its tty line")
    }

    /// Whether `label` is a task of the script's pid-1 process that has not
    /// begun to exit.
    fn of_init(&self, label: Label) -> bool {
        self.entity(label).is_some_and(|e| self.machine.leader_of(e) == self.init)
    }

    /// The pid of `label`'s process as `actor` sees it (tgkill's tgid).
    fn process_number(&self, actor: Actor, label: Label) -> i64 {
        let pid = self.entity(label).and_then(|e| self.machine.pid(self.machine.leader_of(e)));
        self.machine.seen_by(actor, pid)
    }

    /// Whether `op` would end the script's pid-1 process (the format's
    /// `invalid init`, rule 41).
    fn ends_init(&self, op: Op) -> bool {
        let live = |l: Label| self.entity(l).and_then(|e| self.machine.task(e)).is_some_and(|t| !t.is_exiting());
        match op {
            Op::Exit { proc, .. } => self.of_init(proc),
            Op::ExitThread { proc, .. } => {
                self.of_init(proc)
                    && self
                        .machine
                        .tasks(self.init)
                        .iter()
                        .filter(|&&t| self.machine.task(t).is_some_and(|t| !t.is_exiting()))
                        .count()
                        == 1
            }
            Op::Kill { sender: None, sig: Signal::Kill, target } => self.kill_reaches_init(target),
            Op::Tkill { sender: None, sig: Signal::Kill, target } => self.of_init(target) && live(target),
            _ => false,
        }
    }

    /// A label's pid as `actor` sees it, or a number that names nothing.
    fn number(&self, actor: Actor, label: Label) -> i64 {
        self.machine.seen_by(actor, self.pid(label))
    }

    /// Whether a KILL from outside to `target` would reach `init`.
    fn kill_reaches_init(&self, target: KillTarget) -> bool {
        let init = self.init;
        let root = self.machine.root_namespace();
        match target {
            KillTarget::Process(l) => self.of_init(l),
            KillTarget::Group(l) => {
                let nr = self.number(Actor::Outside, l);
                let init_group = self.machine.group_of(init);
                self.machine.pid_nr_ns(&self.machine.group(init_group).id, root) as i64 == nr
            }
        }
    }

    fn perform(&mut self, op: Op) -> Result<Outcome, Invalid> {
        let actor = op.actor().map(|a| self.actor(a)).transpose()?;
        if self.ends_init(op) {
            return Err(Invalid::Init);
        }
        let who = actor.map_or(Actor::Outside, Actor::Task);
        let seen = |label| self.number(who, label);
        let call = match op {
            Op::Fork { newpid, .. } => Call::Fork { newpid },
            Op::Exit { code, .. } => Call::Exit { code },
            Op::Exec { .. } => Call::Exec,
            Op::Setsid { .. } => Call::Setsid,
            Op::Setpgid { target, pgid, .. } => Call::Setpgid {
                pid: target.map_or(0, seen),
                pgid: match pgid {
                    PgidArg::Zero => 0,
                    PgidArg::Label(l) => seen(l),
                    PgidArg::Negative(n) => i64::from(n),
                },
            },
            Op::Reap { child, .. } => Call::Wait { pid: seen(child) },
            Op::Kill { sig, target, .. } => Call::Kill {
                pid: match target {
                    KillTarget::Process(l) => seen(l),
                    KillTarget::Group(l) => -seen(l),
                },
                sig,
            },
            Op::Dispose { sig, action, .. } => Call::Sigaction { sig, action },
            Op::Subreaper { on, .. } => Call::Subreaper { on },
            Op::Thread { .. } => Call::CloneThread,
            Op::ExitThread { code, .. } => Call::ExitThread { code },
            Op::Tkill { sig, target, .. } => {
                Call::Tgkill { tgid: self.process_number(who, target), tid: seen(target), sig }
            }
            Op::Mask { sig, block, .. } => {
                Call::Sigprocmask { how: if block { How::Block } else { How::Unblock }, sig }
            }
            Op::Pdeathsig { sig, .. } => Call::Pdeathsig { sig },
            Op::Terminal(op) => match op {
                TtyOp::Create { tty, .. } => {
                    let id = self.machine.open_terminal();
                    self.terminals[tty.0.index()] = Some(id);
                    self.tty_labels.push(tty.0);
                    Call::Tiocsctty { tty: id, steal: false }
                }
                TtyOp::Acquire { tty, steal, .. } => Call::Tiocsctty { tty: self.terminal(tty), steal },
                TtyOp::Foreground { group, .. } => Call::Tty(TtyCall::Foreground { pgrp: seen(group) }),
                TtyOp::Read { .. } => Call::Tty(TtyCall::Read),
                TtyOp::Write { .. } => Call::Tty(TtyCall::Write),
                TtyOp::Tostop { on, .. } => Call::Tty(TtyCall::Tostop { on }),
                TtyOp::Release { .. } => Call::Tiocnotty,
                TtyOp::Key { tty, key } => return Ok(self.machine.type_key(self.terminal(tty), key).into()),
                TtyOp::Hangup { tty } => return Ok(self.machine.hang_up(self.terminal(tty)).into()),
            },
        };
        Ok(match self.machine.perform(who, call) {
            machine::Outcome::Done(Reply::Child(entity)) => {
                let Op::Fork { child, .. } = op else { unreachable!("only fork makes a child") };
                let pid = self.machine.pid(entity).expect("just forked").clone();
                self.set(child.index(), Slot::Live { entity, pid });
                Outcome::Ok
            }
            machine::Outcome::Done(Reply::Thread(entity)) => {
                let Op::Thread { child, .. } = op else { unreachable!("only thread makes a thread") };
                let pid = self.machine.thread(entity).expect("just made").tid.clone();
                self.set(child.index(), Slot::Live { entity, pid });
                Outcome::Ok
            }
            machine::Outcome::Done(Reply::Waited(Waited::Busy)) => Outcome::Busy,
            machine::Outcome::Done(_) => Outcome::Ok,
            machine::Outcome::Failed(e) => Outcome::Err(e),
            machine::Outcome::Stopped => Outcome::Stopped,
            machine::Outcome::CannotAct(why) => return Err(invalid(why)),
        })
    }

    /// Records what became of the labels in the last op: execs that moved a
    /// thread into its leader's place, threads released, and processes
    /// released with their exit status.
    fn collect_released(&mut self) {
        for (thread, process) in self.machine.take_exchanged() {
            let old = self.label_of(process).expect("an exec'd process had a leader");
            let new = self.label_of(thread).expect("an exec'ing thread had a label");
            let pid = self.machine.pid(process).expect("the process lives on").clone();
            // The old leader took the thread's tid with it (`exchange_tids`).
            let tid = self.pid(Label(new as u32)).expect("an exec'ing thread has a tid").clone();
            self.set(old, Slot::ThreadGone { tid });
            self.set(new, Slot::Live { entity: process, pid });
        }
        for thread in self.machine.take_released_threads() {
            if let Some(label) = self.label_of(thread) {
                let tid = self.pid(Label(label as u32)).expect("a live thread has a tid").clone();
                self.set(label, Slot::ThreadGone { tid });
            }
        }
        for (process, exit) in self.machine.take_released() {
            if let Some(label) = self.label_of(process)
                && let Slot::Live { pid, .. } = &self.slots[label]
            {
                let pid = pid.clone();
                self.set(label, Slot::Gone { pid, exit });
            }
        }
    }

    /// The state section.
    fn state(&self) -> Vec<ProcLine> {
        // The numbers of ended threads first, so that a number handed out
        // again names the task that has it now.
        let numbered = |i: usize| {
            let label = Label(i as u32);
            match &self.slots[i] {
                Slot::ThreadGone { tid } => Some((tid, label, 0)),
                _ => self.pid(label).map(|pid| (pid, label, 1)),
            }
        };
        let mut numbers: Vec<(&Pid, Label, u8)> = (0..self.script.labels.len()).filter_map(numbered).collect();
        numbers.sort_by_key(|&(_, _, rank)| rank);
        let by_number: HashMap<u32, Label> =
            numbers.into_iter().filter_map(|(pid, label, _)| pid.nr_at(1).map(|nr| (nr, label))).collect();
        // Every id in the script's world is a labelled process's pid.
        let label_of_id = |pid: &Pid| -> Label {
            *pid.nr_at(1).and_then(|nr| by_number.get(&nr)).expect("ids in the script's namespace name labels")
        };
        let labelled = |pid: &Pid| pid.nr_at(1).and_then(|nr| by_number.get(&nr)).copied();
        let m = &self.machine;
        let mut lines = Vec::new();
        for (i, slot) in self.slots.iter().enumerate() {
            let label = Label(i as u32);
            if let Some(id) = self.terminals[i] {
                let terminal = m.terminal(id);
                lines.push(ProcLine::Tty {
                    label: Tty(label),
                    session: terminal.session.and_then(|s| labelled(&m.session(s).id)),
                    fg: terminal.fg.as_ref().and_then(labelled),
                    hung_up: terminal.hung_up,
                });
                continue;
            }
            match slot {
                Slot::Unborn => {}
                Slot::Gone { exit, .. } => lines.push(ProcLine::Gone { label, exit: *exit }),
                Slot::ThreadGone { .. } => lines.push(ProcLine::ThreadGone { label }),
                Slot::Live { entity, .. } => match m.thread(*entity) {
                    Some(thread) => lines.push(ProcLine::Thread {
                        label,
                        state: if thread.task.state == TaskState::Stopped {
                            ProcState::Stopped
                        } else {
                            ProcState::Running
                        },
                        leader: Label(self.label_of(thread.process).expect("a thread's leader has a label") as u32),
                        tid: thread.tid.nr,
                        caught: m.handlers(*entity).to_vec(),
                    }),
                    None => {
                        let proc = m.process(*entity).expect("a live label exists");
                        let state = match (proc.task.state, proc.state) {
                            (TaskState::Dead, _) => ProcState::Zombie,
                            (_, RunState::Stopped) => ProcState::Stopped,
                            _ => ProcState::Running,
                        };
                        let exit = match proc.state {
                            RunState::Zombie => proc.exit,
                            _ => m.leader_exit(*entity),
                        };
                        let parent = m
                            .parent(*entity)
                            .map(|t| m.leader_of(t))
                            .filter(|&p| p != m.global_init())
                            .map(|p| label_of_id(m.pid(p).expect("a parent exists")));
                        let group = m.group(m.group_of(*entity));
                        let session = m.session(group.session);
                        lines.push(ProcLine::Present {
                            label,
                            state,
                            parent,
                            pgrp: label_of_id(&group.id),
                            sid: label_of_id(&session.id),
                            ns: m.own_ids(*entity),
                            ctty: proc.ctty.map(|id| self.tty_labels[id.index()]),
                            caught: m.handlers(*entity).to_vec(),
                            exit: (state == ProcState::Zombie).then_some(exit).flatten(),
                        });
                    }
                },
            }
        }
        lines
    }
}

fn invalid(why: CannotAct) -> Invalid {
    match why {
        CannotAct::Stopped => Invalid::Stopped,
        CannotAct::Zombie => Invalid::Zombie,
        CannotAct::Gone => Invalid::Gone,
        CannotAct::Livelock => Invalid::Livelock,
    }
}

impl From<Result<(), crate::model::Errno>> for Outcome {
    fn from(result: Result<(), crate::model::Errno>) -> Outcome {
        match result {
            Ok(()) => Outcome::Ok,
            Err(e) => Outcome::Err(e),
        }
    }
}
