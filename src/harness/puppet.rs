//! The puppet: the body of every task a script creates.
//!
//! A puppet task sits in `read()` on its command pipe and, for each command,
//! makes exactly one system call and writes back what it returned. Puppets
//! are made by `fork` or `thread` from other puppets, and the first one
//! (`init`) by `clone` from a thread of the harness, which may have other
//! threads: so everything here runs in the child of a possibly multithreaded
//! process and must be async-signal-safe. No allocation, no locks, no panics:
//! plain memory reads and raw system calls through `libc`. A puppet that
//! cannot go on sends a [`Kind::Fault`] message and quits with a [`give_up`]
//! code.
//!
//! After `exec` the program starts again from `main`: [`enter_if_requested`]
//! recognises the puppet's arguments and goes back to serving, at the same
//! descriptor numbers (the new image is single-threaded, so it may allocate
//! while it sets itself up).
//!
//! **Threads** (replay format version 2) are made with the C library's raw
//! `clone()` wrapper and the flags of `pthread_create`, on a stack of their
//! own, but without a thread-local storage block of their own
//! (`CLONE_SETTLS` would need the C library's private layout): a thread
//! shares the creating thread's `errno`. That is safe here because the
//! puppets run on one CPU at one `SCHED_FIFO` priority (`placement`): a task
//! runs until it blocks, and a preempted task resumes before any other of its
//! priority, so no other thread runs between a system call and the read of
//! its `errno` (handlers save and restore it). A thread knows its label from
//! its stack frame; a handler finds it in the process's [`TaskTable`].
//!
//! Signal handlers record that they ran with one `write` of a message, so the
//! harness sees handlers in the order they ran in each task. A caught
//! signal's handler blocks every signal while it runs, and is installed with
//! `SA_RESTART`, so the `read()` it interrupts simply goes on; in a version-3
//! script without it (the replay format: a terminal call it interrupts ends
//! with EINTR), and the command `read()` then starts again.
//!
//! **Terminals** (version 3): every terminal call opens `/dev/tty`
//! (non-blocking), makes its one call and closes it again, so that a process
//! without a controlling terminal gets ENXIO first; `ctty` and `tty` open the
//! terminal's slave by its path with `O_NOCTTY`. Processes run with
//! `RLIMIT_CORE` 0: `QUIT` ends them without a core dump.

use super::wire::{Command, Fds, Kind, Message, Step, Verb, action_from_code, give_up};
use crate::model::Disposition;
use std::ffi::{CStr, CString, c_char, c_int, c_long, c_uint, c_ulong, c_void};
use std::os::unix::ffi::OsStrExt;
use std::sync::atomic::{AtomicI32, AtomicPtr, Ordering::Relaxed};

/// The first argument that makes the binary a puppet again after `exec`.
const MODE: &CStr = c"__procsim_puppet";

/// The program a puppet executes: itself. Through the calling thread: once
/// a process's leader has exited, `/proc/self` names that zombie, whose
/// `exe` link is gone.
const SELF_EXE: &CStr = c"/proc/thread-self/exe";

/// The size of a thread's stack, and of the guard at its low end (inaccessible,
/// so that an overflow faults instead of writing over other memory).
const THREAD_STACK: usize = 256 << 10;
const THREAD_GUARD: usize = 64 << 10;

/// The size of the kernel's signal set, which `rt_sigprocmask` takes.
const KERNEL_SIGSET_SIZE: usize = 8;

/// The label a handler reports when it cannot find its task (the harness
/// then fails, naming an unknown label).
const UNKNOWN_LABEL: u32 = u32::MAX;

/// [`Fds::base`], the same in every puppet.
static BASE: AtomicI32 = AtomicI32::new(-1);

/// What the tasks of this puppet process share, set before the first one serves.
static SHARED: AtomicPtr<Shared> = AtomicPtr::new(std::ptr::null_mut());

fn fds() -> Fds {
    Fds { base: BASE.load(Relaxed) }
}

fn shared() -> &'static Shared {
    let shared = SHARED.load(Relaxed);
    if shared.is_null() {
        quit(give_up::FAULT);
    }
    // SAFETY: set once, before any task serves, to a value that lives as long
    // as the process (the harness's copy, or a leaked one after `exec`).
    unsafe { &*shared }
}

fn errno() -> c_int {
    // SAFETY: `__errno_location` returns the errno slot of the thread-local
    // storage in use (shared by a puppet's threads: see the module's docs).
    unsafe { *libc::__errno_location() }
}

fn set_errno(value: c_int) {
    // SAFETY: as in `errno`.
    unsafe { *libc::__errno_location() = value }
}

/// The calling task's tid as its own namespace numbers it.
fn gettid() -> i32 {
    // SAFETY: gettid has no arguments and cannot fail.
    unsafe { libc::syscall(libc::SYS_gettid) as i32 }
}

/// Writes one message of `label`; `false` if the pipe is unusable.
fn send(label: u32, kind: Kind, a: i32, b: i32) -> bool {
    let message = Message { label, kind: kind as u32, a, b };
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
fn fault(label: u32, step: Step, err: c_int) -> ! {
    send(label, Kind::Fault, step as i32, err);
    quit(give_up::FAULT)
}

/// A system call's value as the wire carries it: the value, or `-errno`.
fn returned(value: c_long) -> i32 {
    if value < 0 { -errno() } else { value as i32 }
}

/// A decimal number of `/proc`.
fn decimal(digits: &[u8]) -> Option<i32> {
    if digits.is_empty() {
        return None;
    }
    let mut n: i32 = 0;
    for &d in digits {
        if !d.is_ascii_digit() {
            return None;
        }
        n = n.checked_mul(10)?.checked_add(i32::from(d - b'0'))?;
    }
    Some(n)
}

/// This task's tid and its process's pid as the harness sees them: `/proc` is
/// the harness's, so `/proc/thread-self` reads `PID/task/TID` in the
/// harness's namespace.
fn own_ids() -> Option<(i32, i32)> {
    let mut buf = [0u8; 32];
    // SAFETY: reads at most `buf.len()` bytes into `buf`.
    let n = unsafe { libc::readlink(c"/proc/thread-self".as_ptr(), buf.as_mut_ptr().cast(), buf.len()) };
    let mut parts = buf.get(..usize::try_from(n).ok()?)?.split(|&b| b == b'/');
    let pid = decimal(parts.next()?)?;
    let tid = parts.nth(1).and_then(decimal)?;
    Some((tid, pid))
}

/// Sends `Born` or `Execed` with this task's tid and its process's pid.
fn announce(label: u32, kind: Kind) {
    match own_ids() {
        Some((tid, pid)) if send(label, kind, tid, pid) => {}
        Some(_) => quit(give_up::FAULT),
        None => fault(label, Step::OwnPid, errno()),
    }
}

extern "C" fn on_signal(sig: c_int) {
    let saved = errno();
    send(shared().tasks.current().unwrap_or(UNKNOWN_LABEL), Kind::Caught, sig, 0);
    set_errno(saved);
}

/// `sigaction(sig, …)`: a caught signal's handler blocks every signal while it
/// runs, and interrupted calls go on (`SA_RESTART`) if `restart`.
fn dispose(sig: c_int, action: Disposition, restart: bool) -> c_int {
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
        action.sa_flags = if restart { libc::SA_RESTART } else { 0 };
        libc::sigaction(sig, &action, std::ptr::null_mut())
    }
}

/// `rt_sigprocmask(SIG_BLOCK or SIG_UNBLOCK)` of one signal, on the calling
/// task (the C library's `sigprocmask` would leave its own signals out).
fn mask(sig: c_int, block: bool) -> c_long {
    // SAFETY: an empty set is a valid value; the kernel reads its first
    // `KERNEL_SIGSET_SIZE` bytes.
    unsafe {
        let mut set: libc::sigset_t = std::mem::zeroed();
        libc::sigemptyset(&mut set);
        if libc::sigaddset(&mut set, sig) != 0 {
            return -1;
        }
        let how = if block { libc::SIG_BLOCK } else { libc::SIG_UNBLOCK };
        libc::syscall(
            libc::SYS_rt_sigprocmask,
            how,
            &raw const set,
            std::ptr::null::<libc::sigset_t>(),
            KERNEL_SIGSET_SIZE,
        )
    }
}

/// Opens `/dev/pts/N` without taking it as the controlling terminal, then
/// takes it with `ioctl(TIOCSCTTY, steal)`; the descriptor is closed again
/// (the terminal stays the session's).
fn acquire(pts: c_int, steal: c_int) -> c_long {
    // "/dev/pts/" and at most 10 digits, then NUL.
    let mut path = [0u8; 24];
    let prefix = b"/dev/pts/";
    path[..prefix.len()].copy_from_slice(prefix);
    let mut digits = [0u8; 10];
    let (mut n, mut count) = (pts.unsigned_abs(), 0);
    loop {
        digits[count] = b'0' + (n % 10) as u8;
        count += 1;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    for (i, digit) in digits[..count].iter().rev().enumerate() {
        path[prefix.len() + i] = *digit;
    }
    // SAFETY: `path` is NUL-terminated; the descriptor is this call's own.
    unsafe {
        let fd = libc::open(path.as_ptr().cast(), libc::O_RDWR | libc::O_NOCTTY | libc::O_NONBLOCK);
        if fd < 0 {
            return -1;
        }
        let value = libc::ioctl(fd, libc::TIOCSCTTY, steal);
        closing(fd, value.into())
    }
}

/// Opens `/dev/tty` (the caller's controlling terminal: ENXIO without one),
/// makes `call` on it and closes it.
fn on_tty(call: impl FnOnce(c_int) -> c_long) -> c_long {
    // SAFETY: a constant path; the descriptor is this call's own.
    let fd = unsafe { libc::open(c"/dev/tty".as_ptr(), libc::O_RDWR | libc::O_NOCTTY | libc::O_NONBLOCK) };
    if fd < 0 {
        return -1;
    }
    closing(fd, call(fd))
}

/// Closes `fd`, keeping the `errno` of the call that returned `value`.
fn closing(fd: c_int, value: c_long) -> c_long {
    let saved = errno();
    // SAFETY: closes a descriptor this puppet opened.
    unsafe { libc::close(fd) };
    set_errno(saved);
    value
}

/// Sets or clears TOSTOP: `tcgetattr`, then `tcsetattr(TCSANOW)`.
fn tostop(fd: c_int, on: bool) -> c_long {
    // SAFETY: a zeroed termios is a valid value for tcgetattr to fill.
    unsafe {
        let mut settings: libc::termios = std::mem::zeroed();
        if libc::tcgetattr(fd, &mut settings) != 0 {
            return -1;
        }
        if on {
            settings.c_lflag |= libc::TOSTOP;
        } else {
            settings.c_lflag &= !libc::TOSTOP;
        }
        libc::tcsetattr(fd, libc::TCSANOW, &settings).into()
    }
}

/// `SYS_exit`: only the calling task ends.
fn exit_thread(code: c_int) -> ! {
    loop {
        // SAFETY: SYS_exit takes an integer and does not return.
        unsafe { libc::syscall(libc::SYS_exit, code) };
    }
}

/// Which task of this process is which label: by label, the tid of the task
/// that is that label here, as its own namespace numbers it (`gettid()`), or
/// 0. A handler runs in whichever task the kernel picked, and finds its
/// label here. Tids are not reused within a script, so an entry left by a
/// thread that ended names no other task.
pub(crate) struct TaskTable(Box<[AtomicI32]>);

impl TaskTable {
    fn new(labels: usize) -> TaskTable {
        TaskTable((0..labels).map(|_| AtomicI32::new(0)).collect())
    }

    /// Records that the calling task is `label`.
    fn claim(&self, label: u32) {
        if let Some(slot) = self.0.get(label as usize) {
            slot.store(gettid(), Relaxed);
        }
    }

    /// In the child of a `fork`: the parent's tasks are not in this process,
    /// and the child's tids are numbered in its own namespace.
    fn restart(&self, label: u32) {
        for slot in &self.0 {
            slot.store(0, Relaxed);
        }
        self.claim(label);
    }

    /// The calling task's label.
    fn current(&self) -> Option<u32> {
        let tid = gettid();
        self.0.iter().position(|slot| slot.load(Relaxed) == tid).map(|label| label as u32)
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
    fn new(fds: Fds, labels: usize) -> ExecArgs {
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

/// What every task of a puppet process uses, prepared while allocating is
/// allowed: by the harness before the first puppet exists (every puppet has
/// a copy at the same address), or by a new image after `exec`.
pub(crate) struct Shared {
    exec: ExecArgs,
    tasks: TaskTable,
}

impl Shared {
    pub fn new(fds: Fds, labels: usize) -> Shared {
        Shared { exec: ExecArgs::new(fds, labels), tasks: TaskTable::new(labels) }
    }
}

/// Everything the first puppet needs to become the script's `init`, prepared
/// by the harness before the `clone`.
pub(crate) struct InitSetup {
    pub fds: Fds,
    /// The harness's descriptors that become [`Fds::messages`], then the command
    /// pipe of every label in order.
    pub sources: Vec<c_int>,
    pub shared: Shared,
    /// Its HUP and CONT handlers restart the calls they interrupt (not in
    /// version 3).
    pub restart: bool,
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
        SHARED.store(std::ptr::from_ref(&setup.shared).cast_mut(), Relaxed);
        setup.shared.tasks.claim(0);
        // Only the puppet descriptors stay open: nothing of the harness leaks in.
        libc::syscall(libc::SYS_close_range, 3 as c_uint, (setup.fds.base - 1) as c_uint, 0 as c_uint);
        libc::syscall(libc::SYS_close_range, target as c_uint, c_uint::MAX, 0 as c_uint);
        let null = libc::open(c"/dev/null".as_ptr(), libc::O_RDWR);
        if null < 0 {
            fault(0, Step::Setup, errno());
        }
        for fd in 0..3 {
            libc::dup2(null, fd);
        }
        if null > 2 {
            libc::close(null);
        }
        // Errors are expected here (KILL, STOP, the C library's own signals).
        for sig in 1..=64 {
            dispose(sig, Disposition::Default, true);
        }
        let no_core = libc::rlimit { rlim_cur: 0, rlim_max: 0 };
        libc::setrlimit(libc::RLIMIT_CORE, &no_core);
        let mut none: libc::sigset_t = std::mem::zeroed();
        libc::sigemptyset(&mut none);
        libc::sigprocmask(libc::SIG_SETMASK, &none, std::ptr::null_mut());
        if libc::setsid() < 0
            || dispose(libc::SIGHUP, Disposition::Catch, setup.restart) != 0
            || dispose(libc::SIGCONT, Disposition::Catch, setup.restart) != 0
        {
            fault(0, Step::Setup, errno());
        }
    }
    announce(0, Kind::Born);
    serve(0)
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
    if label >= labels {
        fault(label, Step::Arguments, 0);
    }
    // The new image is single-threaded until its first `thread` command: it may allocate.
    let shared: &'static Shared = Box::leak(Box::new(Shared::new(Fds { base }, labels as usize)));
    SHARED.store(std::ptr::from_ref(shared).cast_mut(), Relaxed);
    shared.tasks.claim(label);
    announce(label, Kind::Execed);
    serve(label)
}

/// Reads commands forever, as `label` (a `fork` child goes on as its own label).
fn serve(mut label: u32) -> ! {
    loop {
        let mut command = Command::default();
        let size = size_of::<Command>();
        // SAFETY: reads at most `size` bytes into a live value of that size.
        let n = unsafe { libc::read(fds().command(label), (&raw mut command).cast(), size) };
        if n < 0 {
            let err = errno();
            if err == libc::EINTR {
                continue;
            }
            fault(label, Step::Read, err);
        }
        if n == 0 {
            quit(give_up::ORPHANED);
        }
        if n as usize != size {
            fault(label, Step::Command, 0);
        }
        label = obey(label, command);
    }
}

/// Makes the one system call of a command and reports its value; returns
/// the label the task serves from then on.
fn obey(label: u32, command: Command) -> u32 {
    let Command { a, b, c, .. } = command;
    let Some(verb) = Verb::from_u32(command.verb) else { fault(label, Step::Command, 0) };
    let mut status: c_int = 0;
    // SAFETY: each arm is one system call on plain values.
    let value = unsafe {
        match verb {
            Verb::Fork => {
                let flags = libc::SIGCHLD | if b != 0 { libc::CLONE_NEWPID } else { 0 };
                let pid = libc::syscall(libc::SYS_clone, flags as c_ulong, 0 as c_ulong, 0 as c_ulong, 0 as c_ulong, 0);
                if pid == 0 {
                    let child = a as u32;
                    shared().tasks.restart(child);
                    announce(child, Kind::Born);
                    return child;
                }
                returned(pid)
            }
            Verb::Exit => libc::_exit(a),
            Verb::Exec => {
                let Some(argv) = shared().exec.argv.get(label as usize) else { fault(label, Step::Command, 0) };
                returned(libc::execve(SELF_EXE.as_ptr(), argv.as_ptr(), shared().exec.envp.as_ptr()).into())
            }
            Verb::Setsid => returned(libc::setsid().into()),
            Verb::Setpgid => returned(libc::setpgid(a, b).into()),
            Verb::Wait => returned(libc::waitpid(a, &mut status, libc::WNOHANG).into()),
            Verb::Kill => returned(libc::kill(a, b).into()),
            Verb::Dispose => match action_from_code(b) {
                Some(action) => returned(dispose(a, action, c != 1).into()),
                None => fault(label, Step::Command, 0),
            },
            Verb::Subreaper => returned(
                libc::prctl(libc::PR_SET_CHILD_SUBREAPER, a as c_ulong, 0 as c_ulong, 0 as c_ulong, 0 as c_ulong)
                    .into(),
            ),
            Verb::Thread => returned(spawn_thread(a as u32)),
            Verb::ExitThread => exit_thread(a),
            Verb::Tkill => returned(libc::syscall(libc::SYS_tgkill, a, b, c)),
            Verb::Mask => returned(mask(a, b != 0)),
            Verb::Pdeathsig => returned(
                libc::prctl(libc::PR_SET_PDEATHSIG, a as c_ulong, 0 as c_ulong, 0 as c_ulong, 0 as c_ulong).into(),
            ),
            Verb::Acquire => returned(acquire(a, b)),
            Verb::Foreground => returned(on_tty(|fd| libc::tcsetpgrp(fd, a).into())),
            Verb::TtyRead => returned(on_tty(|fd| {
                let mut byte = 0u8;
                libc::read(fd, (&raw mut byte).cast(), 1) as c_long
            })),
            Verb::TtyWrite => returned(on_tty(|fd| libc::write(fd, c"x".as_ptr().cast(), 1) as c_long)),
            Verb::Tostop => returned(on_tty(|fd| tostop(fd, a != 0))),
            Verb::Notty => returned(on_tty(|fd| libc::ioctl(fd, libc::TIOCNOTTY).into())),
        }
    };
    if !send(label, Kind::Returned, value, status) {
        quit(give_up::FAULT);
    }
    label
}

/// `clone` with the flags of a POSIX thread, onto a stack of its own: the new
/// thread serves `label`. The kernel writes its tid into the process's
/// [`TaskTable`] (`CLONE_PARENT_SETTID`) before either task runs again, so a
/// handler that runs in the thread before its first instruction finds it.
/// The stack is never unmapped: a script is short, and a thread's process
/// may go on long after the thread.
fn spawn_thread(label: u32) -> c_long {
    let Some(slot) = shared().tasks.0.get(label as usize) else {
        set_errno(libc::EINVAL);
        return -1;
    };
    let flags = libc::CLONE_VM
        | libc::CLONE_FS
        | libc::CLONE_FILES
        | libc::CLONE_SIGHAND
        | libc::CLONE_THREAD
        | libc::CLONE_SYSVSEM
        | libc::CLONE_PARENT_SETTID;
    // SAFETY: a fresh private mapping; the new thread runs `thread_main` on
    // its top (16-byte aligned, as a mapping starts on a page) and touches
    // nothing of the caller's stack.
    unsafe {
        let protection = libc::PROT_READ | libc::PROT_WRITE;
        let kind = libc::MAP_PRIVATE | libc::MAP_ANONYMOUS | libc::MAP_STACK | libc::MAP_NORESERVE;
        let stack = libc::mmap(std::ptr::null_mut(), THREAD_STACK, protection, kind, -1, 0);
        if stack == libc::MAP_FAILED || libc::mprotect(stack, THREAD_GUARD, libc::PROT_NONE) != 0 {
            return -1;
        }
        let top = stack.cast::<u8>().add(THREAD_STACK).cast::<c_void>();
        let arg = label as usize as *mut c_void;
        let none = std::ptr::null_mut::<c_void>();
        libc::clone(thread_main, top, flags, arg, slot.as_ptr(), none, none).into()
    }
}

/// The body of a new thread: `arg` is its label.
extern "C" fn thread_main(arg: *mut c_void) -> c_int {
    let label = arg as usize as u32;
    announce(label, Kind::Born);
    serve(label)
}
