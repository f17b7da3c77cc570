//! Thread groups: the thread list and the walks over it (`next_thread`,
//! `for_other_threads`, `find_alive_thread`), the count of live tasks that
//! decides when a process is dead (`signal->live`), and the release of a
//! thread (`__exit_signal`, `release_task`).
//!
//! The thread list is the leader, then its other threads in creation order;
//! after the last comes the leader again. A process that has never had a
//! second thread has no [`ThreadGroup`](crate::model::ThreadGroup), and every
//! walk here is then the leader alone, with no lookup beyond its `Process`.

use crate::model::list::{self, ListHead, ListLink, ListStore, ListView};
use crate::model::namespace::IdKind;
use crate::model::{Flags, Thread, ThreadGroup};
use crate::systems::kernel::Core;
use crate::systems::namespaces;
use bevy_ecs::prelude::*;
use smallvec::SmallVec;

/// The thread lists: heads in [`ThreadGroup`], links in [`Thread`].
pub struct ThreadLists<'a, 'w, 's> {
    groups: &'a mut Query<'w, 's, &'static mut ThreadGroup>,
    threads: &'a mut Query<'w, 's, &'static mut Thread>,
}

impl ListStore for ThreadLists<'_, '_, '_> {
    fn head_mut(&mut self, owner: Entity) -> &mut ListHead {
        &mut self.groups.get_mut(owner).expect("a threaded process has ThreadGroup").into_inner().threads
    }

    fn link_mut(&mut self, member: Entity) -> &mut ListLink {
        &mut self.threads.get_mut(member).expect("a thread has Thread").into_inner().link
    }
}

struct ThreadListView<'a, 'w, 's> {
    groups: &'a Query<'w, 's, &'static mut ThreadGroup>,
    threads: &'a Query<'w, 's, &'static mut Thread>,
}

impl ListView for ThreadListView<'_, '_, '_> {
    fn head(&self, owner: Entity) -> ListHead {
        self.groups.get(owner).map(|g| g.threads).unwrap_or_default()
    }

    fn link(&self, member: Entity) -> ListLink {
        self.threads.get(member).expect("a thread has Thread").link
    }
}

/// The thread lists, for changing them.
pub fn lists<'a, 'w, 's>(core: &'a mut Core<'w, 's>) -> ThreadLists<'a, 'w, 's> {
    ThreadLists { groups: &mut core.thread_groups, threads: &mut core.threads }
}

/// The tasks of a process, collected (the walkers change the world as they
/// go): a single-threaded process's fit without an allocation.
pub type Tasks = SmallVec<[Entity; 4]>;

/// The tasks of process `p`, leader first, in thread-list order.
pub fn tasks(core: &Core, p: Entity) -> Tasks {
    let mut out = Tasks::new();
    out.push(p);
    if core.process(p).has(Flags::THREADED) {
        let view = ThreadListView { groups: &core.thread_groups, threads: &core.threads };
        let mut cursor = view.head(p).first;
        while let Some(t) = cursor {
            out.push(t);
            cursor = view.link(t).next;
        }
    }
    out
}

/// The children of every task of process `p`: its leader's, then each
/// thread's.
pub fn children_of_process(core: &Core, p: Entity) -> Vec<Entity> {
    let mut out = core.children_of(p);
    if core.process(p).has(Flags::THREADED) {
        for t in tasks(core, p).into_iter().skip(1) {
            out.extend(core.children_of(t));
        }
    }
    out
}

/// The task after `t` in its process's thread list, wrapping to the leader
/// (`next_thread`).
pub fn next_thread(core: &Core, t: Entity) -> Entity {
    match core.processes.get(t) {
        Ok(leader) if leader.has(Flags::THREADED) => core.thread_group(t).and_then(|g| g.threads.first).unwrap_or(t),
        Ok(_) => t,
        Err(_) => {
            let thread = core.thread(t);
            thread.link.next.unwrap_or(thread.process)
        }
    }
}

/// The other tasks of `t`'s process, starting after `t` and wrapping
/// (`for_other_threads`).
pub fn others_after(core: &Core, t: Entity) -> Tasks {
    let mut out = Tasks::new();
    let mut cursor = next_thread(core, t);
    while cursor != t {
        out.push(cursor);
        cursor = next_thread(core, cursor);
    }
    out
}

/// The first task of process `p` in thread-list order that has not begun to
/// exit (`find_alive_thread`).
pub fn find_alive_thread(core: &Core, p: Entity) -> Option<Entity> {
    if !core.process(p).task.is_exiting() {
        return Some(p);
    }
    tasks(core, p).into_iter().skip(1).find(|&t| !core.task(t).is_exiting())
}

/// Whether process `p` has no task but its leader (`thread_group_empty`).
pub fn is_empty(core: &Core, p: Entity) -> bool {
    core.thread_group(p).is_none_or(|g| g.threads.is_empty())
}

/// `t` begins to exit: one live task fewer in its process. Returns whether
/// it was the last (`group_dead`).
pub fn leave(core: &mut Core, t: Entity) -> bool {
    let p = core.leader_of(t);
    match core.thread_group_mut(p) {
        Some(mut group) => {
            group.live -= 1;
            group.live == 0
        }
        None => true,
    }
}

/// Frees thread `t` (`release_task` of a non-leader): it leaves the thread
/// list (`curr_target` moves on from it), its tid is freed in every
/// namespace, and its entity goes when the system call ends.
pub fn release(core: &mut Core, t: Entity) {
    let p = core.thread(t).process;
    let next = next_thread(core, t);
    list::remove(&mut lists(core), p, t);
    let mut group = core.thread_group_mut(p).expect("a thread's process is threaded");
    if group.curr_target == t {
        group.curr_target = next;
    }
    let tid = core.thread(t).tid.clone();
    namespaces::free_id(core, &tid, IdKind::Process);
    core.state.census.threads -= 1;
    core.state.doomed.push(t);
    core.state.released_threads.push(t);
}

/// Task `t` stops, or exits, while its process's group stop waits for it
/// (`task_participate_group_stop`). Returns whether it was the last, so
/// that the process is now stopped.
pub fn participate_group_stop(core: &mut Core, t: Entity) -> bool {
    let p = core.leader_of(t);
    match core.thread_group_mut(p) {
        Some(mut group) => {
            group.stopping = group.stopping.saturating_sub(1);
            group.stopping == 0
        }
        None => true,
    }
}
