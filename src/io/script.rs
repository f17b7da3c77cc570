//! The replay script (`.ops`, versions 1 to 3): its syntax tree and its
//! parser. Version 2 adds threads (`thread`, `exit_thread`, `tkill`, `mask`,
//! `pdeathsig`); version 3 controlling terminals (`tty`, `ctty`, `fg`,
//! `ttyread`, `ttywrite`, `tostop`, `notty`, `key`, `hangup`, and the signal
//! `QUIT`). A label is a task or (version 3) a terminal, never both; an older
//! script means what it always meant.
//!
//! A script is checked whole before anything runs, so that a malformed file prints
//! nothing but one `error: FILE:N: …` (exit 2). Labels are interned: label 0 is
//! always `init`, and every other label gets the next index at the `fork` that
//! creates it, so creation order is index order; a terminal's label is created the same way,
//! by its `tty` line. Parsing takes time linear in
//! the script's length (labels are looked up by hash). A byte-order mark at
//! the start is skipped, as TOML skips it in a scenario.

use crate::model::{Disposition, Signal};
use bevy_platform::collections::HashMap;
use bevy_platform::collections::hash_map::Entry;

/// A task's label (a process's, in version 1), interned: an index into
/// [`Script::labels`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Label(pub u32);

impl Label {
    /// The script's namespace init.
    pub const INIT: Label = Label(0);

    pub fn index(self) -> usize {
        self.0 as usize
    }
}

/// A terminal's label (version 3): a [`Label`] created by a `tty` line, which
/// the parser never accepts where a task is expected, nor the reverse.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Tty(pub Label);

pub use crate::model::Key;

/// The `pgid` argument of `setpgid`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PgidArg {
    /// `0`: the target's own pid.
    Zero,
    /// A label: that process's pid as the caller sees it.
    Label(Label),
    /// A negative number, passed as it is.
    Negative(i32),
}

/// The target of `kill`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum KillTarget {
    /// `kill(pid)`.
    Process(Label),
    /// `kill(-pgid)` with pgid = the label's pid as the sender sees it
    /// (`kill(-1)`, the broadcast, when that is 1).
    Group(Label),
}

/// One operation of a script.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Op {
    Fork {
        parent: Label,
        child: Label,
        newpid: bool,
    },
    Exit {
        proc: Label,
        code: u8,
    },
    Exec {
        proc: Label,
    },
    Setsid {
        proc: Label,
    },
    /// `target: None` is `0` (the caller itself).
    Setpgid {
        proc: Label,
        target: Option<Label>,
        pgid: PgidArg,
    },
    Reap {
        parent: Label,
        child: Label,
    },
    /// `sender: None` is `-`, a sender outside the script's namespace.
    Kill {
        sender: Option<Label>,
        sig: Signal,
        target: KillTarget,
    },
    Dispose {
        proc: Label,
        sig: Signal,
        action: Disposition,
    },
    Subreaper {
        proc: Label,
        on: bool,
    },
    /// Version 2: `proc` creates thread `child` in its process
    /// (clone with CLONE_THREAD and the flags that go with it).
    Thread {
        proc: Label,
        child: Label,
    },
    /// Version 2: `proc` calls SYS_exit(code): only that task ends.
    ExitThread {
        proc: Label,
        code: u8,
    },
    /// Version 2: tgkill of `target` (its process's pid and its tid, as the
    /// sender sees them); `sender: None` is `-`.
    Tkill {
        sender: Option<Label>,
        sig: Signal,
        target: Label,
    },
    /// Version 2: rt_sigprocmask(SIG_BLOCK or SIG_UNBLOCK) of one signal on
    /// the calling task.
    Mask {
        proc: Label,
        sig: Signal,
        block: bool,
    },
    /// Version 2: prctl(PR_SET_PDEATHSIG, sig); `None` is `0`, which clears it.
    Pdeathsig {
        proc: Label,
        sig: Option<Signal>,
    },
    /// Version 3: a terminal line.
    Terminal(TtyOp),
}

/// A version-3 line: a task's call on a terminal, or the terminal
/// emulator's own action (`key`, `hangup`: no actor).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TtyOp {
    /// `tty P T`: terminal `tty` is created; `proc` opens it and does
    /// TIOCSCTTY 0.
    Create { proc: Label, tty: Tty },
    /// `ctty P T [steal]`: TIOCSCTTY 0, or 1 with `steal`.
    Acquire { proc: Label, tty: Tty, steal: bool },
    /// `fg P G`: tcsetpgrp with G's pid as P sees it.
    Foreground { proc: Label, group: Label },
    /// `ttyread P`: a non-blocking one-byte read.
    Read { proc: Label },
    /// `ttywrite P`: a non-blocking one-byte write.
    Write { proc: Label },
    /// `tostop P on|off`.
    Tostop { proc: Label, on: bool },
    /// `notty P`: TIOCNOTTY.
    Release { proc: Label },
    /// `key T K`: the terminal emulator types a key.
    Key { tty: Tty, key: Key },
    /// `hangup T`: the terminal emulator closes the master.
    Hangup { tty: Tty },
}

impl TtyOp {
    /// The task that makes the call (`None` for `key` and `hangup`).
    pub fn actor(&self) -> Option<Label> {
        match *self {
            TtyOp::Create { proc, .. }
            | TtyOp::Acquire { proc, .. }
            | TtyOp::Foreground { proc, .. }
            | TtyOp::Read { proc }
            | TtyOp::Write { proc }
            | TtyOp::Tostop { proc, .. }
            | TtyOp::Release { proc } => Some(proc),
            TtyOp::Key { .. } | TtyOp::Hangup { .. } => None,
        }
    }
}

impl Op {
    /// The process that performs the operation (`None` for a kill from outside).
    pub fn actor(&self) -> Option<Label> {
        match *self {
            Op::Fork { parent, .. } => Some(parent),
            Op::Exit { proc, .. }
            | Op::Exec { proc }
            | Op::Setsid { proc }
            | Op::Setpgid { proc, .. }
            | Op::Dispose { proc, .. }
            | Op::Subreaper { proc, .. }
            | Op::Thread { proc, .. }
            | Op::ExitThread { proc, .. }
            | Op::Mask { proc, .. }
            | Op::Pdeathsig { proc, .. } => Some(proc),
            Op::Reap { parent, .. } => Some(parent),
            Op::Kill { sender, .. } | Op::Tkill { sender, .. } => sender,
            Op::Terminal(op) => op.actor(),
        }
    }

    /// Whether the operation is one of version 2's (threads).
    pub fn is_version_2(&self) -> bool {
        matches!(
            self,
            Op::Thread { .. } | Op::ExitThread { .. } | Op::Tkill { .. } | Op::Mask { .. } | Op::Pdeathsig { .. }
        )
    }

    /// Whether the operation is one of version 3's: a terminal line, or any
    /// line naming `QUIT`.
    pub fn is_version_3(&self) -> bool {
        let quit = Some(Signal::Quit);
        match *self {
            Op::Terminal(_) => true,
            Op::Kill { sig, .. } | Op::Dispose { sig, .. } | Op::Tkill { sig, .. } | Op::Mask { sig, .. } => {
                sig == Signal::Quit
            }
            Op::Pdeathsig { sig, .. } => sig == quit,
            _ => false,
        }
    }
}

/// One operation and the line it came from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Step {
    pub line: usize,
    pub op: Op,
}

/// A parsed script.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Script {
    /// Label names by index; `labels[0]` is `init`.
    pub labels: Vec<String>,
    pub steps: Vec<Step>,
    /// The terminals' labels, in creation order, so sorted (version 3).
    pub ttys: Vec<Tty>,
}

/// What is wrong with a script, and where: `FILE:N: message` when the
/// script was parsed under a name ([`Script::parse_named`]), else
/// `line N: message`.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error(
    "{}{line}: {}",
    file.as_ref().map_or_else(|| "line ".to_owned(), |f| format!("{f}:")),
    crate::io::text::elide(message)
)]
pub struct ParseError {
    /// The name of the script: its path, or `-` for standard input.
    pub file: Option<String>,
    pub line: usize,
    pub message: String,
}

/// The byte-order mark some editors write at the start of a UTF-8 file.
const BOM: char = '\u{feff}';

impl Script {
    /// Parses a whole script; an error names its line.
    pub fn parse(text: &str) -> Result<Script, ParseError> {
        let mut parser = Parser::new();
        let mut steps = Vec::new();
        let mut words = Vec::new();
        for (index, raw) in text.strip_prefix(BOM).unwrap_or(text).lines().enumerate() {
            let line = index + 1;
            let content = raw.split('#').next().unwrap_or("");
            words.clear();
            words.extend(content.split([' ', '\t', '\r']).filter(|w| !w.is_empty()));
            if words.is_empty() {
                continue;
            }
            let op = parser.op(&words).map_err(|message| ParseError { file: None, line, message })?;
            steps.push(Step { line, op });
        }
        Ok(Script { labels: parser.labels, steps, ttys: parser.ttys })
    }

    /// Parses a whole script called `file` (a path, or `-` for standard
    /// input): an error names the file and the line, `FILE:N: …`.
    pub fn parse_named(file: &str, text: &str) -> Result<Script, ParseError> {
        Script::parse(text).map_err(|e| ParseError { file: Some(file.to_owned()), ..e })
    }

    /// The name of a label.
    pub fn name(&self, label: Label) -> &str {
        &self.labels[label.index()]
    }

    /// The version of the replay format the script needs: 3 if it uses a
    /// terminal line or `QUIT`, else 2 if it uses a thread line, else 1.
    pub fn version(&self) -> u8 {
        if self.steps.iter().any(|s| s.op.is_version_3()) {
            3
        } else if self.steps.iter().any(|s| s.op.is_version_2()) {
            2
        } else {
            1
        }
    }

    /// Whether a label is a terminal's (created by a `tty` line).
    pub fn is_tty(&self, label: Label) -> bool {
        self.ttys.binary_search(&Tty(label)).is_ok()
    }
}

/// The labels created so far, by index and by name, and which are terminals.
struct Parser<'a> {
    labels: Vec<String>,
    index: HashMap<&'a str, Label>,
    /// By label index: whether it is a terminal's.
    is_tty: Vec<bool>,
    ttys: Vec<Tty>,
}

impl<'a> Parser<'a> {
    fn new() -> Parser<'a> {
        let mut index = HashMap::default();
        index.insert("init", Label::INIT);
        Parser { labels: vec!["init".to_owned()], index, is_tty: vec![false], ttys: Vec::new() }
    }

    fn op(&mut self, words: &[&'a str]) -> Result<Op, String> {
        let (&verb, args) = words.split_first().ok_or("empty line")?;
        let arity = |min: usize, max: usize| arity(verb, args, min, max);
        match verb {
            "fork" => {
                arity(2, 3)?;
                let parent = self.existing(args[0])?;
                let newpid = match args.get(2) {
                    None => false,
                    Some(&"newpid") => true,
                    Some(other) => {
                        return Err(format!("unknown fork flag `{other}` (expected `newpid`)"));
                    }
                };
                let child = self.create(args[1])?;
                Ok(Op::Fork { parent, child, newpid })
            }
            "exit" | "exit_thread" => {
                arity(1, 2)?;
                let proc = self.existing(args[0])?;
                let code = match args.get(1) {
                    None => 0,
                    Some(word) => {
                        let n = number(word)?;
                        u8::try_from(n).map_err(|_| format!("exit code `{word}` is not in 0..255"))?
                    }
                };
                Ok(if verb == "exit" { Op::Exit { proc, code } } else { Op::ExitThread { proc, code } })
            }
            "thread" => {
                arity(2, 2)?;
                let proc = self.existing(args[0])?;
                let child = self.create(args[1])?;
                Ok(Op::Thread { proc, child })
            }
            "tkill" => {
                arity(3, 3)?;
                let sender = match args[0] {
                    "-" => None,
                    word => Some(self.existing(word)?),
                };
                let sig = args[1].parse::<Signal>().map_err(|e| e.to_string())?;
                Ok(Op::Tkill { sender, sig, target: self.existing(args[2])? })
            }
            "mask" => {
                arity(3, 3)?;
                let proc = self.existing(args[0])?;
                let sig = args[1].parse::<Signal>().map_err(|e| e.to_string())?;
                let block = match args[2] {
                    "block" => true,
                    "unblock" => false,
                    other => return Err(format!("expected `block` or `unblock`, found `{other}`")),
                };
                Ok(Op::Mask { proc, sig, block })
            }
            "pdeathsig" => {
                arity(2, 2)?;
                let proc = self.existing(args[0])?;
                let sig = match args[1] {
                    "0" => None,
                    word => Some(word.parse::<Signal>().map_err(|e| e.to_string())?),
                };
                Ok(Op::Pdeathsig { proc, sig })
            }
            "exec" => {
                arity(1, 1)?;
                Ok(Op::Exec { proc: self.existing(args[0])? })
            }
            "setsid" => {
                arity(1, 1)?;
                Ok(Op::Setsid { proc: self.existing(args[0])? })
            }
            "setpgid" => {
                arity(3, 3)?;
                let proc = self.existing(args[0])?;
                let target = match args[1] {
                    "0" => None,
                    word => Some(self.existing(word)?),
                };
                let pgid = match args[2] {
                    "0" => PgidArg::Zero,
                    word if word.starts_with('-') => {
                        let n = number(word)?;
                        PgidArg::Negative(
                            i32::try_from(n).map_err(|_| format!("group id `{word}` does not fit in 32 bits"))?,
                        )
                    }
                    word => PgidArg::Label(self.existing(word)?),
                };
                Ok(Op::Setpgid { proc, target, pgid })
            }
            "reap" => {
                arity(2, 2)?;
                Ok(Op::Reap { parent: self.existing(args[0])?, child: self.existing(args[1])? })
            }
            "signal" => {
                arity(3, 3)?;
                let sender = match args[0] {
                    "-" => None,
                    word => Some(self.existing(word)?),
                };
                let sig = args[1].parse::<Signal>().map_err(|e| e.to_string())?;
                let target = match args[2].strip_prefix('%') {
                    Some(group) => KillTarget::Group(self.existing(group)?),
                    None => KillTarget::Process(self.existing(args[2])?),
                };
                Ok(Op::Kill { sender, sig, target })
            }
            "dispose" => {
                arity(3, 3)?;
                let proc = self.existing(args[0])?;
                let sig = args[1].parse::<Signal>().map_err(|e| e.to_string())?;
                let action = args[2]
                    .parse::<Disposition>()
                    .map_err(|()| format!("unknown action `{}` (expected default, ignore or catch)", args[2]))?;
                Ok(Op::Dispose { proc, sig, action })
            }
            "subreaper" => {
                arity(2, 2)?;
                let proc = self.existing(args[0])?;
                Ok(Op::Subreaper { proc, on: on_off(args[1])? })
            }
            "tty" | "ctty" | "fg" | "ttyread" | "ttywrite" | "tostop" | "notty" | "key" | "hangup" => {
                self.terminal(verb, args).map(Op::Terminal)
            }
            other => Err(format!(
                "unknown operation `{other}` (expected fork, exit, exec, setsid, setpgid, reap, signal, dispose, \
                 subreaper, thread, exit_thread, tkill, mask, pdeathsig, tty, ctty, fg, ttyread, ttywrite, tostop, \
                 notty, key or hangup)"
            )),
        }
    }

    /// A version-3 line: `verb` is one of the terminal verbs.
    fn terminal(&mut self, verb: &str, args: &[&'a str]) -> Result<TtyOp, String> {
        let (min, max) = match verb {
            "ttyread" | "ttywrite" | "notty" | "hangup" => (1, 1),
            "ctty" => (2, 3),
            _ => (2, 2),
        };
        arity(verb, args, min, max)?;
        Ok(match verb {
            "tty" => {
                let proc = self.existing(args[0])?;
                TtyOp::Create { proc, tty: self.create_tty(args[1])? }
            }
            "ctty" => {
                let proc = self.existing(args[0])?;
                let tty = self.existing_tty(args[1])?;
                let steal = match args.get(2) {
                    None => false,
                    Some(&"steal") => true,
                    Some(other) => return Err(format!("unknown ctty flag `{other}` (expected `steal`)")),
                };
                TtyOp::Acquire { proc, tty, steal }
            }
            "fg" => TtyOp::Foreground { proc: self.existing(args[0])?, group: self.existing(args[1])? },
            "ttyread" => TtyOp::Read { proc: self.existing(args[0])? },
            "ttywrite" => TtyOp::Write { proc: self.existing(args[0])? },
            "tostop" => TtyOp::Tostop { proc: self.existing(args[0])?, on: on_off(args[1])? },
            "notty" => TtyOp::Release { proc: self.existing(args[0])? },
            "key" => {
                let tty = self.existing_tty(args[0])?;
                let key = Key::ALL
                    .into_iter()
                    .find(|k| k.name() == args[1])
                    .ok_or_else(|| format!("unknown key `{}` (expected ^C, ^Z, ^\\ or ^J)", args[1]))?;
                TtyOp::Key { tty, key }
            }
            _ => TtyOp::Hangup { tty: self.existing_tty(args[0])? },
        })
    }

    fn check_syntax(word: &str) -> Result<(), String> {
        let mut chars = word.chars();
        let first_ok = chars.next().is_some_and(|c| c.is_ascii_lowercase());
        if first_ok && chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_') {
            Ok(())
        } else {
            Err(format!("malformed label `{word}` (expected [a-z][a-z0-9_]*)"))
        }
    }

    /// An existing task's label.
    fn existing(&self, word: &str) -> Result<Label, String> {
        self.existing_kind(word, false)
    }

    /// An existing terminal's label.
    fn existing_tty(&self, word: &str) -> Result<Tty, String> {
        self.existing_kind(word, true).map(Tty)
    }

    /// An existing label of a terminal (`tty`) or of a task.
    fn existing_kind(&self, word: &str, tty: bool) -> Result<Label, String> {
        Self::check_syntax(word)?;
        let label = self.index.get(word).copied().ok_or_else(|| {
            if tty {
                format!("terminal `{word}` is used before the `tty` line that creates it")
            } else {
                format!("label `{word}` is used before the fork that creates it")
            }
        })?;
        match (self.is_tty[label.index()], tty) {
            (true, false) => Err(format!("label `{word}` is a terminal, where a task is expected")),
            (false, true) => Err(format!("label `{word}` is a task, where a terminal is expected")),
            _ => Ok(label),
        }
    }

    /// A new task's label.
    fn create(&mut self, word: &'a str) -> Result<Label, String> {
        self.create_kind(word, false)
    }

    /// A new terminal's label.
    fn create_tty(&mut self, word: &'a str) -> Result<Tty, String> {
        let tty = Tty(self.create_kind(word, true)?);
        self.ttys.push(tty);
        Ok(tty)
    }

    fn create_kind(&mut self, word: &'a str, tty: bool) -> Result<Label, String> {
        Self::check_syntax(word)?;
        let label = Label(self.labels.len() as u32);
        match self.index.entry(word) {
            Entry::Occupied(_) => Err(format!("label `{word}` is created twice")),
            Entry::Vacant(slot) => {
                slot.insert(label);
                self.labels.push(word.to_owned());
                self.is_tty.push(tty);
                Ok(label)
            }
        }
    }
}

/// That `verb` has between `min` and `max` arguments.
fn arity(verb: &str, args: &[&str], min: usize, max: usize) -> Result<(), String> {
    if (min..=max).contains(&args.len()) {
        Ok(())
    } else if min == max {
        Err(format!("`{verb}` takes {min} argument(s), found {}", args.len()))
    } else {
        Err(format!("`{verb}` takes {min} to {max} arguments, found {}", args.len()))
    }
}

/// `on` or `off`.
fn on_off(word: &str) -> Result<bool, String> {
    match word {
        "on" => Ok(true),
        "off" => Ok(false),
        other => Err(format!("expected `on` or `off`, found `{other}`")),
    }
}

/// A decimal integer without leading zeros or `-0`.
fn number(word: &str) -> Result<i64, String> {
    let digits = word.strip_prefix('-').unwrap_or(word);
    let well_formed = !digits.is_empty()
        && digits.bytes().all(|b| b.is_ascii_digit())
        && (digits == "0" || !digits.starts_with('0'))
        && word != "-0";
    if !well_formed {
        return Err(format!("malformed number `{word}`"));
    }
    word.parse::<i64>().map_err(|_| format!("number `{word}` is out of range"))
}
