//! setsid (rule 6, `ksys_setsid`).
//!
//! EPERM if the caller already leads a session, or if any process group —
//! even one the caller has left, even one made only of zombies — has the
//! caller's pid as its id. Otherwise the caller leads a new session and a new
//! group, both named by its pid, without a controlling terminal, and gets
//! that id back as it sees it. No signal is ever sent (rules 8, 47), even if
//! this orphans the old group.
//!
//! Under the seed (`createSession`) the group test is a scan that can miss
//! groups (rows 2, 3, 19) and the move adjusts and checks the seed's counts
//! (both its books': [`Bookkeeping::session_id_taken`],
//! [`Bookkeeping::moving`]), and 0 is returned (row 1).

use crate::model::{Errno, Flags};
use crate::semantics::Rule;
use crate::systems::books::Bookkeeping;
use crate::systems::groups::{self, Move};
use crate::systems::kernel::Kernel;
use bevy_ecs::prelude::*;

/// setsid by `p`; returns the new session id as `p` sees it.
pub fn setsid<B: Bookkeeping>(k: &mut Kernel<B>, p: Entity) -> Result<u32, Errno> {
    let core = &k.core;
    if core.process(p).is_session_leader() {
        return Err(Errno::EPERM);
    }
    let id = core.pid(p).clone();
    let taken =
        B::session_id_taken(core, &k.books, p).unwrap_or_else(|| core.namespace(id.ns).table.group(id.nr).is_some());
    if taken {
        return Err(Errno::EPERM);
    }
    let session = groups::create_session(&mut k.core, id.clone());
    let group = groups::create_group(k, id.clone(), session);
    {
        // `proc_clear_tty`: the new leader has no terminal; its old one
        // keeps its session and foreground group (rule 47).
        let mut proc = k.core.process_mut(p);
        proc.flags.insert(Flags::SESSION_LEADER);
        proc.ctty = None;
    }
    groups::change_group(k, p, group, Move::NewSession);
    let seen = if k.core.state.semantics.seed(Rule::SetsidReturnsZero) { 0 } else { k.core.vnr(p, id.ns) };
    Ok(seen)
}
