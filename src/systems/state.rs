//! A process's run state, and what follows each change: the census, the
//! group's count of stopped members (`has_stopped_jobs`), the process's own
//! link status (a zombie is no link), and the log of transitions a workload
//! may read.

use crate::model::RunState;
use crate::systems::kernel::Core;
use crate::systems::links;
use bevy_ecs::prelude::*;

/// Sets `p`'s run state, keeping its group's stopped count and link count.
pub fn set_state(core: &mut Core, p: Entity, state: RunState) {
    let mut proc = core.process_mut(p);
    let old = std::mem::replace(&mut proc.state, state);
    let g = proc.group;
    core.state.census.moved(Some(old), Some(state));
    if let Some(log) = core.state.transitions.as_mut() {
        log.0.push((p, state));
    }
    let delta: i32 = match (old == RunState::Stopped, state == RunState::Stopped) {
        (false, true) => 1,
        (true, false) => -1,
        _ => 0,
    };
    if delta != 0 {
        let mut g = core.group_mut(g);
        g.stopped = g.stopped.checked_add_signed(delta).expect("stopped count stays non-negative");
    }
    links::recount(core, p);
}
