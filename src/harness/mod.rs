//! The kernel conformance harness: runs a replay script on the real Linux
//! kernel and produces the same [`Report`] the simulator does.
//!
//! It is how the simulator's expected outputs are made, so it must be exact
//! and deterministic:
//!
//! - **World.** The harness stays outside the script: it clones `init` into a
//!   new PID namespace (`world`). Every task of the script — a process's first
//!   thread, or a further thread (replay format version 2) — is a *puppet*
//!   (`puppet`) that blocks on a command pipe of its own and makes exactly one
//!   system call per command, with the script's labels translated into the
//!   tids and pids its caller sees (`ops`). When a thread's `exec` takes its
//!   leader's pid, the harness's records follow the kernel's.
//! - **Terminals** (version 3). The harness is the terminal emulator: it
//!   holds every terminal's pseudo-terminal master, types keys with TIOCSTI
//!   from the puppet CPU and hangs up by closing the master (`terminal`);
//!   puppets make their terminal calls on `/dev/tty`. A call that would
//!   never end (a namespace init's livelock, semantics rule 58) is predicted
//!   from `/proc` and reported invalid, never made.
//! - **Timing.** After each operation the harness waits until everything it set
//!   off has run: a sentinel thread tells when the puppets' CPU is idle
//!   (`gate`), and two looks through `/proc` confirm that every task, threads
//!   included, is settled (`procfs`).
//! - **Determinism.** All puppets run on one CPU at one `SCHED_FIFO` priority
//!   (a thread inherits both), so a woken task runs only when the one before it
//!   blocks, in the kernel's wake-up order (`placement`).
//! - **Results.** Handlers record, in the task they ran in, that they ran
//!   through the message pipe (`wire`, `channel`), so each task's `caught=` is
//!   in the order they ran; exit statuses of processes the kernel reaped by
//!   itself come from pidfds opened at birth (`pidfd`) or from the process
//!   events connector (`connector`), as [`Options::exit_status`] asks
//!   (`exit_status`, `exits`); the state section is read from each task's own
//!   `/proc` files at the end (`state`).
//!
//! A program that calls [`run`] or [`run_with`] must call [`enter_puppet_if_requested`] first
//! thing in `main`: a puppet's `exec` starts the same program again.
//!
//! The harness needs Linux, root (or unprivileged user namespaces and an
//! `RLIMIT_RTPRIO` of at least 10), and is best on two CPUs or more. For the
//! exit status of processes the kernel reaps by itself it needs Linux 6.15 or
//! later (the pidfd keeps it), or root on the host (the process events
//! connector reports it, on any kernel): [`ExitStatusRequest::Auto`] takes the
//! pidfd where it works, else the connector. [`harness_info`] tells which
//! privilege and which source a run would use here (`setup`). A script that
//! makes threads needs Linux 6.9 or later, for a pidfd on a thread
//! (`PIDFD_THREAD`); a script with terminals needs root.

mod error;
mod exit_status;
mod setup;
pub use error::KernelError;
pub use exit_status::{ExitStatusRequest, ExitStatusSource, UnknownExitStatusRequest};
pub use setup::{HarnessInfo, Options, Privilege};

#[cfg(target_os = "linux")]
mod channel;
#[cfg(target_os = "linux")]
mod connector;
#[cfg(target_os = "linux")]
mod exits;
#[cfg(target_os = "linux")]
mod gate;
#[cfg(target_os = "linux")]
mod ops;
#[cfg(target_os = "linux")]
mod pidfd;
#[cfg(target_os = "linux")]
mod placement;
#[cfg(target_os = "linux")]
mod procfs;
#[cfg(target_os = "linux")]
mod puppet;
#[cfg(target_os = "linux")]
mod state;
#[cfg(target_os = "linux")]
mod teardown;
#[cfg(target_os = "linux")]
mod terminal;
#[cfg(target_os = "linux")]
mod wire;
#[cfg(target_os = "linux")]
mod world;

use crate::io::report::Report;
use crate::io::script::Script;

/// The newest version of the replay format the harness runs: version 3,
/// controlling terminals.
pub const SPEAKS: u8 = 3;

/// Runs `script` on the kernel with the default [`Options`], and reports what
/// happened (see [`run_with`]).
pub fn run(script: &Script) -> Result<Report, KernelError> {
    run_with(script, &Options::default())
}

/// Runs `script` on the kernel and reports what happened.
///
/// An operation whose actor cannot act ends the script, as the replay format
/// says (the report's `invalid`); an `Err` means the harness itself could not
/// do its job, and leaves nothing running behind.
#[cfg(target_os = "linux")]
pub fn run_with(script: &Script, options: &Options) -> Result<Report, KernelError> {
    let version = script.version();
    if version > SPEAKS {
        return Err(KernelError::TooNew { version, speaks: SPEAKS });
    }
    if version >= 3 && Privilege::here() != Privilege::Root {
        return Err(KernelError::CannotRun(
            "version 3 of the replay format needs root (to type keys with TIOCSTI and to steal terminals)".into(),
        ));
    }
    // Before `init` exists: the connector must see every fork and exit of the script's.
    let exits = exits::ExitWatch::open(options.exit_status)?;
    let mut world = world::World::start(script, exits)?;
    let mut outcomes = Vec::with_capacity(script.steps.len());
    let mut invalid = None;
    for step in &script.steps {
        let at_line = |e: KernelError| e.at_line(step.line);
        if let Some(why) = world.invalid(&step.op).map_err(at_line)? {
            invalid = Some((step.line, why));
            break;
        }
        outcomes.push((step.line, world.perform(&step.op).map_err(at_line)?));
    }
    let procs = world.state()?;
    world.finish()?;
    Ok(Report { outcomes, invalid, procs })
}

/// Runs `script` on the kernel: not on this system.
#[cfg(not(target_os = "linux"))]
pub fn run_with(_script: &Script, _options: &Options) -> Result<Report, KernelError> {
    Err(KernelError::CannotRun("the kernel harness runs on Linux only".into()))
}

/// How [`run_with`] would run here with these options, without running a
/// script. The exit-status source is resolved as a run resolves it, and fails
/// as a run would; a run may still fail for what this does not try (real-time
/// priorities, namespaces).
#[cfg(target_os = "linux")]
pub fn harness_info(options: &Options) -> Result<HarnessInfo, KernelError> {
    let exits = exits::ExitWatch::open(options.exit_status)?;
    Ok(HarnessInfo { privilege: Privilege::here(), exit_status: exits.source() })
}

/// How the harness would run here: not on this system.
#[cfg(not(target_os = "linux"))]
pub fn harness_info(_options: &Options) -> Result<HarnessInfo, KernelError> {
    Err(KernelError::CannotRun("the kernel harness runs on Linux only".into()))
}

/// Turns this process back into a puppet if a puppet's `exec` started it;
/// returns at once otherwise. Call it first thing in `main`.
pub fn enter_puppet_if_requested() {
    #[cfg(target_os = "linux")]
    puppet::enter_if_requested();
}
