//! Signals that job control is made of, and the sets a process keeps of them.
//!
//! Only the signals the replay format names are modelled (`HUP INT QUIT KILL USR1
//! TERM CHLD CONT STOP TSTP TTIN TTOU`; `QUIT` is version 3's, sent by `^\`). A [`SigSet`] is a bit mask indexed by the kernel's
//! signal number, so "lowest pending first" (the kernel's `next_signal`) is a
//! trailing-zeros count.

use std::fmt;
use std::str::FromStr;

/// A signal, numbered as on x86-64 Linux.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[repr(u8)]
pub enum Signal {
    Hup = 1,
    Int = 2,
    Quit = 3,
    Kill = 9,
    Usr1 = 10,
    Term = 15,
    Chld = 17,
    Cont = 18,
    Stop = 19,
    Tstp = 20,
    Ttin = 21,
    Ttou = 22,
}

/// What a signal does when it is delivered with `SIG_DFL` (`SIG_KERNEL_*_MASK`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DefaultAction {
    Terminate,
    Stop,
    Ignore,
}

impl Signal {
    /// Every modelled signal, in ascending number.
    pub const ALL: [Signal; 12] = [
        Signal::Hup,
        Signal::Int,
        Signal::Quit,
        Signal::Kill,
        Signal::Usr1,
        Signal::Term,
        Signal::Chld,
        Signal::Cont,
        Signal::Stop,
        Signal::Tstp,
        Signal::Ttin,
        Signal::Ttou,
    ];

    /// The signals of versions 1 and 2 of the replay format (all but `QUIT`),
    /// in ascending number: what the generator draws from and `metrics.csv`
    /// counts, so that their bytes stay as they were.
    pub const BEFORE_TERMINALS: [Signal; 11] = {
        let mut out = [Signal::Hup; 11];
        let (mut from, mut to) = (0, 0);
        while from < Signal::ALL.len() {
            if !matches!(Signal::ALL[from], Signal::Quit) {
                out[to] = Signal::ALL[from];
                to += 1;
            }
            from += 1;
        }
        out
    };

    /// The kernel's signal number.
    pub fn number(self) -> u8 {
        self as u8
    }

    /// The signal with this number, if it is modelled.
    pub fn from_number(n: u32) -> Option<Signal> {
        Signal::ALL.into_iter().find(|s| u32::from(s.number()) == n)
    }

    /// The name without the `SIG` prefix, as the replay format writes it.
    pub fn name(self) -> &'static str {
        match self {
            Signal::Hup => "HUP",
            Signal::Int => "INT",
            Signal::Quit => "QUIT",
            Signal::Kill => "KILL",
            Signal::Usr1 => "USR1",
            Signal::Term => "TERM",
            Signal::Chld => "CHLD",
            Signal::Cont => "CONT",
            Signal::Stop => "STOP",
            Signal::Tstp => "TSTP",
            Signal::Ttin => "TTIN",
            Signal::Ttou => "TTOU",
        }
    }

    /// The default action (`SIG_KERNEL_STOP_MASK`, `SIG_KERNEL_IGNORE_MASK`).
    pub fn default_action(self) -> DefaultAction {
        match self {
            Signal::Stop | Signal::Tstp | Signal::Ttin | Signal::Ttou => DefaultAction::Stop,
            Signal::Chld | Signal::Cont => DefaultAction::Ignore,
            _ => DefaultAction::Terminate,
        }
    }

    /// Its default action dumps core before the process ends
    /// (`SIG_KERNEL_COREDUMP_MASK`): QUIT, of the signals modelled.
    pub fn dumps_core(self) -> bool {
        self == Signal::Quit
    }

    /// KILL and STOP cannot be caught, blocked or ignored (`SIG_KERNEL_ONLY_MASK`).
    pub fn is_kernel_only(self) -> bool {
        matches!(self, Signal::Kill | Signal::Stop)
    }

    /// STOP, TSTP, TTIN, TTOU (`sig_kernel_stop`).
    pub fn is_stop(self) -> bool {
        self.default_action() == DefaultAction::Stop
    }
}

impl fmt::Display for Signal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// An unknown signal name.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown signal `{0}` (expected one of HUP INT QUIT KILL USR1 TERM CHLD CONT STOP TSTP TTIN TTOU)")]
pub struct UnknownSignal(pub String);

impl FromStr for Signal {
    type Err = UnknownSignal;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Signal::ALL.into_iter().find(|sig| sig.name() == s).ok_or_else(|| UnknownSignal(s.to_owned()))
    }
}

/// A set of signals, as a mask with bit `n` for signal number `n`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct SigSet(u32);

impl SigSet {
    pub const EMPTY: SigSet = SigSet(0);

    /// STOP, TSTP, TTIN and TTOU.
    pub const STOP_SIGNALS: SigSet =
        SigSet(1 << Signal::Stop as u8 | 1 << Signal::Tstp as u8 | 1 << Signal::Ttin as u8 | 1 << Signal::Ttou as u8);

    pub fn of(sig: Signal) -> SigSet {
        SigSet(1 << sig.number())
    }
    pub fn contains(self, sig: Signal) -> bool {
        self.0 & (1 << sig.number()) != 0
    }
    pub fn insert(&mut self, sig: Signal) {
        self.0 |= 1 << sig.number();
    }
    pub fn remove(&mut self, sig: Signal) {
        self.0 &= !(1 << sig.number());
    }
    pub fn insert_all(&mut self, other: SigSet) {
        self.0 |= other.0;
    }
    pub fn remove_all(&mut self, other: SigSet) {
        self.0 &= !other.0;
    }
    pub fn is_empty(self) -> bool {
        self.0 == 0
    }
    /// The lowest-numbered signal in the set (`next_signal`: no synchronous
    /// faults are modelled, so this is the kernel's dequeue order).
    pub fn lowest(self) -> Option<Signal> {
        (self.0 != 0).then(|| Signal::from_number(self.0.trailing_zeros())).flatten()
    }
    /// Removes and returns the lowest-numbered signal.
    pub fn pop_lowest(&mut self) -> Option<Signal> {
        let sig = self.lowest()?;
        self.remove(sig);
        Some(sig)
    }
}
