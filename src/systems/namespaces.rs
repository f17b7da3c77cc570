//! The lifetime of a PID namespace (`get_pid_ns`, `put_pid_ns`).
//!
//! A namespace lives as long as something holds a pid allocated in it: a
//! process's own pid, and the id of a process group or session — which can
//! outlive every process of the namespace, as when a parent joins the group
//! of the init it forked with CLONE_NEWPID and that init dies — and while a
//! namespace nested in it lives. Counting holders rather than numbers in use
//! matters under the seed, where a group can keep an id whose number another
//! group's removal has already unmapped. The root namespace is never freed
//! (`init_pid_ns` is static).

use crate::model::namespace::IdKind;
use crate::model::{Pid, TaskState};
use crate::systems::kernel::Core;
use crate::systems::signal;
use bevy_ecs::prelude::*;

/// Takes a reference on `ns`.
pub fn get(core: &mut Core, ns: Entity) {
    core.namespace_mut(ns).refs += 1;
}

/// Drops a reference on `ns`, freeing it (and then its ancestors) when it
/// was the last.
pub fn put(core: &mut Core, ns: Entity) {
    let refs = {
        let mut namespace = core.namespace_mut(ns);
        namespace.refs -= 1;
        namespace.refs
    };
    if refs == 0 {
        free(core, ns);
    }
}

/// Frees a namespace nothing holds — also one whose first fork failed — and
/// drops its reference on its parent. Its entity goes when the system call
/// ends; until then it reads as freed ([`PidNamespace::is_freed`](crate::model::PidNamespace::is_freed)).
pub fn free(core: &mut Core, ns: Entity) {
    let parent = {
        let mut namespace = core.namespace_mut(ns);
        namespace.refs = 0;
        namespace.level.checked_sub(1).map(|level| namespace.chain[level])
    };
    core.state.doomed.push(ns);
    core.state.census.namespaces -= 1;
    if let Some(parent) = parent {
        put(core, parent);
    }
}

/// Frees `id`'s numbers (as `kind`: a process's pid, a group's or a
/// session's id) in every namespace it has one in, and drops its reference
/// on its namespace.
///
/// A namespace init waiting for its namespace to empty
/// (`zap_pid_ns_processes`) is woken when this freed the last number but its
/// own: the kernel waits for `pid_allocated` to drop, so a number held as the
/// id of a group — whose member may live in an outer namespace, out of reach
/// of the init's SIGKILLs — keeps it waiting as much as a process does, and
/// its freeing by a setpgid or setsid ends the wait (rule 12).
pub fn free_id(core: &mut Core, id: &Pid, kind: IdKind) {
    core.detach(id, kind);
    for level in 0..=id.level() {
        let ns = core.namespace(id.ns).chain[level];
        let namespace = core.namespace(ns);
        if namespace.adding || !emptied(core, ns) {
            continue;
        }
        let waiting = |&init: &Entity| core.try_task(init).is_some_and(|t| t.state == TaskState::Exiting);
        if let Some(init) = namespace.reaper.filter(waiting) {
            signal::enqueue(core, init);
        }
    }
    put(core, id.ns);
}

/// Whether the init of `ns`, exiting, may go on: nothing is left in its
/// namespace but itself (and its zombie leader, when the init's last task
/// is another thread: `zap_pid_ns_processes`'s `init_pids`).
pub fn emptied(core: &Core, ns: Entity) -> bool {
    let namespace = core.namespace(ns);
    let own = match namespace.reaper {
        Some(reaper) if core.threads.contains(reaper) => 2,
        _ => 1,
    };
    namespace.table.in_use() <= own
}
