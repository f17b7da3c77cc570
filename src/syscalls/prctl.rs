//! prctl(PR_SET_CHILD_SUBREAPER): orphans below this process are adopted by
//! it rather than by the namespace's init (rule 9); and
//! prctl(PR_SET_PDEATHSIG), per thread (rule 43).
//!
//! Turning it on marks every descendant `has_child_subreaper`
//! (`propagate_has_child_subreaper`), skipping subtrees already marked and
//! those below a namespace init, whose orphans never leave their namespace.
//!
//! The seed has no subreapers: its `Prctl` lists `PR_SET_CHILD_SUBREAPER`
//! among the options it does not implement, EINVAL ([`Rule::NoSubreaper`]).

use crate::model::{Errno, Flags, Signal};
use crate::semantics::Rule;
use crate::systems::kernel::Core;
use crate::systems::threads;
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
    let mut stack = threads::children_of_process(core, p);
    while let Some(d) = stack.pop() {
        {
            let mut proc = core.process_mut(d);
            if proc.flags.intersects(Flags::HAS_CHILD_SUBREAPER | Flags::NS_INIT) {
                continue;
            }
            proc.flags.insert(Flags::HAS_CHILD_SUBREAPER);
        }
        stack.extend(threads::children_of_process(core, d));
    }
    Ok(())
}

/// prctl(PR_SET_PDEATHSIG, sig) by task `t` (`None`: 0, cleared). The
/// signal is sent to `t` whenever its parent thread exits.
pub fn set_pdeathsig(core: &mut Core, t: Entity, sig: Option<Signal>) {
    core.task_mut(t).pdeath = sig;
}
