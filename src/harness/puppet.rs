//! The puppet: the body of every process a script creates.
//!
//! A puppet sits in `read()` on its command pipe and, for each command, makes
//! exactly one system call and writes back what it returned. Puppets are made
//! by `fork` from other puppets, and the first one (`init`) by `clone` from a
//! thread of the harness, which may have other threads: so everything here
//! runs in the child of a possibly multithreaded process and must be
//! async-signal-safe. No allocation, no locks, no panics: plain memory reads
//! and raw system calls through `libc`. A puppet that cannot go on sends a
//! [`Kind::Fault`] message and quits with a [`give_up`] code.
//!
//! After `exec` the program starts again from `main`: [`enter_if_requested`]
//! recognises the puppet's arguments and goes back to serving, at the same
//! descriptor numbers (the new image is single-threaded, so it may allocate
//! while it sets itself up).
//!
//! Signal handlers record that they ran with one `write` of a message, so the
//! harness sees handlers in the order they ran in each process. A caught
//! signal's handler blocks every signal while it runs, and is installed with
//! `SA_RESTART`, so the `read()` it interrupts simply goes on.

use super::wire::{Command, Fds, Kind, Message, Step, Verb, action_from_code, give_up};
use crate::model::Disposition;
use std::ffi::{CStr, CString, c_char, c_int, c_long, c_uint, c_ulong};
use std::os::unix::ffi::OsStrExt;
use std::sync::atomic::{AtomicI32, AtomicU32, Ordering::Relaxed};

/// The first argument that makes the binary a puppet again after `exec`.
const MODE: &CStr = c"__procsim_puppet";

/// The program a puppet executes: itself.
const SELF_EXE: &CStr = c"/proc/self/exe";

/// Which label this process is (set in the child right after `fork`).
static LABEL: AtomicU32 = AtomicU32::new(0);
/// [`Fds::base`], the same in every puppet.
static BASE: AtomicI32 = AtomicI32::new(-1);

fn fds() -> Fds {
    Fds { base: BASE.load(Relaxed) }
}

fn errno() -> c_int {
    // SAFETY: `__errno_location` returns this thread's errno slot.
    unsafe { *libc::__errno_location() }
}

fn set_errno(value: c_int) {
    // SAFETY: as in `errno`.
    unsafe { *libc::__errno_location() = value }
}

/// Writes one message; `false` if the pipe is unusable.
fn send(kind: Kind, a: i32, b: i32) -> bool {
    let message = Message { label: LABEL.load(Relaxed), kind: kind as u32, a, b };
    let size = size_of::<Message>();
    // SAFETY: writes `size` bytes from a live value.
    let n = unsafe { libc::write(fds().messages(), (&raw const message).cast(), size) };
    n == size as isize
}

fn quit(code: c_int) -> ! {
    // SAFETY: `_exit` is async-signal-safe and does not return.
    unsafe { libc::_exit(code) }
}

/// Tells the harness what went wrong, then quits.
fn fault(step: Step, err: c_int) -> ! {
    send(Kind::Fault, step as i32, err);
    quit(give_up::FAULT)
}

/// A system call's value as the wire carries it: the value, or `-errno`.
fn returned(value: c_long) -> i32 {
    if value < 0 { -errno() } else { value as i32 }
}

/// This process's pid as the harness sees it: `/proc` is the harness's, so
/// `/proc/self` names the process by its pid in the harness's namespace.
fn own_pid() -> Option<i32> {
    let mut buf = [0u8; 16];
    // SAFETY: reads at most `buf.len()` bytes into `buf`.
    let n = unsafe { libc::readlink(c"/proc/self".as_ptr(), buf.as_mut_ptr().cast(), buf.len()) };
    let digits = buf.get(..usize::try_from(n).ok()?)?;
    if digits.is_empty() {
        return None;
    }
    let mut pid: i32 = 0;
    for &d in digits {
        if !d.is_ascii_digit() {
            return None;
        }
        pid = pid.checked_mul(10)?.checked_add(i32::from(d - b'0'))?;
    }
    Some(pid)
}

/// Sends `Born` or `Execed` with this process's pid.
fn announce(kind: Kind) {
    match own_pid() {
        Some(pid) if send(kind, pid, 0) => {}
        Some(_) => quit(give_up::FAULT),
        None => fault(Step::OwnPid, errno()),
    }
}

extern "C" fn on_signal(sig: c_int) {
    let saved = errno();
    send(Kind::Caught, sig, 0);
    set_errno(saved);
}

/// `sigaction(sig, …)`: a caught signal's handler blocks every signal while it
/// runs, and interrupted calls go on (`SA_RESTART`).
fn dispose(sig: c_int, action: Disposition) -> c_int {
    let handler = match action {
        Disposition::Default => libc::SIG_DFL,
        Disposition::Ignore => libc::SIG_IGN,
        Disposition::Catch => on_signal as extern "C" fn(c_int) as libc::sighandler_t,
    };
    // SAFETY: a zeroed `sigaction` is a valid value; the calls only read and write it.
    unsafe {
        let mut action: libc::sigaction = std::mem::zeroed();
        action.sa_sigaction = handler;
        libc::sigfillset(&mut action.sa_mask);
        action.sa_flags = libc::SA_RESTART;
        libc::sigaction(sig, &action, std::ptr::null_mut())
    }
}

/// The `argv` of the `execve` each label makes, built before any puppet exists
/// (every puppet has a copy of it at the same address).
pub(crate) struct ExecArgs {
    /// Owns the bytes that `argv` points into.
    _strings: Vec<CString>,
    /// By label: program name, [`MODE`], base, number of labels, label, NULL.
    argv: Vec<[*const c_char; 6]>,
    /// An empty environment: the puppet needs nothing from it.
    envp: [*const c_char; 1],
}

impl ExecArgs {
    pub fn new(fds: Fds, labels: usize) -> ExecArgs {
        let number = |n: i64| CString::new(n.to_string()).expect("decimal digits contain no NUL");
        let fixed = [c"procsim-puppet".to_owned(), MODE.to_owned(), number(fds.base.into()), number(labels as i64)];
        let mine: Vec<CString> = (0..labels as i64).map(number).collect();
        let argv = mine
            .iter()
            .map(|label| {
                [
                    fixed[0].as_ptr(),
                    fixed[1].as_ptr(),
                    fixed[2].as_ptr(),
                    fixed[3].as_ptr(),
                    label.as_ptr(),
                    std::ptr::null(),
                ]
            })
            .collect();
        ExecArgs { _strings: fixed.into_iter().chain(mine).collect(), argv, envp: [std::ptr::null()] }
    }
}

/// Everything the first puppet needs to become the script's `init`, prepared
/// by the harness before the `clone`.
pub(crate) struct InitSetup {
    pub fds: Fds,
    /// The harness's descriptors that become [`Fds::messages`], then the command
    /// pipe of every label in order.
    pub sources: Vec<c_int>,
    pub exec: ExecArgs,
}

/// The body of the child of the harness's `clone(CLONE_NEWPID)`: makes itself the
/// replay format's `init` (pid 1, a session of its own, HUP and CONT caught,
/// every other signal at its default action, nothing blocked), then serves.
///
/// # Safety
/// Only for the child of a `clone` that shares no memory with its parent.
pub(crate) unsafe fn become_init(setup: &InitSetup) -> ! {
    // SAFETY: plain system calls on values owned by this (copied) address space.
    unsafe {
        // Nothing is left behind if the harness dies: init's death ends its namespace.
        libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL as c_ulong, 0 as c_ulong, 0 as c_ulong, 0 as c_ulong);
        let mut target = setup.fds.base;
        for &source in &setup.sources {
            if libc::dup2(source, target) < 0 {
                quit(give_up::FAULT);
            }
            target += 1;
        }
        BASE.store(setup.fds.base, Relaxed);
        LABEL.store(0, Relaxed);
        // Only the puppet descriptors stay open: nothing of the harness leaks in.
        libc::syscall(libc::SYS_close_range, 3 as c_uint, (setup.fds.base - 1) as c_uint, 0 as c_uint);
        libc::syscall(libc::SYS_close_range, target as c_uint, c_uint::MAX, 0 as c_uint);
        let null = libc::open(c"/dev/null".as_ptr(), libc::O_RDWR);
        if null < 0 {
            fault(Step::Setup, errno());
        }
        for fd in 0..3 {
            libc::dup2(null, fd);
        }
        if null > 2 {
            libc::close(null);
        }
        // Errors are expected here (KILL, STOP, the C library's own signals).
        for sig in 1..=64 {
            dispose(sig, Disposition::Default);
        }
        let mut none: libc::sigset_t = std::mem::zeroed();
        libc::sigemptyset(&mut none);
        libc::sigprocmask(libc::SIG_SETMASK, &none, std::ptr::null_mut());
        if libc::setsid() < 0
            || dispose(libc::SIGHUP, Disposition::Catch) != 0
            || dispose(libc::SIGCONT, Disposition::Catch) != 0
        {
            fault(Step::Setup, errno());
        }
    }
    announce(Kind::Born);
    serve(&setup.exec)
}

/// Turns this process back into its puppet if the program was started as one
/// (by a puppet's `exec`); returns at once otherwise. A program that runs the
/// kernel harness must call this first thing in `main`.
pub fn enter_if_requested() {
    let mut args = std::env::args_os().skip(1);
    if args.next().is_none_or(|mode| mode.as_bytes() != MODE.to_bytes()) {
        return;
    }
    let mut number = || args.next().and_then(|a| a.to_str()?.parse::<u32>().ok());
    let (Some(base), Some(labels), Some(label)) = (number(), number(), number()) else { quit(give_up::FAULT) };
    let Ok(base) = i32::try_from(base) else { quit(give_up::FAULT) };
    BASE.store(base, Relaxed);
    LABEL.store(label, Relaxed);
    if label >= labels {
        fault(Step::Arguments, 0);
    }
    let exec = ExecArgs::new(Fds { base }, labels as usize);
    announce(Kind::Execed);
    serve(&exec)
}

/// Reads commands forever.
fn serve(exec: &ExecArgs) -> ! {
    loop {
        let mut command = Command::default();
        let size = size_of::<Command>();
        // SAFETY: reads at most `size` bytes into a live value of that size.
        let n = unsafe { libc::read(fds().command(LABEL.load(Relaxed)), (&raw mut command).cast(), size) };
        if n < 0 {
            let err = errno();
            if err == libc::EINTR {
                continue;
            }
            fault(Step::Read, err);
        }
        if n == 0 {
            quit(give_up::ORPHANED);
        }
        if n as usize != size {
            fault(Step::Command, 0);
        }
        obey(command, exec);
    }
}

/// Makes the one system call of a command and reports its value.
fn obey(command: Command, exec: &ExecArgs) {
    let Command { a, b, .. } = command;
    let Some(verb) = Verb::from_u32(command.verb) else { fault(Step::Command, 0) };
    let mut status: c_int = 0;
    // SAFETY: each arm is one system call on plain values.
    let value = unsafe {
        match verb {
            Verb::Fork => {
                let flags = libc::SIGCHLD | if b != 0 { libc::CLONE_NEWPID } else { 0 };
                let pid = libc::syscall(libc::SYS_clone, flags as c_ulong, 0 as c_ulong, 0 as c_ulong, 0 as c_ulong, 0);
                if pid == 0 {
                    LABEL.store(a as u32, Relaxed);
                    announce(Kind::Born);
                    return;
                }
                returned(pid)
            }
            Verb::Exit => libc::_exit(a),
            Verb::Exec => {
                let Some(argv) = exec.argv.get(LABEL.load(Relaxed) as usize) else { fault(Step::Command, 0) };
                returned(libc::execve(SELF_EXE.as_ptr(), argv.as_ptr(), exec.envp.as_ptr()).into())
            }
            Verb::Setsid => returned(libc::setsid().into()),
            Verb::Setpgid => returned(libc::setpgid(a, b).into()),
            Verb::Wait => returned(libc::waitpid(a, &mut status, libc::WNOHANG).into()),
            Verb::Kill => returned(libc::kill(a, b).into()),
            Verb::Dispose => match action_from_code(b) {
                Some(action) => returned(dispose(a, action).into()),
                None => fault(Step::Command, 0),
            },
            Verb::Subreaper => returned(
                libc::prctl(libc::PR_SET_CHILD_SUBREAPER, a as c_ulong, 0 as c_ulong, 0 as c_ulong, 0 as c_ulong)
                    .into(),
            ),
        }
    };
    if !send(Kind::Returned, value, status) {
        quit(give_up::FAULT);
    }
}
