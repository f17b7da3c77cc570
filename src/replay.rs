//! Replaying a `.ops` script on the simulator (`procsim replay`).
//!
//! The world at the start is the one the kernel harness builds: the script's
//! `init` is pid 1 of a fresh namespace below the root one, a session leader
//! that catches HUP and CONT. Operation n is performed at time n by its actor
//! and everything it causes settles before operation n+1. Labels are turned
//! into numbers as the actor sees them; a label with no number there becomes
//! a number that names nothing.

use crate::io::report::{ExitStatus, Invalid, Outcome, ProcLine, ProcState, Report};
use crate::io::script::{KillTarget, Label, Op, PgidArg, Script};
use crate::machine::{CannotAct, Machine, MachineConfig, Waited};
use crate::model::{Disposition, Pid, RunState, Signal};
use crate::semantics::Semantics;
use bevy_ecs::prelude::Entity;
use std::collections::HashMap;

/// A number that names no process, group or session in any namespace.
const NOTHING: i64 = i32::MAX as i64;

/// What became of a label.
#[derive(Clone, Debug)]
enum Slot {
    /// Its `fork` has not run (or failed).
    Unborn,
    /// It exists (running, stopped or zombie).
    Live { entity: Entity, pid: Pid },
    /// Reaped.
    Gone { pid: Pid, exit: ExitStatus },
}

/// A script being replayed.
struct Replay<'s> {
    script: &'s Script,
    machine: Machine,
    slots: Vec<Slot>,
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
    let mut slots = vec![Slot::Unborn; script.labels.len()];
    let pid = machine.process(init).expect("init exists").pid.clone();
    slots[Label::INIT.index()] = Slot::Live { entity: init, pid };
    let mut replay = Replay { script, machine, slots };
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
    let init =
        machine.fork(global, true).expect("the global init can act").expect("the first namespace can be created");
    let setup = [
        machine.setsid(init).map(|r| r.map(drop)),
        machine.sigaction(init, Signal::Hup, Disposition::Catch),
        machine.sigaction(init, Signal::Cont, Disposition::Catch),
    ];
    debug_assert!(setup.iter().all(|r| matches!(r, Ok(Ok(())))));
    machine.settle();
    init
}

impl Replay<'_> {
    /// The entity of a label that exists, or why it cannot act.
    fn actor(&self, label: Label) -> Result<Entity, Invalid> {
        match &self.slots[label.index()] {
            Slot::Live { entity, .. } => match self.machine.can_act(*entity) {
                Ok(()) => Ok(*entity),
                Err(CannotAct::Stopped) => Err(Invalid::Stopped),
                Err(CannotAct::Zombie) => Err(Invalid::Zombie),
                Err(CannotAct::Gone) => Err(Invalid::Gone),
            },
            Slot::Unborn | Slot::Gone { .. } => Err(Invalid::Gone),
        }
    }

    /// The pid of a label, if its fork ran.
    fn pid(&self, label: Label) -> Option<&Pid> {
        match &self.slots[label.index()] {
            Slot::Live { pid, .. } | Slot::Gone { pid, .. } => Some(pid),
            Slot::Unborn => None,
        }
    }

    /// A label's pid as seen from `ns`, or a number that names nothing.
    fn number(&self, label: Label, ns: Entity) -> i64 {
        match self.pid(label).map(|pid| self.machine.pid_nr_ns(pid, ns)) {
            Some(nr) if nr > 0 => i64::from(nr),
            _ => NOTHING,
        }
    }

    fn ns_of(&self, p: Entity) -> Entity {
        self.machine.process(p).expect("an actor exists").pid.ns
    }

    /// Whether a KILL from outside to `target` would reach `init`.
    fn kill_reaches_init(&self, target: KillTarget) -> bool {
        let Slot::Live { entity: init, .. } = self.slots[Label::INIT.index()] else {
            return false;
        };
        let root = self.machine.root_namespace();
        match target {
            KillTarget::Process(l) => l == Label::INIT,
            KillTarget::Group(l) => {
                let nr = self.number(l, root);
                let init_group = self.machine.group_of(init);
                self.machine.pid_nr_ns(&self.machine.group(init_group).id, root) as i64 == nr
            }
        }
    }

    fn perform(&mut self, op: Op) -> Result<Outcome, Invalid> {
        let actor = op.actor().map(|a| self.actor(a)).transpose()?;
        let result = match (op, actor) {
            (Op::Exit { proc: Label::INIT, .. }, _) => return Err(Invalid::Init),
            (Op::Kill { sender: None, sig: Signal::Kill, target }, _) if self.kill_reaches_init(target) => {
                return Err(Invalid::Init);
            }
            (Op::Fork { child, newpid, .. }, Some(p)) => self.machine.fork(p, newpid).map(|r| {
                r.map(|entity| {
                    let pid = self.machine.process(entity).expect("just forked").pid.clone();
                    self.slots[child.index()] = Slot::Live { entity, pid };
                })
            }),
            (Op::Exit { code, .. }, Some(p)) => self.machine.exit(p, code).map(Ok),
            (Op::Exec { .. }, Some(p)) => self.machine.exec(p).map(Ok),
            (Op::Setsid { .. }, Some(p)) => self.machine.setsid(p).map(|r| r.map(drop)),
            (Op::Setpgid { target, pgid, .. }, Some(p)) => {
                let ns = self.ns_of(p);
                let pid = target.map_or(0, |t| self.number(t, ns));
                let pgid = match pgid {
                    PgidArg::Zero => 0,
                    PgidArg::Label(l) => self.number(l, ns),
                    PgidArg::Negative(n) => i64::from(n),
                };
                self.machine.setpgid(p, pid, pgid)
            }
            (Op::Reap { child, .. }, Some(p)) => {
                let pid = self.number(child, self.ns_of(p));
                return Ok(match self.machine.waitpid(p, pid).map_err(invalid)? {
                    Ok(Waited::Reaped(_)) => Outcome::Ok,
                    Ok(Waited::Busy) => Outcome::Busy,
                    Err(e) => Outcome::Err(e),
                });
            }
            (Op::Kill { sig, target, .. }, sender) => {
                let ns = sender.map_or(self.machine.root_namespace(), |s| self.ns_of(s));
                let pid = match target {
                    KillTarget::Process(l) => self.number(l, ns),
                    KillTarget::Group(l) => -self.number(l, ns),
                };
                match sender {
                    Some(s) => self.machine.kill(s, pid, sig),
                    None => Ok(self.machine.kill_from_outside(pid, sig)),
                }
            }
            (Op::Dispose { sig, action, .. }, Some(p)) => self.machine.sigaction(p, sig, action),
            (Op::Subreaper { on, .. }, Some(p)) => self.machine.set_child_subreaper(p, on),
            (_, None) => unreachable!("only kill can come from outside"),
        };
        Ok(match result.map_err(invalid)? {
            Ok(()) => Outcome::Ok,
            Err(e) => Outcome::Err(e),
        })
    }

    /// Records the exit status of every process released since the last op.
    fn collect_released(&mut self) {
        let released: HashMap<Entity, ExitStatus> = self.machine.take_released().into_iter().collect();
        for slot in &mut self.slots {
            if let Slot::Live { entity, pid } = slot
                && let Some(&exit) = released.get(entity)
            {
                *slot = Slot::Gone { pid: pid.clone(), exit };
            }
        }
    }

    /// The state section.
    fn state(&self) -> Vec<ProcLine> {
        let by_number: HashMap<u32, Label> = (0..self.script.labels.len())
            .filter_map(|i| {
                let label = Label(i as u32);
                self.pid(label).and_then(|pid| pid.nr_at(1)).map(|nr| (nr, label))
            })
            .collect();
        // Every id in the script's world is a labelled process's pid.
        let label_of_id = |pid: &Pid| -> Label {
            *pid.nr_at(1).and_then(|nr| by_number.get(&nr)).expect("ids in the script's namespace name labels")
        };
        let mut lines = Vec::new();
        for (i, slot) in self.slots.iter().enumerate() {
            let label = Label(i as u32);
            match slot {
                Slot::Unborn => {}
                Slot::Gone { exit, .. } => lines.push(ProcLine::Gone { label, exit: *exit }),
                Slot::Live { entity, .. } => {
                    let m = &self.machine;
                    let proc = m.process(*entity).expect("a live label exists");
                    let state = match proc.state {
                        RunState::Running | RunState::Exiting => ProcState::Running,
                        RunState::Stopped => ProcState::Stopped,
                        RunState::Zombie => ProcState::Zombie,
                    };
                    let parent = m
                        .parent(*entity)
                        .filter(|&p| p != m.global_init())
                        .map(|p| label_of_id(&m.process(p).expect("a parent exists").pid));
                    let group = m.group(m.group_of(*entity));
                    let session = m.session(group.session);
                    lines.push(ProcLine::Present {
                        label,
                        state,
                        parent,
                        pgrp: label_of_id(&group.id),
                        sid: label_of_id(&session.id),
                        ns: m.own_ids(*entity),
                        caught: m.handlers(*entity).to_vec(),
                        exit: (state == ProcState::Zombie).then_some(proc.exit).flatten(),
                    });
                }
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
    }
}
