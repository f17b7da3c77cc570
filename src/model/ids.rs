//! Id translation between PID namespaces (`pid_nr_ns`, `find_task_by_vpid`,
//! `find_vpid`): a number means something only relative to a namespace, and an
//! id with no number in the caller's namespace reads as 0.

use crate::model::namespace::IdKind;
use crate::model::{Membership, Pid, PidNamespace, Process, ProcessGroup, Session};
use bevy_ecs::prelude::*;

/// The namespace `pid` was allocated in.
pub fn namespace(world: &World, ns: Entity) -> &PidNamespace {
    world.get::<PidNamespace>(ns).expect("namespace entity has PidNamespace")
}

/// The number of `pid` in `ns`, or 0 when it has none there (`pid_nr_ns`).
/// A pid whose namespace has gone names nothing anywhere any more.
pub fn pid_nr_ns(world: &World, pid: &Pid, ns: Entity) -> u32 {
    let (Some(target), Some(own)) = (world.get::<PidNamespace>(ns), world.get::<PidNamespace>(pid.ns)) else {
        return 0;
    };
    if own.is_within(ns, target.level) { pid.nr_at(target.level).unwrap_or(0) } else { 0 }
}

/// The namespace at `level` of `pid`'s chain and `pid`'s number there
/// (`pid->numbers[level]`).
pub fn number_at(world: &World, pid: &Pid, level: usize) -> (Entity, u32) {
    (namespace(world, pid.ns).chain[level], pid.nr_at(level).expect("a pid has a number at every level up to its own"))
}

/// Records that `pid` names `entity` (as `kind`) in every namespace it has a
/// number in.
pub fn attach(world: &mut World, pid: &Pid, kind: IdKind, entity: Entity) {
    for level in 0..=pid.level() {
        let (ns, nr) = number_at(world, pid, level);
        world.get_mut::<PidNamespace>(ns).expect("ns").table.attach(nr, kind, entity);
    }
}

/// Forgets that `pid` names something as `kind` in every namespace.
pub fn detach(world: &mut World, pid: &Pid, kind: IdKind) {
    for level in 0..=pid.level() {
        let (ns, nr) = number_at(world, pid, level);
        world.get_mut::<PidNamespace>(ns).expect("ns").table.detach(nr, kind);
    }
}

/// A process's own pid.
pub fn pid_of(world: &World, p: Entity) -> &Pid {
    &process(world, p).pid
}

/// The namespace a process lives in (`task_active_pid_ns`).
pub fn ns_of(world: &World, p: Entity) -> Entity {
    process(world, p).pid.ns
}

/// The process component; every process entity has one.
pub fn process(world: &World, p: Entity) -> &Process {
    world.get::<Process>(p).expect("process entity has Process")
}

/// The group a process is in.
pub fn group_of(world: &World, p: Entity) -> Entity {
    world.get::<Membership>(p).expect("process entity has Membership").group
}

/// The group component of a group entity.
pub fn group(world: &World, g: Entity) -> &ProcessGroup {
    world.get::<ProcessGroup>(g).expect("group entity has ProcessGroup")
}

/// The session a process is in (through its group).
pub fn session_of(world: &World, p: Entity) -> Entity {
    group(world, group_of(world, p)).session
}

/// The session component of a session entity.
pub fn session(world: &World, s: Entity) -> &Session {
    world.get::<Session>(s).expect("session entity has Session")
}

/// The process with pid `nr` in `ns` (`find_task_by_vpid`): none for
/// numbers that are not positive.
pub fn find_process(world: &World, ns: Entity, nr: i64) -> Option<Entity> {
    let nr = u32::try_from(nr).ok().filter(|&n| n > 0)?;
    namespace(world, ns).table.process(nr)
}

/// The process group with id `nr` in `ns` (`pid_task(find_vpid(nr), PIDTYPE_PGID)`).
pub fn find_group(world: &World, ns: Entity, nr: i64) -> Option<Entity> {
    let nr = u32::try_from(nr).ok().filter(|&n| n > 0)?;
    namespace(world, ns).table.group(nr)
}

/// `p`'s pid as seen from `ns`.
pub fn vnr(world: &World, p: Entity, ns: Entity) -> u32 {
    pid_nr_ns(world, pid_of(world, p), ns)
}

/// getpid, getpgid(0), getsid(0) as the process itself sees them.
pub fn own_ids(world: &World, p: Entity) -> [u32; 3] {
    let ns = ns_of(world, p);
    let g = group(world, group_of(world, p));
    [vnr(world, p, ns), pid_nr_ns(world, &g.id, ns), pid_nr_ns(world, &session(world, g.session).id, ns)]
}
