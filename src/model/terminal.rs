//! Terminals: the pseudo-terminals that sessions control (semantics §11).
//!
//! A terminal is an entity with a [`Terminal`]: the session it controls
//! (`tty->ctrl.session`), its foreground group (`tty->ctrl.pgrp`), its input
//! queue, its TOSTOP flag and whether it has been hung up. Processes name
//! their controlling terminal by a [`TtyId`] — 4 bytes, which fit in the
//! padding of [`Process`](crate::model::Process), so that processes without
//! terminals, nearly all of a workload's, cost nothing more — and the
//! machine maps ids to entities.
//!
//! The foreground group is kept as the `struct pid` it references: a
//! [`Pid`], which need not name a live group (rule 51). One difference is
//! left: were its number freed and handed out again (only once the
//! allocator has wrapped at `pid_max`), the kernel's reference would name
//! nobody, and this one names the new group of that number. Losing the terminal
//! touches every process of a session; [`Session`](crate::model::Session)
//! keeps its groups in a list for that walk.

use crate::model::{Pid, Signal};
use bevy_ecs::prelude::*;
use std::num::NonZeroU32;

/// A terminal's number on its machine: 1 for the first made, and so on.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct TtyId(NonZeroU32);

impl TtyId {
    /// The id of the terminal at `index` (from 0) of the machine's table.
    pub fn from_index(index: usize) -> TtyId {
        let n = u32::try_from(index + 1).expect("fewer than 2^32 terminals");
        TtyId(NonZeroU32::new(n).expect("index + 1 is not 0"))
    }

    /// Its place in the machine's table.
    pub fn index(self) -> usize {
        self.0.get() as usize - 1
    }
}

/// A pseudo-terminal.
#[derive(Component, Debug, Clone)]
pub struct Terminal {
    pub id: TtyId,
    /// The session it controls, if any.
    pub session: Option<Entity>,
    /// Its foreground group: the `struct pid` it references, which may name
    /// no live group.
    pub fg: Option<Pid>,
    /// Complete lines typed and not yet read.
    pub lines: u32,
    /// TOSTOP: writes from the background are job-controlled.
    pub tostop: bool,
    /// Its master has been closed: hung up for good.
    pub hung_up: bool,
}

impl Terminal {
    /// A new terminal, free: no session, no foreground group, no input.
    pub fn new(id: TtyId) -> Terminal {
        Terminal { id, session: None, fg: None, lines: 0, tostop: false, hung_up: false }
    }
}

/// A key the terminal emulator types (a version-3 script's `key` line).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Key {
    /// `^C`, the INTR character: SIGINT to the foreground group.
    Intr,
    /// `^Z`, the SUSP character: SIGTSTP to the foreground group.
    Susp,
    /// `^\`, the QUIT character: SIGQUIT to the foreground group.
    Quit,
    /// `^J`, a newline: one line of input.
    Newline,
}

impl Key {
    /// Every key, in the order the format lists them.
    pub const ALL: [Key; 4] = [Key::Intr, Key::Susp, Key::Quit, Key::Newline];

    /// How the script writes it.
    pub fn name(self) -> &'static str {
        match self {
            Key::Intr => "^C",
            Key::Susp => "^Z",
            Key::Quit => "^\\",
            Key::Newline => "^J",
        }
    }

    /// The byte the terminal receives.
    pub fn byte(self) -> u8 {
        match self {
            Key::Intr => 0x03,
            Key::Susp => 0x1a,
            Key::Quit => 0x1c,
            Key::Newline => b'\n',
        }
    }

    /// The signal it sends to the foreground group (`isig`), if any.
    pub fn signal(self) -> Option<Signal> {
        match self {
            Key::Intr => Some(Signal::Int),
            Key::Susp => Some(Signal::Tstp),
            Key::Quit => Some(Signal::Quit),
            Key::Newline => None,
        }
    }
}
