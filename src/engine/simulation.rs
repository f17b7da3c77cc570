//! The run: setup at time 0, then ticks until the duration has passed.
//!
//! Each tick applies the events due in it, one at a time in the queue's order;
//! then runs the machine's systems ([`Machine::settle`]: signal delivery,
//! exits, reparenting, the orphaned-group signals); then lets the workload
//! react to what the systems did (a child died, a job stopped), which it does
//! by scheduling events — a reaction takes simulated time like anything else;
//! then takes the tick's metrics from the census.
//!
//! So an operation acts at once, as a system call does, while its
//! consequences land at the end of its tick, in the order the operations
//! were applied: the tick length is the resolution at which the world's
//! processes get scheduled.
//!
//! [`Simulation::advance_probed`] tells a probe as each of these phases
//! begins, so that a benchmark can time them; the engine itself reads no
//! clock.
//!
//! A run held to [`Limits`] is checked inside each tick, every
//! [`CHECK_EVERY`] events, and between ticks ([`crate::engine::stop`]). A run
//! stopped between ticks ends there; one stopped inside a tick ends with that
//! tick cut short: its report has the events applied so far, at the time of
//! the last one, and the machine as they left it, their consequences not yet
//! carried out.

use crate::engine::clock::TickSchedule;
use crate::engine::context::Context;
use crate::engine::metrics::{self, TickMetrics, TickReport};
use crate::engine::queue::EventQueue;
use crate::engine::record::TickLog;
use crate::engine::stop::{CHECK_EVERY, Limits, RunEnd, Status, Stop, Stopped};
use crate::engine::time::{SimDuration, SimTime};
use crate::host::guard::processes;
use crate::machine::Machine;
use crate::systems::census::Totals;

/// What drives a run: the programs the processes run.
pub trait Workload {
    /// What the workload schedules.
    type Event;

    /// Creates the start population at time 0: directly, or by scheduling
    /// events at time 0 (applied during the setup, unrecorded).
    fn populate(&mut self, ctx: &mut Context<'_, Self::Event>);

    /// Applies one event that has fallen due: at most one operation, and
    /// whatever it schedules next.
    fn apply(&mut self, event: Self::Event, ctx: &mut Context<'_, Self::Event>);

    /// Called after the machine's systems have run, at the end of the setup
    /// and of each tick: schedules the reactions to what they did.
    fn react(&mut self, ctx: &mut Context<'_, Self::Event>);
}

/// A phase of a tick, in the order they run.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Phase {
    /// The events due in the tick are applied.
    Events,
    /// The machine settles ([`Machine::settle`]).
    Settle,
    /// The workload reacts ([`Workload::react`]).
    React,
    /// The tick's metrics are taken.
    Metrics,
    /// The tick is over.
    Done,
}

/// A run in progress.
pub struct Simulation<W: Workload> {
    machine: Machine,
    workload: W,
    queue: EventQueue<W::Event>,
    clock: TickSchedule,
    log: TickLog,
    /// The census's totals at the end of the last tick.
    totals: Totals,
    start_population: u64,
    metrics: TickMetrics,
    limits: Limits,
    /// Where and why the run stopped early, once it has.
    stopped: Option<Stopped>,
    /// The time of the last event applied.
    now: SimTime,
}

impl<W: Workload> Simulation<W> {
    /// Sets up a run of `duration` in ticks of `tick`: the workload populates
    /// the machine at time 0, and everything due at time 0 (with the
    /// reactions to it that are due at time 0) is applied, unrecorded.
    pub fn new(machine: Machine, workload: W, tick: SimDuration, duration: SimDuration) -> Simulation<W> {
        Simulation::with_limits(machine, workload, tick, duration, Limits::none())
    }

    /// [`Simulation::new`], for a run held to `limits`. The setup is checked
    /// too (though not held to the events budget): if it stops, the run has
    /// no tick, and [`Simulation::stopped`] says why.
    pub fn with_limits(
        machine: Machine,
        workload: W,
        tick: SimDuration,
        duration: SimDuration,
        limits: Limits,
    ) -> Simulation<W> {
        let mut sim = Simulation {
            machine,
            workload,
            queue: EventQueue::default(),
            clock: TickSchedule::new(tick, duration),
            log: TickLog::default(),
            totals: Totals::default(),
            start_population: 0,
            metrics: TickMetrics::default(),
            limits,
            stopped: None,
            now: SimTime::ZERO,
        };
        sim.workload.populate(&mut Context {
            machine: &mut sim.machine,
            queue: &mut sim.queue,
            log: &mut sim.log,
            now: SimTime::ZERO,
            sequence: 0,
            limits: &sim.limits,
        });
        if let Some(reason) = sim.check(false) {
            sim.stopped = Some(Stopped { reason, at: SimTime::ZERO, inside_tick: false });
        }
        while sim.stopped.is_none() {
            if let Some(reason) = sim.run_until(SimTime::ZERO, u64::MAX, &mut |_| {}) {
                sim.stopped = Some(Stopped { reason, at: SimTime::ZERO, inside_tick: false });
                break;
            }
            if sim.queue.next_time() != Some(SimTime::ZERO) {
                break;
            }
        }
        sim.log.reset();
        sim.totals = sim.machine.census().totals.clone();
        sim.start_population = sim.machine.census().live();
        sim
    }

    /// Keeps a record of every operation ([`TickReport::records`]).
    pub fn keep_records(&mut self, on: bool) {
        self.log.keep_records = on;
    }

    /// Live processes when the first tick began.
    pub fn start_population(&self) -> u64 {
        self.start_population
    }

    pub fn machine(&self) -> &Machine {
        &self.machine
    }

    /// The clock: ticks done and in all.
    pub fn clock(&self) -> &TickSchedule {
        &self.clock
    }

    /// Runs the next tick, or returns `None` when the run is over: its
    /// duration has passed, or it has stopped ([`Simulation::stopped`]).
    pub fn advance(&mut self) -> Option<TickReport<'_>> {
        self.advance_probed(|_| {})
    }

    /// [`Simulation::advance`], calling `probe` as each [`Phase`] of the tick
    /// begins, and with [`Phase::Done`] at its end.
    pub fn advance_probed(&mut self, mut probe: impl FnMut(Phase)) -> Option<TickReport<'_>> {
        if self.stopped.is_some() || self.clock.is_over() {
            return None;
        }
        if let Some(reason) = self.check(false) {
            self.stopped = Some(Stopped { reason, at: self.clock.now(), inside_tick: false });
            return None;
        }
        let end = self.clock.next_tick()?;
        self.log.reset();
        let cut = self.run_until(end, self.limits.max_events_per_tick, &mut probe);
        let time = match cut {
            Some(reason) => {
                self.stopped = Some(Stopped { reason, at: self.now, inside_tick: true });
                self.now
            }
            None => end,
        };
        probe(Phase::Metrics);
        let census = self.machine.census();
        let root = self.machine.namespace(self.machine.root_namespace());
        self.metrics = TickMetrics {
            time,
            census: census.clone(),
            pid_numbers: root.table.in_use().into(),
            happened: metrics::since(&census.totals, &self.totals),
            counts: self.log.counts,
        };
        self.totals.clone_from(&census.totals);
        probe(Phase::Done);
        Some(TickReport { metrics: &self.metrics, records: &self.log.records })
    }

    /// Where and why the run stopped early, if it has.
    pub fn stopped(&self) -> Option<&Stopped> {
        self.stopped.as_ref()
    }

    /// The limits the run is held to.
    pub fn limits(&self) -> &Limits {
        &self.limits
    }

    /// How the run ended, for `run.csv`: complete once its duration has
    /// passed, or stopped, and where.
    ///
    /// # Panics
    /// If the run is neither over nor stopped.
    pub fn end(&self) -> RunEnd {
        let (status, stopped_at) = match &self.stopped {
            Some(stopped) => (stopped.reason.status(), stopped.at),
            None => {
                assert!(self.clock.is_over(), "the run is still going");
                (Status::Complete, self.clock.now())
            }
        };
        RunEnd {
            status,
            stopped_at,
            max_processes: self.limits.max_processes(),
            max_events_per_tick: self.limits.max_events_per_tick,
        }
    }

    /// The bytes the engine holds besides the machine: the queued events and
    /// the records kept of the tick under way, at the size of their buffers.
    pub fn held_bytes(&self) -> u64 {
        self.queue.bytes() + self.log.bytes()
    }

    /// Ends the run and gives its machine back, as the last tick left it,
    /// no longer recording the run-state changes only the run read.
    pub fn into_machine(mut self) -> Machine {
        self.machine.stop_recording_transitions();
        self.machine
    }

    /// Applies the events due by `end`, settles the machine, and lets the
    /// workload react, at `end`, calling `probe` as each of those phases
    /// begins; at most `budget` events are applied. If the run must stop
    /// during the events, it stops there (no settling, no reaction) and says
    /// why.
    fn run_until(&mut self, end: SimTime, budget: u64, probe: &mut impl FnMut(Phase)) -> Option<Stop> {
        probe(Phase::Events);
        if let Some(stop) = self.apply_due(end, budget) {
            return Some(stop);
        }
        probe(Phase::Settle);
        self.machine.settle();
        probe(Phase::React);
        self.react(end);
        None
    }

    /// Applies the events due by `end`, one at a time in the queue's order,
    /// checking the limits every [`CHECK_EVERY`] events and when `budget`
    /// events have been applied.
    fn apply_due(&mut self, end: SimTime, budget: u64) -> Option<Stop> {
        let mut applied = 0;
        let mut next_check = CHECK_EVERY.min(budget);
        while let Some(next) = self.queue.pop_due(end) {
            self.now = next.key.time;
            let mut ctx = Context {
                machine: &mut self.machine,
                queue: &mut self.queue,
                log: &mut self.log,
                now: next.key.time,
                sequence: next.key.sequence,
                limits: &self.limits,
            };
            self.workload.apply(next.event, &mut ctx);
            applied += 1;
            if applied == next_check {
                let over_budget = applied >= budget && self.queue.next_time().is_some_and(|t| t <= end);
                if let Some(stop) = self.check(over_budget) {
                    return Some(stop);
                }
                next_check = if applied < budget { (applied + CHECK_EVERY).min(budget) } else { applied + CHECK_EVERY };
            }
        }
        None
    }

    /// The limits' check, on the run as it is now. (Kept out of line: it
    /// runs once in [`CHECK_EVERY`] events, and the loop it sits in is hot.)
    #[inline(never)]
    fn check(&self, over_budget: bool) -> Option<Stop> {
        self.limits.check(processes(self.machine.census()), self.held_bytes(), over_budget)
    }

    /// Lets the workload react, at `end`, to what the machine's systems did.
    fn react(&mut self, end: SimTime) {
        let mut ctx = Context {
            machine: &mut self.machine,
            queue: &mut self.queue,
            log: &mut self.log,
            now: end,
            sequence: 0,
            limits: &self.limits,
        };
        self.workload.react(&mut ctx);
    }
}
