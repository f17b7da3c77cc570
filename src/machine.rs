//! [`Machine`]: a simulated Linux machine — the world of processes, groups,
//! sessions and namespaces, the system calls that change it, and the systems
//! that carry out what follows.
//!
//! A `Machine` starts with a root PID namespace whose pid 1 is the global init
//! (a session leader that never exits). A system call is a [`Call`] that a
//! process performs ([`Machine::perform`]): it acts at once, as a system call
//! does, and gives one [`Outcome`]. Its consequences (signals delivered,
//! processes stopping and dying, children reparented, orphaned groups
//! signalled) are carried out by [`Machine::settle`], which runs the tick
//! schedule until nothing is left.
//!
//! The kernel paths run on a [`Kernel`] system parameter fetched through a
//! cached `SystemState`, with the books of the machine's profile: none for
//! Linux, the seed's ([`Seed`]) under any seed rule.

use crate::gvisor::{self, Seed, SeedGroup, ids::GroupsById};
use crate::model::list::{self, ListHead, ListLink, ListView};
use crate::model::namespace::PID_MAX_LIMIT;
use crate::model::{
    Disposition, Errno, ExitStatus, Flags, HandlerLog, Key, Pid, PidNamespace, PidTable, Process, ProcessGroup,
    RunState, Session, Signal, SignalState, Task, TaskFlags, Terminal, Thread, ThreadGroup, TtyId,
};
use crate::semantics::Semantics;
use crate::syscalls;
use crate::systems::books::Bookkeeping;
use crate::systems::census::Census;
use crate::systems::deliver;
use crate::systems::groups;
use crate::systems::job_control::{self, Ended};
use crate::systems::journal::Journal;
use crate::systems::kernel::{Kernel, KernelState, Recording};
use crate::systems::signal::Sender;
use bevy_ecs::prelude::*;
use bevy_ecs::schedule::{Schedule, ScheduleLabel};
use bevy_ecs::system::SystemState;

pub use crate::syscalls::sigprocmask::How;
pub use crate::syscalls::wait::Waited;
pub use crate::systems::job_control::TtyCall;

/// The schedule that runs after events: delivery and exits, in the order one
/// CPU would run them.
#[derive(ScheduleLabel, Debug, Clone, PartialEq, Eq, Hash)]
pub struct Tick;

/// Options of a machine.
#[derive(Clone, Copy, Debug)]
pub struct MachineConfig {
    /// `pid_max` of the root namespace (nested ones inherit it).
    pub pid_max: u32,
    /// Record the handlers each process runs ([`Machine::handlers`]).
    pub record_handlers: bool,
    /// Keep a log of run-state changes ([`Machine::take_transitions`]).
    pub record_transitions: bool,
    /// Keep a log of orphan pairs sent and children reparented
    /// ([`Machine::take_journal`]).
    pub record_journal: bool,
    /// Whose rules the machine follows: Linux's, a kernel variant's, or some
    /// or all of the 2018 gVisor seed's ([`crate::semantics`]).
    pub semantics: Semantics,
}

impl Default for MachineConfig {
    fn default() -> Self {
        MachineConfig {
            pid_max: PID_MAX_LIMIT,
            record_handlers: false,
            record_transitions: false,
            record_journal: false,
            semantics: Semantics::LINUX,
        }
    }
}

/// Why a process cannot perform an operation.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum CannotAct {
    #[error("the process is stopped")]
    Stopped,
    #[error("the process is exiting or a zombie")]
    Zombie,
    #[error("the process no longer exists")]
    Gone,
    /// A namespace init's terminal call whose job-control signal it drops:
    /// the kernel would restart it for ever (semantics rule 58).
    #[error("the call would restart for ever (a namespace init in the background)")]
    Livelock,
}

/// Who performs a call.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Actor {
    /// A task of the world: a process's leader, or one of its threads.
    Task(Entity),
    /// A process of the root namespace that is not part of the world (the
    /// replay format's `-`): it can only send signals.
    Outside,
}

impl From<Entity> for Actor {
    fn from(p: Entity) -> Actor {
        Actor::Task(p)
    }
}

/// A system call, with its arguments as the caller passes them (numbers as
/// the caller sees them in its PID namespace).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Call {
    /// fork(), or clone(CLONE_NEWPID) with `newpid`.
    Fork { newpid: bool },
    /// clone(CLONE_THREAD | CLONE_SIGHAND | CLONE_VM …): a new thread.
    CloneThread,
    /// `_exit(code)`: exit_group, every thread of the process ends.
    Exit { code: u8 },
    /// SYS_exit(code): only the calling thread ends.
    ExitThread { code: u8 },
    /// execve.
    Exec,
    /// setsid().
    Setsid,
    /// setpgid(pid, pgid).
    Setpgid { pid: i64, pgid: i64 },
    /// waitpid(pid, WNOHANG).
    Wait { pid: i64 },
    /// kill(pid, sig).
    Kill { pid: i64, sig: Signal },
    /// tgkill(tgid, tid, sig).
    Tgkill { tgid: i64, tid: i64, sig: Signal },
    /// rt_sigprocmask(SIG_BLOCK or SIG_UNBLOCK, {sig}).
    Sigprocmask { how: How, sig: Signal },
    /// prctl(PR_SET_PDEATHSIG, sig), `None` for 0.
    Pdeathsig { sig: Option<Signal> },
    /// sigaction(sig, action).
    Sigaction { sig: Signal, action: Disposition },
    /// prctl(PR_SET_CHILD_SUBREAPER, on).
    Subreaper { on: bool },
    /// open(terminal, O_NOCTTY), then ioctl(TIOCSCTTY, 1 with `steal`).
    Tiocsctty { tty: TtyId, steal: bool },
    /// ioctl(TIOCNOTTY) on `/dev/tty`.
    Tiocnotty,
    /// A job-controlled call on `/dev/tty`: tcsetpgrp, read, write, tcsetattr.
    Tty(TtyCall),
}

/// What a successful call returned.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Reply {
    /// 0.
    Done,
    /// fork: the child.
    Child(Entity),
    /// clone(CLONE_THREAD): the new thread.
    Thread(Entity),
    /// setsid: the new session's id as the caller sees it.
    Session(u32),
    /// waitpid.
    Waited(Waited),
}

/// How a call ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Outcome<T = Reply> {
    Done(T),
    Failed(Errno),
    /// The call made its caller's process stop before it returned (a
    /// terminal's job control): it is pending, and its result is never seen.
    Stopped,
    /// The actor could not make the call (nothing was done).
    CannotAct(CannotAct),
}

impl<T> Outcome<T> {
    /// The value, if the call succeeded.
    pub fn done(self) -> Option<T> {
        match self {
            Outcome::Done(v) => Some(v),
            _ => None,
        }
    }

    /// The value changed by `f`, if the call succeeded.
    pub fn map<U>(self, f: impl FnOnce(T) -> U) -> Outcome<U> {
        match self {
            Outcome::Done(v) => Outcome::Done(f(v)),
            Outcome::Failed(e) => Outcome::Failed(e),
            Outcome::Stopped => Outcome::Stopped,
            Outcome::CannotAct(why) => Outcome::CannotAct(why),
        }
    }
}

impl Outcome<Reply> {
    /// fork's child, if the call was a fork that succeeded.
    pub fn child(self) -> Option<Entity> {
        match self {
            Outcome::Done(Reply::Child(c)) => Some(c),
            _ => None,
        }
    }

    /// setsid's new session id, if the call was a setsid that succeeded.
    pub fn session(self) -> Option<u32> {
        match self {
            Outcome::Done(Reply::Session(sid)) => Some(sid),
            _ => None,
        }
    }

    /// waitpid's answer, if the call was a waitpid that succeeded.
    pub fn waited(self) -> Option<Waited> {
        match self {
            Outcome::Done(Reply::Waited(w)) => Some(w),
            _ => None,
        }
    }
}

/// The kernel paths, with the books of the machine's profile.
enum Paths {
    Linux(Box<SystemState<Kernel<'static, 'static, ()>>>),
    Seed(Box<SystemState<Kernel<'static, 'static, Seed<'static, 'static>>>>),
}

/// Runs `$body` with `$k` bound to the machine's kernel, then despawns what
/// it released.
macro_rules! with_kernel {
    ($machine:expr, |$k:ident| $body:expr) => {
        match &mut $machine.paths {
            Paths::Linux(state) => {
                let out = {
                    let mut $k = state.get_mut(&mut $machine.world).expect("the kernel's resources exist");
                    $body
                };
                $machine.despawn_doomed();
                out
            }
            Paths::Seed(state) => {
                let out = {
                    let mut $k = state.get_mut(&mut $machine.world).expect("the kernel's resources exist");
                    $body
                };
                $machine.despawn_doomed();
                out
            }
        }
    };
}

/// A number that names no process, group or session in any namespace: what
/// an id the caller cannot see, or that names nothing any more, reads as, so
/// that the call fails as the kernel's would (`ESRCH`, `ECHILD`, `EPERM`).
pub const NOTHING: i64 = i32::MAX as i64;

/// A simulated machine.
pub struct Machine {
    world: World,
    paths: Paths,
    root_ns: Entity,
    global_init: Entity,
}

/// How many spare processes (and groups) are made at a time.
const SPARES: usize = 64;

/// A blank pid, for spares.
fn blank_pid() -> Pid {
    Pid { ns: Entity::PLACEHOLDER, nr: 0, upper: thin_vec::ThinVec::new() }
}

impl Machine {
    /// A machine with only the global init.
    pub fn new(config: MachineConfig) -> Machine {
        let mut world = World::new();
        let recording = Recording { handlers: config.record_handlers };
        let state = KernelState::new(config.semantics, recording, config.record_transitions, config.record_journal);
        world.insert_resource(state);
        let mut schedule = Schedule::new(Tick);
        let paths = if config.semantics.has_seed_rules() {
            world.init_resource::<GroupsById>();
            schedule.add_systems(deliver::deliver::<Seed<'static, 'static>>);
            Paths::Seed(Box::new(SystemState::new(&mut world)))
        } else {
            schedule.add_systems(deliver::deliver::<()>);
            Paths::Linux(Box::new(SystemState::new(&mut world)))
        };
        world.add_schedule(schedule);
        let mut machine = Machine { world, paths, root_ns: Entity::PLACEHOLDER, global_init: Entity::PLACEHOLDER };
        machine.stock_spares(None);
        let (root_ns, global_init, group) = with_kernel!(machine, |k| boot(&mut k, config.pid_max));
        if config.semantics.has_seed_rules() {
            machine.world.entity_mut(group).insert(gvisor::ancestors::root_group(config.semantics));
        }
        machine.root_ns = root_ns;
        machine.global_init = global_init;
        machine
    }

    /// Makes sure the kernel paths have a spare of each kind to take:
    /// processes and groups, made most, are made [`SPARES`] at a time, and
    /// threads (as many at a time) before a call that makes one.
    fn stock_spares(&mut self, call: Option<Call>) {
        let spares = &self.world.resource::<KernelState>().spares;
        let need = [
            spares.processes.is_empty(),
            spares.groups.is_empty(),
            spares.sessions.is_empty(),
            spares.namespaces.is_empty(),
        ];
        let need_threads = call == Some(Call::CloneThread) && spares.threads.is_empty();
        if need_threads {
            self.stock_threads();
        }
        if !need.contains(&true) {
            return;
        }
        let seed = matches!(self.paths, Paths::Seed(_));
        let handlers = self.world.resource::<KernelState>().recording.handlers;
        let world = &mut self.world;
        let blank = || {
            Process::new(Entity::PLACEHOLDER, Entity::PLACEHOLDER, Flags::empty(), SignalState::default(), blank_pid())
        };
        let processes: Vec<Entity> = match (need[0], handlers) {
            (false, _) => Vec::new(),
            (true, false) => world.spawn_batch((0..SPARES).map(|_| blank())).collect(),
            (true, true) => world.spawn_batch((0..SPARES).map(|_| (blank(), HandlerLog::default()))).collect(),
        };
        let group = || ProcessGroup::new(blank_pid(), Entity::PLACEHOLDER);
        let groups: Vec<Entity> = match (need[1], seed) {
            (false, _) => Vec::new(),
            (true, false) => world.spawn_batch((0..SPARES).map(|_| group())).collect(),
            (true, true) => world.spawn_batch((0..SPARES).map(|_| (group(), SeedGroup::default()))).collect(),
        };
        let session = need[2].then(|| world.spawn(Session::new(blank_pid())).id());
        let namespace = need[3].then(|| {
            world
                .spawn(PidNamespace {
                    level: 0,
                    chain: Box::new([]),
                    reaper: None,
                    adding: false,
                    refs: 0,
                    table: PidTable::new(0),
                })
                .id()
        });
        let spares = &mut self.world.resource_mut::<KernelState>().into_inner().spares;
        // Taken from the end: the first made is used first.
        spares.processes.extend(processes.into_iter().rev());
        spares.groups.extend(groups.into_iter().rev());
        spares.sessions.extend(session);
        spares.namespaces.extend(namespace);
    }

    /// Makes [`SPARES`] blank threads.
    fn stock_threads(&mut self) {
        let handlers = self.world.resource::<KernelState>().recording.handlers;
        let blank = || Thread {
            process: Entity::PLACEHOLDER,
            link: ListLink::default(),
            task: Task::default(),
            tid: blank_pid(),
        };
        let threads: Vec<Entity> = if handlers {
            self.world.spawn_batch((0..SPARES).map(|_| (blank(), HandlerLog::default()))).collect()
        } else {
            self.world.spawn_batch((0..SPARES).map(|_| blank())).collect()
        };
        self.world.resource_mut::<KernelState>().spares.threads.extend(threads.into_iter().rev());
    }

    /// Gives `actor`'s process the [`ThreadGroup`] a first thread needs
    /// (the kernel paths cannot add a component).
    fn ready_thread_group(&mut self, actor: Entity) {
        let p = self.leader_of(actor);
        if self.world.get::<ThreadGroup>(p).is_none() {
            self.world.entity_mut(p).insert(ThreadGroup::new(p));
        }
    }

    /// Despawns what the last system call released.
    fn despawn_doomed(&mut self) {
        let mut doomed = std::mem::take(&mut self.world.resource_mut::<KernelState>().doomed);
        for e in doomed.drain(..) {
            self.world.despawn(e);
        }
        self.world.resource_mut::<KernelState>().doomed = doomed;
    }

    /// The rules the machine follows.
    pub fn semantics(&self) -> Semantics {
        self.world.resource::<KernelState>().semantics
    }

    /// The global init (pid 1 of the root namespace).
    pub fn global_init(&self) -> Entity {
        self.global_init
    }

    /// The root PID namespace.
    pub fn root_namespace(&self) -> Entity {
        self.root_ns
    }

    /// The ECS world, for queries. Entities listed among the spares of its
    /// [`KernelState`] are blank, made ready for the next system call.
    pub fn world(&self) -> &World {
        &self.world
    }

    /// Whether task `t` can perform an operation now: not when its process
    /// is stopped, not when it is a leader that has exited (a zombie, even
    /// with live threads), not when it is a thread that has ended.
    pub fn can_act(&self, t: Entity) -> Result<(), CannotAct> {
        let (task, process, exited) = match self.world.get::<Process>(t) {
            Some(p) => (&p.task, p, CannotAct::Zombie),
            None => match self.thread(t) {
                Some(thread) => {
                    (&thread.task, self.process(thread.process).expect("a thread's process"), CannotAct::Gone)
                }
                None => return Err(CannotAct::Gone),
            },
        };
        if task.is_exiting() {
            Err(exited)
        } else if process.state == RunState::Stopped {
            Err(CannotAct::Stopped)
        } else {
            Ok(())
        }
    }

    /// `actor` makes `call`. A process is on the CPU for it, and handles the
    /// signals the call leaves it before anyone else runs; from outside the
    /// world, only kill can be made (anything else: [`CannotAct::Gone`]).
    pub fn perform(&mut self, actor: impl Into<Actor>, call: Call) -> Outcome {
        let actor = actor.into();
        if let Actor::Task(t) = actor {
            if let Err(why) = self.can_act(t) {
                return Outcome::CannotAct(why);
            }
            if call == Call::CloneThread {
                self.ready_thread_group(t);
            }
        }
        self.stock_spares(Some(call));
        let root = self.root_ns;
        with_kernel!(self, |k| perform(&mut k, root, actor, call))
    }

    /// Runs the tick schedule until every consequence of the operations so
    /// far has been carried out.
    pub fn settle(&mut self) {
        while !self.world.resource::<KernelState>().sched.is_idle() {
            self.world.run_schedule(Tick);
            self.despawn_doomed();
        }
        // Nothing reads bevy's removal messages; without this they would keep
        // an entry for every component of every despawned entity.
        self.world.clear_trackers();
    }

    /// Threads released since the last call.
    pub fn take_released_threads(&mut self) -> Vec<Entity> {
        std::mem::take(&mut self.world.resource_mut::<KernelState>().released_threads)
    }

    /// Execs from a thread since the last call: each thread, and the process
    /// it now leads — the entity that stood for the old leader, which is
    /// gone (the thread's own entity is released).
    pub fn take_exchanged(&mut self) -> Vec<(Entity, Entity)> {
        std::mem::take(&mut self.world.resource_mut::<KernelState>().exchanged)
    }

    /// Processes released since the last call, with their exit status.
    pub fn take_released(&mut self) -> Vec<(Entity, ExitStatus)> {
        std::mem::take(&mut self.world.resource_mut::<KernelState>().released)
    }

    /// Run-state changes since the last call, in order: each process and the
    /// state it entered (empty unless the machine records transitions).
    pub fn take_transitions(&mut self) -> Vec<(Entity, RunState)> {
        let state = self.world.resource_mut::<KernelState>().into_inner();
        state.transitions.as_mut().map(|log| std::mem::take(&mut log.0)).unwrap_or_default()
    }

    /// Stops recording run-state changes, and drops those not taken: for a
    /// machine whose reader of the log has gone.
    pub fn stop_recording_transitions(&mut self) {
        self.world.resource_mut::<KernelState>().transitions = None;
    }

    /// The run-state changes not taken yet, left in the log.
    pub fn transitions(&self) -> &[(Entity, RunState)] {
        self.world.resource::<KernelState>().transitions.as_ref().map_or(&[], |log| &log.0)
    }

    /// The orphan pairs sent and the children reparented since the last call
    /// (empty unless the machine keeps a journal).
    pub fn take_journal(&mut self) -> Journal {
        let state = self.world.resource_mut::<KernelState>().into_inner();
        state.journal.as_mut().map(std::mem::take).unwrap_or_default()
    }

    // --- Queries -----------------------------------------------------------

    /// Counts of what exists and what has happened, kept up to date at every
    /// change (O(1) to read).
    pub fn census(&self) -> &Census {
        &self.world.resource::<KernelState>().census
    }

    /// A process, if it still exists (zombies included).
    pub fn process(&self, p: Entity) -> Option<&Process> {
        self.world.get::<Process>(p)
    }

    /// A thread that does not lead its process, if it still exists.
    pub fn thread(&self, t: Entity) -> Option<&Thread> {
        self.world.get::<Thread>(t)
    }

    /// The process of task `t` (its own entity, for a leader).
    pub fn leader_of(&self, t: Entity) -> Entity {
        self.thread(t).map_or(t, |thread| thread.process)
    }

    /// A task (a leader's or a thread's), if it still exists.
    pub fn task(&self, t: Entity) -> Option<&Task> {
        match self.process(t) {
            Some(p) => Some(&p.task),
            None => self.thread(t).map(|thread| &thread.task),
        }
    }

    /// The tasks of process `p`, leader first, in thread-list order.
    pub fn tasks(&self, p: Entity) -> Vec<Entity> {
        let mut out = vec![p];
        out.extend(list::members(&ThreadLists(&self.world), p));
        out
    }

    /// How the leader of process `p` exited while it had live threads.
    pub fn leader_exit(&self, p: Entity) -> Option<ExitStatus> {
        self.world.get::<ThreadGroup>(p).and_then(|g| g.leader_exit)
    }

    /// A process's pid, if it still exists.
    pub fn pid(&self, p: Entity) -> Option<&Pid> {
        self.process(p).map(|p| &p.pid)
    }

    /// A task's tid, if it still exists: a leader's is its process's pid.
    pub fn tid(&self, t: Entity) -> Option<&Pid> {
        self.pid(t).or_else(|| self.thread(t).map(|thread| &thread.tid))
    }

    /// A process's parent.
    pub fn parent(&self, p: Entity) -> Option<Entity> {
        self.process(p).and_then(|p| p.parent)
    }

    /// The group a process is in.
    pub fn group_of(&self, p: Entity) -> Entity {
        self.process(p).expect("a process").group
    }

    /// The session a process is in.
    pub fn session_of(&self, p: Entity) -> Entity {
        self.process(p).expect("a process").session
    }

    /// A process group.
    pub fn group(&self, g: Entity) -> &ProcessGroup {
        self.world.get::<ProcessGroup>(g).expect("a group")
    }

    /// A session.
    pub fn session(&self, s: Entity) -> &Session {
        self.world.get::<Session>(s).expect("a session")
    }

    /// A namespace.
    pub fn namespace(&self, ns: Entity) -> &PidNamespace {
        self.world.get::<PidNamespace>(ns).expect("a namespace")
    }

    /// The number of `pid` in namespace `ns`, 0 where it has none.
    pub fn pid_nr_ns(&self, pid: &Pid, ns: Entity) -> u32 {
        let (Some(target), Some(own)) = (self.world.get::<PidNamespace>(ns), self.world.get::<PidNamespace>(pid.ns))
        else {
            return 0;
        };
        if own.is_within(ns, target.level) { pid.nr_at(target.level).unwrap_or(0) } else { 0 }
    }

    /// The number a caller passes for `id` (a process's pid, or a group's
    /// id): `id` as `actor` sees it in its namespace (from outside the world,
    /// in the root namespace), or [`NOTHING`] when it has no number there or
    /// no `id` is given.
    pub fn seen_by(&self, actor: Actor, id: Option<&Pid>) -> i64 {
        let ns = match actor {
            Actor::Task(t) => self.tid(t).map_or(self.root_ns, |tid| tid.ns),
            Actor::Outside => self.root_ns,
        };
        match id.map(|id| self.pid_nr_ns(id, ns)) {
            Some(nr) if nr > 0 => i64::from(nr),
            _ => NOTHING,
        }
    }

    /// getpid, getpgid(0), getsid(0) as `p` sees them.
    pub fn own_ids(&self, p: Entity) -> [u32; 3] {
        let pid = self.pid(p).expect("a process");
        let proc = self.process(p).expect("a process");
        let ns = pid.ns;
        [
            self.pid_nr_ns(pid, ns),
            self.pid_nr_ns(&self.group(proc.group).id, ns),
            self.pid_nr_ns(&self.session(proc.session).id, ns),
        ]
    }

    /// The children of task `p`, oldest first.
    pub fn children(&self, p: Entity) -> Vec<Entity> {
        list::members(&ChildLists(&self.world), p)
    }

    /// The members of group `g`, most recently joined first.
    pub fn members(&self, g: Entity) -> Vec<Entity> {
        list::members(&MemberLists(&self.world), g)
    }

    /// The groups of session `s`, in its list's order.
    pub fn groups_in(&self, s: Entity) -> Vec<Entity> {
        list::members(&SessionGroupLists(&self.world), s)
    }

    /// The handlers that ran in `p`, in order (with `record_handlers`).
    pub fn handlers(&self, p: Entity) -> &[Signal] {
        self.world.get::<HandlerLog>(p).map_or(&[], |l| &l.0)
    }

    /// A process's signal state.
    pub fn signals(&self, p: Entity) -> &SignalState {
        &self.process(p).expect("a process").signals
    }

    // --- The seed's API (gVisor `sessions.go`) ------------------------------

    /// Creates a session led by `p` (`ThreadGroup.CreateSession`: setsid).
    pub fn create_session(&mut self, p: Entity) -> Outcome {
        self.perform(p, Call::Setsid)
    }

    /// Creates a process group led by `p` in its session
    /// (`ThreadGroup.CreateProcessGroup`: setpgid(0, 0)).
    pub fn create_process_group(&mut self, p: Entity) -> Outcome {
        self.perform(p, Call::Setpgid { pid: 0, pgid: 0 })
    }

    /// Moves `p` into group `g` of its session (`ThreadGroup.JoinProcessGroup`:
    /// setpgid(0, id of g)).
    pub fn join_process_group(&mut self, p: Entity, g: Entity) -> Outcome {
        let Some(pid) = self.pid(p) else { return Outcome::CannotAct(CannotAct::Gone) };
        let id = self.id_of_process_group(pid.ns, g);
        self.perform(p, Call::Setpgid { pid: 0, pgid: i64::from(id) })
    }

    /// Whether group `g` is orphaned (`ProcessGroup.IsOrphan`), in O(1): by
    /// Linux's exact count, or under a seed profile by the seed's.
    pub fn is_orphan(&self, g: Entity) -> bool {
        match self.world.get::<SeedGroup>(g) {
            Some(seed) => seed.ancestors == 0,
            None => self.group(g).is_orphaned(),
        }
    }

    /// The process that created group `g`, if it still exists
    /// (`ProcessGroup.Originator`).
    pub fn originator(&self, g: Entity) -> Option<Entity> {
        let id = &self.group(g).id;
        self.namespace(id.ns).table.process(id.nr)
    }

    /// The id of session `s` in namespace `ns`, 0 if it has none there
    /// (`PIDNamespace.IDOfSession`).
    pub fn id_of_session(&self, ns: Entity, s: Entity) -> u32 {
        self.pid_nr_ns(&self.session(s).id, ns)
    }

    /// The session with id `nr` in namespace `ns` (`PIDNamespace.SessionWithID`).
    pub fn session_with_id(&self, ns: Entity, nr: u32) -> Option<Entity> {
        self.namespace(ns).table.session(nr)
    }

    /// The id of group `g` in namespace `ns`, 0 if it has none there
    /// (`PIDNamespace.IDOfProcessGroup`).
    pub fn id_of_process_group(&self, ns: Entity, g: Entity) -> u32 {
        self.pid_nr_ns(&self.group(g).id, ns)
    }

    /// The group with id `nr` in namespace `ns` (`PIDNamespace.ProcessGroupWithID`).
    pub fn process_group_with_id(&self, ns: Entity, nr: u32) -> Option<Entity> {
        self.namespace(ns).table.group(nr)
    }

    // --- Terminals ------------------------------------------------------------

    /// Makes a pseudo-terminal, free: no session, no foreground group.
    pub fn open_terminal(&mut self) -> TtyId {
        let id = TtyId::from_index(self.world.resource::<KernelState>().terminals.len());
        let e = self.world.spawn(Terminal::new(id)).id();
        let mut state = self.world.resource_mut::<KernelState>();
        state.terminals.push(e);
        state.census.terminals += 1;
        id
    }

    /// A terminal.
    pub fn terminal(&self, id: TtyId) -> &Terminal {
        let e = self.world.resource::<KernelState>().terminals[id.index()];
        self.world.get::<Terminal>(e).expect("a terminal entity has Terminal")
    }

    /// The terminal emulator types `key` on `tty` (EIO once it is hung up).
    pub fn type_key(&mut self, tty: TtyId, key: Key) -> Result<(), Errno> {
        self.stock_spares(None);
        with_kernel!(self, |k| crate::systems::pty::key(&mut k.core, tty, key))
    }

    /// The terminal emulator closes `tty`'s master: it hangs up (EBADF if it
    /// already has).
    pub fn hang_up(&mut self, tty: TtyId) -> Result<(), Errno> {
        self.stock_spares(None);
        with_kernel!(self, |k| crate::systems::pty::hangup(&mut k.core, tty))
    }

    /// Sends `sig` to every member of group `g` from the kernel (gVisor's
    /// `ProcessGroup.SendSignal`; a terminal's signal character).
    pub fn signal_group(&mut self, g: Entity, sig: Signal) {
        self.stock_spares(None);
        with_kernel!(self, |k| {
            crate::systems::orphans::signal_group(&mut k.core, Sender::Kernel, g, sig);
        })
    }
}

/// The children lists as the world holds them, for reading.
struct ChildLists<'w>(&'w World);

impl ListView for ChildLists<'_> {
    fn head(&self, owner: Entity) -> ListHead {
        match self.0.get::<Process>(owner) {
            Some(p) => p.task.children,
            None => self.0.get::<Thread>(owner).map(|t| t.task.children).unwrap_or_default(),
        }
    }

    fn link(&self, member: Entity) -> ListLink {
        self.0.get::<Process>(member).map(|p| p.sibling).unwrap_or_default()
    }
}

/// The thread lists as the world holds them, for reading.
struct ThreadLists<'w>(&'w World);

impl ListView for ThreadLists<'_> {
    fn head(&self, owner: Entity) -> ListHead {
        self.0.get::<ThreadGroup>(owner).map(|g| g.threads).unwrap_or_default()
    }

    fn link(&self, member: Entity) -> ListLink {
        self.0.get::<Thread>(member).map(|t| t.link).unwrap_or_default()
    }
}

/// The member lists of groups as the world holds them, for reading.
struct MemberLists<'w>(&'w World);

impl ListView for MemberLists<'_> {
    fn head(&self, owner: Entity) -> ListHead {
        self.0.get::<ProcessGroup>(owner).map(|g| g.members).unwrap_or_default()
    }

    fn link(&self, member: Entity) -> ListLink {
        self.0.get::<Process>(member).map(|p| p.member).unwrap_or_default()
    }
}

/// The group lists of sessions as the world holds them, for reading.
struct SessionGroupLists<'w>(&'w World);

impl ListView for SessionGroupLists<'_> {
    fn head(&self, owner: Entity) -> ListHead {
        self.0.get::<Session>(owner).map(|s| s.group_list).unwrap_or_default()
    }

    fn link(&self, member: Entity) -> ListLink {
        self.0.get::<ProcessGroup>(member).map(|g| g.in_session).unwrap_or_default()
    }
}

/// Makes the root namespace, its session and group, and the global init.
fn boot<B: Bookkeeping>(k: &mut Kernel<B>, pid_max: u32) -> (Entity, Entity, Entity) {
    let root_ns =
        syscalls::fork::create_namespace(&mut k.core, None, pid_max).expect("the root namespace is at level 0");
    let pid = syscalls::fork::alloc_pid(&mut k.core, root_ns).expect("a new namespace has numbers");
    let session = groups::create_session(&mut k.core, pid.clone());
    let group = groups::create_group(k, pid.clone(), session);
    let flags = Flags::SESSION_LEADER | Flags::FORKNOEXEC | Flags::NS_INIT | Flags::GLOBAL_INIT;
    let init = syscalls::fork::spawn_process(&mut k.core, pid, flags, Default::default(), group, None);
    (root_ns, init, group)
}

/// `actor` makes `call` on the kernel.
fn perform<B: Bookkeeping>(k: &mut Kernel<B>, root: Entity, actor: Actor, call: Call) -> Outcome {
    let t = match actor {
        Actor::Task(t) => t,
        Actor::Outside => {
            return match call {
                Call::Kill { pid, sig } => {
                    outcome(syscalls::kill::kill(k, Sender::Outside, root, pid, sig), |()| Reply::Done)
                }
                Call::Tgkill { tgid, tid, sig } => {
                    outcome(syscalls::kill::tgkill(&mut k.core, Sender::Outside, root, tgid, tid, sig), |()| {
                        Reply::Done
                    })
                }
                _ => Outcome::CannotAct(CannotAct::Gone),
            };
        }
    };
    if let Call::Tty(call) = call
        && job_control::livelocks(k, t, call)
    {
        return Outcome::CannotAct(CannotAct::Livelock);
    }
    // Process-wide calls act on the caller's process (rule 42).
    let p = k.core.leader_of(t);
    k.core.state.sched.current = Some(t);
    let done = |()| Reply::Done;
    let out = match call {
        Call::Fork { newpid } => outcome(syscalls::fork::fork(&mut k.core, t, newpid), Reply::Child),
        Call::CloneThread => outcome(syscalls::fork::clone_thread(&mut k.core, t), Reply::Thread),
        Call::Exit { code } => {
            syscalls::exit::exit_group(&mut k.core, t, code);
            Outcome::Done(Reply::Done)
        }
        Call::ExitThread { code } => {
            syscalls::exit::exit(&mut k.core, t, code);
            Outcome::Done(Reply::Done)
        }
        Call::Exec => {
            syscalls::exec::exec(&mut k.core, t);
            Outcome::Done(Reply::Done)
        }
        Call::Setsid => outcome(syscalls::setsid::setsid(k, p), Reply::Session),
        Call::Setpgid { pid, pgid } => outcome(syscalls::setpgid::setpgid(k, p, pid, pgid), done),
        Call::Wait { pid } => outcome(syscalls::wait::waitpid(k, p, pid), Reply::Waited),
        Call::Kill { pid, sig } => outcome(syscalls::kill::kill(k, Sender::Process(p), root, pid, sig), done),
        Call::Tgkill { tgid, tid, sig } => {
            outcome(syscalls::kill::tgkill(&mut k.core, Sender::Process(p), root, tgid, tid, sig), done)
        }
        Call::Sigaction { sig, action } => outcome(syscalls::sigaction::sigaction(&mut k.core, p, sig, action), done),
        Call::Sigprocmask { how, sig } => {
            syscalls::sigprocmask::sigprocmask(&mut k.core, t, how, sig);
            Outcome::Done(Reply::Done)
        }
        Call::Subreaper { on } => outcome(syscalls::prctl::set_child_subreaper(&mut k.core, p, on), done),
        Call::Pdeathsig { sig } => {
            syscalls::prctl::set_pdeathsig(&mut k.core, t, sig);
            Outcome::Done(Reply::Done)
        }
        Call::Tiocsctty { tty, steal } => outcome(syscalls::tty::tiocsctty(&mut k.core, p, tty, steal), done),
        Call::Tiocnotty => outcome(syscalls::tty::tiocnotty(&mut k.core, p), done),
        Call::Tty(call) => match syscalls::tty::call(k, t, call) {
            Ok(Ended::Returned(Ok(()))) => Outcome::Done(Reply::Done),
            Ok(Ended::Returned(Err(e))) | Err(e) => Outcome::Failed(e),
            Ok(Ended::Stopped) => Outcome::Stopped,
            // It died of a signal its group was sent: the call never returned.
            Ok(Ended::Died) => Outcome::Done(Reply::Done),
        },
    };
    k.core.state.sched.current = None;
    // An exec from a thread leaves the caller leading its process.
    let t = match k.core.state.exchanged.last() {
        Some(&(thread, process)) if thread == t => process,
        _ => t,
    };
    if k.core.task(t).flags.contains(TaskFlags::SIGPENDING) {
        deliver::run(k, t);
    }
    out
}

fn outcome<T>(result: Result<T, Errno>, reply: impl FnOnce(T) -> Reply) -> Outcome {
    match result {
        Ok(v) => Outcome::Done(reply(v)),
        Err(e) => Outcome::Failed(e),
    }
}
