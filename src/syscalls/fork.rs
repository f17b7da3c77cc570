//! fork and clone(CLONE_NEWPID) (rules 1–4).
//!
//! The child shares its parent's group and session, copies its dispositions,
//! has nothing pending, is not stopped, not a session leader, has not exec'd,
//! and inherits `has_child_subreaper` (`copy_process`). With CLONE_NEWPID it is
//! pid 1 of a new namespace one level down, with a number in every ancestor
//! namespace too; its group and session keep ids that read as 0 inside.

use crate::model::ids::{self, group_of, namespace, ns_of, process};
use crate::model::list;
use crate::model::namespace::{IdKind, MAX_LEVEL};
use crate::model::tree::Children;
use crate::model::{Errno, Membership, Pid, PidNamespace, PidTable, Process, RunState, SignalState, Tree};
use crate::semantics::Semantics;
use crate::systems::{ancestors, namespaces};
use bevy_ecs::prelude::*;

/// Creates a namespace nested in `parent` (or the root namespace); a nested
/// namespace inherits its parent's `pid_max`.
pub fn create_namespace(world: &mut World, parent: Option<Entity>, pid_max: u32) -> Result<Entity, Errno> {
    let (level, mut chain) = match parent {
        Some(parent) => {
            let ns = namespace(world, parent);
            (ns.level + 1, ns.chain.to_vec())
        }
        None => (0, Vec::new()),
    };
    if level > MAX_LEVEL {
        return Err(Errno::ENOSPC);
    }
    let ns = world.spawn_empty().id();
    world.resource_mut::<crate::systems::census::Census>().namespaces += 1;
    chain.push(ns);
    world.entity_mut(ns).insert(PidNamespace {
        level,
        chain: chain.into_boxed_slice(),
        reaper: None,
        adding: true,
        refs: u32::from(parent.is_none()),
        table: PidTable::new(pid_max),
    });
    if let Some(parent) = parent {
        namespaces::get(world, parent);
    }
    Ok(ns)
}

/// Allocates a pid in `ns` and every ancestor (`alloc_pid`): EAGAIN when a
/// namespace has no number left, ENOMEM when `ns`'s init has exited.
pub fn alloc_pid(world: &mut World, ns: Entity) -> Result<Pid, Errno> {
    let semantics = *world.resource::<Semantics>();
    let level = namespace(world, ns).level;
    let mut alloc = |level: usize| {
        let each = namespace(world, ns).chain[level];
        world.get_mut::<PidNamespace>(each).expect("ns").table.alloc(semantics).ok_or(Errno::EAGAIN)
    };
    let nr = alloc(level)?;
    let mut upper = vec![0; level].into_boxed_slice();
    for (level, number) in upper.iter_mut().enumerate().rev() {
        *number = alloc(level)?;
    }
    if !namespace(world, ns).adding {
        return Err(Errno::ENOMEM);
    }
    Ok(Pid { ns, nr, upper })
}

/// Spawns a process entity with `pid`, in group `group`, child of `parent`,
/// and records its numbers in every namespace.
pub fn spawn_process(
    world: &mut World,
    process: Process,
    signals: SignalState,
    group: Entity,
    parent: Option<Entity>,
) -> Entity {
    let pid = process.pid.clone();
    let (ns, reaper) = (process.pid.ns, process.ns_init);
    let mut census = world.resource_mut::<crate::systems::census::Census>();
    census.moved(None, Some(process.state));
    census.totals.forks += 1;
    let membership = Membership { group, link: Default::default(), counted: false };
    let p = world.spawn((process, signals, Tree::default(), membership)).id();
    ids::attach(world, &pid, IdKind::Process, p);
    namespaces::get(world, ns);
    if reaper {
        world.get_mut::<PidNamespace>(ns).expect("ns").reaper = Some(p);
    }
    ancestors::join(world, p);
    if let Some(parent) = parent {
        list::push_back::<Children>(world, parent, p);
        ancestors::adopt(world, p, Some(parent));
    }
    p
}

/// `fork()` by `parent`, or `clone(CLONE_NEWPID)` with `newpid`.
pub fn fork(world: &mut World, parent: Entity, newpid: bool) -> Result<Entity, Errno> {
    let parent_ns = ns_of(world, parent);
    let ns = if newpid {
        let pid_max = namespace(world, parent_ns).table.pid_max();
        create_namespace(world, Some(parent_ns), pid_max)?
    } else {
        parent_ns
    };
    let pid = match alloc_pid(world, ns) {
        Ok(pid) => pid,
        Err(e) => {
            if newpid {
                namespaces::free(world, ns);
            }
            return Err(e);
        }
    };
    let from = process(world, parent);
    let child = Process {
        pid,
        state: RunState::Running,
        exit: None,
        session_leader: false,
        forknoexec: true,
        child_subreaper: false,
        has_child_subreaper: from.has_child_subreaper || from.child_subreaper,
        ns_init: newpid,
        global_init: false,
    };
    let from = world.get::<SignalState>(parent).expect("signals");
    let signals = SignalState { ignored: from.ignored, caught: from.caught, ..Default::default() };
    let group = group_of(world, parent);
    Ok(spawn_process(world, child, signals, group, Some(parent)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::systems::census::Census;

    #[test]
    fn a_namespace_whose_init_has_exited_takes_no_more_processes() {
        let mut world = World::new();
        world.init_resource::<Census>();
        world.init_resource::<Semantics>();
        let root = create_namespace(&mut world, None, 1000).expect("root");
        let ns = create_namespace(&mut world, Some(root), 1000).expect("level 1");
        assert!(alloc_pid(&mut world, ns).is_ok());
        world.get_mut::<PidNamespace>(ns).expect("ns").adding = false;
        assert_eq!(alloc_pid(&mut world, ns), Err(Errno::ENOMEM));
    }

    #[test]
    fn namespaces_nest_32_levels_deep() {
        let mut world = World::new();
        world.init_resource::<Census>();
        let mut ns = create_namespace(&mut world, None, 1000).expect("root");
        for _ in 0..MAX_LEVEL {
            ns = create_namespace(&mut world, Some(ns), 1000).expect("within the limit");
        }
        assert_eq!(create_namespace(&mut world, Some(ns), 1000), Err(Errno::ENOSPC));
    }
}
