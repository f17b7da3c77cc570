//! prctl(PR_SET_CHILD_SUBREAPER): orphans below this process are adopted by
//! it rather than by the namespace's init (rule 9).
//!
//! Turning it on marks every descendant `has_child_subreaper`
//! (`propagate_has_child_subreaper`), skipping subtrees already marked and
//! those below a namespace init, whose orphans never leave their namespace.
//!
//! The seed has no subreapers: its `Prctl` lists `PR_SET_CHILD_SUBREAPER`
//! among the options it does not implement, EINVAL ([`Rule::NoSubreaper`]).

use crate::model::{Errno, Flags};
use crate::semantics::Rule;
use crate::systems::kernel::Core;
use bevy_ecs::prelude::*;

/// prctl(PR_SET_CHILD_SUBREAPER, on) by `p`.
pub fn set_child_subreaper(core: &mut Core, p: Entity, on: bool) -> Result<(), Errno> {
    if core.state.semantics.seed(Rule::NoSubreaper) {
        return Err(Errno::EINVAL);
    }
    core.process_mut(p).flags.set(Flags::CHILD_SUBREAPER, on);
    if !on {
        return Ok(());
    }
    let mut stack = core.children_of(p);
    while let Some(d) = stack.pop() {
        {
            let mut proc = core.process_mut(d);
            if proc.flags.intersects(Flags::HAS_CHILD_SUBREAPER | Flags::NS_INIT) {
                continue;
            }
            proc.flags.insert(Flags::HAS_CHILD_SUBREAPER);
        }
        stack.extend(core.children_of(d));
    }
    Ok(())
}
