//! Consistency checks of a [`Machine`] by brute force: everything the model
//! keeps incrementally (relation lists, link and stopped counts, id tables,
//! namespace references, the census) recomputed from scratch and compared.
//! O(world): for tests and debugging, never on a simulation's hot path.

use crate::gvisor::SeedGroup;
use crate::machine::Machine;
use crate::model::{
    Flags, Pid, PidNamespace, Process, ProcessGroup, RunState, Session, TaskFlags, Terminal, Thread, ThreadGroup,
};
use crate::semantics::Rule;
use crate::systems::census::Census;
use crate::systems::links::is_link;
use bevy_ecs::prelude::*;
use std::collections::BTreeMap;

/// Something the incremental model got wrong.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("inconsistent model: {0}")]
pub struct Inconsistency(pub String);

macro_rules! ensure {
    ($cond:expr, $($msg:tt)+) => {
        if !$cond {
            return Err(Inconsistency(format!($($msg)+)));
        }
    };
}

/// Every entity with a `C`, but the spares, with its `C`.
fn all<C: Component>(world: &World) -> Vec<(Entity, &C)> {
    let spares = &world.resource::<crate::systems::kernel::KernelState>().spares;
    let Some(mut query) = world.try_query_filtered::<Entity, With<C>>() else { return Vec::new() };
    let entities: Vec<Entity> = query.iter(world).filter(|e| !spares.contains(*e)).collect();
    entities.into_iter().map(|e| (e, world.get::<C>(e).expect("queried with it"))).collect()
}

/// Checks every invariant of the model.
///
/// Under a seed profile two live groups may share an id, and an id table
/// then names one of them or neither (the seed's maps work that way), so the
/// group and session tables are not checked. Its `ancestors` counts drift by
/// design; where every rule that makes them drift is left out
/// ([`Rule::COUNT`]), they must equal the link counts.
pub fn check(machine: &Machine) -> Result<(), Inconsistency> {
    let world = machine.world();
    let semantics = machine.semantics();
    let seed_ids = semantics.has_seed_rules();
    let exact_ancestors = seed_ids && Rule::COUNT.iter().all(|&r| !semantics.seed(r));
    let mut census = Census { totals: machine.census().totals.clone(), ..Default::default() };
    let mut members_seen: BTreeMap<Entity, u32> = BTreeMap::new();
    let mut links: BTreeMap<Entity, u32> = BTreeMap::new();
    let mut stopped: BTreeMap<Entity, u32> = BTreeMap::new();
    // The references each namespace should count: the ids held in it, and
    // the namespaces nested in it.
    let mut refs: BTreeMap<Entity, u32> = BTreeMap::new();
    let mut hold = |ns: Entity| {
        ensure!(world.get::<PidNamespace>(ns).is_some(), "an id is held in namespace {ns}, which was freed");
        *refs.entry(ns).or_default() += 1;
        Ok(())
    };
    let groups = all::<ProcessGroup>(world);
    for (p, proc) in all::<Process>(world) {
        hold(proc.pid.ns)?;
        census.moved(None, Some(proc.state));
        let g = proc.group;
        let group = world.get::<ProcessGroup>(g);
        ensure!(group.is_some(), "{p} is in a group that does not exist");
        ensure!(group.is_some_and(|g| g.session == proc.session), "{p}'s cached session is not its group's");
        *members_seen.entry(g).or_default() += 1;
        let parent_process = proc.parent.and_then(|parent| world.get::<Process>(machine.leader_of(parent)));
        let link = parent_process.is_some_and(|parent| is_link(proc, parent));
        *links.entry(g).or_default() += u32::from(link);
        *stopped.entry(g).or_default() += u32::from(proc.state == RunState::Stopped);
        ensure!(proc.has(Flags::COUNTED) == link, "{p}'s cached link status is stale");
        ensure!(machine.members(g).contains(&p), "{p} is missing from its group's member list");
        if let Some(parent) = proc.parent {
            ensure!(parent_process.is_some(), "{p}'s parent task does not exist");
            let siblings = machine.children(parent);
            ensure!(siblings.contains(&p), "{p} is missing from its parent's children");
        } else {
            ensure!(proc.is_global_init(), "{p} has no parent but is not the global init");
        }
        check_children(machine, p)?;
        check_thread_group(machine, p, proc)?;
        if let Some(tty) = proc.ctty {
            let session = machine.terminal(tty).session;
            ensure!(session == Some(proc.session), "{p}'s terminal {tty:?} is not its session's but {session:?}'s");
        }
        for (ns, nr) in numbers(world, &proc.pid) {
            let table = &world.get::<PidNamespace>(ns).expect("namespace").table;
            ensure!(table.process(nr) == Some(p), "{p}'s number {nr} is not in its namespace's table");
        }
    }
    for (t, thread) in all::<Thread>(world) {
        hold(thread.tid.ns)?;
        census.threads += 1;
        let process = world.get::<Process>(thread.process);
        ensure!(process.is_some_and(|p| p.has(Flags::THREADED)), "thread {t}'s process is not a threaded process");
        ensure!(machine.tasks(thread.process).contains(&t), "thread {t} is missing from its process's thread list");
        ensure!(
            thread.tid.ns == process.map_or(thread.tid.ns, |p| p.pid.ns),
            "thread {t}'s tid is in another namespace"
        );
        check_children(machine, t)?;
        for (ns, nr) in numbers(world, &thread.tid) {
            let table = &world.get::<PidNamespace>(ns).expect("namespace").table;
            ensure!(table.process(nr) == Some(t), "thread {t}'s tid {nr} is not in its namespace's table");
        }
    }
    for (g, group) in &groups {
        let g = *g;
        hold(group.id.ns)?;
        census.groups += 1;
        census.orphaned_groups += u64::from(group.is_orphaned());
        let seen = members_seen.get(&g).copied().unwrap_or(0);
        ensure!(seen > 0, "group {g} has no members");
        let listed = machine.members(g).len() as u32;
        ensure!(listed == seen, "group {g} lists {listed} members, has {seen}");
        let want = links.get(&g).copied().unwrap_or(0);
        ensure!(group.links == want, "group {g} counts {} links, recount gives {want}", group.links);
        let want = stopped.get(&g).copied().unwrap_or(0);
        ensure!(group.stopped == want, "group {g} counts {} stopped, recount gives {want}", group.stopped);
        ensure!(world.get::<Session>(group.session).is_some(), "group {g}'s session does not exist");
        let ancestors = world.get::<SeedGroup>(g).map(|s| s.ancestors);
        ensure!(
            !exact_ancestors || ancestors == Some(group.links),
            "group {g}'s seed count {ancestors:?} differs from its {} links",
            group.links
        );
        if seed_ids {
            continue;
        }
        for (ns, nr) in numbers(world, &group.id) {
            let table = &world.get::<PidNamespace>(ns).expect("namespace").table;
            ensure!(table.group(nr) == Some(g), "group {g}'s id {nr} is not in its namespace's table");
        }
    }
    for (s, session) in all::<Session>(world) {
        hold(session.id.ns)?;
        census.sessions += 1;
        let mut have: Vec<Entity> = groups.iter().filter(|(_, g)| g.session == s).map(|(g, _)| *g).collect();
        ensure!(!have.is_empty(), "session {s} has no groups and was not released");
        let mut listed = machine.groups_in(s);
        listed.sort();
        have.sort();
        ensure!(listed == have, "session {s} lists groups {listed:?}, has {have:?}");
        if seed_ids {
            continue;
        }
        for (ns, nr) in numbers(world, &session.id) {
            let table = &world.get::<PidNamespace>(ns).expect("namespace").table;
            ensure!(table.session(nr) == Some(s), "session {s}'s id {nr} is not in its namespace's table");
        }
    }
    check_terminals(machine, &mut census)?;
    let namespaces = all::<PidNamespace>(world);
    for (ns, namespace) in &namespaces {
        census.namespaces += 1;
        namespace.table.recount().map_err(|e| Inconsistency(format!("namespace {ns}'s table {e}")))?;
        // A nested namespace holds its parent; the root is held for ever.
        let holder = namespace.level.checked_sub(1).map_or(*ns, |level| namespace.chain[level]);
        ensure!(world.get::<PidNamespace>(holder).is_some(), "namespace {ns} is nested in {holder}, which was freed");
        *refs.entry(holder).or_default() += 1;
    }
    for (ns, namespace) in &namespaces {
        let held = refs.get(ns).copied().unwrap_or(0);
        ensure!(namespace.refs == held, "namespace {ns} counts {} references, has {held}", namespace.refs);
        ensure!(held > 0, "namespace {ns} is held by nothing and was not freed");
    }
    ensure!(&census == machine.census(), "census {:?} differs from recount {census:?}", machine.census());
    Ok(())
}

/// Every terminal that has a session is its leader's process's controlling
/// terminal, those not hung up are counted, and each task marked to restart a terminal call has exactly one
/// call pending.
fn check_terminals(machine: &Machine, census: &mut Census) -> Result<(), Inconsistency> {
    let world = machine.world();
    for (_, terminal) in all::<Terminal>(world) {
        census.terminals += u64::from(!terminal.hung_up);
        let Some(s) = terminal.session else { continue };
        let id = &machine.session(s).id;
        let leader = machine.namespace(id.ns).table.process(id.nr).and_then(|l| machine.process(l));
        let held = leader.and_then(|l| l.ctty);
        ensure!(held == Some(terminal.id), "terminal {:?} has session {s}, whose leader holds {held:?}", terminal.id);
    }
    let restarts = &world.resource::<crate::systems::kernel::KernelState>().restarts;
    let processes = all::<Process>(world).into_iter().map(|(p, _)| p);
    for t in processes.chain(all::<Thread>(world).into_iter().map(|(t, _)| t)) {
        let marked = machine.task(t).is_some_and(|task| task.flags.contains(TaskFlags::RESTART));
        let pending = restarts.iter().filter(|r| r.task == t).count();
        ensure!(pending == usize::from(marked), "task {t} has {pending} calls pending, marked {marked}");
    }
    ensure!(restarts.iter().all(|r| machine.task(r.task).is_some()), "a call is pending in a task that is gone");
    Ok(())
}

/// Task `t`'s children list: each child names `t` as its parent, and the
/// list's head ends at its last member.
fn check_children(machine: &Machine, t: Entity) -> Result<(), Inconsistency> {
    let children = machine.children(t);
    for &c in &children {
        let parent = machine.process(c).and_then(|c| c.parent);
        ensure!(parent == Some(t), "{c} is in {t}'s children but its parent is {parent:?}");
    }
    let last = machine.task(t).and_then(|task| task.children.last);
    ensure!(children.last().copied() == last, "{t}'s children list does not end at its last child");
    Ok(())
}

/// The thread-group state of process `p`: its count of live tasks, and a
/// `curr_target` that is one of its unreleased tasks.
fn check_thread_group(machine: &Machine, p: Entity, proc: &Process) -> Result<(), Inconsistency> {
    let Some(group) = machine.world().get::<ThreadGroup>(p).filter(|_| proc.has(Flags::THREADED)) else {
        return Ok(());
    };
    let tasks = machine.tasks(p);
    ensure!(tasks.contains(&group.curr_target), "{p}'s curr_target {} is not one of its tasks", group.curr_target);
    let live = tasks.iter().filter(|&&t| machine.task(t).is_some_and(|t| !t.is_exiting())).count() as u32;
    ensure!(group.live == live, "{p} counts {} live tasks, has {live}", group.live);
    Ok(())
}

fn numbers<'a>(world: &'a World, pid: &'a Pid) -> impl Iterator<Item = (Entity, u32)> + 'a {
    let chain = &world.get::<PidNamespace>(pid.ns).expect("a pid's namespace").chain;
    (0..=pid.level()).map(move |level| (chain[level], pid.nr_at(level).expect("a pid has a number at every level")))
}
