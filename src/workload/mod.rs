//! The workload: the programs that the simulated processes run.
//!
//! A scenario ([`scenario`]) mixes models, each a kind of program with its
//! own parameters and its own random stream: interactive shells running jobs
//! ([`shell`]), daemons ([`daemon`]), services under a subreaper supervisor
//! ([`service`]), containers with their own PID namespace ([`container`]),
//! batch jobs that fork bursts of children ([`batch`]), and the calibration
//! workload the simulator's cost is measured on ([`calibration`]). Daemons and
//! services may keep pools of worker threads ([`pool`]).
//!
//! Every process the workload creates gets a [`Role`] that says what it does
//! next. A process's steps are events; each event performs at most one system
//! call, and schedules what follows: at the same instant (a child's first
//! calls after its fork) or later (a lifetime, a think time). What the
//! machine's systems do on their own — a job stops, a child dies — reaches the
//! workload at the end of the tick through the machine's transition log
//! ([`Mix::react`](crate::engine::Workload::react)), and its reactions (a shell
//! gets its prompt back, a parent reaps) are events in turn.
//!
//! Zombies are reaped by whoever is their parent when the reap falls due;
//! init reaps at once (it ignores SIGCHLD, so its children are released as
//! they die), and every program that forks resets SIGCHLD to the default
//! first, as a login or a service manager does, and reaps its children.

pub mod batch;
pub mod calibration;
pub mod container;
pub mod daemon;
pub mod distribution;
pub mod pool;
pub mod roles;
pub mod run_id;
pub mod scenario;
pub mod service;
pub mod shell;
pub mod terminal;
pub mod value;

use crate::engine::{Context, Outcome, SimDuration, Target, Workload};
use crate::machine::Waited;
use crate::model::{Disposition, RunState, Signal};
use bevy_ecs::prelude::Entity;
use distribution::Distribution;
use rand_chacha::ChaCha8Rng;
use roles::{Role, Roles};

pub use run_id::RunId;
pub use scenario::{Scenario, ScenarioError};

/// Priorities of events due at the same instant: a process handles what it
/// has been told (a reap) before it takes its next planned step, and new
/// arrivals come last.
pub const REACTION: u8 = 0;
pub const STEP: u8 = 1;
pub const ARRIVAL: u8 = 2;

/// The models that have instances arriving.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Model {
    Shells,
    Daemons,
    Supervisors,
    Containers,
    Batch,
}

impl Model {
    pub const ALL: [Model; 5] = [Model::Shells, Model::Daemons, Model::Supervisors, Model::Containers, Model::Batch];
}

/// What every model says about its instances.
#[derive(Clone, Copy, Debug)]
pub struct Common {
    /// Instances at time 0.
    pub initial: u32,
    /// Time between later arrivals; `None` for none.
    pub arrivals: Option<Distribution>,
    /// Time from a child's death to its parent's `waitpid`.
    pub reap: Distribution,
}

/// What the mix needs to know of a model's parameters to bring its
/// instances in.
pub trait Arrivals {
    fn common(&self) -> Common;
    /// The first process of a new instance, which init forks: its role, and
    /// the calls it makes on itself before taking the role up.
    fn newcomer(&self, rng: &mut ChaCha8Rng) -> (Role, &'static [Prelude]);
}

/// A model in a run: its parameters and its own random stream.
pub struct Generator<P> {
    pub params: P,
    pub rng: ChaCha8Rng,
}

/// A system call that a new process makes on itself before it takes up its
/// role.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Prelude {
    /// `sigaction(sig, action)`: `signal(SIGCHLD, SIG_DFL)` to undo init's
    /// SIG_IGN, so as to reap; `nohup`'s SIGHUP ignored (and still ignored
    /// after exec); a shell's job-control signals.
    Sigaction(Signal, Disposition),
    Setsid,
    Subreaper,
    Exec,
    /// A login is given a new terminal (the pty sshd makes for it) and
    /// acquires it (TIOCSCTTY): only a shell's, whose model keeps the
    /// terminal.
    Tiocsctty,
}

impl Prelude {
    /// `signal(SIGCHLD, SIG_DFL)`, which every program that forks makes first.
    pub const DEFAULT_CHLD: Prelude = Prelude::Sigaction(Signal::Chld, Disposition::Default);
}

/// How a process's life ends.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Ending {
    Exit(u8),
    /// A signal from `by` (outside the world when `None`).
    Killed {
        by: Option<Entity>,
        sig: Signal,
    },
}

/// The workload's events.
#[derive(Clone, Copy, Debug)]
pub enum Event {
    /// An instance of `model` arrives; a recurring arrival schedules the next.
    Arrival {
        model: Model,
        recurring: bool,
    },
    /// `actor` makes the first of `steps`, then the rest, then takes up its role.
    Prelude {
        actor: Entity,
        steps: &'static [Prelude],
    },
    /// A process's life ends.
    End {
        process: Entity,
        how: Ending,
    },
    /// A zombie's parent reaps it.
    Reap(Entity),
    Shell(shell::Step),
    Daemon(daemon::Step),
    Service(service::Step),
    Container(container::Step),
    Batch(batch::Step),
    Pool(pool::Step),
    Calibration,
}

/// Forks a child of `parent` that takes up `role` and whose life ends after
/// `life`, as `how`.
pub fn spawn(
    ctx: &mut Context<'_, Event>,
    roles: &mut Roles,
    parent: Entity,
    role: Role,
    life: SimDuration,
    how: Ending,
) -> Outcome<Entity> {
    let forked = ctx.fork(parent, false);
    if let Outcome::Done(child) = forked {
        roles.insert(child, role);
        ctx.after(life, STEP, Event::End { process: child, how });
    }
    forked
}

/// The whole workload of a scenario.
pub struct Mix {
    roles: Roles,
    models: Models,
}

/// The models of a scenario.
struct Models {
    shells: Generator<shell::ShellParams>,
    daemons: Generator<daemon::DaemonParams>,
    supervisors: Generator<service::SupervisorParams>,
    containers: Generator<container::ContainerParams>,
    batch: Generator<batch::BatchParams>,
    calibration: calibration::Calibration,
}

impl Mix {
    pub fn new(scenario: &Scenario) -> Mix {
        let streams = crate::engine::Streams::new(scenario.seed);
        let models = Models {
            shells: Generator { params: scenario.shells.clone(), rng: streams.stream("shells") },
            daemons: Generator { params: scenario.daemons.clone(), rng: streams.stream("daemons") },
            supervisors: Generator { params: scenario.supervisors.clone(), rng: streams.stream("supervisors") },
            containers: Generator { params: scenario.containers.clone(), rng: streams.stream("containers") },
            batch: Generator { params: scenario.batch.clone(), rng: streams.stream("batch") },
            calibration: calibration::Calibration::new(scenario.calibration.clone(), streams.stream("calibration")),
        };
        Mix { roles: Roles::default(), models }
    }
}

impl Models {
    /// A model's parameters, and its random stream.
    fn model(&mut self, model: Model) -> (&dyn Arrivals, &mut ChaCha8Rng) {
        match model {
            Model::Shells => (&self.shells.params, &mut self.shells.rng),
            Model::Daemons => (&self.daemons.params, &mut self.daemons.rng),
            Model::Supervisors => (&self.supervisors.params, &mut self.supervisors.rng),
            Model::Containers => (&self.containers.params, &mut self.containers.rng),
            Model::Batch => (&self.batch.params, &mut self.batch.rng),
        }
    }

    /// The service parameters and random stream of a model that runs services.
    fn services(&mut self, model: Model) -> (&service::ServiceParams, &mut ChaCha8Rng) {
        match model {
            Model::Containers => (&self.containers.params.services, &mut self.containers.rng),
            _ => (&self.supervisors.params.services, &mut self.supervisors.rng),
        }
    }

    /// The thread pool parameters and random stream of a model whose
    /// processes may keep pools.
    fn pool(&mut self, model: Model) -> Option<(&pool::PoolParams, &mut ChaCha8Rng)> {
        let (params, rng) = match model {
            Model::Daemons => (self.daemons.params.threads.as_ref(), &mut self.daemons.rng),
            Model::Supervisors | Model::Containers => {
                let (services, rng) = self.services(model);
                (services.threads.as_ref(), rng)
            }
            Model::Shells | Model::Batch => (None, &mut self.shells.rng),
        };
        params.map(|params| (params, rng))
    }

    /// An instance of `model` arrives: init forks its first process.
    fn arrive(&mut self, model: Model, ctx: &mut Context<'_, Event>, roles: &mut Roles) {
        let (params, rng) = self.model(model);
        let (role, steps) = params.newcomer(rng);
        let init = ctx.machine().global_init();
        if let Some(first) = ctx.fork(init, false).done() {
            roles.insert(first, role);
            ctx.next(ARRIVAL, Event::Prelude { actor: first, steps });
        }
    }
}

impl Mix {
    /// The model whose processes of this role reap their children.
    fn reaper(role: &Role) -> Option<Model> {
        match role {
            Role::Shell(_) => Some(Model::Shells),
            Role::Daemon => Some(Model::Daemons),
            Role::Supervisor(model) => Some(*model),
            Role::Shim => Some(Model::Containers),
            Role::Batch(_) => Some(Model::Batch),
            Role::JobMember(_)
            | Role::Launcher
            | Role::Worker
            | Role::Service(_)
            | Role::Calibration(_)
            | Role::CalibrationThread(_) => None,
        }
    }

    /// Performs one prelude step.
    fn prelude(&mut self, actor: Entity, steps: &'static [Prelude], ctx: &mut Context<'_, Event>) {
        let Some((first, rest)) = steps.split_first() else {
            return;
        };
        let outcome = match *first {
            Prelude::Sigaction(sig, action) => ctx.sigaction(actor, sig, action),
            Prelude::Setsid => ctx.setsid(actor),
            Prelude::Subreaper => ctx.subreaper(actor),
            Prelude::Exec => ctx.exec(actor),
            Prelude::Tiocsctty => self.models.shells.acquire_terminal(actor, ctx, &mut self.roles),
        };
        if outcome == Outcome::Dead {
            return;
        }
        if rest.is_empty() {
            self.started(actor, ctx);
        } else {
            ctx.next(STEP, Event::Prelude { actor, steps: rest });
        }
    }

    /// `p` has finished its prelude: it takes up its role.
    fn started(&mut self, p: Entity, ctx: &mut Context<'_, Event>) {
        match self.roles.get_mut(p) {
            Some(Role::Shell(shell)) => self.models.shells.started(p, shell.terminal(), ctx),
            Some(Role::JobMember(member)) => shell::member_started(p, member, ctx),
            Some(Role::Launcher) => ctx.next(STEP, Event::Daemon(daemon::Step::Detach(p))),
            Some(&mut Role::Supervisor(model)) => {
                let (params, _) = self.models.services(model);
                service::supervise(p, model, params, ctx);
            }
            Some(&mut Role::Service(service)) => {
                let (params, rng) = self.models.services(service.model);
                service::started(p, service, params, rng, ctx);
            }
            Some(Role::Shim) => ctx.next(STEP, Event::Container(container::Step::Create(p))),
            Some(Role::Batch(_)) => ctx.next(STEP, Event::Batch(batch::Step::Fork(p))),
            Some(Role::Daemon | Role::Worker | Role::Calibration(_) | Role::CalibrationThread(_)) | None => {}
        }
    }

    /// The current parent of `child` reaps it.
    fn reap(&mut self, child: Entity, ctx: &mut Context<'_, Event>) {
        let Some(parent) = ctx.machine().parent(child) else {
            return ctx.cancel();
        };
        if !matches!(ctx.waitpid(parent, child), Outcome::Done(Waited::Reaped(_))) {
            return;
        }
        match self.roles.remove(child) {
            Some(Role::JobMember(member)) => self.models.shells.reaped(parent, child, *member, ctx, &mut self.roles),
            Some(Role::Service(service)) => {
                let (params, rng) = self.models.services(service.model);
                service::reaped(parent, service, params, rng, ctx);
            }
            Some(Role::Supervisor(Model::Containers)) => container::init_reaped(parent, ctx),
            Some(Role::Worker) => batch::child_reaped(parent, ctx, &mut self.roles),
            _ => {}
        }
    }

    /// A process's life ends as planned.
    fn end(process: Entity, how: Ending, ctx: &mut Context<'_, Event>) {
        if !ctx.machine().process(process).is_some_and(|p| p.is_active()) {
            return ctx.cancel();
        }
        match how {
            Ending::Exit(code) => ctx.exit(process, code),
            Ending::Killed { by, sig } => ctx.kill(by, Target::Process(process), sig),
        };
    }
}

impl Workload for Mix {
    type Event = Event;

    fn populate(&mut self, ctx: &mut Context<'_, Event>) {
        // init reaps at once: its children are released as they die.
        let init = ctx.machine().global_init();
        ctx.sigaction(init, Signal::Chld, Disposition::Ignore);
        self.models.calibration.build(ctx, &mut self.roles);
        for model in Model::ALL {
            let (params, rng) = self.models.model(model);
            let common = params.common();
            for _ in 0..common.initial {
                ctx.next(ARRIVAL, Event::Arrival { model, recurring: false });
            }
            if let Some(gap) = common.arrivals {
                ctx.after(gap.sample(rng), ARRIVAL, Event::Arrival { model, recurring: true });
            }
        }
    }

    fn apply(&mut self, event: Event, ctx: &mut Context<'_, Event>) {
        match event {
            Event::Arrival { model, recurring } => {
                let (params, rng) = self.models.model(model);
                if let Some(gap) = params.common().arrivals.filter(|_| recurring) {
                    ctx.after(gap.sample(rng), ARRIVAL, event);
                }
                self.models.arrive(model, ctx, &mut self.roles);
            }
            Event::Prelude { actor, steps } => self.prelude(actor, steps, ctx),
            Event::End { process, how } => Mix::end(process, how, ctx),
            Event::Reap(child) => self.reap(child, ctx),
            Event::Shell(step) => self.models.shells.step(step, ctx, &mut self.roles),
            Event::Daemon(step) => self.models.daemons.step(step, ctx, &mut self.roles),
            Event::Service(step) => {
                let (params, rng) = self.models.services(step.model());
                service::step(step, params, rng, ctx, &mut self.roles);
            }
            Event::Container(step) => self.models.containers.step(step, ctx, &mut self.roles),
            Event::Batch(step) => self.models.batch.step(step, ctx, &mut self.roles),
            Event::Pool(step) => {
                let (params, rng) =
                    self.models.pool(step.model()).expect("a pool's step comes from a model with pools");
                pool::step(step, params, rng, ctx);
            }
            Event::Calibration => self.models.calibration.step(ctx, &mut self.roles),
        }
    }

    fn react(&mut self, ctx: &mut Context<'_, Event>) {
        for (p, state) in ctx.machine_mut().take_transitions() {
            // Act on the state the process is in now: it may have moved on.
            let Some(now) = ctx.machine().process(p).map(|p| p.state) else {
                continue;
            };
            match (state, now) {
                (RunState::Stopped, RunState::Stopped) => self.models.shells.stopped(p, ctx, &mut self.roles),
                (RunState::Running, RunState::Running) => self.models.shells.continued(p, ctx, &mut self.roles),
                (RunState::Zombie, RunState::Zombie) => self.schedule_reap(p, ctx),
                _ => {}
            }
        }
        for (p, _) in ctx.machine_mut().take_released() {
            if let Some(Role::Shell(shell)) = self.roles.remove(p) {
                self.models.shells.gone(&shell, ctx);
            }
        }
        for t in ctx.machine_mut().take_released_threads() {
            self.roles.remove(t);
        }
        self.models.calibration.react(ctx);
    }
}

impl Mix {
    /// `p` has become a zombie: its parent will reap it, if it is a program
    /// that reaps.
    fn schedule_reap(&mut self, p: Entity, ctx: &mut Context<'_, Event>) {
        let model = ctx.machine().parent(p).and_then(|parent| self.roles.get(parent)).and_then(Mix::reaper);
        if let Some(model) = model {
            let (params, rng) = self.models.model(model);
            ctx.after(params.common().reap.sample(rng), REACTION, Event::Reap(p));
        }
    }
}
