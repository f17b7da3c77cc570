//! The parent/children relation (`real_parent`, `children`, `sibling`).
//!
//! Linux keeps a parent's children in creation order and appends adopted
//! orphans at the end (`list_splice_tail_init` in `forget_original_parent`);
//! the orphan checks and notifications walk them in that order, so the order
//! is part of the semantics. Unlike bevy's `ChildOf`, removing a parent never
//! removes its children: they are reparented first.

use crate::model::list::{ListHead, ListLink, Relation};
use bevy_ecs::prelude::*;

/// A process's place in the process tree.
#[derive(Component, Debug, Default)]
pub struct Tree {
    /// `real_parent`; `None` only for the root namespace's init.
    pub parent: Option<Entity>,
    /// Its children, oldest first.
    pub children: ListHead,
    /// Its place among its parent's children.
    pub sibling: ListLink,
}

/// The children list, as a [`Relation`].
pub struct Children;

impl Relation for Children {
    type Owner = Tree;
    type Member = Tree;
    fn head(owner: &mut Tree) -> &mut ListHead {
        &mut owner.children
    }
    fn link(member: &mut Tree) -> &mut ListLink {
        &mut member.sibling
    }
    fn head_ref(owner: &Tree) -> &ListHead {
        &owner.children
    }
    fn link_ref(member: &Tree) -> &ListLink {
        &member.sibling
    }
}
