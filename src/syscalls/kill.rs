//! kill (rule 29): one process, one group, or every process the sender can
//! see; and tgkill, to one thread (rule 37).
//!
//! kill(pid) aims the signal at the task with that tid — a thread's tid
//! names the thread, whose process then gets the signal (rule 35);
//! kill(-1) skips every thread of the sender's process.
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
use crate::systems::kernel::{Core, Kernel};
use crate::systems::orphans::signal_group;
use crate::systems::signal::{self, Aim, Sender};
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
            let t = core.find_task(ns, pid).ok_or(Errno::ESRCH)?;
            signal::send(core, sender, t, sig, Aim::Process);
            Ok(())
        }
        -1 => {
            let targets: Vec<Entity> = core
                .namespace(ns)
                .table
                .processes_from(2)
                .map(|(_, e)| e)
                .filter(|&e| Some(e) != me && core.processes.contains(e))
                .collect();
            for &t in &targets {
                signal::send(core, sender, t, sig, Aim::Process);
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

/// tgkill(tgid, tid, sig) from `sender`: thread-directed, to the task with
/// tid `tid` if its process's pid is `tgid` (as the sender sees them); ESRCH
/// if there is none (rule 37).
pub fn tgkill(core: &mut Core, sender: Sender, root: Entity, tgid: i64, tid: i64, sig: Signal) -> Result<(), Errno> {
    let ns = match sender {
        Sender::Process(p) => core.ns_of(p),
        Sender::Outside | Sender::Kernel => root,
    };
    let t = core.find_task(ns, tid).ok_or(Errno::ESRCH)?;
    if tgid <= 0 || i64::from(core.vnr(core.leader_of(t), ns)) != tgid {
        return Err(Errno::ESRCH);
    }
    signal::send(core, sender, t, sig, Aim::Thread);
    Ok(())
}
