//! Job control on a terminal: the check that stops a background job
//! (`__tty_check_change`, `job_control`; rule 50), the calls it guards —
//! tcsetpgrp, read, write, tcsetattr (rules 51, 53, 54) — and the restart
//! of a call during which its process stopped (rule 52).
//!
//! A call from the background signals its whole group and is interrupted
//! (`-ERESTARTSYS`); its caller handles its signals before the call returns.
//! If a handler runs the call ends with EINTR (version-3 handlers have no
//! SA_RESTART); if the process stops, the call is pending ([`Restart`]): it
//! runs again from the start when its task next runs without running a
//! handler, on the terminal it was made on, which the process may have lost
//! meanwhile. A namespace init drops its own copy of the signal at its
//! default action and would restart for ever (rule 58): the machine refuses
//! such a call before it is made ([`livelocks`]).

use crate::model::{Disposition, Errno, Pid, Signal, TaskFlags, TaskState, TtyId};
use crate::systems::books::Bookkeeping;
use crate::systems::ctty;
use crate::systems::deliver;
use crate::systems::kernel::{Core, Kernel};
use crate::systems::orphans;
use crate::systems::signal::{self, Sender};
use bevy_ecs::prelude::*;

/// A call on a terminal that job control guards.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TtyCall {
    /// tcsetpgrp (TIOCSPGRP) with a group id as the caller sees it.
    Foreground { pgrp: i64 },
    /// A non-blocking one-byte read.
    Read,
    /// A non-blocking one-byte write.
    Write,
    /// tcsetattr setting or clearing TOSTOP.
    Tostop { on: bool },
}

impl TtyCall {
    /// The signal its check sends from the background, if it is checked on
    /// `tty` now: a write only while TOSTOP is set.
    fn signal(self, core: &Core, tty: TtyId) -> Option<Signal> {
        match self {
            TtyCall::Read => Some(Signal::Ttin),
            TtyCall::Write if !core.terminal(tty).tostop => None,
            TtyCall::Foreground { .. } | TtyCall::Write | TtyCall::Tostop { .. } => Some(Signal::Ttou),
        }
    }
}

/// A call pending in a stopped process: its task, the terminal it was made
/// on and the call.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Restart {
    pub task: Entity,
    pub tty: TtyId,
    pub call: TtyCall,
}

/// How a call ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Ended {
    /// It returned.
    Returned(Result<(), Errno>),
    /// Its process stopped before it returned: the call is pending (unless
    /// a handler ran first, which makes it EINTR once continued).
    Stopped,
    /// Its process died before it returned.
    Died,
}

/// What the check of rule 50 decides.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Check {
    Pass,
    Eio,
    /// Signal the caller's group and interrupt the call.
    Signal,
}

/// `__tty_check_change(tty, sig)` by task `t`, without its effect.
fn check<B: Bookkeeping>(k: &Kernel<B>, t: Entity, tty: TtyId, sig: Signal) -> Check {
    let core = &k.core;
    let proc = core.process_of(t);
    if proc.ctty != Some(tty) {
        return Check::Pass;
    }
    match &core.terminal(tty).fg {
        Some(fg) if *fg != core.group(proc.group).id => {}
        _ => return Check::Pass,
    }
    if core.task(t).blocked.contains(sig) || proc.signals.disposition(sig) == Disposition::Ignore {
        return if sig == Signal::Ttin { Check::Eio } else { Check::Pass };
    }
    if orphans::is_orphaned(k, proc.group) { Check::Eio } else { Check::Signal }
}

/// Whether `call` by task `t` on its terminal would restart for ever (rule
/// 58): `t` belongs to a namespace init, and the check would send a signal
/// that the init drops at its default action.
pub fn livelocks<B: Bookkeeping>(k: &Kernel<B>, t: Entity, call: TtyCall) -> bool {
    let core = &k.core;
    let proc = core.process_of(t);
    let Some(tty) = proc.ctty else { return false };
    let Some(sig) = call.signal(core, tty) else { return false };
    signal::unkillable(proc, core.state.semantics)
        && proc.signals.disposition(sig) == Disposition::Default
        && check(k, t, tty, sig) == Check::Signal
}

/// Task `t` makes `call` on `tty` (its controlling terminal, or for a
/// restart the terminal it was first made on).
pub fn perform<B: Bookkeeping>(k: &mut Kernel<B>, t: Entity, tty: TtyId, call: TtyCall) -> Ended {
    if let Some(sig) = call.signal(&k.core, tty) {
        match check(k, t, tty, sig) {
            Check::Pass => {}
            // tcsetpgrp alone turns EIO into ENOTTY.
            Check::Eio if matches!(call, TtyCall::Foreground { .. }) => return Ended::Returned(Err(Errno::ENOTTY)),
            Check::Eio => return Ended::Returned(Err(Errno::EIO)),
            Check::Signal => return interrupt(k, t, tty, call, sig),
        }
    }
    Ended::Returned(effect(&mut k.core, t, tty, call))
}

/// The signalling branch of the check: `sig` to every member of the
/// caller's group, then the caller handles its signals.
fn interrupt<B: Bookkeeping>(k: &mut Kernel<B>, t: Entity, tty: TtyId, call: TtyCall, sig: Signal) -> Ended {
    let g = k.core.process_of(t).group;
    orphans::signal_group(&mut k.core, Sender::Kernel, g, sig);
    k.core.task_mut(t).flags.insert(TaskFlags::SIGPENDING);
    let handled = deliver::run(k, t);
    let core = &mut k.core;
    match core.try_task(t).map(|task| (task.state, task.is_exiting())) {
        None | Some((_, true)) => Ended::Died,
        Some((TaskState::Stopped, _)) => {
            if !handled {
                core.task_mut(t).flags.insert(TaskFlags::RESTART);
                core.state.restarts.push(Restart { task: t, tty, call });
            }
            Ended::Stopped
        }
        // A handler ran. (Neither a handler nor a stop: a namespace init that
        // dropped its own signal, refused beforehand by `livelocks`, and
        // never pending since it never stops here; it ends the same way
        // rather than spinning.)
        Some(_) => Ended::Returned(Err(Errno::EINTR)),
    }
}

/// What the call does once the check lets it through.
fn effect(core: &mut Core, t: Entity, tty: TtyId, call: TtyCall) -> Result<(), Errno> {
    if core.terminal(tty).hung_up {
        // `hung_up_tty_fops`: a read returns 0, the rest fail; only a
        // restarted call can get here, and its result is never seen.
        return if call == TtyCall::Read { Ok(()) } else { Err(Errno::EIO) };
    }
    match call {
        TtyCall::Foreground { pgrp } => tiocspgrp(core, t, tty, pgrp),
        TtyCall::Read => {
            let mut terminal = core.terminal_mut(tty);
            if terminal.lines == 0 {
                return Err(Errno::EAGAIN);
            }
            terminal.lines -= 1;
            Ok(())
        }
        TtyCall::Write => Ok(()),
        TtyCall::Tostop { on } => {
            core.terminal_mut(tty).tostop = on;
            Ok(())
        }
    }
}

/// `tiocspgrp` after its check (rule 51).
fn tiocspgrp(core: &mut Core, t: Entity, tty: TtyId, pgrp: i64) -> Result<(), Errno> {
    let p = core.leader_of(t);
    let session = core.process(p).session;
    if core.process(p).ctty != Some(tty) || core.terminal(tty).session != Some(session) {
        return Err(Errno::ENOTTY);
    }
    if pgrp < 0 {
        return Err(Errno::EINVAL);
    }
    let pid = find_vpid(core, core.ns_of(p), pgrp).ok_or(Errno::ESRCH)?;
    if session_of_pgrp(core, &pid) != Some(session) {
        return Err(Errno::EPERM);
    }
    core.terminal_mut(tty).fg = Some(pid);
    Ok(())
}

/// `find_vpid(nr)` in `ns`: the `struct pid` with that number there, as a
/// task's, a group's or a session's id.
fn find_vpid(core: &Core, ns: Entity, nr: i64) -> Option<Pid> {
    if let Some(task) = core.find_task(ns, nr) {
        return Some(core.tid(task).clone());
    }
    if let Some(g) = core.find_group(ns, nr) {
        return Some(core.group(g).id.clone());
    }
    let nr = u32::try_from(nr).ok().filter(|&n| n > 0)?;
    let s = core.namespace(ns).table.session(nr)?;
    Some(core.session(s).id.clone())
}

/// `session_of_pgrp`: the session of the group `pid` names, or else of the
/// task it names (a process that leads no group, a thread).
fn session_of_pgrp(core: &Core, pid: &Pid) -> Option<Entity> {
    if let Some(g) = ctty::group_named(core, pid) {
        return Some(core.group(g).session);
    }
    let task = core.namespace(pid.ns).table.process(pid.nr)?;
    Some(core.process_of(task).session)
}

/// Task `t` ran after its process was continued: a call pending in it is
/// restarted, unless a handler ran (EINTR).
pub fn resume<B: Bookkeeping>(k: &mut Kernel<B>, t: Entity, handled: bool) {
    let task = k.core.task(t);
    if !task.flags.contains(TaskFlags::RESTART) || task.state != TaskState::Running {
        return;
    }
    let Restart { tty, call, .. } = forget(&mut k.core, t);
    if !handled {
        k.core.state.sched.current = Some(t);
        perform(k, t, tty, call);
        k.core.state.sched.current = None;
    }
}

/// Drops the call pending in task `t` (it ran again, or `t` is exiting).
pub fn forget(core: &mut Core, t: Entity) -> Restart {
    core.task_mut(t).flags.remove(TaskFlags::RESTART);
    let at = core.state.restarts.iter().position(|r| r.task == t).expect("a task marked RESTART has a call pending");
    core.state.restarts.swap_remove(at)
}
