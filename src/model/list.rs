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

use bevy_ecs::prelude::*;

/// The owner's end of a list: first, last and how many.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ListHead {
    pub first: Option<Entity>,
    pub last: Option<Entity>,
    pub len: u32,
}

/// A member's place in a list.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ListLink {
    pub prev: Option<Entity>,
    pub next: Option<Entity>,
}

/// One kind of list: where its head and its links live.
pub trait Relation {
    /// The component that holds the head, on the owner.
    type Owner: Component<Mutability = bevy_ecs::component::Mutable>;
    /// The component that holds the link, on each member.
    type Member: Component<Mutability = bevy_ecs::component::Mutable>;
    fn head(owner: &mut Self::Owner) -> &mut ListHead;
    fn link(member: &mut Self::Member) -> &mut ListLink;
    fn head_ref(owner: &Self::Owner) -> &ListHead;
    fn link_ref(member: &Self::Member) -> &ListLink;
}

fn head_mut<R: Relation>(world: &mut World, owner: Entity) -> &mut ListHead {
    let owner = world.get_mut::<R::Owner>(owner).expect("list owner has its head component");
    R::head(owner.into_inner())
}

fn link_mut<R: Relation>(world: &mut World, member: Entity) -> &mut ListLink {
    let member = world.get_mut::<R::Member>(member).expect("list member has its link component");
    R::link(member.into_inner())
}

/// Appends `member` at the end of `owner`'s list.
pub fn push_back<R: Relation>(world: &mut World, owner: Entity, member: Entity) {
    let last = head_mut::<R>(world, owner).last;
    *link_mut::<R>(world, member) = ListLink { prev: last, next: None };
    match last {
        Some(last) => link_mut::<R>(world, last).next = Some(member),
        None => head_mut::<R>(world, owner).first = Some(member),
    }
    let head = head_mut::<R>(world, owner);
    head.last = Some(member);
    head.len += 1;
}

/// Inserts `member` at the front of `owner`'s list.
pub fn push_front<R: Relation>(world: &mut World, owner: Entity, member: Entity) {
    let first = head_mut::<R>(world, owner).first;
    *link_mut::<R>(world, member) = ListLink { prev: None, next: first };
    match first {
        Some(first) => link_mut::<R>(world, first).prev = Some(member),
        None => head_mut::<R>(world, owner).last = Some(member),
    }
    let head = head_mut::<R>(world, owner);
    head.first = Some(member);
    head.len += 1;
}

/// Unlinks `member` from `owner`'s list.
pub fn remove<R: Relation>(world: &mut World, owner: Entity, member: Entity) {
    let ListLink { prev, next } = std::mem::take(link_mut::<R>(world, member));
    match prev {
        Some(prev) => link_mut::<R>(world, prev).next = next,
        None => head_mut::<R>(world, owner).first = next,
    }
    match next {
        Some(next) => link_mut::<R>(world, next).prev = prev,
        None => head_mut::<R>(world, owner).last = prev,
    }
    head_mut::<R>(world, owner).len -= 1;
}

/// Moves every member of `from`'s list, in order, to the end of `to`'s, in
/// O(1) (`list_splice_tail_init`).
pub fn splice_back<R: Relation>(world: &mut World, from: Entity, to: Entity) {
    if from == to {
        return;
    }
    let moved = std::mem::take(head_mut::<R>(world, from));
    let (Some(first), Some(last)) = (moved.first, moved.last) else {
        return;
    };
    let tail = head_mut::<R>(world, to).last;
    link_mut::<R>(world, first).prev = tail;
    match tail {
        Some(tail) => link_mut::<R>(world, tail).next = Some(first),
        None => head_mut::<R>(world, to).first = Some(first),
    }
    let head = head_mut::<R>(world, to);
    head.last = Some(last);
    head.len += moved.len;
}

/// Empties `owner`'s list, leaving every former member unlinked.
pub fn clear<R: Relation>(world: &mut World, owner: Entity) {
    let mut cursor = std::mem::take(head_mut::<R>(world, owner)).first;
    while let Some(member) = cursor {
        cursor = std::mem::take(link_mut::<R>(world, member)).next;
    }
}

/// The members of `owner`'s list, in order. Collects them, because walkers
/// usually change the world as they go.
pub fn members<R: Relation>(world: &World, owner: Entity) -> Vec<Entity> {
    let head = world.get::<R::Owner>(owner).map(|o| *R::head_ref(o)).unwrap_or_default();
    let mut out = Vec::with_capacity(head.len as usize);
    let mut cursor = head.first;
    while let Some(member) = cursor {
        out.push(member);
        cursor = world.get::<R::Member>(member).and_then(|m| R::link_ref(m).next);
    }
    out
}
