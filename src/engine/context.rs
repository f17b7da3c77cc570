//! What an event handler can do: read the clock, schedule events, and
//! perform operations on the machine — each one counted, and recorded when
//! the run keeps an event log.
//!
//! Handlers name processes and groups by entity; the context turns them into
//! the numbers the actor sees in its own PID namespace (as a program would
//! hold them), and records them as the root namespace sees them. An entity
//! that no longer exists becomes a number that names nothing, so the
//! operation fails as the kernel's would (`ESRCH`, `ECHILD`).

use crate::engine::queue::EventQueue;
use crate::engine::record::{Op, Record, Status, TickLog};
use crate::engine::stop::Limits;
use crate::engine::time::{SimDuration, SimTime};
use crate::host::guard::processes;
use crate::machine::{CannotAct, Machine, Waited};
use crate::model::{Disposition, Errno, Pid, ProcessGroup, Signal};
use bevy_ecs::prelude::Entity;

/// A number that names no process or group in any namespace.
const NOTHING: i64 = i32::MAX as i64;

/// How an operation ended, for the handler that asked for it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Outcome<T> {
    Done(T),
    Failed(Errno),
    /// The actor is stopped (recorded as a failure).
    Stopped,
    /// The actor is exiting, a zombie or gone: nothing was done (cancelled).
    Dead,
}

impl<T> Outcome<T> {
    /// The value, if the operation succeeded.
    pub fn done(self) -> Option<T> {
        match self {
            Outcome::Done(v) => Some(v),
            _ => None,
        }
    }

    /// How it is recorded; `None` when nothing was done.
    fn status(&self) -> Option<Status> {
        match self {
            Outcome::Done(_) => Some(Status::Ok),
            Outcome::Failed(e) => Some(Status::Err(*e)),
            Outcome::Stopped => Some(Status::Stopped),
            Outcome::Dead => None,
        }
    }
}

impl<T> From<Result<Result<T, Errno>, CannotAct>> for Outcome<T> {
    fn from(r: Result<Result<T, Errno>, CannotAct>) -> Self {
        match r {
            Ok(Ok(v)) => Outcome::Done(v),
            Ok(Err(e)) => Outcome::Failed(e),
            Err(CannotAct::Stopped) => Outcome::Stopped,
            Err(CannotAct::Zombie | CannotAct::Gone) => Outcome::Dead,
        }
    }
}

/// What a kill is aimed at.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Target {
    Process(Entity),
    Group(Entity),
}

/// The handler's view of the run while one event (or the end of a tick) is
/// being handled.
pub struct Context<'a, E> {
    pub(crate) machine: &'a mut Machine,
    pub(crate) queue: &'a mut EventQueue<E>,
    pub(crate) log: &'a mut TickLog,
    pub(crate) now: SimTime,
    /// The sequence number of the event being applied.
    pub(crate) sequence: u64,
    /// The limits the run is held to.
    pub(crate) limits: &'a Limits,
}

impl<E> Context<'_, E> {
    /// The current simulated time.
    pub fn now(&self) -> SimTime {
        self.now
    }

    pub fn machine(&self) -> &Machine {
        self.machine
    }

    pub fn machine_mut(&mut self) -> &mut Machine {
        self.machine
    }

    /// Schedules `event` at the current instant, after everything already
    /// scheduled for it (a step that follows at once, such as a child's first
    /// system call after its fork).
    pub fn next(&mut self, priority: u8, event: E) {
        self.queue.schedule(self.now, priority, event);
    }

    /// Schedules `event` `delay` from now, and strictly later than now: a zero
    /// delay counts as 1 ns, so that nothing can reschedule itself forever at
    /// one instant except through [`Context::next`].
    pub fn after(&mut self, delay: SimDuration, priority: u8, event: E) {
        self.queue.schedule(self.now + SimDuration(delay.nanos().max(1)), priority, event);
    }

    /// Whether the run's limits ask it to stop now — the memory guard, the
    /// interrupt — as the engine's check between events would (O(1)). A
    /// workload that does much work in one call (the calibration workload
    /// builds its whole tree in [`Workload::populate`](crate::engine::Workload::populate))
    /// asks now and then, and returns early if so: the engine then stops
    /// the run.
    #[inline(never)]
    pub fn must_stop(&self) -> bool {
        let held = self.queue.bytes() + self.log.bytes();
        self.limits.check(processes(self.machine.census()), held, false).is_some()
    }

    /// Counts the current event as one that performed nothing.
    pub fn cancel(&mut self) {
        self.log.counts.cancelled += 1;
    }

    // --- Numbers -------------------------------------------------------------

    fn pid(&self, p: Entity) -> Option<&Pid> {
        self.machine.process(p).map(|p| &p.pid)
    }

    fn group_id(&self, g: Entity) -> Option<&Pid> {
        self.machine.world().get::<ProcessGroup>(g).map(|g| &g.id)
    }

    /// The number of a process in the root namespace.
    fn global_pid(&self, p: Entity) -> Option<u32> {
        self.pid(p).and_then(|id| id.nr_at(0))
    }

    /// The id of a group in the root namespace.
    fn global_group(&self, g: Entity) -> Option<u32> {
        self.group_id(g).and_then(|id| id.nr_at(0))
    }

    /// The number of `id` as `actor` sees it (`None`: the root namespace).
    fn seen_by(&self, actor: Option<Entity>, id: Option<&Pid>) -> i64 {
        let ns = actor.and_then(|a| self.pid(a)).map_or(self.machine.root_namespace(), |p| p.ns);
        match id.map(|id| self.machine.pid_nr_ns(id, ns)) {
            Some(nr) if nr > 0 => i64::from(nr),
            _ => NOTHING,
        }
    }

    /// The record of operation `op` by `actor`, to be completed by the caller.
    fn record(&self, op: Op, actor: Option<Entity>) -> Record {
        Record {
            time: self.now,
            sequence: self.sequence,
            op,
            actor: actor.and_then(|a| self.global_pid(a)),
            target: None,
            group: None,
            signal: None,
            status: Status::Ok,
        }
    }

    /// Counts and keeps `record` with `status`, or counts the event as
    /// cancelled if nothing was done.
    fn finish(&mut self, record: Record, status: Option<Status>) {
        match status {
            Some(status) => self.log.note(Record { status, ..record }),
            None => self.cancel(),
        }
    }

    /// Performs a recorded operation that names nothing but its actor.
    fn simple(
        &mut self,
        op: Op,
        p: Entity,
        signal: Option<Signal>,
        call: impl FnOnce(&mut Machine) -> Outcome<()>,
    ) -> Outcome<()> {
        let record = Record { signal, ..self.record(op, Some(p)) };
        let outcome = call(self.machine);
        self.finish(record, outcome.status());
        outcome
    }

    // --- Operations ----------------------------------------------------------

    /// fork() by `parent`, or clone(CLONE_NEWPID) with `newpid`: the child.
    pub fn fork(&mut self, parent: Entity, newpid: bool) -> Outcome<Entity> {
        let record = self.record(if newpid { Op::Clone } else { Op::Fork }, Some(parent));
        let outcome: Outcome<Entity> = self.machine.fork(parent, newpid).into();
        let target = outcome.done().and_then(|c| self.global_pid(c));
        self.finish(Record { target, ..record }, outcome.status());
        outcome
    }

    /// `_exit(code)`.
    pub fn exit(&mut self, p: Entity, code: u8) -> Outcome<()> {
        self.simple(Op::Exit, p, None, |m| m.exit(p, code).map(Ok).into())
    }

    /// execve.
    pub fn exec(&mut self, p: Entity) -> Outcome<()> {
        self.simple(Op::Exec, p, None, |m| m.exec(p).map(Ok).into())
    }

    /// setsid().
    pub fn setsid(&mut self, p: Entity) -> Outcome<()> {
        self.simple(Op::Setsid, p, None, |m| m.setsid(p).map(|r| r.map(drop)).into())
    }

    /// sigaction(sig, action) by `p`.
    pub fn sigaction(&mut self, p: Entity, sig: Signal, action: Disposition) -> Outcome<()> {
        self.simple(Op::Sigaction, p, Some(sig), |m| m.sigaction(p, sig, action).into())
    }

    /// prctl(PR_SET_CHILD_SUBREAPER, 1) by `p`.
    pub fn subreaper(&mut self, p: Entity) -> Outcome<()> {
        self.simple(Op::Subreaper, p, None, |m| m.set_child_subreaper(p, true).into())
    }

    /// setpgid by `actor` moving `target` into `group`, or into a new group
    /// named after itself (`pgid` 0) when `group` is `None`.
    pub fn setpgid(&mut self, actor: Entity, target: Entity, group: Option<Entity>) -> Outcome<()> {
        let pid = self.seen_by(Some(actor), self.pid(target));
        let pgid = group.map_or(0, |g| self.seen_by(Some(actor), self.group_id(g)));
        let record = Record {
            target: self.global_pid(target),
            group: group.map_or(self.global_pid(target), |g| self.global_group(g)),
            ..self.record(Op::Setpgid, Some(actor))
        };
        let outcome: Outcome<()> = self.machine.setpgid(actor, pid, pgid).into();
        self.finish(record, outcome.status());
        outcome
    }

    /// waitpid(child, WNOHANG) by `parent`.
    pub fn waitpid(&mut self, parent: Entity, child: Entity) -> Outcome<Waited> {
        let pid = self.seen_by(Some(parent), self.pid(child));
        let record = Record { target: self.global_pid(child), ..self.record(Op::Wait, Some(parent)) };
        let outcome = self.machine.waitpid(parent, pid).into();
        let status = match outcome {
            Outcome::Done(Waited::Busy) => Some(Status::Busy),
            _ => outcome.status(),
        };
        self.finish(record, status);
        outcome
    }

    /// kill by `sender`, or by a process outside the world when `None`.
    pub fn kill(&mut self, sender: Option<Entity>, target: Target, sig: Signal) -> Outcome<()> {
        let record = Record { signal: Some(sig), ..self.record(Op::Kill, sender) };
        let (number, record) = match target {
            Target::Process(p) => (self.seen_by(sender, self.pid(p)), Record { target: self.global_pid(p), ..record }),
            Target::Group(g) => {
                (-self.seen_by(sender, self.group_id(g)), Record { group: self.global_group(g), ..record })
            }
        };
        let outcome: Outcome<()> = match sender {
            Some(s) => self.machine.kill(s, number, sig).into(),
            None => Ok(self.machine.kill_from_outside(number, sig)).into(),
        };
        self.finish(record, outcome.status());
        outcome
    }

    /// The terminal sends `sig` to group `g` (the user typed the suspend or
    /// interrupt character).
    pub fn tty(&mut self, g: Entity, sig: Signal) -> Outcome<()> {
        let group = self.global_group(g);
        let record = Record { group, signal: Some(sig), ..self.record(Op::Tty, None) };
        let outcome = match group {
            Some(_) => {
                self.machine.signal_group(g, sig);
                Outcome::Done(())
            }
            None => Outcome::Failed(Errno::ESRCH),
        };
        self.finish(record, outcome.status());
        outcome
    }
}
