//! setsid (rule 6, `ksys_setsid`).
//!
//! EPERM if the caller already leads a session, or if any process group —
//! even one the caller has left, even one made only of zombies — has the
//! caller's pid as its id. Otherwise the caller leads a new session and a new
//! group, both named by its pid, and gets that id back as it sees it. No
//! signal is ever sent (rule 8), even if this orphans the old group.
//!
//! Under the seed (`createSession`) the group test is a scan that can miss
//! groups (rows 2, 3, 19), the move adjusts and checks the seed's counts
//! ([`crate::gvisor::sessions`]), and 0 is returned (row 1).

use crate::gvisor::sessions::{self, Move};
use crate::model::ids::{namespace, ns_of, process, vnr};
use crate::model::{Errno, Process};
use crate::semantics::{Rule, Semantics};
use crate::systems::ancestors;
use bevy_ecs::prelude::*;

/// setsid by `p`; returns the new session id as `p` sees it.
pub fn setsid(world: &mut World, p: Entity) -> Result<u32, Errno> {
    let semantics = *world.resource::<Semantics>();
    let proc = process(world, p);
    if proc.session_leader {
        return Err(Errno::EPERM);
    }
    let ns = ns_of(world, p);
    let scan = [Rule::UnlistedOwnGroup, Rule::UnlistedLeftGroup, Rule::ScanSkipsForeignSessions];
    let taken = if scan.into_iter().any(|r| semantics.seed(r)) {
        sessions::setsid_id_taken(world, p)
    } else {
        namespace(world, ns).table.group(proc.pid.nr).is_some()
    };
    if taken {
        return Err(Errno::EPERM);
    }
    let id = proc.pid.clone();
    let session = ancestors::create_session(world, id.clone());
    let group = ancestors::create_group(world, id, session, true);
    world.get_mut::<Process>(p).expect("process").session_leader = true;
    sessions::change_group(world, p, group, Move::NewSession);
    Ok(if semantics.seed(Rule::SetsidReturnsZero) { 0 } else { vnr(world, p, ns) })
}
