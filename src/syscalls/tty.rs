//! The calls a process makes on a terminal (rules 45–54): TIOCSCTTY on a
//! terminal it opens, and through `/dev/tty` — its controlling terminal —
//! TIOCNOTTY, tcsetpgrp, read, write and tcsetattr. Without a controlling
//! terminal, `/dev/tty` cannot be opened: ENXIO before anything else (rule
//! 49). The job-controlled calls are [`job_control`]'s.

use crate::model::{Errno, TtyId};
use crate::systems::books::Bookkeeping;
use crate::systems::ctty;
use crate::systems::job_control::{self, Ended, TtyCall};
use crate::systems::kernel::{Core, Kernel};
use bevy_ecs::prelude::*;

/// Process `p` opens `tty` (`O_NOCTTY`) and makes it its controlling
/// terminal (TIOCSCTTY, 1 with `steal`). ENOENT once it is hung up: its
/// device is gone.
pub fn tiocsctty(core: &mut Core, p: Entity, tty: TtyId, steal: bool) -> Result<(), Errno> {
    if core.terminal(tty).hung_up {
        return Err(Errno::ENOENT);
    }
    ctty::tiocsctty(core, p, tty, steal)
}

/// `open("/dev/tty")` by process `p`: its controlling terminal.
fn dev_tty(core: &Core, p: Entity) -> Result<TtyId, Errno> {
    core.process(p).ctty.ok_or(Errno::ENXIO)
}

/// TIOCNOTTY by process `p`.
pub fn tiocnotty(core: &mut Core, p: Entity) -> Result<(), Errno> {
    dev_tty(core, p)?;
    ctty::tiocnotty(core, p);
    Ok(())
}

/// Task `t` makes `call` on its controlling terminal.
pub fn call<B: Bookkeeping>(k: &mut Kernel<B>, t: Entity, call: TtyCall) -> Result<Ended, Errno> {
    let p = k.core.leader_of(t);
    let tty = dev_tty(&k.core, p)?;
    Ok(job_control::perform(k, t, tty, call))
}
