//! What an event handler can do: read the clock, schedule events, and
//! perform operations on the machine — each one counted, and recorded when
//! the run keeps an event log.
//!
//! Handlers name processes, threads and groups by entity (an actor is any
//! task: a process's leader, or another of its threads); the context turns them into
//! the numbers the actor sees in its own PID namespace (as a program would
//! hold them), and records them as the root namespace sees them. An entity
//! that no longer exists becomes a number that names nothing, so the
//! operation fails as the kernel's would (`ESRCH`, `ECHILD`).

use crate::engine::queue::EventQueue;
use crate::engine::record::{Op, Record, Status, TickLog};
use crate::engine::stop::Limits;
use crate::engine::time::{SimDuration, SimTime};
use crate::host::guard::processes;
use crate::machine::{self, Actor, Call, CannotAct, Machine, Reply, TtyCall, Waited};
use crate::model::{Disposition, Errno, Key, Pid, ProcessGroup, Signal, TtyId};
use bevy_ecs::prelude::Entity;

/// How an operation ended, for the handler that asked for it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Outcome<T> {
    Done(T),
    Failed(Errno),
    /// The actor is stopped, or its call stopped it (recorded as a failure).
    Stopped,
    /// The actor is exiting, a zombie or gone, or its call would never
    /// return (rule 58): nothing was done (cancelled).
    Dead,
}

impl<T> Outcome<T> {
    /// The value changed by `f`, if the operation succeeded.
    pub fn map<U>(self, f: impl FnOnce(T) -> U) -> Outcome<U> {
        match self {
            Outcome::Done(v) => Outcome::Done(f(v)),
            Outcome::Failed(e) => Outcome::Failed(e),
            Outcome::Stopped => Outcome::Stopped,
            Outcome::Dead => Outcome::Dead,
        }
    }

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

impl<T> From<machine::Outcome<T>> for Outcome<T> {
    fn from(outcome: machine::Outcome<T>) -> Self {
        match outcome {
            machine::Outcome::Done(v) => Outcome::Done(v),
            machine::Outcome::Failed(e) => Outcome::Failed(e),
            machine::Outcome::Stopped | machine::Outcome::CannotAct(CannotAct::Stopped) => Outcome::Stopped,
            machine::Outcome::CannotAct(CannotAct::Zombie | CannotAct::Gone | CannotAct::Livelock) => Outcome::Dead,
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

    /// A task's number: a process's pid, or a thread's tid.
    fn pid(&self, t: Entity) -> Option<&Pid> {
        self.machine.tid(t)
    }

    fn group_id(&self, g: Entity) -> Option<&Pid> {
        self.machine.world().get::<ProcessGroup>(g).map(|g| &g.id)
    }

    /// The number of a process (or a thread's tid) in the root namespace.
    fn global_pid(&self, t: Entity) -> Option<u32> {
        self.pid(t).and_then(|id| id.nr_at(0))
    }

    /// The id of a group in the root namespace.
    fn global_group(&self, g: Entity) -> Option<u32> {
        self.group_id(g).and_then(|id| id.nr_at(0))
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
            tty: None,
            status: Status::Ok,
        }
    }

    /// `actor` makes `call` (from outside the world when `None`): the
    /// operation is counted, and kept as `record` with its status.
    /// A fork's record names the child it made, a clone(CLONE_THREAD)'s the
    /// thread.
    fn call(&mut self, actor: Option<Entity>, call: Call, mut record: Record) -> Outcome<Reply> {
        let outcome: Outcome<Reply> = self.machine.perform(actor.map_or(Actor::Outside, Actor::Task), call).into();
        if let Outcome::Done(Reply::Child(made) | Reply::Thread(made)) = outcome {
            record.target = self.global_pid(made);
        }
        let status = match outcome {
            Outcome::Done(Reply::Waited(Waited::Busy)) => Some(Status::Busy),
            _ => outcome.status(),
        };
        match status {
            Some(status) => self.log.note(Record { status, ..record }),
            None => self.cancel(),
        }
        outcome
    }

    /// Makes a call that names nothing but its actor, and needs no reply.
    fn simple(&mut self, op: Op, p: Entity, signal: Option<Signal>, call: Call) -> Outcome<()> {
        let record = Record { signal, ..self.record(op, Some(p)) };
        self.call(Some(p), call, record).map(drop)
    }

    /// The number of `id` as `actor` sees it (`None`: from outside).
    fn seen_by(&self, actor: Option<Entity>, id: Option<&Pid>) -> i64 {
        self.machine.seen_by(actor.map_or(Actor::Outside, Actor::Task), id)
    }

    // --- Operations ----------------------------------------------------------

    /// fork() by `parent`, or clone(CLONE_NEWPID) with `newpid`: the child.
    pub fn fork(&mut self, parent: Entity, newpid: bool) -> Outcome<Entity> {
        let record = self.record(if newpid { Op::Clone } else { Op::Fork }, Some(parent));
        self.call(Some(parent), Call::Fork { newpid }, record).map(|r| match r {
            Reply::Child(c) => c,
            other => unreachable!("fork replies with its child, not {other:?}"),
        })
    }

    /// clone(CLONE_THREAD) by task `t`: the new thread of its process.
    pub fn clone_thread(&mut self, t: Entity) -> Outcome<Entity> {
        let record = self.record(Op::Thread, Some(t));
        self.call(Some(t), Call::CloneThread, record).map(|r| match r {
            Reply::Thread(thread) => thread,
            other => unreachable!("clone(CLONE_THREAD) replies with its thread, not {other:?}"),
        })
    }

    /// `_exit(code)` by any task of a process: `exit_group`, every thread of
    /// the process ends.
    pub fn exit(&mut self, p: Entity, code: u8) -> Outcome<()> {
        self.simple(Op::Exit, p, None, Call::Exit { code })
    }

    /// `SYS_exit(code)` by task `t`: only `t` ends.
    pub fn exit_thread(&mut self, t: Entity, code: u8) -> Outcome<()> {
        self.simple(Op::ExitThread, t, None, Call::ExitThread { code })
    }

    /// execve.
    pub fn exec(&mut self, p: Entity) -> Outcome<()> {
        self.simple(Op::Exec, p, None, Call::Exec)
    }

    /// setsid().
    pub fn setsid(&mut self, p: Entity) -> Outcome<()> {
        self.simple(Op::Setsid, p, None, Call::Setsid)
    }

    /// sigaction(sig, action) by `p`.
    pub fn sigaction(&mut self, p: Entity, sig: Signal, action: Disposition) -> Outcome<()> {
        self.simple(Op::Sigaction, p, Some(sig), Call::Sigaction { sig, action })
    }

    /// prctl(PR_SET_CHILD_SUBREAPER, 1) by `p`.
    pub fn subreaper(&mut self, p: Entity) -> Outcome<()> {
        self.simple(Op::Subreaper, p, None, Call::Subreaper { on: true })
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
        self.call(Some(actor), Call::Setpgid { pid, pgid }, record).map(drop)
    }

    /// waitpid(child, WNOHANG) by `parent`.
    pub fn waitpid(&mut self, parent: Entity, child: Entity) -> Outcome<Waited> {
        let pid = self.seen_by(Some(parent), self.pid(child));
        let record = Record { target: self.global_pid(child), ..self.record(Op::Wait, Some(parent)) };
        self.call(Some(parent), Call::Wait { pid }, record).map(|r| match r {
            Reply::Waited(w) => w,
            other => unreachable!("waitpid replies with what it waited, not {other:?}"),
        })
    }

    /// kill by `sender`, or by a process outside the world when `None`.
    pub fn kill(&mut self, sender: Option<Entity>, target: Target, sig: Signal) -> Outcome<()> {
        let record = Record { signal: Some(sig), ..self.record(Op::Kill, sender) };
        let (pid, record) = match target {
            Target::Process(p) => (self.seen_by(sender, self.pid(p)), Record { target: self.global_pid(p), ..record }),
            Target::Group(g) => {
                (-self.seen_by(sender, self.group_id(g)), Record { group: self.global_group(g), ..record })
            }
        };
        self.call(sender, Call::Kill { pid, sig }, record).map(drop)
    }

    /// tgkill(tgid, tid, sig) by `sender` (outside the world when `None`)
    /// to thread `t`, with the pid of `t`'s process and `t`'s tid as the
    /// sender sees them.
    pub fn tgkill(&mut self, sender: Option<Entity>, t: Entity, sig: Signal) -> Outcome<()> {
        let tgid = self.seen_by(sender, self.pid(self.machine.leader_of(t)));
        let tid = self.seen_by(sender, self.pid(t));
        let record = Record { target: self.global_pid(t), signal: Some(sig), ..self.record(Op::Tkill, sender) };
        self.call(sender, Call::Tgkill { tgid, tid, sig }, record).map(drop)
    }

    /// The terminal sends `sig` to group `g` (the user typed the suspend or
    /// interrupt character), for a session without a terminal of its own.
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
        self.emulated(record, outcome)
    }

    // --- Terminals -----------------------------------------------------------

    /// open(`tty`, O_NOCTTY) and ioctl(TIOCSCTTY, 0) by `p`: a session
    /// leader acquires the terminal.
    pub fn tiocsctty(&mut self, p: Entity, tty: TtyId) -> Outcome<()> {
        let record = Record { tty: Some(tty), ..self.record(Op::Ctty, Some(p)) };
        self.call(Some(p), Call::Tiocsctty { tty, steal: false }, record).map(drop)
    }

    /// tcsetpgrp on its controlling terminal by task `t`, giving the
    /// foreground to group `g` (its id as `t` sees it).
    pub fn tcsetpgrp(&mut self, t: Entity, g: Entity) -> Outcome<()> {
        let pgrp = self.seen_by(Some(t), self.group_id(g));
        let record = Record { group: self.global_group(g), ..self.record(Op::Tcsetpgrp, Some(t)) };
        self.call(Some(t), Call::Tty(TtyCall::Foreground { pgrp }), record).map(drop)
    }

    /// A one-byte read, without blocking, by task `t` from its controlling
    /// terminal: from the background, the job control of rule 50.
    pub fn tty_read(&mut self, t: Entity) -> Outcome<()> {
        self.simple(Op::TtyRead, t, None, Call::Tty(TtyCall::Read))
    }

    /// The user types `key` on `tty`; the record names the foreground group
    /// the key's signal goes to, if any.
    pub fn type_key(&mut self, tty: TtyId, key: Key) -> Outcome<()> {
        let group = self.machine.terminal(tty).fg.as_ref().and_then(|fg| fg.nr_at(0));
        let record = Record { group, signal: key.signal(), tty: Some(tty), ..self.record(Op::Tty, None) };
        let outcome = self.machine.type_key(tty, key).map_or_else(Outcome::Failed, Outcome::Done);
        self.emulated(record, outcome)
    }

    /// The master of `tty` is closed: the terminal hangs up. The record
    /// names the session leader it signals, if the terminal still has a
    /// session.
    pub fn hang_up(&mut self, tty: TtyId) -> Outcome<()> {
        let session = self.machine.terminal(tty).session;
        let leader = session.and_then(|s| self.machine.session(s).id.nr_at(0));
        let record = Record { target: leader, tty: Some(tty), ..self.record(Op::Hangup, None) };
        let outcome = self.machine.hang_up(tty).map_or_else(Outcome::Failed, Outcome::Done);
        self.emulated(record, outcome)
    }

    /// Notes what the terminal emulator did (it has no actor: the record has
    /// none), and gives its outcome back.
    fn emulated(&mut self, record: Record, outcome: Outcome<()>) -> Outcome<()> {
        self.log.note(Record { status: outcome.status().expect("a terminal's act is done or failed"), ..record });
        outcome
    }
}
