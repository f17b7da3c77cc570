//! The data the kernel paths touch, as one bevy [`SystemParam`]: the
//! components of processes, groups, sessions and namespaces as queries, and
//! the world's resources, with the lookups every path needs (a process's
//! group, a number in a namespace, …).
//!
//! A system call fetches a [`Kernel`] through a cached `SystemState`, and the
//! tick's delivery runs as an ordinary bevy system taking one, so every path
//! says what it reads and writes, and none holds the whole `World`. Queries
//! cannot spawn or despawn, so new entities come from [`Spares`] made ready
//! before each call, and released ones are despawned through [`Commands`]
//! when the call ends; until then a released process is a zombie that no
//! list reaches, a released group has no members, and a freed namespace has
//! no references.
//!
//! [`Kernel`] is generic over the [`Bookkeeping`] a profile keeps beside the
//! Linux state (none for Linux; the 2018 seed's counts for its profile).

use crate::model::list::{ListHead, ListLink, ListStore, ListView};
use crate::model::namespace::IdKind;
use crate::model::{
    ExitStatus, Flags, HandlerLog, Pid, PidNamespace, Process, ProcessGroup, Session, SignalState, Task, Terminal,
    Thread, ThreadGroup, TtyId,
};
use crate::semantics::Semantics;
use crate::systems::books::Bookkeeping;
use crate::systems::census::Census;
use crate::systems::job_control::Restart;
use crate::systems::journal::Journal;
use crate::systems::sched::Scheduler;
use crate::systems::spares::Spares;
use crate::systems::transitions::Transitions;
use bevy_ecs::prelude::*;
use bevy_ecs::system::{StaticSystemParam, SystemParam};

/// What a machine records beside its state, fixed when it is made.
#[derive(Debug, Default, Clone, Copy)]
pub struct Recording {
    /// The handlers each process runs ([`HandlerLog`]).
    pub handlers: bool,
}

/// The Linux state and resources every kernel path may touch.
#[derive(SystemParam)]
pub struct Core<'w, 's> {
    pub processes: Query<'w, 's, &'static mut Process>,
    pub threads: Query<'w, 's, &'static mut Thread>,
    pub thread_groups: Query<'w, 's, &'static mut ThreadGroup>,
    pub handler_logs: Query<'w, 's, &'static mut HandlerLog>,
    pub groups: Query<'w, 's, &'static mut ProcessGroup>,
    pub sessions: Query<'w, 's, &'static mut Session>,
    pub namespaces: Query<'w, 's, &'static mut PidNamespace>,
    pub terminals: Query<'w, 's, &'static mut Terminal>,
    /// The kernel's global state, one resource: every resource a system call
    /// fetches costs it a lookup, and it fetches them all.
    pub state: ResMut<'w, KernelState>,
}

/// The kernel's global state.
#[derive(Resource, Debug)]
pub struct KernelState {
    /// Whose rules the machine follows.
    pub semantics: Semantics,
    /// The run and exit queues.
    pub sched: Scheduler,
    /// Counts of what exists and what has happened.
    pub census: Census,
    /// Processes released (reaped) since the log was last drained, with how
    /// they ended: the replay report's `gone` lines and the metrics read it.
    pub released: Vec<(Entity, ExitStatus)>,
    /// Threads released since the log was last drained.
    pub released_threads: Vec<Entity>,
    /// Execs from a thread since the log was last drained: the thread, and
    /// the process it now leads (the entity of the old leader, which is gone).
    pub exchanged: Vec<(Entity, Entity)>,
    /// Entities that a system call released, despawned when it ends.
    pub doomed: Vec<Entity>,
    /// Entities made ready for the next call.
    pub spares: Spares,
    pub recording: Recording,
    /// Run-state changes, when the machine records them.
    pub transitions: Option<Transitions>,
    /// Orphan pairs sent and children reparented, when the machine keeps a
    /// journal.
    pub journal: Option<Journal>,
    /// The terminals' entities, by [`TtyId`].
    pub terminals: Vec<Entity>,
    /// Terminal calls pending in stopped processes (rule 52).
    pub restarts: Vec<Restart>,
}

impl KernelState {
    pub fn new(semantics: Semantics, recording: Recording, transitions: bool, journal: bool) -> KernelState {
        KernelState {
            semantics,
            sched: Scheduler::default(),
            census: Census::default(),
            released: Vec::new(),
            released_threads: Vec::new(),
            exchanged: Vec::new(),
            doomed: Vec::new(),
            spares: Spares::default(),
            recording,
            transitions: transitions.then(Transitions::default),
            journal: journal.then(Journal::default),
            terminals: Vec::new(),
            restarts: Vec::new(),
        }
    }
}

/// The kernel: the Linux state, and the profile's bookkeeping beside it.
#[derive(SystemParam)]
pub struct Kernel<'w, 's, B: Bookkeeping> {
    pub core: Core<'w, 's>,
    pub books: StaticSystemParam<'w, 's, B>,
}

impl<'w, 's> Core<'w, 's> {
    /// A process; every process entity has one.
    pub fn process(&self, p: Entity) -> &Process {
        self.processes.get(p).expect("a process entity has Process")
    }

    pub fn process_mut(&mut self, p: Entity) -> Mut<'_, Process> {
        self.processes.get_mut(p).expect("a process entity has Process")
    }

    /// The process a task belongs to: the entity of its leader.
    pub fn leader_of(&self, t: Entity) -> Entity {
        if self.processes.contains(t) { t } else { self.thread(t).process }
    }

    /// The process a task belongs to.
    pub fn process_of(&self, t: Entity) -> &Process {
        match self.processes.get(t) {
            Ok(p) => p,
            Err(_) => self.process(self.thread(t).process),
        }
    }

    /// A thread that does not lead its process.
    pub fn thread(&self, t: Entity) -> &Thread {
        self.threads.get(t).expect("a task is a process or a thread")
    }

    pub fn thread_mut(&mut self, t: Entity) -> Mut<'_, Thread> {
        self.threads.get_mut(t).expect("a task is a process or a thread")
    }

    /// A task: a leader's (in its process) or a thread's.
    pub fn task(&self, t: Entity) -> &Task {
        self.try_task(t).expect("a task is a process or a thread")
    }

    /// A task, if it still exists.
    pub fn try_task(&self, t: Entity) -> Option<&Task> {
        match self.processes.get(t) {
            Ok(p) => Some(&p.task),
            Err(_) => self.threads.get(t).ok().map(|t| &t.task),
        }
    }

    pub fn task_mut(&mut self, t: Entity) -> Mut<'_, Task> {
        if self.processes.contains(t) {
            self.process_mut(t).map_unchanged(|p| &mut p.task)
        } else {
            self.thread_mut(t).map_unchanged(|t| &mut t.task)
        }
    }

    /// The thread-group state of process `p`, if it has ever had threads.
    pub fn thread_group(&self, p: Entity) -> Option<&ThreadGroup> {
        if !self.process(p).has(Flags::THREADED) {
            return None;
        }
        self.thread_groups.get(p).ok()
    }

    pub fn thread_group_mut(&mut self, p: Entity) -> Option<Mut<'_, ThreadGroup>> {
        if !self.process(p).has(Flags::THREADED) {
            return None;
        }
        self.thread_groups.get_mut(p).ok()
    }

    /// A task's tid (a leader's is its process's pid).
    pub fn tid(&self, t: Entity) -> &Pid {
        match self.processes.get(t) {
            Ok(p) => &p.pid,
            Err(_) => &self.thread(t).tid,
        }
    }

    /// A process's pid and exit status.
    pub fn pid(&self, p: Entity) -> &Pid {
        &self.process(p).pid
    }

    /// The namespace a process lives in (`task_active_pid_ns`).
    pub fn ns_of(&self, p: Entity) -> Entity {
        self.pid(p).ns
    }

    pub fn signals(&self, p: Entity) -> &SignalState {
        &self.process(p).signals
    }

    pub fn signals_mut(&mut self, p: Entity) -> Mut<'_, SignalState> {
        self.process_mut(p).map_unchanged(|p| &mut p.signals)
    }

    pub fn group(&self, g: Entity) -> &ProcessGroup {
        self.groups.get(g).expect("a group entity has ProcessGroup")
    }

    pub fn group_mut(&mut self, g: Entity) -> Mut<'_, ProcessGroup> {
        self.groups.get_mut(g).expect("a group entity has ProcessGroup")
    }

    /// The group a process is in.
    pub fn group_of(&self, p: Entity) -> Entity {
        self.process(p).group
    }

    pub fn session(&self, s: Entity) -> &Session {
        self.sessions.get(s).expect("a session entity has Session")
    }

    pub fn session_mut(&mut self, s: Entity) -> Mut<'_, Session> {
        self.sessions.get_mut(s).expect("a session entity has Session")
    }

    pub fn namespace(&self, ns: Entity) -> &PidNamespace {
        self.namespaces.get(ns).expect("a namespace entity has PidNamespace")
    }

    pub fn namespace_mut(&mut self, ns: Entity) -> Mut<'_, PidNamespace> {
        self.namespaces.get_mut(ns).expect("a namespace entity has PidNamespace")
    }

    /// A terminal.
    pub fn terminal(&self, id: TtyId) -> &Terminal {
        self.terminals.get(self.state.terminals[id.index()]).expect("a terminal entity has Terminal")
    }

    pub fn terminal_mut(&mut self, id: TtyId) -> Mut<'_, Terminal> {
        let e = self.state.terminals[id.index()];
        self.terminals.get_mut(e).expect("a terminal entity has Terminal")
    }

    /// The namespace at `level` of `pid`'s chain and `pid`'s number there
    /// (`pid->numbers[level]`).
    pub fn number_at(&self, pid: &Pid, level: usize) -> (Entity, u32) {
        let ns = self.namespace(pid.ns).chain[level];
        (ns, pid.nr_at(level).expect("a pid has a number at every level up to its own"))
    }

    /// The number of `pid` in `ns`, or 0 when it has none there (`pid_nr_ns`).
    /// A pid whose namespace has gone names nothing anywhere any more.
    pub fn pid_nr_ns(&self, pid: &Pid, ns: Entity) -> u32 {
        let (Ok(target), Ok(own)) = (self.namespaces.get(ns), self.namespaces.get(pid.ns)) else {
            return 0;
        };
        if own.is_freed() || target.is_freed() || !own.is_within(ns, target.level) {
            return 0;
        }
        pid.nr_at(target.level).unwrap_or(0)
    }

    /// `p`'s pid as seen from `ns`.
    pub fn vnr(&self, p: Entity, ns: Entity) -> u32 {
        self.pid_nr_ns(self.pid(p), ns)
    }

    /// The task with tid `nr` in `ns` (`find_task_by_vpid`; a process's pid
    /// is its leader's tid): none for numbers that are not positive.
    pub fn find_task(&self, ns: Entity, nr: i64) -> Option<Entity> {
        let nr = u32::try_from(nr).ok().filter(|&n| n > 0)?;
        self.namespace(ns).table.process(nr)
    }

    /// The process group with id `nr` in `ns` (`pid_task(find_vpid(nr), PIDTYPE_PGID)`).
    pub fn find_group(&self, ns: Entity, nr: i64) -> Option<Entity> {
        let nr = u32::try_from(nr).ok().filter(|&n| n > 0)?;
        self.namespace(ns).table.group(nr)
    }

    /// Records that `pid` names `entity` (as `kind`) in every namespace it
    /// has a number in.
    pub fn attach(&mut self, pid: &Pid, kind: IdKind, entity: Entity) {
        for level in 0..=pid.level() {
            let (ns, nr) = self.number_at(pid, level);
            self.namespace_mut(ns).table.attach(nr, kind, entity);
        }
    }

    /// Forgets that `pid` names something as `kind` in every namespace.
    pub fn detach(&mut self, pid: &Pid, kind: IdKind) {
        for level in 0..=pid.level() {
            let (ns, nr) = self.number_at(pid, level);
            self.namespace_mut(ns).table.detach(nr, kind);
        }
    }

    /// A parent task's children, as a list.
    pub fn children(&mut self) -> Children<'_, 'w, 's> {
        Children { processes: &mut self.processes, threads: &mut self.threads }
    }

    /// A group's members, as a list.
    pub fn members(&mut self) -> Members<'_, 'w, 's> {
        Members { groups: &mut self.groups, processes: &mut self.processes }
    }

    /// A session's groups, as a list.
    pub fn session_groups(&mut self) -> SessionGroups<'_, 'w, 's> {
        SessionGroups { sessions: &mut self.sessions, groups: &mut self.groups }
    }

    /// The groups of session `s`.
    pub fn groups_of(&self, s: Entity) -> Vec<Entity> {
        crate::model::list::members(&SessionGroupsView { sessions: &self.sessions, groups: &self.groups }, s)
    }

    /// The children of task `t`, in order.
    pub fn children_of(&self, t: Entity) -> Vec<Entity> {
        crate::model::list::members(&ChildrenView { processes: &self.processes, threads: &self.threads }, t)
    }

    /// The members of group `g`, most recently joined first.
    pub fn members_of(&self, g: Entity) -> Vec<Entity> {
        crate::model::list::members(&MembersView { groups: &self.groups, processes: &self.processes }, g)
    }
}

/// The children lists: heads in the parent task, links in [`Process`].
pub struct Children<'a, 'w, 's> {
    processes: &'a mut Query<'w, 's, &'static mut Process>,
    threads: &'a mut Query<'w, 's, &'static mut Thread>,
}

impl ListStore for Children<'_, '_, '_> {
    fn head_mut(&mut self, owner: Entity) -> &mut ListHead {
        match self.processes.get_mut(owner) {
            Ok(p) => &mut p.into_inner().task.children,
            Err(_) => &mut self.threads.get_mut(owner).expect("a parent is a task").into_inner().task.children,
        }
    }

    fn link_mut(&mut self, member: Entity) -> &mut ListLink {
        &mut self.processes.get_mut(member).expect("a child has Process").into_inner().sibling
    }
}

struct ChildrenView<'a, 'w, 's> {
    processes: &'a Query<'w, 's, &'static mut Process>,
    threads: &'a Query<'w, 's, &'static mut Thread>,
}

impl ListView for ChildrenView<'_, '_, '_> {
    fn head(&self, owner: Entity) -> ListHead {
        match self.processes.get(owner) {
            Ok(p) => p.task.children,
            Err(_) => self.threads.get(owner).expect("a parent is a task").task.children,
        }
    }

    fn link(&self, member: Entity) -> ListLink {
        self.processes.get(member).expect("a child has Process").sibling
    }
}

/// The member lists of groups: heads in [`ProcessGroup`], links in [`Process`].
pub struct Members<'a, 'w, 's> {
    groups: &'a mut Query<'w, 's, &'static mut ProcessGroup>,
    processes: &'a mut Query<'w, 's, &'static mut Process>,
}

impl ListStore for Members<'_, '_, '_> {
    fn head_mut(&mut self, owner: Entity) -> &mut ListHead {
        &mut self.groups.get_mut(owner).expect("a group has ProcessGroup").into_inner().members
    }

    fn link_mut(&mut self, member: Entity) -> &mut ListLink {
        &mut self.processes.get_mut(member).expect("a member has Process").into_inner().member
    }
}

struct MembersView<'a, 'w, 's> {
    groups: &'a Query<'w, 's, &'static mut ProcessGroup>,
    processes: &'a Query<'w, 's, &'static mut Process>,
}

impl ListView for MembersView<'_, '_, '_> {
    fn head(&self, owner: Entity) -> ListHead {
        self.groups.get(owner).expect("a group has ProcessGroup").members
    }

    fn link(&self, member: Entity) -> ListLink {
        self.processes.get(member).expect("a member has Process").member
    }
}

/// The group lists of sessions: heads in [`Session`], links in [`ProcessGroup`].
pub struct SessionGroups<'a, 'w, 's> {
    sessions: &'a mut Query<'w, 's, &'static mut Session>,
    groups: &'a mut Query<'w, 's, &'static mut ProcessGroup>,
}

impl ListStore for SessionGroups<'_, '_, '_> {
    fn head_mut(&mut self, owner: Entity) -> &mut ListHead {
        &mut self.sessions.get_mut(owner).expect("a session has Session").into_inner().group_list
    }

    fn link_mut(&mut self, member: Entity) -> &mut ListLink {
        &mut self.groups.get_mut(member).expect("a group has ProcessGroup").into_inner().in_session
    }
}

struct SessionGroupsView<'a, 'w, 's> {
    sessions: &'a Query<'w, 's, &'static mut Session>,
    groups: &'a Query<'w, 's, &'static mut ProcessGroup>,
}

impl ListView for SessionGroupsView<'_, '_, '_> {
    fn head(&self, owner: Entity) -> ListHead {
        self.sessions.get(owner).expect("a session has Session").group_list
    }

    fn link(&self, member: Entity) -> ListLink {
        self.groups.get(member).expect("a group has ProcessGroup").in_session
    }
}
