//! fork, clone(CLONE_NEWPID) and clone(CLONE_THREAD) (rules 1–4, 42–44).
//!
//! The child shares its parent's group, session and controlling terminal,
//! copies its dispositions,
//! has nothing pending, is not stopped, not a session leader, has not exec'd,
//! and inherits `has_child_subreaper` (`copy_process`). With CLONE_NEWPID it is
//! pid 1 of a new namespace one level down, with a number in every ancestor
//! namespace too; its group and session keep ids that read as 0 inside.

use crate::model::list::{self, ListLink};
use crate::model::namespace::{Allocation, IdKind, MAX_LEVEL};
use crate::model::{Errno, Flags, Pid, PidNamespace, PidTable, Process, SignalState, Task, Thread, ThreadGroup};
use crate::semantics::{Rule, SEED_TASKS_LIMIT};
use crate::systems::kernel::Core;
use crate::systems::{groups, namespaces, reparent, spares, threads};
use bevy_ecs::prelude::*;

/// Makes a namespace nested in `parent` (or the root namespace) from a
/// spare; a nested namespace inherits its parent's `pid_max`.
pub fn create_namespace(core: &mut Core, parent: Option<Entity>, pid_max: u32) -> Result<Entity, Errno> {
    let (level, mut chain) = match parent {
        Some(parent) => {
            let ns = core.namespace(parent);
            (ns.level + 1, ns.chain.to_vec())
        }
        None => (0, Vec::new()),
    };
    if level > MAX_LEVEL {
        return Err(Errno::ENOSPC);
    }
    let ns = spares::take(&mut core.state.spares.namespaces);
    core.state.census.namespaces += 1;
    chain.push(ns);
    *core.namespace_mut(ns) = PidNamespace {
        level,
        chain: chain.into_boxed_slice(),
        reaper: None,
        adding: true,
        // The root namespace is held for ever (`init_pid_ns` is static); a
        // nested one by its processes and ids, once it has some.
        refs: u32::from(parent.is_none()),
        table: PidTable::new(pid_max),
    };
    if let Some(parent) = parent {
        namespaces::get(core, parent);
    }
    Ok(ns)
}

/// How numbers are handed out under the semantics in force.
fn allocation(core: &Core) -> Allocation {
    let semantics = core.state.semantics;
    Allocation {
        wrap_at: semantics.seed(Rule::PidWrap).then_some(SEED_TASKS_LIMIT),
        process_numbers_only: semantics.seed(Rule::PidReuse),
    }
}

/// Allocates a pid in `ns` and every ancestor (`alloc_pid`): EAGAIN when a
/// namespace has no number left, ENOMEM when `ns`'s init has exited.
pub fn alloc_pid(core: &mut Core, ns: Entity) -> Result<Pid, Errno> {
    let how = allocation(core);
    let level = core.namespace(ns).level;
    let mut alloc = |level: usize| {
        let each = core.namespace(ns).chain[level];
        core.namespace_mut(each).table.alloc(how).ok_or(Errno::EAGAIN)
    };
    let nr = alloc(level)?;
    let mut upper: thin_vec::ThinVec<u32> = std::iter::repeat_n(0, level).collect();
    for (level, number) in upper.iter_mut().enumerate().rev() {
        *number = alloc(level)?;
    }
    if !core.namespace(ns).adding {
        return Err(Errno::ENOMEM);
    }
    Ok(Pid { ns, nr, upper })
}

/// Makes a process from a spare: its pid, group, flags, dispositions and
/// leader's task, a child of task `parent` (none for the global init), with
/// its numbers recorded in every namespace.
pub fn spawn_process(
    core: &mut Core,
    pid: Pid,
    flags: Flags,
    (signals, task): (SignalState, Task),
    group: Entity,
    parent: Option<Entity>,
) -> Entity {
    let p = spares::take(&mut core.state.spares.processes);
    core.state.census.moved(None, Some(crate::model::RunState::Running));
    core.state.census.totals.forks += 1;
    let session = core.group(group).session;
    let ns = pid.ns;
    core.attach(&pid, IdKind::Process, p);
    *core.process_mut(p) = Process { task, ..Process::new(group, session, flags, signals, pid) };
    namespaces::get(core, ns);
    if flags.contains(Flags::NS_INIT) {
        core.namespace_mut(ns).reaper = Some(p);
    }
    groups::join(core, p);
    if let Some(parent) = parent {
        list::push_back(&mut core.children(), parent, p);
        reparent::adopt(core, p, Some(parent));
    }
    p
}

/// `fork()` by task `parent`, or `clone(CLONE_NEWPID)` with `newpid`: the
/// child's parent is that thread, and it starts with the thread's mask.
pub fn fork(core: &mut Core, parent: Entity, newpid: bool) -> Result<Entity, Errno> {
    let (p, blocked) = match core.processes.get(parent) {
        Ok(proc) => (parent, proc.task.blocked),
        Err(_) => {
            let thread = core.thread(parent);
            (thread.process, thread.task.blocked)
        }
    };
    let parent_ns = core.ns_of(p);
    let ns = if newpid {
        let pid_max = core.namespace(parent_ns).table.pid_max();
        create_namespace(core, Some(parent_ns), pid_max)?
    } else {
        parent_ns
    };
    let pid = match alloc_pid(core, ns) {
        Ok(pid) => pid,
        Err(e) => {
            if newpid {
                namespaces::free(core, ns);
            }
            return Err(e);
        }
    };
    let from = core.process(p);
    let subreaper = from.flags.intersects(Flags::HAS_CHILD_SUBREAPER | Flags::CHILD_SUBREAPER);
    let mut flags = Flags::FORKNOEXEC;
    flags.set(Flags::HAS_CHILD_SUBREAPER, subreaper);
    flags.set(Flags::NS_INIT, newpid);
    let (group, ctty) = (from.group, from.ctty);
    let from = &core.process(p).signals;
    let signals = SignalState { ignored: from.ignored, caught: from.caught, ..Default::default() };
    let task = Task { blocked, ..Task::default() };
    let child = spawn_process(core, pid, flags, (signals, task), group, Some(parent));
    // The controlling terminal is inherited, in a new namespace too (rule 46).
    if ctty.is_some() {
        core.process_mut(child).ctty = ctty;
    }
    Ok(child)
}

/// clone(CLONE_THREAD | CLONE_SIGHAND | CLONE_VM …) by task `t`: a new
/// thread of its process, with a tid from the pid allocator in every
/// namespace the process is in, `t`'s mask, an empty own queue and no
/// parent-death signal. The machine gives a process its
/// [`ThreadGroup`](crate::model::ThreadGroup) before its first thread.
pub fn clone_thread(core: &mut Core, t: Entity) -> Result<Entity, Errno> {
    let p = core.leader_of(t);
    let ns = core.ns_of(p);
    let tid = alloc_pid(core, ns)?;
    let thread = spares::take(&mut core.state.spares.threads);
    core.attach(&tid, IdKind::Process, thread);
    namespaces::get(core, ns);
    let task = Task { blocked: core.task(t).blocked, ..Task::default() };
    *core.thread_mut(thread) = Thread { process: p, link: ListLink::default(), task, tid };
    if !core.process(p).has(Flags::THREADED) {
        core.process_mut(p).flags.insert(Flags::THREADED);
        *core.thread_groups.get_mut(p).expect("the machine readies the thread group") = ThreadGroup::new(p);
    }
    list::push_back(&mut threads::lists(core), p, thread);
    core.thread_group_mut(p).expect("threaded").live += 1;
    core.state.census.threads += 1;
    Ok(thread)
}
