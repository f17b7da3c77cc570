//! Process exit (`do_exit`, `exit_notify`, `release_task`; rules 9–12, 21).
//!
//! An exit runs in the dying process's own context, before anyone else runs:
//! its children are reparented (each with its orphan check), its own group is
//! checked (rule 21), it becomes a zombie, and its parent is told with SIGCHLD
//! — or, if the parent ignores SIGCHLD, it is released at once. A namespace's
//! init first tears the namespace down (`zap_pid_ns_processes`, rule 12):
//! no more forks into it, SIGKILL to everything else in it and in namespaces
//! nested in it, reap, and wait until it is alone; only then does it go on.
//!
//! Under the seed, no group is checked at exit ([`Rule::CheckedAtReap`]):
//! the count is dropped, and the group checked, when the process is reaped
//! ([`crate::gvisor::ancestors::reap`]); a namespace init does not wait
//! ([`crate::gvisor::exit`]).

use crate::gvisor;
use crate::model::ExitStatus;
use crate::model::ids::{namespace, ns_of, pid_of, process};
use crate::model::list;
use crate::model::namespace::IdKind;
use crate::model::tree::Children;
use crate::model::{Disposition, PidNamespace, Process, RunState, Signal, SignalState, Tree};
use crate::semantics::{Rule, Semantics};
use crate::systems::census::Census;
use crate::systems::sched::Scheduler;
use crate::systems::signal::{self, Sender};
use crate::systems::{ancestors, namespaces, orphans, reparent};
use bevy_ecs::prelude::*;

/// Processes released (reaped) since the log was last drained, with how they
/// ended: the replay report's `gone` lines and the metrics read it.
#[derive(Resource, Debug, Default)]
pub struct Released(pub Vec<(Entity, ExitStatus)>);

/// Starts `p`'s exit (`do_exit`): it stops being stopped, is marked exiting
/// with its status, and its `exit_notify` is queued to run before anyone else.
pub fn do_exit(world: &mut World, p: Entity, status: ExitStatus) {
    ancestors::set_state(world, p, RunState::Exiting);
    let totals = &mut world.resource_mut::<Census>().into_inner().totals;
    match status {
        ExitStatus::Code(_) => totals.exits += 1,
        ExitStatus::Signaled(_) => totals.deaths_by_signal += 1,
    }
    world.get_mut::<Process>(p).expect("process").exit = Some(status);
    world.get_mut::<SignalState>(p).expect("signals").pending = Default::default();
    world.resource_mut::<Scheduler>().exiting.push_back(p);
}

/// Tells `p`'s parent that `p` is a zombie (`do_notify_parent`): SIGCHLD,
/// unless the parent ignores SIGCHLD, in which case `p` is to be released at
/// once. Returns whether it is (autoreap).
pub fn notify_parent(world: &mut World, p: Entity) -> bool {
    // Only the seed leaves a process with no parent (the orphans of a dying
    // namespace): nobody is notified, nobody will reap it (`exitNotifyLocked`:
    // "the notification is resolved as if ignored"). Linux's global init,
    // the one process without a parent there, never exits.
    let Some(parent) = world.get::<Tree>(p).and_then(|t| t.parent) else {
        return true;
    };
    if world.get::<SignalState>(parent).expect("signals").disposition(Signal::Chld) == Disposition::Ignore {
        return true;
    }
    signal::send(world, Sender::Process(p), parent, Signal::Chld);
    false
}

/// Carries out `p`'s exit (`exit_notify`). For a namespace init this may have
/// to wait for the namespace to empty; it is run again when it does.
pub fn exit_notify(world: &mut World, t: Entity) {
    if world.get::<Process>(t).map(|p| p.state) != Some(RunState::Exiting) {
        return;
    }
    let semantics = *world.resource::<Semantics>();
    let ns = ns_of(world, t);
    let reaper = if semantics.seed(Rule::NsInitNoWait) {
        gvisor::exit::reparent_target(world, t)
    } else if process(world, t).ns_init {
        if namespace(world, ns).adding {
            zap_pid_ns(world, t, ns);
        }
        if namespace(world, ns).table.in_use() > 1 {
            return;
        }
        Some(t)
    } else {
        Some(reparent::find_new_reaper(world, t))
    };
    let mut dead = reparent::reparent_children(world, t, reaper);
    if !semantics.seed(Rule::CheckedAtReap) {
        orphans::kill_orphaned_pgrp(world, t, None);
    }
    if semantics.has_seed_rules() && !semantics.seed(Rule::ZombiesCounted) {
        gvisor::ancestors::count_with_parent(world, t, false);
    }
    ancestors::set_state(world, t, RunState::Zombie);
    if notify_parent(world, t) {
        dead.push(t);
    }
    for p in dead {
        release(world, p);
    }
}

/// `zap_pid_ns_processes`: the first half, up to the wait.
fn zap_pid_ns(world: &mut World, init: Entity, ns: Entity) {
    world.get_mut::<PidNamespace>(ns).expect("ns").adding = false;
    world.get_mut::<SignalState>(init).expect("signals").set_disposition(Signal::Chld, Disposition::Ignore);
    let victims: Vec<Entity> = namespace(world, ns).table.processes_from(2).map(|(_, e)| e).collect();
    for task in victims {
        if world.get::<SignalState>(task).is_some_and(|s| s.group_exit.is_none()) {
            signal::send(world, Sender::Kernel, task, Signal::Kill);
        }
    }
    for child in list::members::<Children>(world, init) {
        if process(world, child).state == RunState::Zombie {
            release(world, child);
        }
    }
}

/// Frees a zombie (`release_task`): it leaves its parent's children, its group
/// and every namespace's table, and its entity is despawned.
pub fn release(world: &mut World, p: Entity) {
    let status = process(world, p).exit.expect("a released process has exited");
    let seed_reap = world.resource::<Semantics>().has_seed_rules().then(|| gvisor::ancestors::reap(world, p));
    world.resource_mut::<Released>().0.push((p, status));
    let mut census = world.resource_mut::<Census>();
    census.moved(Some(RunState::Zombie), None);
    census.totals.released += 1;
    if let Some(parent) = world.get::<Tree>(p).and_then(|t| t.parent) {
        list::remove::<Children>(world, parent, p);
    }
    ancestors::detach(world, p);
    let pid = pid_of(world, p).clone();
    world.despawn(p);
    namespaces::free_id(world, &pid, IdKind::Process);
    if let Some(reaped) = seed_reap {
        gvisor::ancestors::after_reap(world, reaped);
    }
}
