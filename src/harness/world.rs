//! The running world: the script's tasks on the real kernel, as the harness
//! knows them.
//!
//! The harness stays outside the script's PID namespace. It clones `init` into
//! a new one, and from then on every task — a process's first thread, or a
//! further thread of it — is a puppet (see [`puppet`](super::puppet)) that
//! the harness drives through the [`Channel`] and watches through `/proc` and
//! a pidfd. After each operation the harness waits until the world has
//! *settled*: every task is blocked in its command `read()`, stopped, a zombie
//! or gone, and stays so.

use super::KernelError;
use super::channel::Channel;
use super::exits::ExitWatch;
use super::gate::Gate;
use super::pidfd::{self, Pidfd};
use super::placement::Placement;
use super::procfs::{self, ProcFiles, Sleep};
use super::puppet::{InitSetup, Shared, become_init};
use super::setup::Privilege;
use super::teardown;
use super::terminal::Terminal;
use super::wire::{Fds, Kind, Message, Step};
use crate::io::script::{Label, Script};
use crate::model::ExitStatus;
use crate::model::Signal;
use std::io;
use std::os::fd::{AsRawFd, OwnedFd};
use std::time::{Duration, Instant};

/// How long an operation's consequences may take to settle before the harness
/// gives up (they take microseconds; an `exec` a millisecond or two).
const SETTLE_LIMIT: Duration = Duration::from_secs(10);

/// What a puppet task answered to its last command.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Reply {
    /// The system call returned `value` (`-errno` on failure); `status` is
    /// `waitpid`'s status.
    Returned { value: i32, status: i32 },
    /// The task came back from `execve`.
    Execed,
}

/// The harness's record of one task of the script (a label).
#[derive(Debug)]
pub(crate) struct Puppet {
    /// Its tid as the harness (and its `/proc`) sees it; a leader's is its
    /// process's pid.
    pub host_tid: i32,
    /// The pid of its process as the harness sees it.
    pub host_pid: i32,
    /// Its tid in `init`'s namespace, then in each nested namespace down to its own.
    pub tids: Vec<i32>,
    /// The pid of its process at the same levels.
    pub pids: Vec<i32>,
    /// The namespaces it is in, outermost (`init`'s) first, each named by the
    /// label of its init.
    pub ns: Vec<Label>,
    /// It leads its process: made by `fork` (or `init`), or it took its
    /// process's pid with an `exec`. A leader replaced by another thread's
    /// `exec` leads no more, and is gone.
    pub leads: bool,
    pub pidfd: Pidfd,
    pub files: ProcFiles,
    /// The signals whose handlers ran in this task, in order.
    pub caught: Vec<Signal>,
    /// The answer to its last command, until the harness takes it.
    pub reply: Option<Reply>,
    /// The reply it owes for a call its process stopped in: it comes when it
    /// is continued, and is no one's answer.
    pub owes: Owed,
    /// The status `reap` collected, if a `reap` reaped it.
    pub reaped: Option<ExitStatus>,
    /// Known to be gone (its `/proc` files fail).
    pub gone: bool,
    /// Its run count when it was last seen sleeping in its command `read()`:
    /// while the count stays the same it has not run, so it still sleeps there.
    pub asleep_at: Option<u64>,
}

/// The reply a task owes for a call during which its process stopped.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Owed {
    Nothing,
    /// It stopped itself with `kill`, which succeeded.
    Success,
    /// A terminal call stopped it (version 3): whatever it returns when it
    /// is continued is never reported.
    Anything,
}

/// A task the harness asked for and has not met yet.
#[derive(Clone, Debug)]
pub(crate) struct Newborn {
    pub label: Label,
    /// The namespaces it will be in.
    pub ns: Vec<Label>,
    /// For a thread, the pid (as the harness sees it) of the process it joins;
    /// `None` for the first task of a new process.
    pub joins: Option<i32>,
}

/// What one look through `/proc` saw of a task: its state letter and how
/// many times it has run, or `None` once it is gone.
type Look = Option<(u8, u64)>;

/// `init` as the harness's child: what the harness kills and waits for at the end.
struct Child {
    pid: i32,
    pidfd: OwnedFd,
}

pub(crate) struct World<'s> {
    pub script: &'s Script,
    init: Child,
    pub channel: Channel,
    gate: Gate,
    /// Where the exit statuses of the processes the kernel reaps by itself come from.
    pub exits: ExitWatch,
    /// By label; `None` until born (forever, if its fork failed or never ran).
    pub puppets: Vec<Option<Puppet>>,
    /// The script's version of the replay format.
    pub version: u8,
    /// By label: the terminals whose `tty` line ran (version 3).
    pub terminals: Vec<Option<Terminal>>,
    /// The position of `init`'s namespace in the `NS*` lists of the harness's `/proc`.
    level: usize,
    /// The task the current `fork` or `thread` creates.
    pub expecting: Option<Newborn>,
    inbox: Vec<Message>,
    /// `init` has been killed and reaped ([`World::finish`]).
    ended: bool,
    pub placement: Placement,
}

impl<'s> World<'s> {
    /// Creates `init` in a new PID namespace and waits until it is ready.
    /// `exits` is ready too: a connector has subscribed already.
    pub fn start(script: &'s Script, exits: ExitWatch) -> Result<World<'s>, KernelError> {
        let own = procfs::own_pid().map_err(|e| KernelError::syscall("reading /proc/self", e))?;
        // SAFETY: getpid has no preconditions.
        if own != unsafe { libc::getpid() } {
            return Err(KernelError::CannotRun("/proc belongs to another PID namespace than the harness".into()));
        }
        let placement = Placement::take()?;
        let gate = Gate::open(placement.puppet_cpu)?;
        let labels = script.labels.len();
        let (channel, ends) = Channel::open(labels)?;
        // Above every descriptor the puppets inherit, so that moving them there clobbers none.
        let base = ends.iter().map(AsRawFd::as_raw_fd).max().unwrap_or(2) + 1;
        let fds = Fds { base };
        make_room(fds, labels)?;
        let sources = ends.iter().map(AsRawFd::as_raw_fd).collect();
        let version = script.version();
        let setup = InitSetup { fds, sources, shared: Shared::new(fds, labels), restart: version < 3 };
        let root = Privilege::here() == Privilege::Root;
        // Without root, a user namespace grants the right to make a PID namespace.
        let flags = libc::CLONE_NEWPID | libc::SIGCHLD | if root { 0 } else { libc::CLONE_NEWUSER };
        // SAFETY: a fork-like clone (no new stack, no shared memory); the child
        // runs only async-signal-safe code and never returns.
        let pid = unsafe { libc::syscall(libc::SYS_clone, flags as libc::c_ulong, 0, 0, 0, 0) };
        if pid == 0 {
            // SAFETY: this is the child of that clone.
            unsafe { become_init(&setup) }
        }
        if pid < 0 {
            let err = io::Error::last_os_error();
            return Err(match err.raw_os_error() {
                Some(libc::EPERM | libc::EINVAL | libc::ENOSPC | libc::EUSERS) => KernelError::CannotRun(format!(
                    "cannot create a PID namespace ({err}): it needs root or unprivileged user namespaces"
                )),
                _ => KernelError::syscall("clone(CLONE_NEWPID)", err),
            });
        }
        let pid = pid as i32;
        drop(ends);
        let pidfd = pidfd::open(pid, 0).map_err(|e| KernelError::syscall("pidfd_open(init)", e))?;
        let init = Child { pid, pidfd };
        // The harness does it, not `init`: inside a new user namespace `init` may
        // not. Every later puppet inherits it at fork.
        let prepared = placement.place_puppet(pid).and_then(|()| if root { Ok(()) } else { map_root(pid) });
        if let Err(e) = prepared {
            teardown::kill_and_reap(init.pid, &init.pidfd);
            return Err(e);
        }
        let mut world = World {
            script,
            init,
            channel,
            gate,
            exits,
            puppets: (0..labels).map(|_| None).collect(),
            terminals: (0..labels).map(|_| None).collect(),
            version,
            level: 0,
            expecting: None,
            inbox: Vec::new(),
            ended: false,
            placement,
        };
        // `init` may still be setting itself up where the gate cannot see it: wait for its birth.
        let deadline = Instant::now() + SETTLE_LIMIT;
        while world.puppets[Label::INIT.index()].is_none() {
            if Instant::now() > deadline {
                return Err(KernelError::Timeout(SETTLE_LIMIT));
            }
            std::thread::sleep(Duration::from_micros(50));
            world.settle()?;
        }
        match &world.puppets[Label::INIT.index()] {
            Some(init) if init.host_tid == pid && init.tids.first() == Some(&1) => Ok(world),
            _ => Err(KernelError::Unexpected("init did not come up as pid 1 of a new namespace".into())),
        }
    }

    /// A label's task, if it was born.
    pub fn puppet(&self, label: Label) -> Option<&Puppet> {
        self.puppets.get(label.index()).and_then(Option::as_ref)
    }

    pub fn puppet_mut(&mut self, label: Label) -> Result<&mut Puppet, KernelError> {
        let name = self.script.name(label).to_owned();
        self.puppets
            .get_mut(label.index())
            .and_then(Option::as_mut)
            .ok_or_else(|| KernelError::Unexpected(format!("`{name}` has no process")))
    }

    /// Waits until every task is blocked in its command `read()`, stopped, a
    /// zombie or gone, and takes in every message and what the kernel
    /// reported of exits.
    ///
    /// The [`Gate`] says when the puppet CPU is idle. Two looks through `/proc`
    /// then confirm it: both find every puppet settled, and each puppet got the
    /// CPU as many times at the second look as at the first. So at the moment
    /// between the two looks every puppet was settled at once, and from then on
    /// nothing can wake any of them but the harness.
    pub fn settle(&mut self) -> Result<(), KernelError> {
        let deadline = Instant::now() + SETTLE_LIMIT;
        loop {
            if !self.gate.wait_idle(deadline)? {
                return Err(KernelError::Timeout(SETTLE_LIMIT));
            }
            self.read_messages()?;
            if let Some(first) = self.survey(true)?
                && self.survey(false)?.is_some_and(|second| second == first)
            {
                self.read_messages()?;
                return self.exits.drain();
            }
            if Instant::now() > deadline {
                return Err(KernelError::Timeout(SETTLE_LIMIT));
            }
            std::thread::sleep(Duration::from_micros(50));
        }
    }

    /// One look at every puppet: `None` if one of them is not settled, else
    /// each one's state and number of runs (`None` for reaped ones). The first
    /// look also checks that a sleeping puppet sleeps in its command `read()`
    /// (unless it has not run since it was last seen there).
    fn survey(&mut self, first: bool) -> Result<Option<Vec<Look>>, KernelError> {
        let read = |e: io::Error| KernelError::syscall("reading /proc", e);
        let mut looks = Vec::with_capacity(self.puppets.len());
        for puppet in self.puppets.iter_mut().flatten() {
            if puppet.gone {
                looks.push(None);
                continue;
            }
            let (Some(runs), Some(stat)) = (puppet.files.runs().map_err(read)?, puppet.files.stat().map_err(read)?)
            else {
                if puppet.files.stat().map_err(read)?.is_none() {
                    puppet.gone = true;
                    looks.push(None);
                    continue;
                }
                return Ok(None);
            };
            let settled = match stat.state {
                b'Z' | b'T' => true,
                b'S' if !first || puppet.asleep_at == Some(runs) => true,
                b'S' => {
                    let sleep = puppet.files.sleep().map_err(read)?;
                    let asleep = matches!(sleep, Some(Sleep::PipeRead | Sleep::NamespaceTeardown));
                    puppet.asleep_at = asleep.then_some(runs);
                    asleep
                }
                _ => false,
            };
            if !settled {
                return Ok(None);
            }
            looks.push(Some((stat.state, runs)));
        }
        Ok(Some(looks))
    }

    /// Takes in every message the puppets wrote.
    fn read_messages(&mut self) -> Result<(), KernelError> {
        let mut inbox = std::mem::take(&mut self.inbox);
        self.channel.drain(&mut inbox)?;
        for message in inbox.drain(..) {
            self.take(message)?;
        }
        self.inbox = inbox;
        Ok(())
    }

    fn take(&mut self, message: Message) -> Result<(), KernelError> {
        let label = Label(message.label);
        if label.index() >= self.puppets.len() {
            return Err(KernelError::Unexpected(format!("a message from unknown label {}", message.label)));
        }
        let name = self.script.name(label).to_owned();
        let unexpected = |what: &str| KernelError::Unexpected(format!("`{name}` {what}"));
        match Kind::from_u32(message.kind) {
            Some(Kind::Born) => self.register(label, message.a, message.b),
            Some(Kind::Execed) => {
                let puppet = self.puppet_mut(label)?;
                // A thread that execs comes back as its process's leader (the harness swapped the records).
                if (puppet.host_tid, puppet.host_pid) != (message.a, message.b) || !puppet.leads {
                    return Err(unexpected("came back from exec as someone else"));
                }
                if puppet.reply.is_some() {
                    return Err(unexpected("answered twice"));
                }
                puppet.reply = Some(Reply::Execed);
                Ok(())
            }
            Some(Kind::Returned) => {
                let puppet = self.puppet_mut(label)?;
                match std::mem::replace(&mut puppet.owes, Owed::Nothing) {
                    Owed::Nothing => {}
                    Owed::Anything => return Ok(()),
                    // It was taken for a successful call when the process stopped itself.
                    Owed::Success if message.a == 0 => return Ok(()),
                    Owed::Success => return Err(unexpected("stopped itself with a failed call")),
                }
                if puppet.reply.is_some() {
                    return Err(unexpected("answered twice"));
                }
                puppet.reply = Some(Reply::Returned { value: message.a, status: message.b });
                Ok(())
            }
            Some(Kind::Caught) => {
                let sig = u32::try_from(message.a).ok().and_then(Signal::from_number);
                let sig = sig.ok_or_else(|| unexpected(&format!("caught signal {}", message.a)))?;
                self.puppet_mut(label)?.caught.push(sig);
                Ok(())
            }
            Some(Kind::Fault) => Err(KernelError::Puppet {
                label: name,
                step: Step::from_i32(message.a).map_or("an unknown step", Step::name),
                source: io::Error::from_raw_os_error(message.b),
            }),
            None => Err(unexpected(&format!("sent a message of unknown kind {}", message.kind))),
        }
    }

    /// Records a newborn task `host_tid` of process `host_pid`: its pidfd and
    /// `/proc` files are opened now, before anything can happen to it.
    fn register(&mut self, label: Label, host_tid: i32, host_pid: i32) -> Result<(), KernelError> {
        let name = self.script.name(label).to_owned();
        let Newborn { ns, joins, .. } = if label == Label::INIT {
            Newborn { label, ns: vec![Label::INIT], joins: None }
        } else {
            match self.expecting.take() {
                Some(newborn) if newborn.label == label => newborn,
                _ => return Err(KernelError::Unexpected(format!("`{name}` was born unasked"))),
            }
        };
        if host_pid != joins.unwrap_or(host_tid) {
            return Err(KernelError::Unexpected(format!("`{name}` was born in the wrong process")));
        }
        let leads = joins.is_none();
        let pidfd = if leads { Pidfd::process(host_tid) } else { Pidfd::thread(host_tid) };
        let pidfd = pidfd.map_err(|e| match e.raw_os_error() {
            Some(libc::EINVAL) if !leads => KernelError::CannotRun(format!(
                "this kernel opens no pidfd on a thread ({e}): threads need Linux 6.9 or later (PIDFD_THREAD)"
            )),
            _ => KernelError::syscall("pidfd_open", e),
        })?;
        if leads {
            self.exits.born(host_tid)?;
        }
        self.placement.check_placed(host_tid)?;
        let files = ProcFiles::open(host_pid, host_tid).map_err(|e| KernelError::syscall("opening /proc files", e))?;
        let levels = procfs::levels(host_pid, host_tid)
            .map_err(|e| KernelError::syscall("reading /proc/PID/task/TID/status", e))?;
        if label == Label::INIT {
            self.level = levels.pid.len() - 1;
        }
        let tids = levels.pid.get(self.level..).unwrap_or_default().to_vec();
        let pids = levels.tgid.get(self.level..).unwrap_or_default().to_vec();
        if tids.len() != ns.len() {
            return Err(KernelError::Unexpected(format!(
                "`{name}` is {} namespaces deep, not {}",
                tids.len(),
                ns.len()
            )));
        }
        let slot = &mut self.puppets[label.index()];
        if slot.is_some() {
            return Err(KernelError::Unexpected(format!("`{name}` was born twice")));
        }
        *slot = Some(Puppet {
            host_tid,
            host_pid,
            tids,
            pids,
            ns,
            leads,
            pidfd,
            files,
            caught: Vec::new(),
            reply: None,
            owes: Owed::Nothing,
            reaped: None,
            gone: false,
            asleep_at: None,
        });
        Ok(())
    }
}

/// Makes the harness's user the root of `init`'s new user namespace. Without a
/// root there, `exec` would drop the capabilities the script's processes need
/// (to make nested PID namespaces, say), which root's processes keep.
fn map_root(pid: i32) -> Result<(), KernelError> {
    // SAFETY: geteuid and getegid have no preconditions.
    let (uid, gid) = unsafe { (libc::geteuid(), libc::getegid()) };
    let write = |file: &str, text: String| {
        std::fs::write(format!("/proc/{pid}/{file}"), text)
            .map_err(|e| KernelError::CannotRun(format!("cannot write {file} of the user namespace: {e}")))
    };
    write("uid_map", format!("0 {uid} 1\n"))?;
    write("setgroups", "deny".into())?;
    write("gid_map", format!("0 {gid} 1\n"))
}

/// Raises the soft limit of open files to what a run needs: the puppets need
/// the numbers up to [`Fds::end`], the harness about five descriptors per label
/// (a command pipe, a pidfd, three `/proc` files) besides those it has. The
/// puppets inherit the limit from the harness.
fn make_room(fds: Fds, labels: usize) -> Result<(), KernelError> {
    let needed = (fds.end(labels) as libc::rlim_t).max(fds.base as libc::rlim_t + 5 * labels as libc::rlim_t + 16);
    let mut limit = libc::rlimit { rlim_cur: 0, rlim_max: 0 };
    // SAFETY: the kernel writes one rlimit.
    if unsafe { libc::getrlimit(libc::RLIMIT_NOFILE, &mut limit) } != 0 {
        return Err(KernelError::last_os("getrlimit"));
    }
    if limit.rlim_cur >= needed {
        return Ok(());
    }
    if limit.rlim_max < needed {
        return Err(KernelError::CannotRun(format!(
            "{labels} labels need {needed} open files, the hard limit is {}",
            limit.rlim_max
        )));
    }
    limit.rlim_cur = needed;
    // SAFETY: the kernel reads one rlimit.
    if unsafe { libc::setrlimit(libc::RLIMIT_NOFILE, &limit) } != 0 {
        return Err(KernelError::last_os("setrlimit"));
    }
    Ok(())
}

impl World<'_> {
    /// Ends the run: lets every process leave a group that would stop its
    /// namespace from dying ([`super::teardown`]), then kills `init` and waits
    /// for the namespace to die.
    pub fn finish(mut self) -> Result<(), KernelError> {
        self.free_held_numbers()?;
        self.ended = true;
        if teardown::kill_and_reap(self.init.pid, &self.init.pidfd) { Ok(()) } else { Err(teardown::stuck()) }
    }
}

impl Drop for World<'_> {
    /// A run that failed before [`World::finish`] still kills what it started.
    fn drop(&mut self) {
        if !self.ended {
            teardown::kill_and_reap(self.init.pid, &self.init.pidfd);
        }
    }
}

/// Waits for a child of the harness to end, and reaps it.
pub(crate) fn reap(pid: i32) -> io::Result<()> {
    let mut status = 0;
    loop {
        // SAFETY: waits for the harness's own child.
        let r = unsafe { libc::waitpid(pid, &mut status, libc::__WALL) };
        if r >= 0 {
            return Ok(());
        }
        let err = io::Error::last_os_error();
        if err.kind() != io::ErrorKind::Interrupted {
            return Err(err);
        }
    }
}
