//! The calibration workload: the one the simulator's cost is measured on
//! (fixed and specified exactly, so that measurements compare).
//!
//! The start population is a random tree of `processes` processes: each new
//! one is forked by a uniformly random existing process (init included);
//! then, with probability `build.setsid` it calls setsid (a new session and
//! group), else with probability `build.new_group` it starts a new group in
//! its parent's session (`setpgid(0, 0)`), else it stays in its parent's
//! group. Then `events` events follow, one every `interval`, each by a
//! uniformly random live process of the workload, chosen by weight: fork;
//! exit (init, the reaper, never exits; every process is reaped at once,
//! since init ignores SIGCHLD and the tree inherits that); setpgid on itself
//! into a new group; setpgid on itself into a uniformly random existing group
//! of its session; setsid. The rules apply as they are: a session leader's
//! setsid is EPERM, and so on. With a tick of 1000 intervals, each tick holds
//! 1000 events, whose exits (and reparenting) are carried out at its end.
//!
//! **The thread mix** (`[calibration.threads]`, absent by default): init
//! catches SIGUSR1 before the build, so that every process inherits the
//! handler, and each process of the tree starts `count` threads as it is
//! built. The events then draw from four more operations besides `mix`'s,
//! weighted in `threads.mix`: a uniformly random process but init starts a
//! thread (`clone(CLONE_THREAD)`); a uniformly random thread other than a
//! leader ends (`SYS_exit`); a uniformly random task sends SIGUSR1 to a
//! uniformly random process but init (`kill`: the process's `curr_target`
//! picks the thread that runs the handler), or to a uniformly random thread
//! (`tgkill`). A fork is made by a uniformly random task, a thread as likely
//! as a leader, so children belong to threads (and move to another thread of
//! their parent's process when theirs ends); `exit` is `exit_group`, and the
//! process's threads end with it. With the mix absent, the random choices
//! are those of the calibration as it always was.
//!
//! Picking a random process or a random group of a session must cost O(1) at
//! a million processes, so the workload keeps its live processes in a vector
//! (each process's role holds its place), its live threads in another, and
//! the groups of each session in an index that follows every group it
//! creates and every group that empties.

use crate::engine::{Context, Outcome, SimDuration, Target};
use crate::model::{Disposition, ProcessGroup, Signal};
use crate::workload::distribution::Probability;
use crate::workload::roles::{Role, Roles};
use crate::workload::{Event, STEP};
use bevy_ecs::entity::EntityHashMap;
use bevy_ecs::prelude::Entity;
use rand::RngExt;
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};

/// The `[calibration]` table of a scenario.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default, expecting = "a table")]
pub struct CalibrationParams {
    /// Processes in the random tree built at time 0.
    #[serde(deserialize_with = "crate::workload::value::whole")]
    pub processes: u32,
    /// Events after the build.
    #[serde(deserialize_with = "crate::workload::value::whole")]
    pub events: u64,
    /// Time between events.
    #[serde(deserialize_with = "crate::workload::scenario::positive")]
    pub interval: SimDuration,
    #[serde(deserialize_with = "crate::workload::value::table")]
    pub build: BuildParams,
    #[serde(deserialize_with = "crate::workload::value::table")]
    pub mix: OpWeights,
    /// The thread mix; `None` for none.
    #[serde(
        default,
        deserialize_with = "crate::workload::value::optional_table",
        skip_serializing_if = "Option::is_none"
    )]
    pub threads: Option<ThreadMix>,
}

/// The `[calibration.threads]` table: the thread mix.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default, expecting = "a table")]
pub struct ThreadMix {
    /// Threads each process of the tree starts as it is built, besides its
    /// leader.
    #[serde(deserialize_with = "crate::workload::value::whole")]
    pub count: u32,
    #[serde(deserialize_with = "crate::workload::value::table")]
    pub mix: ThreadOpWeights,
}

/// The relative weights of the thread mix's operations, besides
/// [`OpWeights`]'s.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default, expecting = "a table")]
pub struct ThreadOpWeights {
    /// clone(CLONE_THREAD).
    #[serde(deserialize_with = "crate::workload::value::whole")]
    pub thread: u32,
    /// SYS_exit by a thread that does not lead its process.
    #[serde(deserialize_with = "crate::workload::value::whole")]
    pub exit_thread: u32,
    /// kill(pid, SIGUSR1).
    #[serde(deserialize_with = "crate::workload::value::whole")]
    pub kill: u32,
    /// tgkill(tgid, tid, SIGUSR1).
    #[serde(deserialize_with = "crate::workload::value::whole")]
    pub tkill: u32,
}

/// How the tree is built.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default, expecting = "a table")]
pub struct BuildParams {
    /// A new process calls setsid.
    pub setsid: Probability,
    /// Otherwise, it starts a new group.
    pub new_group: Probability,
}

/// The relative weights of the operations of the events.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default, expecting = "a table")]
pub struct OpWeights {
    #[serde(deserialize_with = "crate::workload::value::whole")]
    pub fork: u32,
    #[serde(deserialize_with = "crate::workload::value::whole")]
    pub exit: u32,
    /// setpgid(0, 0).
    #[serde(deserialize_with = "crate::workload::value::whole")]
    pub setpgid_new: u32,
    /// setpgid(0, a random group of the session).
    #[serde(deserialize_with = "crate::workload::value::whole")]
    pub setpgid_join: u32,
    #[serde(deserialize_with = "crate::workload::value::whole")]
    pub setsid: u32,
}

impl Default for CalibrationParams {
    fn default() -> Self {
        CalibrationParams {
            processes: 0,
            events: 0,
            interval: SimDuration(1_000),
            build: BuildParams::default(),
            mix: OpWeights::default(),
            threads: None,
        }
    }
}

impl Default for BuildParams {
    fn default() -> Self {
        BuildParams {
            setsid: Probability::new(1.0 / 64.0).expect("a probability"),
            new_group: Probability::new(1.0 / 8.0).expect("a probability"),
        }
    }
}

impl Default for OpWeights {
    fn default() -> Self {
        OpWeights { fork: 40, exit: 40, setpgid_new: 5, setpgid_join: 5, setsid: 10 }
    }
}

/// The groups of each session, for uniform picks.
#[derive(Debug, Default)]
struct GroupIndex {
    by_session: EntityHashMap<Vec<Entity>>,
    /// Each indexed group's place in its session's vector.
    place: EntityHashMap<usize>,
}

impl GroupIndex {
    fn insert(&mut self, session: Entity, group: Entity) {
        if self.place.contains_key(&group) {
            return;
        }
        let groups = self.by_session.entry(session).or_default();
        self.place.insert(group, groups.len());
        groups.push(group);
    }

    fn remove(&mut self, session: Entity, group: Entity) {
        let Some(i) = self.place.remove(&group) else {
            return;
        };
        let groups = self.by_session.get_mut(&session).expect("an indexed group's session is indexed");
        groups.swap_remove(i);
        if let Some(&moved) = groups.get(i) {
            self.place.insert(moved, i);
        }
        if groups.is_empty() {
            self.by_session.remove(&session);
        }
    }

    fn sample(&self, session: Entity, rng: &mut ChaCha8Rng) -> Option<Entity> {
        let groups = self.by_session.get(&session)?;
        Some(groups[pick(rng, groups.len())])
    }
}

/// A uniform index below `len` (drawn as a u64, the same on every platform).
fn pick(rng: &mut ChaCha8Rng, len: usize) -> usize {
    rng.random_range(0..len as u64) as usize
}

/// The calibration workload's state.
pub struct Calibration {
    params: CalibrationParams,
    rng: ChaCha8Rng,
    /// Its live processes; init first (it never leaves).
    live: Vec<Entity>,
    /// Its live threads other than leaders (the thread mix's).
    threads: Vec<Entity>,
    groups: GroupIndex,
    /// Events so far.
    done: u64,
    /// Groups (with their sessions) of processes that exited this tick: they
    /// may be gone once the exits are carried out.
    exited: Vec<(Entity, Entity)>,
}

/// An operation of an event.
#[derive(Clone, Copy, Debug)]
enum Op {
    Fork,
    Exit,
    SetpgidNew,
    SetpgidJoin,
    Setsid,
    Thread,
    ExitThread,
    Kill,
    Tkill,
}

/// The signal of the thread mix, which every process catches.
const SIGNAL: Signal = Signal::Usr1;

impl Calibration {
    pub fn new(params: CalibrationParams, rng: ChaCha8Rng) -> Calibration {
        Calibration {
            params,
            rng,
            live: Vec::new(),
            threads: Vec::new(),
            groups: GroupIndex::default(),
            done: 0,
            exited: Vec::new(),
        }
    }

    /// Builds the random tree, and plans the first event.
    pub fn build(&mut self, ctx: &mut Context<'_, Event>, roles: &mut Roles) {
        if self.params.processes == 0 && self.params.events == 0 {
            return;
        }
        let init = ctx.machine().global_init();
        if self.params.threads.is_some() {
            ctx.sigaction(init, SIGNAL, Disposition::Catch);
        }
        self.live.push(init);
        self.index_own_group(ctx, init);
        let threads = self.params.threads.map_or(0, |t| t.count);
        for built in 0..self.params.processes {
            // A check now and then, as the engine makes between events.
            if built % 1024 == 0 && ctx.must_stop() {
                return;
            }
            let parent = self.live[pick(&mut self.rng, self.live.len())];
            let Some(child) = self.fork(ctx, roles, parent) else {
                break;
            };
            if self.params.build.setsid.draw(&mut self.rng) {
                if ctx.setsid(child).done().is_some() {
                    self.index_own_group(ctx, child);
                }
            } else if self.params.build.new_group.draw(&mut self.rng)
                && ctx.setpgid(child, child, None).done().is_some()
            {
                self.index_own_group(ctx, child);
            }
            for _ in 0..threads {
                self.start_thread(ctx, roles, child);
            }
        }
        if self.params.events > 0 {
            ctx.after(self.params.interval, STEP, Event::Calibration);
        }
    }

    /// One event.
    pub fn step(&mut self, ctx: &mut Context<'_, Event>, roles: &mut Roles) {
        self.done += 1;
        if self.done < self.params.events {
            ctx.after(self.params.interval, STEP, Event::Calibration);
        }
        let op = self.draw_op();
        let actor = match op {
            // Init is a candidate for everything but exit and starting threads.
            Op::Exit | Op::Thread => self.process(1),
            Op::SetpgidNew | Op::SetpgidJoin | Op::Setsid => self.process(0),
            Op::Fork | Op::Kill | Op::Tkill => self.task(),
            Op::ExitThread => self.thread(),
        };
        let Some(actor) = actor else {
            return ctx.cancel();
        };
        match op {
            Op::Fork => {
                self.fork(ctx, roles, actor);
            }
            Op::Exit => self.exit(ctx, roles, actor),
            Op::SetpgidNew | Op::SetpgidJoin | Op::Setsid => self.regroup(ctx, op, actor),
            Op::Thread => self.start_thread(ctx, roles, actor),
            Op::ExitThread => {
                if ctx.exit_thread(actor, 0) != Outcome::Dead {
                    self.leave(roles, actor);
                }
            }
            Op::Kill => match self.process(1) {
                Some(target) => {
                    ctx.kill(Some(actor), Target::Process(target), SIGNAL);
                }
                None => ctx.cancel(),
            },
            Op::Tkill => match self.thread() {
                Some(target) => {
                    ctx.tgkill(Some(actor), target, SIGNAL);
                }
                None => ctx.cancel(),
            },
        }
    }

    /// Process `p` calls `_exit` (`exit_group`): it leaves the live set, and
    /// so do its other threads, which end with it.
    fn exit(&mut self, ctx: &mut Context<'_, Event>, roles: &mut Roles, p: Entity) {
        let machine = ctx.machine();
        let (group, session) = (machine.group_of(p), machine.session_of(p));
        let others = if self.threads.is_empty() { Vec::new() } else { machine.tasks(p).split_off(1) };
        if ctx.exit(p, 0) != Outcome::Dead {
            for t in others {
                self.leave(roles, t);
            }
            self.leave(roles, p);
            self.exited.push((group, session));
        }
    }

    /// Process `p` moves itself to another group (`op`: a setpgid or
    /// setsid), and the index follows.
    fn regroup(&mut self, ctx: &mut Context<'_, Event>, op: Op, p: Entity) {
        let machine = ctx.machine();
        let (old_group, old_session) = (machine.group_of(p), machine.session_of(p));
        let changed = match op {
            Op::SetpgidNew => ctx.setpgid(p, p, None),
            Op::SetpgidJoin => {
                let group = self.groups.sample(old_session, &mut self.rng);
                ctx.setpgid(p, p, group)
            }
            Op::Setsid => ctx.setsid(p),
            other => unreachable!("{other:?} does not move its process to another group"),
        };
        if changed.done().is_some() {
            self.index_own_group(ctx, p);
            self.forget_if_gone(ctx, old_session, old_group);
        }
    }

    /// After the tick's exits: forget the groups they emptied.
    pub fn react(&mut self, ctx: &mut Context<'_, Event>) {
        for (group, session) in std::mem::take(&mut self.exited) {
            self.forget_if_gone(ctx, session, group);
        }
    }

    fn draw_op(&mut self) -> Op {
        let w = self.params.mix;
        let t = self.params.threads.map(|t| t.mix).unwrap_or_default();
        let choices = [
            (Op::Fork, w.fork),
            (Op::Exit, w.exit),
            (Op::SetpgidNew, w.setpgid_new),
            (Op::SetpgidJoin, w.setpgid_join),
            (Op::Setsid, w.setsid),
            (Op::Thread, t.thread),
            (Op::ExitThread, t.exit_thread),
            (Op::Kill, t.kill),
            (Op::Tkill, t.tkill),
        ];
        let total: u64 = choices.iter().map(|&(_, w)| u64::from(w)).sum();
        let mut r = self.rng.random_range(0..total);
        for (op, weight) in choices {
            if r < u64::from(weight) {
                return op;
            }
            r -= u64::from(weight);
        }
        unreachable!("r is below the total of the weights")
    }

    /// A uniformly random live process, init left out when `first` is 1.
    fn process(&mut self, first: usize) -> Option<Entity> {
        let candidates = self.live.len().checked_sub(first).filter(|&n| n > 0)?;
        Some(self.live[first + pick(&mut self.rng, candidates)])
    }

    /// A uniformly random live thread other than a leader.
    fn thread(&mut self) -> Option<Entity> {
        (!self.threads.is_empty()).then(|| self.threads[pick(&mut self.rng, self.threads.len())])
    }

    /// A uniformly random live task: a process's leader, or another thread.
    fn task(&mut self) -> Option<Entity> {
        let i = pick(&mut self.rng, self.live.len() + self.threads.len());
        Some(self.live.get(i).copied().unwrap_or_else(|| self.threads[i - self.live.len()]))
    }

    /// Forks a child of task `parent` into the live set.
    fn fork(&mut self, ctx: &mut Context<'_, Event>, roles: &mut Roles, parent: Entity) -> Option<Entity> {
        let child = ctx.fork(parent, false).done()?;
        roles.insert(child, Role::Calibration(self.live.len() as u32));
        self.live.push(child);
        Some(child)
    }

    /// Task `t` starts a thread of its process, into the live threads.
    fn start_thread(&mut self, ctx: &mut Context<'_, Event>, roles: &mut Roles, t: Entity) {
        if let Some(thread) = ctx.clone_thread(t).done() {
            roles.insert(thread, Role::CalibrationThread(self.threads.len() as u32));
            self.threads.push(thread);
        }
    }

    /// Takes an exiting task out of its live set.
    fn leave(&mut self, roles: &mut Roles, t: Entity) {
        let (set, slot, role): (_, _, fn(u32) -> Role) = match roles.get(t) {
            Some(&Role::Calibration(slot)) => (&mut self.live, slot, Role::Calibration),
            Some(&Role::CalibrationThread(slot)) => (&mut self.threads, slot, Role::CalibrationThread),
            _ => return,
        };
        set.swap_remove(slot as usize);
        if let Some(&moved) = set.get(slot as usize) {
            roles.insert(moved, role(slot));
        }
        roles.remove(t);
    }

    /// Indexes the group `p` is in (it may have just created it).
    fn index_own_group(&mut self, ctx: &Context<'_, Event>, p: Entity) {
        let machine = ctx.machine();
        self.groups.insert(machine.session_of(p), machine.group_of(p));
    }

    fn forget_if_gone(&mut self, ctx: &Context<'_, Event>, session: Entity, group: Entity) {
        if ctx.machine().world().get::<ProcessGroup>(group).is_none() {
            self.groups.remove(session, group);
        }
    }
}
