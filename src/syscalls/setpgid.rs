//! setpgid (rule 7): the kernel's checks, in the kernel's order.
//!
//! ```text
//! pid = 0 → caller; pgid = 0 → pid
//! pgid < 0                                   EINVAL
//! no process `pid` in the caller's namespace ESRCH
//! a child: in another session                EPERM
//!          has exec'd                        EACCES
//! not a child and not the caller             ESRCH
//! a session leader                           EPERM
//! pgid ≠ pid and no such group in the
//!   caller's session                         EPERM
//! ```
//! Moving into the group it is already in succeeds and changes nothing. No
//! signal is ever sent (rule 8).

use crate::model::ids::{find_group, find_process, group, namespace, ns_of, process, session_of, vnr};
use crate::model::{Errno, Tree};
use crate::systems::ancestors;
use bevy_ecs::prelude::*;

/// setpgid(pid, pgid) by `caller`, with numbers as the caller sees them.
pub fn setpgid(world: &mut World, caller: Entity, pid: i64, pgid: i64) -> Result<(), Errno> {
    let ns = ns_of(world, caller);
    let pid = if pid == 0 { i64::from(vnr(world, caller, ns)) } else { pid };
    let pgid = if pgid == 0 { pid } else { pgid };
    if pgid < 0 {
        return Err(Errno::EINVAL);
    }
    let p = find_process(world, ns, pid).ok_or(Errno::ESRCH)?;
    let caller_session = session_of(world, caller);
    if world.get::<Tree>(p).and_then(|t| t.parent) == Some(caller) {
        if session_of(world, p) != caller_session {
            return Err(Errno::EPERM);
        }
        if !process(world, p).forknoexec {
            return Err(Errno::EACCES);
        }
    } else if p != caller {
        return Err(Errno::ESRCH);
    }
    if process(world, p).session_leader {
        return Err(Errno::EPERM);
    }
    let target = if pgid != pid {
        find_group(world, ns, pgid).filter(|&g| group(world, g).session == caller_session).ok_or(Errno::EPERM)?
    } else {
        let own = process(world, p).pid.clone();
        match namespace(world, own.ns).table.group(own.nr) {
            Some(g) => g,
            None => {
                let session = session_of(world, p);
                ancestors::create_group(world, own, session)
            }
        }
    };
    ancestors::change_group(world, p, target);
    Ok(())
}
