//! Stopping a run early: the limits a run is held to, the one check that
//! enforces them, and how a run ended.
//!
//! A run can be stopped for three reasons ([`Stop`]): the memory guard finds
//! it would outgrow the machine ([`MemoryGuard`]: its processes, and the
//! events it holds queued and the records it keeps, at their cost in bytes);
//! a tick would carry more events than the events budget
//! ([`Limits::max_events_per_tick`]: a workload whose events come faster than
//! time passes never finishes a tick); or it is interrupted ([`Interrupt`]:
//! SIGINT or SIGTERM, or a sweep calling it off).
//!
//! All three are one check, [`Limits::check`], that costs O(1): a few
//! comparisons and an atomic load. The engine makes it inside every tick,
//! after every [`CHECK_EVERY`] events (and exactly when the tick reaches its
//! budget), and between ticks; so a run stops within [`CHECK_EVERY`] events
//! of the moment it had to. The check reads the run and changes nothing: a
//! run that is not stopped gives the same results, byte for byte, with or
//! without limits.
//!
//! The setup at time 0 is checked the same way — after the workload has
//! populated the machine, and every [`CHECK_EVERY`] events — but is not held
//! to the events budget: its events are finite (everything it schedules
//! later than time 0 waits for the first tick), and the start population
//! they create is checked against the memory guard before the setup begins
//! ([`Scenario::simulation_within`](crate::workload::Scenario::simulation_within)).
//! A workload that does much work in one call asks the same check now and
//! then ([`Context::must_stop`](crate::engine::Context::must_stop)): the
//! calibration workload's build of a million processes does, every 1024
//! forks.

use crate::engine::time::SimTime;
use crate::host::guard::{MemoryGuard, Outgrown};
use serde::Serialize;
use std::fmt;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

/// Events applied between two checks inside a tick.
pub const CHECK_EVERY: u64 = 1024;

/// The events budget when none is given: the most events one tick may carry.
///
/// A million is 25 times the busiest tick of any committed scenario (the
/// fork storm's, 40 000 events), and at the simulator's 0.2 to 1.2 million
/// events a second about 1 to 5 seconds of work, so that a hostile scenario
/// stops in seconds, not minutes; a tick that needs more is almost surely a
/// workload whose events come faster than simulated time passes, and one
/// that truly needs more says so with `--max-events-per-tick`. Its kept
/// records (`--events`) take about 50 MB, which the memory guard counts.
pub const DEFAULT_MAX_EVENTS_PER_TICK: u64 = 1_000_000;

/// The signals an [`Interrupt`] is raised by, by [`Interrupt::on_termination_signals`].
pub const SIGINT: i32 = libc::SIGINT;
pub const SIGTERM: i32 = libc::SIGTERM;

/// A flag that asks runs to stop: set from a signal handler, or by whoever
/// holds a clone (a sweep calling its runs off). It holds the number of the
/// signal that raised it (0: not raised).
#[derive(Clone, Debug, Default)]
pub struct Interrupt(Arc<AtomicUsize>);

impl Interrupt {
    pub fn new() -> Interrupt {
        Interrupt::default()
    }

    /// An interrupt raised by SIGINT and SIGTERM (through `signal-hook`). A
    /// second of either, once one has been received, ends the process at
    /// once, as the signal's default action would: a run that does not stop
    /// can still be stopped.
    pub fn on_termination_signals() -> std::io::Result<Interrupt> {
        let interrupt = Interrupt::new();
        let received = Arc::new(std::sync::atomic::AtomicBool::new(false));
        for signal in [SIGINT, SIGTERM] {
            // The default action goes first, so that it sees the flag as the
            // signal before this one left it.
            signal_hook::flag::register_conditional_default(signal, Arc::clone(&received))?;
            signal_hook::flag::register(signal, Arc::clone(&received))?;
            signal_hook::flag::register_usize(signal, Arc::clone(&interrupt.0), signal as usize)?;
        }
        Ok(interrupt)
    }

    /// Raises the interrupt, as `signal` would.
    pub fn raise(&self, signal: i32) {
        self.0.store(signal as usize, Ordering::SeqCst);
    }

    /// The signal that raised it, if it has been.
    pub fn raised(&self) -> Option<i32> {
        match self.0.load(Ordering::Relaxed) {
            0 => None,
            signal => Some(signal as i32),
        }
    }
}

/// What a run is held to.
#[derive(Clone, Debug)]
pub struct Limits {
    /// The most events a tick may carry: a tick that would carry more stops
    /// the run ([`Stop::Budget`]).
    pub max_events_per_tick: u64,
    /// The memory guard, if the run has one.
    pub guard: Option<MemoryGuard>,
    /// The interrupt the run heeds, if any.
    pub interrupt: Option<Interrupt>,
}

impl Default for Limits {
    /// The default events budget, and no guard and no interrupt.
    fn default() -> Limits {
        Limits { max_events_per_tick: DEFAULT_MAX_EVENTS_PER_TICK, guard: None, interrupt: None }
    }
}

impl Limits {
    /// No limit at all: the run goes on until its duration has passed.
    pub fn none() -> Limits {
        Limits { max_events_per_tick: u64::MAX, guard: None, interrupt: None }
    }

    /// The check: whether the run must stop now, holding `processes`
    /// processes (live or zombies) and `held_bytes` in queued events and kept
    /// records; `over_budget` says that the tick under way has carried its
    /// budget of events and has more due. O(1). When several reasons hold,
    /// the guard's comes first, then the budget's, then the interrupt's.
    pub fn check(&self, processes: u64, held_bytes: u64, over_budget: bool) -> Option<Stop> {
        if let Some(Err(outgrown)) = self.guard.map(|g| g.check_holding(processes, held_bytes)) {
            return Some(Stop::Outgrown(outgrown));
        }
        if over_budget {
            return Some(Stop::Budget { max_events_per_tick: self.max_events_per_tick });
        }
        self.interrupt.as_ref().and_then(Interrupt::raised).map(|signal| Stop::Interrupted { signal })
    }

    /// `--max-processes`, if the guard has one.
    pub fn max_processes(&self) -> Option<u64> {
        self.guard.and_then(|g| g.max_processes())
    }
}

/// Why a run stopped before its end.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Stop {
    /// The memory guard stopped it.
    Outgrown(Outgrown),
    /// A tick would have carried more events than the budget.
    Budget { max_events_per_tick: u64 },
    /// A signal (or whoever holds the [`Interrupt`]) asked it to stop.
    Interrupted { signal: i32 },
}

impl Stop {
    /// The status of a run that stopped for this reason.
    pub fn status(&self) -> Status {
        match self {
            Stop::Outgrown(_) => Status::StoppedByGuard,
            Stop::Budget { .. } => Status::StoppedByBudget,
            Stop::Interrupted { .. } => Status::Interrupted,
        }
    }
}

impl fmt::Display for Stop {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Stop::Outgrown(outgrown) => outgrown.fmt(f),
            Stop::Budget { max_events_per_tick } => write!(
                f,
                "the tick would carry more than {max_events_per_tick} events (--max-events-per-tick): its events \
                 come faster than simulated time passes"
            ),
            Stop::Interrupted { signal } => write!(f, "interrupted by {}", signal_name(*signal)),
        }
    }
}

/// `SIGINT`, `SIGTERM`, or the number.
pub fn signal_name(signal: i32) -> String {
    match signal {
        SIGINT => "SIGINT".to_owned(),
        SIGTERM => "SIGTERM".to_owned(),
        n => format!("signal {n}"),
    }
}

/// Where and why a run stopped early.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Stopped {
    pub reason: Stop,
    /// The simulated time it had reached: the end of the last whole tick, or
    /// inside a tick, the time of the last event applied.
    pub at: SimTime,
    /// Whether it stopped inside a tick (whose events so far were applied,
    /// their consequences not yet carried out) rather than between two.
    pub inside_tick: bool,
}

/// How a run ended: the `status` column of `run.csv`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Status {
    /// It covered its whole duration.
    Complete,
    /// The memory guard stopped it.
    StoppedByGuard,
    /// A tick would have carried more events than the budget.
    StoppedByBudget,
    /// A signal, or an [`Interrupt`], stopped it.
    Interrupted,
}

impl Status {
    pub const ALL: [Status; 4] =
        [Status::Complete, Status::StoppedByGuard, Status::StoppedByBudget, Status::Interrupted];

    pub fn name(self) -> &'static str {
        match self {
            Status::Complete => "complete",
            Status::StoppedByGuard => "stopped-by-guard",
            Status::StoppedByBudget => "stopped-by-budget",
            Status::Interrupted => "interrupted",
        }
    }
}

impl fmt::Display for Status {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// What `run.csv` says of how a run ended: its status, how far it got, and
/// the limits it was held to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RunEnd {
    pub status: Status,
    /// The simulated time the run reached: its duration when complete.
    pub stopped_at: SimTime,
    pub max_processes: Option<u64>,
    pub max_events_per_tick: u64,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::host::guard::MemoryLimit;

    #[test]
    fn the_guard_then_the_budget_then_the_interrupt() {
        let interrupt = Interrupt::new();
        let guard = MemoryGuard::within(Some(10), [(u64::MAX, MemoryLimit::Available)]);
        let limits = Limits { max_events_per_tick: 5, guard: Some(guard), interrupt: Some(interrupt.clone()) };
        assert_eq!(limits.check(10, 0, false), None);
        interrupt.raise(SIGTERM);
        assert_eq!(limits.check(10, 0, false), Some(Stop::Interrupted { signal: SIGTERM }));
        assert_eq!(limits.check(10, 0, true), Some(Stop::Budget { max_events_per_tick: 5 }));
        let outgrown = limits.check(11, 0, true).unwrap();
        assert_eq!(outgrown.status(), Status::StoppedByGuard);
        assert_eq!(Limits::none().check(u64::MAX, u64::MAX, false), None);
    }

    #[test]
    fn statuses_and_signals_have_their_names() {
        let names: Vec<&str> = Status::ALL.iter().map(|s| s.name()).collect();
        assert_eq!(names, ["complete", "stopped-by-guard", "stopped-by-budget", "interrupted"]);
        assert_eq!(Stop::Interrupted { signal: SIGINT }.to_string(), "interrupted by SIGINT");
    }
}
