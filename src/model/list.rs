//! Intrusive doubly linked lists between entities: the storage of every
//! one-to-many relation (a parent's children, a group's members).
//!
//! bevy's stock relationships keep the targets in a `Vec` or a set on the
//! target entity, so removing one of a million children costs O(n) or a hash
//! probe, and every change runs hooks through the command queue. The kernel
//! threads its lists through the tasks themselves (`sibling`, `pid_links`);
//! this does the same: a [`ListHead`] on the owner, a [`ListLink`] on each
//! member, O(1) insertion at either end and O(1) removal, in a stable order
//! that the kernel's walks depend on (children oldest first, group members
//! most recently joined first).
//!
//! The operations are written against [`ListStore`], which says where a
//! list's head and links live, so that the same code serves every list and
//! every way of reaching the components (the kernel's queries, a plain
//! `&World` for the consistency checks).

use bevy_ecs::prelude::*;

/// The owner's end of a list: first and last. (The kernel's `list_head` has
/// no count either; a walk counts.)
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ListHead {
    pub first: Option<Entity>,
    pub last: Option<Entity>,
}

impl ListHead {
    pub fn is_empty(&self) -> bool {
        self.first.is_none()
    }

    /// Whether it has one member at most.
    pub fn is_singular(&self) -> bool {
        self.first == self.last
    }
}

/// A member's place in a list.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ListLink {
    pub prev: Option<Entity>,
    pub next: Option<Entity>,
}

/// Where one kind of list keeps its head (on the owner) and its links (on
/// each member), for reading.
pub trait ListView {
    fn head(&self, owner: Entity) -> ListHead;
    fn link(&self, member: Entity) -> ListLink;
}

/// The same, for changing the list.
pub trait ListStore {
    fn head_mut(&mut self, owner: Entity) -> &mut ListHead;
    fn link_mut(&mut self, member: Entity) -> &mut ListLink;
}

/// Appends `member` at the end of `owner`'s list.
pub fn push_back(store: &mut impl ListStore, owner: Entity, member: Entity) {
    let last = store.head_mut(owner).last;
    *store.link_mut(member) = ListLink { prev: last, next: None };
    if let Some(last) = last {
        store.link_mut(last).next = Some(member);
    }
    let head = store.head_mut(owner);
    head.first = head.first.or(Some(member));
    head.last = Some(member);
}

/// Inserts `member` at the front of `owner`'s list.
pub fn push_front(store: &mut impl ListStore, owner: Entity, member: Entity) {
    let first = store.head_mut(owner).first;
    *store.link_mut(member) = ListLink { prev: None, next: first };
    if let Some(first) = first {
        store.link_mut(first).prev = Some(member);
    }
    let head = store.head_mut(owner);
    head.last = head.last.or(Some(member));
    head.first = Some(member);
}

/// Unlinks `member` from `owner`'s list.
pub fn remove(store: &mut impl ListStore, owner: Entity, member: Entity) {
    let ListLink { prev, next } = std::mem::take(store.link_mut(member));
    if let Some(prev) = prev {
        store.link_mut(prev).next = next;
    }
    if let Some(next) = next {
        store.link_mut(next).prev = prev;
    }
    let head = store.head_mut(owner);
    if prev.is_none() {
        head.first = next;
    }
    if next.is_none() {
        head.last = prev;
    }
}

/// Moves every member of `from`'s list, in order, to the end of `to`'s, in
/// O(1) (`list_splice_tail_init`).
pub fn splice_back(store: &mut impl ListStore, from: Entity, to: Entity) {
    if from == to {
        return;
    }
    let moved = std::mem::take(store.head_mut(from));
    let (Some(first), Some(last)) = (moved.first, moved.last) else {
        return;
    };
    let tail = store.head_mut(to).last;
    store.link_mut(first).prev = tail;
    if let Some(tail) = tail {
        store.link_mut(tail).next = Some(first);
    }
    let head = store.head_mut(to);
    head.first = head.first.or(Some(first));
    head.last = Some(last);
}

/// Empties `owner`'s list, leaving every former member unlinked.
pub fn clear(store: &mut impl ListStore, owner: Entity) {
    let mut cursor = std::mem::take(store.head_mut(owner)).first;
    while let Some(member) = cursor {
        cursor = std::mem::take(store.link_mut(member)).next;
    }
}

/// The members of `owner`'s list, in order. Collects them, because walkers
/// usually change the world as they go.
pub fn members(view: &impl ListView, owner: Entity) -> Vec<Entity> {
    let mut out = Vec::new();
    let mut cursor = view.head(owner).first;
    while let Some(member) = cursor {
        out.push(member);
        cursor = view.link(member).next;
    }
    out
}
