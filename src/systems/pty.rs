//! What the terminal emulator does to a pseudo-terminal from the master's
//! side: it types keys (`n_tty_receive_char_special`, rule 55) and it
//! closes the master, which hangs the terminal up (`pty_close` →
//! `__tty_hangup`, rule 57). Neither has a caller in the world: the signals
//! they send are the kernel's.

use crate::model::{Errno, Key, Signal, TtyId};
use crate::systems::ctty;
use crate::systems::kernel::Core;
use crate::systems::signal::{self, Aim, Sender};

/// `key` is typed on `tty`: a newline queues a line; a signal character
/// sends its signal to every member of the foreground group, then the
/// input is flushed. EIO once the terminal is hung up.
pub fn key(core: &mut Core, tty: TtyId, key: Key) -> Result<(), Errno> {
    if core.terminal(tty).hung_up {
        return Err(Errno::EIO);
    }
    let Some(sig) = key.signal() else {
        core.terminal_mut(tty).lines += 1;
        return Ok(());
    };
    if let Some(fg) = core.terminal(tty).fg.clone() {
        ctty::kill_pgrp(core, Sender::Kernel, &fg, sig);
    }
    core.terminal_mut(tty).lines = 0;
    Ok(())
}

/// The master of `tty` is closed (`pty_close` → `__tty_hangup`, rule 57):
/// every process of its session loses it, the session's leader gets SIGHUP
/// then SIGCONT and keeps the foreground group as its old one, and the
/// terminal is hung up for good. EBADF if it already is.
pub fn hangup(core: &mut Core, tty: TtyId) -> Result<(), Errno> {
    let t = core.terminal(tty);
    if t.hung_up {
        return Err(Errno::EBADF);
    }
    if let Some(session) = t.session {
        let fg = t.fg.clone();
        ctty::session_clear_tty(core, session);
        // The session's id is its leader's pid; the leader never leaves it.
        let id = core.session(session).id.clone();
        let leader = core.namespace(id.ns).table.process(id.nr).filter(|&l| core.processes.contains(l));
        if let Some(leader) = leader {
            signal::send(core, Sender::Kernel, leader, Signal::Hup, Aim::Process);
            signal::send(core, Sender::Kernel, leader, Signal::Cont, Aim::Process);
            if fg.is_some() {
                core.session_mut(session).old_fg = fg;
            }
        }
    }
    let mut t = core.terminal_mut(tty);
    t.session = None;
    t.fg = None;
    t.hung_up = true;
    core.state.census.terminals -= 1;
    core.state.census.totals.hangups += 1;
    Ok(())
}
