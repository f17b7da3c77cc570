//! kill (rule 29): one process, one group, or every process the sender can see.
//!
//! `kill(pid)` finds zombies too and succeeds without effect on them.
//! `kill(-pgid)` is ESRCH only when no process (zombies included) has that
//! group id in the sender's namespace. `kill(-1)` signals every process the
//! sender can see but its namespace's init and itself, ESRCH if there are
//! none. Every sender may signal every process here (one user, root), so no
//! EPERM arises.
//!
//! The seed (`sys_signal.go` `Kill`, [`Rule::KillById`]) finds the targets
//! of `kill(-pgid)` and `kill(0)` by number: every thread group visible in
//! the sender's namespace whose group's id there is that number (for
//! `kill(0)`, the caller's own group's id, 0 if it is invisible).

use crate::gvisor;
use crate::model::ids::{find_group, find_process, group, group_of, namespace, ns_of, pid_nr_ns};
use crate::model::{Errno, Signal};
use crate::semantics::{Rule, Semantics};
use crate::systems::orphans::signal_group;
use crate::systems::signal::{self, Sender};
use bevy_ecs::prelude::*;

/// kill(pid, sig) from `sender`; `root` is the root namespace (where an
/// outside sender lives).
pub fn kill(world: &mut World, sender: Sender, root: Entity, pid: i64, sig: Signal) -> Result<(), Errno> {
    let by_id = world.resource::<Semantics>().seed(Rule::KillById);
    let (ns, me) = match sender {
        Sender::Process(p) => (ns_of(world, p), Some(p)),
        Sender::Outside | Sender::Kernel => (root, None),
    };
    match pid {
        1.. => {
            let t = find_process(world, ns, pid).ok_or(Errno::ESRCH)?;
            signal::send(world, sender, t, sig);
            Ok(())
        }
        -1 => {
            let targets: Vec<Entity> =
                namespace(world, ns).table.processes_from(2).map(|(_, e)| e).filter(|&e| Some(e) != me).collect();
            for &t in &targets {
                signal::send(world, sender, t, sig);
            }
            if targets.is_empty() { Err(Errno::ESRCH) } else { Ok(()) }
        }
        0 => {
            let pg = me.map(|p| group_of(world, p)).ok_or(Errno::ESRCH)?;
            if by_id {
                let own = pid_nr_ns(world, &group(world, pg).id, ns);
                return gvisor::ids::kill_group_id(world, sender, ns, own, sig);
            }
            signal_group(world, sender, pg, sig);
            Ok(())
        }
        _ if pid <= i64::from(i32::MIN) => Err(Errno::ESRCH),
        _ if by_id => gvisor::ids::kill_group_id(world, sender, ns, (-pid) as u32, sig),
        _ => {
            let pg = find_group(world, ns, -pid).ok_or(Errno::ESRCH)?;
            signal_group(world, sender, pg, sig);
            Ok(())
        }
    }
}
