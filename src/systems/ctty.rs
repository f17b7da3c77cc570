//! The controlling terminal: how a session gets one and how its processes
//! lose it (`tiocsctty`, `proc_clear_tty`, `session_clear_tty`,
//! `disassociate_ctty`, `tty_signal_session_leader`; semantics rules 45–49,
//! 56, 57), and the signals a terminal sends to a group (`kill_pgrp`).
//!
//! A process holds its terminal by id ([`Process::ctty`]); the terminal
//! holds its session and the `struct pid` of its foreground group. Every
//! path keeps the two invariants of the format: a process whose terminal is
//! T is in T's session, and while T has a session its leader's process has
//! T. Taking T from a whole session walks the session's groups and their
//! members (zombies included), never the world.
//!
//! [`Process::ctty`]: crate::model::Process::ctty

use crate::model::{Errno, Pid, Signal, TtyId};
use crate::systems::kernel::Core;
use crate::systems::orphans;
use crate::systems::signal::Sender;
use bevy_ecs::prelude::*;

/// The process group that `pid` names now, if any (`pid_task(pid,
/// PIDTYPE_PGID)` has a member).
pub fn group_named(core: &Core, pid: &Pid) -> Option<Entity> {
    let ns = core.namespaces.get(pid.ns).ok().filter(|ns| !ns.is_freed())?;
    ns.table.group(pid.nr)
}

/// `kill_pgrp(pid, sig, …)`: `sig` to every member of the group `pid`
/// names, most recently joined first; nobody if it names none.
pub fn kill_pgrp(core: &mut Core, sender: Sender, pid: &Pid, sig: Signal) {
    if let Some(g) = group_named(core, pid) {
        orphans::signal_group(core, sender, g, sig);
    }
}

/// `TIOCSCTTY` by process `p` on terminal `tty`, stealing it from another
/// session with `steal` (rule 45).
pub fn tiocsctty(core: &mut Core, p: Entity, tty: TtyId, steal: bool) -> Result<(), Errno> {
    let proc = core.process(p);
    let (leader, session, has_ctty) = (proc.is_session_leader(), proc.session, proc.ctty.is_some());
    let owner = core.terminal(tty).session;
    if leader && owner == Some(session) {
        return Ok(());
    }
    if !leader || has_ctty {
        return Err(Errno::EPERM);
    }
    if let Some(other) = owner {
        // The harness is root: CAP_SYS_ADMIN lets a steal through.
        if !steal {
            return Err(Errno::EPERM);
        }
        session_clear_tty(core, other);
    }
    let group = core.group(core.group_of(p)).id.clone();
    {
        let mut t = core.terminal_mut(tty);
        t.session = Some(session);
        t.fg = Some(group);
    }
    core.process_mut(p).ctty = Some(tty);
    core.session_mut(session).old_fg = None;
    Ok(())
}

/// `session_clear_tty`: every process of session `s`, zombies included,
/// loses its controlling terminal.
pub fn session_clear_tty(core: &mut Core, s: Entity) {
    for g in core.groups_of(s) {
        for p in core.members_of(g) {
            core.process_mut(p).ctty = None;
        }
    }
}

/// `disassociate_ctty` by process `p`: on TIOCNOTTY (`on_exit` false) or
/// when its last task exits (rule 56). Only a session leader does anything:
/// its terminal's foreground group gets SIGHUP (and SIGCONT, but not on
/// exit), the terminal is freed and the whole session loses it; a leader
/// without a terminal that exits signals its old foreground group instead.
pub fn disassociate_ctty(core: &mut Core, p: Entity, on_exit: bool) {
    let proc = core.process(p);
    if !proc.is_session_leader() {
        return;
    }
    let (session, ctty) = (proc.session, proc.ctty);
    // `kill_pgrp(…, on_exit)`: a kernel signal on exit, the caller's on TIOCNOTTY.
    let sender = if on_exit { Sender::Kernel } else { Sender::Process(p) };
    let Some(tty) = ctty else {
        if on_exit && let Some(old) = core.session_mut(session).old_fg.take() {
            kill_pgrp(core, sender, &old, Signal::Hup);
            kill_pgrp(core, sender, &old, Signal::Cont);
        }
        return;
    };
    if let Some(fg) = core.terminal(tty).fg.clone() {
        kill_pgrp(core, sender, &fg, Signal::Hup);
        if !on_exit {
            kill_pgrp(core, sender, &fg, Signal::Cont);
        }
    }
    core.session_mut(session).old_fg = None;
    {
        let mut t = core.terminal_mut(tty);
        t.session = None;
        t.fg = None;
    }
    session_clear_tty(core, session);
}

/// TIOCNOTTY by process `p` (`no_tty`, rules 47, 48).
pub fn tiocnotty(core: &mut Core, p: Entity) {
    disassociate_ctty(core, p, false);
    core.process_mut(p).ctty = None;
}
