//! prctl(PR_SET_CHILD_SUBREAPER): orphans below this process are adopted by
//! it rather than by the namespace's init (rule 9).
//!
//! Turning it on marks every descendant `has_child_subreaper`
//! (`propagate_has_child_subreaper`), skipping subtrees already marked and
//! those below a namespace init, whose orphans never leave their namespace.
//!
//! The seed has no subreapers: its `Prctl` lists `PR_SET_CHILD_SUBREAPER`
//! among the options it does not implement, EINVAL ([`Rule::NoSubreaper`]).

use crate::model::list;
use crate::model::tree::Children;
use crate::model::{Errno, Process};
use crate::semantics::{Rule, Semantics};
use bevy_ecs::prelude::*;

/// prctl(PR_SET_CHILD_SUBREAPER, on) by `p`.
pub fn set_child_subreaper(world: &mut World, p: Entity, on: bool) -> Result<(), Errno> {
    if world.resource::<Semantics>().seed(Rule::NoSubreaper) {
        return Err(Errno::EINVAL);
    }
    world.get_mut::<Process>(p).expect("process").child_subreaper = on;
    if !on {
        return Ok(());
    }
    let mut stack = list::members::<Children>(world, p);
    while let Some(d) = stack.pop() {
        let mut proc = world.get_mut::<Process>(d).expect("process");
        if proc.has_child_subreaper || proc.ns_init {
            continue;
        }
        proc.has_child_subreaper = true;
        stack.extend(list::members::<Children>(world, d));
    }
    Ok(())
}
