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
//! Picking a random process or a random group of a session must cost O(1) at
//! a million processes, so the workload keeps its live processes in a vector
//! (each process's role holds its place) and the groups of each session in an
//! index that follows every group it creates and every group that empties.

use crate::engine::{Context, Outcome, SimDuration};
use crate::model::ProcessGroup;
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
}

impl Calibration {
    pub fn new(params: CalibrationParams, rng: ChaCha8Rng) -> Calibration {
        Calibration { params, rng, live: Vec::new(), groups: GroupIndex::default(), done: 0, exited: Vec::new() }
    }

    /// Builds the random tree, and plans the first event.
    pub fn build(&mut self, ctx: &mut Context<'_, Event>, roles: &mut Roles) {
        if self.params.processes == 0 && self.params.events == 0 {
            return;
        }
        let init = ctx.machine().global_init();
        self.live.push(init);
        self.index_own_group(ctx, init);
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
        // Init is a candidate for everything but exit.
        let first = usize::from(matches!(op, Op::Exit));
        if self.live.len() <= first {
            return ctx.cancel();
        }
        let actor = self.live[first + pick(&mut self.rng, self.live.len() - first)];
        let machine = ctx.machine();
        let (old_group, old_session) = (machine.group_of(actor), machine.session_of(actor));
        let changed = match op {
            Op::Fork => {
                self.fork(ctx, roles, actor);
                return;
            }
            Op::Exit => {
                if ctx.exit(actor, 0) != Outcome::Dead {
                    self.leave(roles, actor);
                    self.exited.push((old_group, old_session));
                }
                return;
            }
            Op::SetpgidNew => ctx.setpgid(actor, actor, None),
            Op::SetpgidJoin => {
                let group = self.groups.sample(old_session, &mut self.rng);
                ctx.setpgid(actor, actor, group)
            }
            Op::Setsid => ctx.setsid(actor),
        };
        if changed.done().is_some() {
            self.index_own_group(ctx, actor);
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
        let choices = [
            (Op::Fork, w.fork),
            (Op::Exit, w.exit),
            (Op::SetpgidNew, w.setpgid_new),
            (Op::SetpgidJoin, w.setpgid_join),
            (Op::Setsid, w.setsid),
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

    /// Forks a child of `parent` into the live set.
    fn fork(&mut self, ctx: &mut Context<'_, Event>, roles: &mut Roles, parent: Entity) -> Option<Entity> {
        let child = ctx.fork(parent, false).done()?;
        roles.insert(child, Role::Calibration(self.live.len() as u32));
        self.live.push(child);
        Some(child)
    }

    /// Takes an exiting process out of the live set.
    fn leave(&mut self, roles: &mut Roles, p: Entity) {
        let Some(&Role::Calibration(slot)) = roles.get(p) else {
            return;
        };
        self.live.swap_remove(slot as usize);
        if let Some(&moved) = self.live.get(slot as usize) {
            roles.insert(moved, Role::Calibration(slot));
        }
        roles.remove(p);
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
