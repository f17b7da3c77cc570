//! kill (rule 29): one process, one group, or every process the sender can see.
//!
//! `kill(pid)` finds zombies too and succeeds without effect on them.
//! `kill(-pgid)` is ESRCH only when no process (zombies included) has that
//! group id in the sender's namespace. `kill(-1)` signals every process the
//! sender can see but its namespace's init and itself, ESRCH if there are
//! none. Every sender may signal every process here (one user, root), so no
//! EPERM arises.
//!
//! The seed (`sys_signal.go` `Kill`, [`Rule::KillById`]; its books'
//! [`Bookkeeping::kill_group_id`]) finds the targets
//! of `kill(-pgid)` and `kill(0)` by number: every thread group visible in
//! the sender's namespace whose group's id there is that number (for
//! `kill(0)`, the caller's own group's id, 0 if it is invisible).

use crate::model::{Errno, Signal};
use crate::semantics::Rule;
use crate::systems::books::Bookkeeping;
use crate::systems::kernel::Kernel;
use crate::systems::orphans::signal_group;
use crate::systems::signal::{self, Sender};
use bevy_ecs::prelude::*;

/// kill(pid, sig) from `sender`; `root` is the root namespace (where an
/// outside sender lives).
pub fn kill<B: Bookkeeping>(
    k: &mut Kernel<B>,
    sender: Sender,
    root: Entity,
    pid: i64,
    sig: Signal,
) -> Result<(), Errno> {
    let by_id_rule = k.core.state.semantics.seed(Rule::KillById);
    let (ns, me) = match sender {
        Sender::Process(p) => (k.core.ns_of(p), Some(p)),
        Sender::Outside | Sender::Kernel => (root, None),
    };
    let by_id = |k: &mut Kernel<B>, pgid: u32| {
        B::kill_group_id(&mut k.core, &mut k.books, sender, ns, pgid, sig).expect("the books find targets by id")
    };
    let core = &mut k.core;
    match pid {
        1.. => {
            let t = core.find_process(ns, pid).ok_or(Errno::ESRCH)?;
            signal::send(core, sender, t, sig);
            Ok(())
        }
        -1 => {
            let targets: Vec<Entity> =
                core.namespace(ns).table.processes_from(2).map(|(_, e)| e).filter(|&e| Some(e) != me).collect();
            for &t in &targets {
                signal::send(core, sender, t, sig);
            }
            if targets.is_empty() { Err(Errno::ESRCH) } else { Ok(()) }
        }
        0 => {
            let pg = me.map(|p| core.group_of(p)).ok_or(Errno::ESRCH)?;
            if by_id_rule {
                let own = core.pid_nr_ns(&core.group(pg).id, ns);
                return by_id(k, own);
            }
            signal_group(core, sender, pg, sig);
            Ok(())
        }
        _ if pid <= i64::from(i32::MIN) => Err(Errno::ESRCH),
        _ if by_id_rule => by_id(k, (-pid) as u32),
        _ => {
            let pg = core.find_group(ns, -pid).ok_or(Errno::ESRCH)?;
            signal_group(core, sender, pg, sig);
            Ok(())
        }
    }
}
