//! Interactive shells: job control as a user at a terminal drives it.
//!
//! A login is init forking a process that resets SIGCHLD and calls setsid:
//! the shell leads a new session. At its prompt it waits a think time, then
//! either resumes a stopped job (`fg` or `bg`: SIGCONT to the job's group) or
//! runs a new one — a pipeline of processes that it forks one by one and puts
//! into a new process group with setpgid (the first member's pid names it),
//! each of which then execs. A foreground job holds the prompt until every
//! member is reaped or the job stops: the user may type the suspend
//! character, and the terminal sends SIGTSTP to the group. A background job
//! (`&`) gives the prompt back at once.
//!
//! A job's processes do a fixed amount of work each; the work clock stops
//! while a process is stopped. The session ends after its length, with
//! `exit` or with a hangup (SIGHUP from outside: the terminal went away) —
//! often while jobs are stopped. Their groups are then orphaned with stopped
//! members, and the kernel sends them SIGHUP and SIGCONT (POSIX; semantics
//! §9, rules 20–21): they die of the SIGHUP, unless started under `nohup`.
//!
//! With `[shells.terminal]`, each session has a terminal of its own in the
//! machine, and the user's keys, the foreground and the hangup go through
//! it ([`crate::workload::terminal`] says how).

use crate::engine::{Context, Outcome, SimDuration, SimTime, Target};
use crate::model::{Disposition, Key, Signal, TtyId};
use crate::workload::distribution::{Count, Distribution, Probability, serialize_optional};
use crate::workload::roles::{Role, Roles};
use crate::workload::terminal::{self, TerminalParams};
use crate::workload::{Arrivals, Common, Ending, Event, Generator, Prelude, REACTION, STEP};
use bevy_ecs::prelude::Entity;
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};

/// The `[shells]` table of a scenario.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default, expecting = "a table")]
pub struct ShellParams {
    /// Sessions open at time 0.
    #[serde(deserialize_with = "crate::workload::value::whole")]
    pub initial: u32,
    /// Time between logins.
    #[serde(serialize_with = "serialize_optional")]
    pub arrivals: Option<Distribution>,
    /// From a child's death to the shell's waitpid.
    pub reap: Distribution,
    /// From login to logout.
    pub session: Distribution,
    /// At the prompt, before each command.
    pub think: Distribution,
    /// Processes in a job's pipeline.
    pub pipeline: Count,
    /// The work of each process of a job (its run time, not counting stops).
    pub job: Distribution,
    /// A new job is started in the background.
    pub background: Probability,
    /// The user suspends a foreground job (types ^Z) …
    pub suspend: Probability,
    /// … this long after it came to the foreground.
    pub suspend_after: Distribution,
    /// A command resumes the most recently stopped job, if there is one.
    pub resume: Probability,
    /// A resumed job goes to the background (`bg`) rather than the foreground (`fg`).
    pub resume_in_background: Probability,
    /// A new job ignores SIGHUP (`nohup`).
    pub nohup: Probability,
    /// The session ends with a hangup rather than `exit`: SIGHUP from
    /// outside, or with a terminal, the connection drops.
    pub hangup: Probability,
    /// Each session's terminal; `None` for none.
    #[serde(
        default,
        deserialize_with = "crate::workload::value::optional_table",
        skip_serializing_if = "Option::is_none"
    )]
    pub terminal: Option<TerminalParams>,
}

impl Default for ShellParams {
    fn default() -> Self {
        ShellParams {
            initial: 0,
            arrivals: None,
            reap: Distribution::Exponential { mean: SimDuration::from_millis(1) },
            session: Distribution::LogNormal { median: SimDuration::from_millis(600_000), sigma: 1.0 },
            think: Distribution::Exponential { mean: SimDuration::from_millis(5_000) },
            pipeline: Count { min: 1, max: 3 },
            job: Distribution::LogNormal { median: SimDuration::from_millis(2_000), sigma: 1.5 },
            background: Probability::new(0.2).expect("a probability"),
            suspend: Probability::new(0.2).expect("a probability"),
            suspend_after: Distribution::Exponential { mean: SimDuration::from_millis(1_000) },
            resume: Probability::new(0.5).expect("a probability"),
            resume_in_background: Probability::new(0.5).expect("a probability"),
            nohup: Probability::new(0.05).expect("a probability"),
            hangup: Probability::new(0.3).expect("a probability"),
            terminal: None,
        }
    }
}

/// A shell's steps.
#[derive(Clone, Copy, Debug)]
pub enum Step {
    /// At the prompt: resume a job or start one.
    Command(Entity),
    /// Fork the next process of job `job`.
    Spawn { shell: Entity, job: u32 },
    /// Put `member` into its job's group.
    Place { shell: Entity, job: u32, member: Entity },
    /// A job's process has done its work (unless its clock has moved on: `epoch`).
    Finish { member: Entity, epoch: u32 },
    /// The user types ^Z, if job `job` is still in the foreground since `turn`.
    Suspend { shell: Entity, job: u32, turn: u32 },
    /// A job's process reads the terminal (unless its clock has moved on).
    Read { member: Entity, epoch: u32 },
    /// The shell gives the terminal to new job `job`, and waits for it.
    Give { shell: Entity, job: u32 },
    /// `fg`, once the shell has given stopped job `job` the terminal: SIGCONT.
    Continue { shell: Entity, job: u32 },
    /// The shell takes the terminal back for its own group, then prompts.
    Reclaim(Entity),
    /// The connection drops: the master of the shell's terminal is closed.
    Drop(Entity),
    /// sshd closes the master of a terminal whose shell has gone.
    Close(TtyId),
}

/// A shell's own state.
#[derive(Debug, Default)]
pub struct Shell {
    /// Its terminal, once it has acquired one.
    tty: Option<TtyId>,
    /// Jobs with processes not yet reaped, oldest first.
    jobs: Vec<Job>,
    next_job: u32,
    /// The job the shell waits for; `None` at the prompt.
    foreground: Option<u32>,
    /// Counts changes of the foreground, so that a planned ^Z can tell it is stale.
    turn: u32,
}

/// A job: a pipeline in one process group.
#[derive(Debug)]
struct Job {
    id: u32,
    /// Its process group, once the first process is in it.
    group: Option<Entity>,
    /// Processes forked and not yet reaped.
    members: Vec<Entity>,
    /// Processes to fork, and forked so far.
    size: u32,
    forked: u32,
    background: bool,
    nohup: bool,
    /// Its first process reads the terminal partway through its work.
    reads: bool,
    /// The shell has seen it stop and not resumed it since.
    stopped: bool,
}

/// A process of a job.
#[derive(Debug)]
pub struct JobMember {
    shell: Entity,
    job: u32,
    clock: WorkClock,
    /// Counts changes of the clock; a planned finish or read of an older
    /// epoch is stale.
    epoch: u32,
    /// The work it has left when it reads the terminal, if it will.
    read: Option<SimDuration>,
}

/// How much work a job's process has left.
#[derive(Clone, Copy, Debug)]
enum WorkClock {
    /// Not yet exec'd: this much work to do.
    Ready(SimDuration),
    /// Running: done at this time.
    Running(SimTime),
    /// Stopped with this much left.
    Paused(SimDuration),
}

fn shell_mut(roles: &mut Roles, p: Entity) -> Option<&mut Shell> {
    match roles.get_mut(p) {
        Some(Role::Shell(shell)) => Some(shell),
        _ => None,
    }
}

impl Shell {
    fn job(&mut self, id: u32) -> Option<&mut Job> {
        self.jobs.iter_mut().find(|j| j.id == id)
    }

    /// Its terminal, if it has acquired one.
    pub fn terminal(&self) -> Option<TtyId> {
        self.tty
    }
}

impl Arrivals for ShellParams {
    fn common(&self) -> Common {
        Common { initial: self.initial, arrivals: self.arrivals, reap: self.reap }
    }

    /// A login: it starts a session, and acquires its terminal if it has one.
    fn newcomer(&self, _: &mut ChaCha8Rng) -> (Role, &'static [Prelude]) {
        let steps = match self.terminal {
            Some(_) => terminal::LOGIN,
            None => &[Prelude::DEFAULT_CHLD, Prelude::Setsid],
        };
        (Role::Shell(Box::default()), steps)
    }
}

impl Generator<ShellParams> {
    /// The login `shell` is given a new terminal, as sshd makes one for
    /// each session, and acquires it (TIOCSCTTY).
    pub fn acquire_terminal(&mut self, shell: Entity, ctx: &mut Context<'_, Event>, roles: &mut Roles) -> Outcome<()> {
        let Some(sh) = shell_mut(roles, shell) else {
            ctx.cancel();
            return Outcome::Dead;
        };
        let tty = ctx.machine_mut().open_terminal();
        sh.tty = Some(tty);
        ctx.tiocsctty(shell, tty)
    }

    /// The shell leads its session: it shows its prompt, and its session
    /// will end — by `exit`, or by a hangup: on its terminal if it has one
    /// (the connection drops), else by SIGHUP from outside.
    pub fn started(&mut self, shell: Entity, tty: Option<TtyId>, ctx: &mut Context<'_, Event>) {
        self.prompt(shell, ctx, STEP);
        let end = match (self.params.hangup.draw(&mut self.rng), tty) {
            (true, Some(_)) => Event::Shell(Step::Drop(shell)),
            (true, None) => Event::End { process: shell, how: Ending::Killed { by: None, sig: Signal::Hup } },
            (false, _) => Event::End { process: shell, how: Ending::Exit(0) },
        };
        ctx.after(self.params.session.sample(&mut self.rng), STEP, end);
    }

    /// `shell` has been released: sshd closes the master of its terminal,
    /// unless it has hung up already.
    pub fn gone(&mut self, shell: &Shell, ctx: &mut Context<'_, Event>) {
        if let Some(tty) = shell.tty.filter(|&tty| !ctx.machine().terminal(tty).hung_up) {
            ctx.after(self.params.reap.sample(&mut self.rng), REACTION, Event::Shell(Step::Close(tty)));
        }
    }

    /// The next command, after a think time.
    fn prompt(&mut self, shell: Entity, ctx: &mut Context<'_, Event>, priority: u8) {
        ctx.after(self.params.think.sample(&mut self.rng), priority, Event::Shell(Step::Command(shell)));
    }

    pub fn step(&mut self, step: Step, ctx: &mut Context<'_, Event>, roles: &mut Roles) {
        match step {
            Step::Command(shell) => self.command(shell, ctx, roles),
            Step::Spawn { shell, job } => self.spawn(shell, job, ctx, roles),
            Step::Place { shell, job, member } => self.place(shell, job, member, ctx, roles),
            Step::Finish { member, epoch } => match roles.get(member) {
                Some(Role::JobMember(m)) if m.epoch == epoch && matches!(m.clock, WorkClock::Running(_)) => {
                    ctx.exit(member, 0);
                }
                _ => ctx.cancel(),
            },
            Step::Suspend { shell, job, turn } => {
                let sh = shell_mut(roles, shell).filter(|sh| sh.turn == turn && sh.foreground == Some(job));
                let tty = sh.as_ref().and_then(|sh| sh.tty);
                match (sh.and_then(|sh| sh.job(job)).and_then(|j| j.group), tty) {
                    (Some(_), Some(tty)) => {
                        ctx.type_key(tty, Key::Susp);
                    }
                    (Some(g), None) => {
                        ctx.tty(g, Signal::Tstp);
                    }
                    (None, _) => ctx.cancel(),
                }
            }
            Step::Read { member, epoch } => match roles.get_mut(member) {
                Some(Role::JobMember(m)) if m.epoch == epoch && matches!(m.clock, WorkClock::Running(_)) => {
                    m.read = None;
                    // Stopped by the job-control check: at once, not at the
                    // end of the tick as a signal from elsewhere would.
                    if ctx.tty_read(member) == Outcome::Stopped {
                        m.pause(ctx.now());
                    }
                }
                _ => ctx.cancel(),
            },
            Step::Give { shell, job } => self.give(shell, job, ctx, roles),
            Step::Continue { shell, job } => self.continue_in_foreground(shell, job, ctx, roles),
            Step::Reclaim(shell) => self.reclaim(shell, ctx, roles),
            Step::Drop(shell) => {
                let tty = shell_mut(roles, shell).and_then(|sh| sh.tty);
                match tty.filter(|_| ctx.machine().process(shell).is_some_and(|p| p.is_active())) {
                    Some(tty) => {
                        ctx.hang_up(tty);
                    }
                    None => ctx.cancel(),
                }
            }
            Step::Close(tty) => {
                if ctx.machine().terminal(tty).hung_up {
                    ctx.cancel();
                } else {
                    ctx.hang_up(tty);
                }
            }
        }
    }

    /// At the prompt: `fg`/`bg` the latest stopped job, or run a new one.
    fn command(&mut self, shell: Entity, ctx: &mut Context<'_, Event>, roles: &mut Roles) {
        let Some(sh) = shell_mut(roles, shell).filter(|sh| sh.foreground.is_none()) else {
            return ctx.cancel();
        };
        let stopped = sh.jobs.iter().rposition(|j| j.stopped && j.group.is_some());
        if let Some(i) = stopped.filter(|_| self.params.resume.draw(&mut self.rng)) {
            let job = &mut sh.jobs[i];
            let (id, group) = (job.id, job.group.expect("a resumable job has a group"));
            // With a terminal, `fg` gives the job the terminal first, and
            // continues it next; `bg` only continues it.
            let in_background = sh.tty.map(|_| self.params.resume_in_background.draw(&mut self.rng));
            if in_background == Some(false) {
                match ctx.tcsetpgrp(shell, group) {
                    Outcome::Done(()) => ctx.next(STEP, Event::Shell(Step::Continue { shell, job: id })),
                    Outcome::Dead => {}
                    _ => self.prompt(shell, ctx, STEP),
                }
                return;
            }
            match ctx.kill(Some(shell), Target::Group(group), Signal::Cont) {
                Outcome::Done(()) => {
                    job.stopped = false;
                    if in_background.unwrap_or_else(|| self.params.resume_in_background.draw(&mut self.rng)) {
                        self.prompt(shell, ctx, STEP);
                    } else {
                        self.bring_to_foreground(shell, sh, id, ctx);
                    }
                }
                Outcome::Dead => {}
                _ => self.prompt(shell, ctx, STEP),
            }
            return;
        }
        let id = sh.next_job;
        sh.next_job += 1;
        let size = self.params.pipeline.sample(&mut self.rng);
        let background = self.params.background.draw(&mut self.rng);
        let nohup = self.params.nohup.draw(&mut self.rng);
        let reads = match (&self.params.terminal, sh.tty) {
            (Some(t), Some(_)) if background => t.read_in_background.draw(&mut self.rng),
            _ => false,
        };
        let job =
            Job { id, group: None, members: Vec::new(), size, forked: 0, background, nohup, reads, stopped: false };
        sh.jobs.push(job);
        self.spawn(shell, id, ctx, roles);
    }

    /// Forks the next process of a job: the first of a job that reads, reads
    /// `read_after` into its work.
    fn spawn(&mut self, shell: Entity, id: u32, ctx: &mut Context<'_, Event>, roles: &mut Roles) {
        let work = self.params.job.sample(&mut self.rng);
        let reader = shell_mut(roles, shell).and_then(|sh| sh.job(id)).is_some_and(|j| j.reads && j.forked == 0);
        let read = match &self.params.terminal {
            Some(t) if reader => work.nanos().checked_sub(t.read_after.sample(&mut self.rng).nanos()).map(SimDuration),
            _ => None,
        };
        let forked = ctx.fork(shell, false);
        let Some(sh) = shell_mut(roles, shell) else {
            return;
        };
        let Some(job) = sh.job(id) else {
            return;
        };
        match forked.done() {
            Some(member) => {
                job.members.push(member);
                job.forked += 1;
                let clock = WorkClock::Ready(work);
                let m = JobMember { shell, job: id, clock, epoch: 0, read };
                roles.insert(member, Role::JobMember(Box::new(m)));
                ctx.next(STEP, Event::Shell(Step::Place { shell, job: id, member }));
            }
            None => {
                // No more processes can be forked: the job is what it is.
                job.size = job.forked;
                if job.members.is_empty() {
                    self.job_done(shell, id, ctx, roles);
                } else {
                    self.launched(shell, id, ctx, roles);
                }
            }
        }
    }

    /// Puts a job's new process into the job's group (a new one named after
    /// it, for the first), then lets it exec.
    fn place(&mut self, shell: Entity, id: u32, member: Entity, ctx: &mut Context<'_, Event>, roles: &mut Roles) {
        let Some(sh) = shell_mut(roles, shell) else {
            return ctx.cancel();
        };
        let terminal = sh.tty.is_some();
        let Some(job) = sh.job(id) else {
            return ctx.cancel();
        };
        let first = job.group.is_none();
        if ctx.setpgid(shell, member, job.group).done().is_some() && first {
            job.group = Some(ctx.machine().group_of(member));
        }
        let steps = match (terminal, job.nohup) {
            (true, nohup) => terminal::job_prelude(nohup),
            (false, true) => &[Prelude::Sigaction(Signal::Hup, Disposition::Ignore), Prelude::Exec],
            (false, false) => &[Prelude::Exec],
        };
        ctx.next(STEP, Event::Prelude { actor: member, steps });
        if job.forked < job.size {
            ctx.next(STEP, Event::Shell(Step::Spawn { shell, job: id }));
        } else {
            self.launched(shell, id, ctx, roles);
        }
    }

    /// Every process of a job is forked: the shell waits for it, or not.
    fn launched(&mut self, shell: Entity, id: u32, ctx: &mut Context<'_, Event>, roles: &mut Roles) {
        let Some(sh) = shell_mut(roles, shell) else {
            return;
        };
        if sh.job(id).is_some_and(|j| j.background) {
            self.prompt(shell, ctx, STEP);
        } else if sh.tty.is_some() {
            ctx.next(STEP, Event::Shell(Step::Give { shell, job: id }));
        } else {
            self.bring_to_foreground(shell, sh, id, ctx);
        }
    }

    /// The shell gives its terminal to new job `id` (tcsetpgrp), and waits
    /// for it.
    fn give(&mut self, shell: Entity, id: u32, ctx: &mut Context<'_, Event>, roles: &mut Roles) {
        let Some(sh) = shell_mut(roles, shell) else {
            return ctx.cancel();
        };
        match sh.job(id).and_then(|j| j.group) {
            Some(g) => {
                if ctx.tcsetpgrp(shell, g) == Outcome::Dead {
                    return;
                }
            }
            // Its group could not be made: the shell waits for it all the same.
            None => ctx.cancel(),
        }
        self.bring_to_foreground(shell, sh, id, ctx);
    }

    /// `fg`, second half: stopped job `id` has the terminal, and is
    /// continued. If it cannot be, the shell takes the terminal back.
    fn continue_in_foreground(&mut self, shell: Entity, id: u32, ctx: &mut Context<'_, Event>, roles: &mut Roles) {
        let Some(sh) = shell_mut(roles, shell) else {
            return ctx.cancel();
        };
        let Some(group) = sh.job(id).and_then(|j| j.group) else {
            ctx.cancel();
            return ctx.next(REACTION, Event::Shell(Step::Reclaim(shell)));
        };
        match ctx.kill(Some(shell), Target::Group(group), Signal::Cont) {
            Outcome::Done(()) => {
                if let Some(job) = sh.job(id) {
                    job.stopped = false;
                }
                self.bring_to_foreground(shell, sh, id, ctx);
            }
            Outcome::Dead => {}
            _ => ctx.next(REACTION, Event::Shell(Step::Reclaim(shell))),
        }
    }

    /// The shell takes its terminal back for its own group (tcsetpgrp; it
    /// ignores SIGTTOU, so it may from the background), then prompts.
    fn reclaim(&mut self, shell: Entity, ctx: &mut Context<'_, Event>, roles: &mut Roles) {
        let own = ctx.machine().process(shell).map(|p| p.group);
        let Some(own) = own.filter(|_| shell_mut(roles, shell).is_some()) else {
            return ctx.cancel();
        };
        if ctx.tcsetpgrp(shell, own) != Outcome::Dead {
            self.prompt(shell, ctx, REACTION);
        }
    }

    /// The shell waits for job `id`; the user may suspend it.
    fn bring_to_foreground(&mut self, shell: Entity, sh: &mut Shell, id: u32, ctx: &mut Context<'_, Event>) {
        sh.foreground = Some(id);
        sh.turn += 1;
        if self.params.suspend.draw(&mut self.rng) {
            let step = Step::Suspend { shell, job: id, turn: sh.turn };
            ctx.after(self.params.suspend_after.sample(&mut self.rng), STEP, Event::Shell(step));
        }
    }

    /// A job has no process left: if the shell was waiting for it, the
    /// prompt comes back (once the shell has taken back its terminal, if it
    /// has one).
    fn job_done(&mut self, shell: Entity, id: u32, ctx: &mut Context<'_, Event>, roles: &mut Roles) {
        let Some(sh) = shell_mut(roles, shell) else {
            return;
        };
        sh.jobs.retain(|j| j.id != id);
        if sh.foreground == Some(id) {
            sh.foreground = None;
            if sh.tty.is_some() {
                ctx.next(REACTION, Event::Shell(Step::Reclaim(shell)));
            } else {
                self.prompt(shell, ctx, REACTION);
            }
        }
    }

    /// The shell reaped a process of one of its jobs.
    pub fn reaped(
        &mut self,
        shell: Entity,
        member: Entity,
        m: JobMember,
        ctx: &mut Context<'_, Event>,
        roles: &mut Roles,
    ) {
        let Some(job) = shell_mut(roles, shell).filter(|_| m.shell == shell).and_then(|sh| sh.job(m.job)) else {
            return;
        };
        job.members.retain(|&p| p != member);
        if job.members.is_empty() && job.forked == job.size {
            self.job_done(shell, m.job, ctx, roles);
        }
    }

    /// A process stopped: if it is a job's, its work clock stops, and the
    /// shell waiting for the job gets its prompt back (with a terminal, it
    /// learns of the stop by waitpid, `reap` later, and takes the terminal
    /// back first).
    pub fn stopped(&mut self, p: Entity, ctx: &mut Context<'_, Event>, roles: &mut Roles) {
        let Some(Role::JobMember(m)) = roles.get_mut(p) else {
            return;
        };
        m.pause(ctx.now());
        let (shell, id) = (m.shell, m.job);
        let Some(sh) = shell_mut(roles, shell) else {
            return;
        };
        let Some(job) = sh.job(id).filter(|j| !j.stopped) else {
            return;
        };
        job.stopped = true;
        if sh.foreground == Some(id) {
            sh.foreground = None;
            sh.turn += 1;
            if sh.tty.is_some() {
                let delay = self.params.reap.sample(&mut self.rng);
                ctx.after(delay, REACTION, Event::Shell(Step::Reclaim(shell)));
            } else {
                self.prompt(shell, ctx, REACTION);
            }
        }
    }

    /// A process was continued: if it is a job's, its work clock runs again.
    pub fn continued(&mut self, p: Entity, ctx: &mut Context<'_, Event>, roles: &mut Roles) {
        if let Some(Role::JobMember(m)) = roles.get_mut(p)
            && let WorkClock::Paused(left) = m.clock
        {
            m.run(p, left, ctx);
        }
    }
}

/// A job's process has exec'd: its work clock starts.
pub fn member_started(member: Entity, m: &mut JobMember, ctx: &mut Context<'_, Event>) {
    if let WorkClock::Ready(work) = m.clock {
        m.run(member, work, ctx);
    }
}

impl JobMember {
    /// Stops the work clock, if it runs: the planned finish and read are stale.
    fn pause(&mut self, now: SimTime) {
        if let WorkClock::Running(until) = self.clock {
            self.clock = WorkClock::Paused(until.since(now));
            self.epoch += 1;
        }
    }

    /// Starts the work clock with `work` left, and plans the finish, and the
    /// read of the terminal if it comes first.
    fn run(&mut self, member: Entity, work: SimDuration, ctx: &mut Context<'_, Event>) {
        self.clock = WorkClock::Running(ctx.now() + work);
        self.epoch += 1;
        ctx.after(work, STEP, Event::Shell(Step::Finish { member, epoch: self.epoch }));
        if let Some(left) = self.read.filter(|left| left.nanos() <= work.nanos()) {
            let step = Step::Read { member, epoch: self.epoch };
            ctx.after(SimDuration(work.nanos() - left.nanos()), STEP, Event::Shell(step));
        }
    }
}
