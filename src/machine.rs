//! [`Machine`]: a simulated Linux machine — the world of processes, groups,
//! sessions and namespaces, the system calls that change it, and the systems
//! that carry out what follows.
//!
//! A `Machine` starts with a root PID namespace whose pid 1 is the global init
//! (a session leader that never exits). Operations act at once, as a system
//! call does; their consequences (signals delivered, processes stopping and
//! dying, children reparented, orphaned groups signalled) are carried out by
//! [`Machine::settle`], which runs the tick schedule until nothing is left.

use crate::gvisor::{self, ids::GroupsById};
use crate::model::ExitStatus;
use crate::model::ids::{self, group, group_of, session_of};
use crate::model::namespace::PID_MAX_LIMIT;
use crate::model::{
    Disposition, Errno, Pid, PidNamespace, Process, ProcessGroup, RunState, Session, Signal, SignalState,
};
use crate::semantics::Semantics;
use crate::syscalls;
use crate::systems::census::Census;
use crate::systems::deliver::{self, RecordHandlers};
use crate::systems::exit::Released;
use crate::systems::journal::Journal;
use crate::systems::sched::Scheduler;
use crate::systems::signal::Sender;
use crate::systems::transitions::Transitions;
use crate::systems::{ancestors, orphans};
use bevy_ecs::prelude::*;
use bevy_ecs::schedule::{Schedule, ScheduleLabel};

pub use crate::syscalls::wait::Waited;

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
    /// Whose rules the machine follows: Linux's, or some or all of the
    /// 2018 gVisor seed's ([`crate::semantics`]).
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
    #[error("the process is a zombie")]
    Zombie,
    #[error("the process no longer exists")]
    Gone,
}

/// A simulated machine.
pub struct Machine {
    world: World,
    root_ns: Entity,
    global_init: Entity,
}

impl Machine {
    /// A machine with only the global init.
    pub fn new(config: MachineConfig) -> Machine {
        let mut world = World::new();
        world.init_resource::<Scheduler>();
        world.init_resource::<Released>();
        world.init_resource::<Census>();
        world.insert_resource(RecordHandlers(config.record_handlers));
        if config.record_transitions {
            world.init_resource::<Transitions>();
        }
        if config.record_journal {
            world.init_resource::<Journal>();
        }
        world.insert_resource(config.semantics);
        if config.semantics.has_seed_rules() {
            world.init_resource::<GroupsById>();
        }
        let mut schedule = Schedule::new(Tick);
        schedule.add_systems(deliver::deliver);
        world.add_schedule(schedule);
        let root_ns = syscalls::fork::create_namespace(&mut world, None, config.pid_max)
            .expect("the root namespace is at level 0");
        let pid = syscalls::fork::alloc_pid(&mut world, root_ns).expect("a new namespace has numbers");
        let session = ancestors::create_session(&mut world, pid.clone());
        let group = ancestors::create_group(&mut world, pid.clone(), session, true);
        if config.semantics.has_seed_rules() {
            gvisor::ancestors::root_group(&mut world, group);
        }
        let init = Process {
            pid,
            state: RunState::Running,
            exit: None,
            session_leader: true,
            forknoexec: true,
            child_subreaper: false,
            has_child_subreaper: false,
            ns_init: true,
            global_init: true,
        };
        let global_init = syscalls::fork::spawn_process(&mut world, init, SignalState::default(), group, None);
        Machine { world, root_ns, global_init }
    }

    /// The rules the machine follows.
    pub fn semantics(&self) -> Semantics {
        *self.world.resource::<Semantics>()
    }

    /// The global init (pid 1 of the root namespace).
    pub fn global_init(&self) -> Entity {
        self.global_init
    }

    /// The root PID namespace.
    pub fn root_namespace(&self) -> Entity {
        self.root_ns
    }

    /// The ECS world, for queries.
    pub fn world(&self) -> &World {
        &self.world
    }

    /// Whether `p` can perform an operation now.
    pub fn can_act(&self, p: Entity) -> Result<(), CannotAct> {
        match self.world.get::<Process>(p).map(|p| p.state) {
            None => Err(CannotAct::Gone),
            Some(RunState::Stopped) => Err(CannotAct::Stopped),
            Some(RunState::Zombie | RunState::Exiting) => Err(CannotAct::Zombie),
            Some(RunState::Running) => Ok(()),
        }
    }

    /// Runs `op` as `p`'s system call: `p` is on the CPU, and handles the
    /// signals the call leaves it before anyone else runs.
    fn syscall<T>(&mut self, p: Entity, op: impl FnOnce(&mut World) -> T) -> Result<T, CannotAct> {
        self.can_act(p)?;
        self.world.resource_mut::<Scheduler>().current = Some(p);
        let out = op(&mut self.world);
        self.world.resource_mut::<Scheduler>().current = None;
        if self.world.get::<SignalState>(p).is_some_and(|s| s.woken) {
            deliver::run(&mut self.world, p);
        }
        Ok(out)
    }

    /// fork(), or clone(CLONE_NEWPID) with `newpid`: the child.
    pub fn fork(&mut self, parent: Entity, newpid: bool) -> Result<Result<Entity, Errno>, CannotAct> {
        self.syscall(parent, |w| syscalls::fork::fork(w, parent, newpid))
    }

    /// `_exit(code)`.
    pub fn exit(&mut self, p: Entity, code: u8) -> Result<(), CannotAct> {
        self.syscall(p, |w| syscalls::exit::exit(w, p, code))
    }

    /// execve.
    pub fn exec(&mut self, p: Entity) -> Result<(), CannotAct> {
        self.syscall(p, |w| syscalls::exec::exec(w, p))
    }

    /// setsid(): the new session id as `p` sees it.
    pub fn setsid(&mut self, p: Entity) -> Result<Result<u32, Errno>, CannotAct> {
        self.syscall(p, |w| syscalls::setsid::setsid(w, p))
    }

    /// setpgid(pid, pgid), numbers as `p` sees them.
    pub fn setpgid(&mut self, p: Entity, pid: i64, pgid: i64) -> Result<Result<(), Errno>, CannotAct> {
        self.syscall(p, |w| syscalls::setpgid::setpgid(w, p, pid, pgid))
    }

    /// waitpid(pid, WNOHANG).
    pub fn waitpid(&mut self, p: Entity, pid: i64) -> Result<Result<Waited, Errno>, CannotAct> {
        self.syscall(p, |w| syscalls::wait::waitpid(w, p, pid))
    }

    /// kill(pid, sig) by `p`.
    pub fn kill(&mut self, p: Entity, pid: i64, sig: Signal) -> Result<Result<(), Errno>, CannotAct> {
        let root = self.root_ns;
        self.syscall(p, |w| syscalls::kill::kill(w, Sender::Process(p), root, pid, sig))
    }

    /// kill(pid, sig) by a process of the root namespace outside the world.
    pub fn kill_from_outside(&mut self, pid: i64, sig: Signal) -> Result<(), Errno> {
        let root = self.root_ns;
        syscalls::kill::kill(&mut self.world, Sender::Outside, root, pid, sig)
    }

    /// sigaction(sig, action).
    pub fn sigaction(&mut self, p: Entity, sig: Signal, action: Disposition) -> Result<Result<(), Errno>, CannotAct> {
        self.syscall(p, |w| syscalls::sigaction::sigaction(w, p, sig, action))
    }

    /// prctl(PR_SET_CHILD_SUBREAPER, on).
    pub fn set_child_subreaper(&mut self, p: Entity, on: bool) -> Result<Result<(), Errno>, CannotAct> {
        self.syscall(p, |w| syscalls::prctl::set_child_subreaper(w, p, on))
    }

    /// Runs the tick schedule until every consequence of the operations so
    /// far has been carried out.
    pub fn settle(&mut self) {
        while !self.world.resource::<Scheduler>().is_idle() {
            self.world.run_schedule(Tick);
        }
        // Nothing reads bevy's removal messages; without this they would keep
        // an entry for every component of every despawned entity.
        self.world.clear_trackers();
    }

    /// Processes released since the last call, with their exit status.
    pub fn take_released(&mut self) -> Vec<(Entity, ExitStatus)> {
        std::mem::take(&mut self.world.resource_mut::<Released>().0)
    }

    /// Run-state changes since the last call, in order: each process and the
    /// state it entered (empty unless the machine records transitions).
    pub fn take_transitions(&mut self) -> Vec<(Entity, RunState)> {
        self.world.get_resource_mut::<Transitions>().map(|mut log| std::mem::take(&mut log.0)).unwrap_or_default()
    }

    /// Stops recording run-state changes, and drops those not taken: for a
    /// machine whose reader of the log has gone.
    pub fn stop_recording_transitions(&mut self) {
        self.world.remove_resource::<Transitions>();
    }

    /// The run-state changes not taken yet, left in the log.
    pub fn transitions(&self) -> &[(Entity, RunState)] {
        self.world.get_resource::<Transitions>().map_or(&[], |log| &log.0)
    }

    /// The orphan pairs sent and the children reparented since the last call
    /// (empty unless the machine keeps a journal).
    pub fn take_journal(&mut self) -> Journal {
        self.world.get_resource_mut::<Journal>().map(|mut log| std::mem::take(&mut *log)).unwrap_or_default()
    }

    // --- Queries -----------------------------------------------------------

    /// Counts of what exists and what has happened, kept up to date at every
    /// change (O(1) to read).
    pub fn census(&self) -> &Census {
        self.world.resource::<Census>()
    }

    /// A process, if it still exists (zombies included).
    pub fn process(&self, p: Entity) -> Option<&Process> {
        self.world.get::<Process>(p)
    }

    /// A process's parent.
    pub fn parent(&self, p: Entity) -> Option<Entity> {
        self.world.get::<crate::model::Tree>(p).and_then(|t| t.parent)
    }

    /// The group a process is in.
    pub fn group_of(&self, p: Entity) -> Entity {
        group_of(&self.world, p)
    }

    /// The session a process is in.
    pub fn session_of(&self, p: Entity) -> Entity {
        session_of(&self.world, p)
    }

    /// A process group.
    pub fn group(&self, g: Entity) -> &ProcessGroup {
        group(&self.world, g)
    }

    /// A session.
    pub fn session(&self, s: Entity) -> &Session {
        ids::session(&self.world, s)
    }

    /// A namespace.
    pub fn namespace(&self, ns: Entity) -> &PidNamespace {
        ids::namespace(&self.world, ns)
    }

    /// The number of `pid` in namespace `ns`, 0 where it has none.
    pub fn pid_nr_ns(&self, pid: &Pid, ns: Entity) -> u32 {
        ids::pid_nr_ns(&self.world, pid, ns)
    }

    /// getpid, getpgid(0), getsid(0) as `p` sees them.
    pub fn own_ids(&self, p: Entity) -> [u32; 3] {
        ids::own_ids(&self.world, p)
    }

    /// The handlers that ran in `p`, in order (with `record_handlers`).
    pub fn handlers(&self, p: Entity) -> &[Signal] {
        self.world.get::<crate::model::HandlerLog>(p).map_or(&[], |l| &l.0)
    }

    /// A process's signal state.
    pub fn signals(&self, p: Entity) -> &SignalState {
        self.world.get::<SignalState>(p).expect("process has SignalState")
    }

    // --- The seed's API (gVisor `sessions.go`) ------------------------------

    /// Creates a session led by `p` (`ThreadGroup.CreateSession`: setsid).
    pub fn create_session(&mut self, p: Entity) -> Result<Result<u32, Errno>, CannotAct> {
        self.setsid(p)
    }

    /// Creates a process group led by `p` in its session
    /// (`ThreadGroup.CreateProcessGroup`: setpgid(0, 0)).
    pub fn create_process_group(&mut self, p: Entity) -> Result<Result<(), Errno>, CannotAct> {
        self.setpgid(p, 0, 0)
    }

    /// Moves `p` into group `g` of its session (`ThreadGroup.JoinProcessGroup`:
    /// setpgid(0, id of g)).
    pub fn join_process_group(&mut self, p: Entity, g: Entity) -> Result<Result<(), Errno>, CannotAct> {
        let ns = self.process(p).ok_or(CannotAct::Gone)?.pid.ns;
        let id = self.id_of_process_group(ns, g);
        self.setpgid(p, 0, i64::from(id))
    }

    /// Whether group `g` is orphaned (`ProcessGroup.IsOrphan`), in O(1): by
    /// Linux's exact count, or under a seed profile by the seed's.
    pub fn is_orphan(&self, g: Entity) -> bool {
        orphans::is_orphaned(&self.world, g)
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

    /// Sends `sig` to every member of group `g` from the kernel (gVisor's
    /// `ProcessGroup.SendSignal`).
    pub fn signal_group(&mut self, g: Entity, sig: Signal) {
        orphans::signal_group(&mut self.world, Sender::Kernel, g, sig);
    }
}
