//! What a tick reports: the state of the world at its end and what happened
//! during it.
//!
//! Everything here comes from the machine's census (O(1) running counts) and
//! from the tick's own log of operations, never from a walk over the world,
//! so a tick costs what its events cost whatever the population.

use crate::engine::record::{Record, TickCounts};
use crate::engine::time::SimTime;
use crate::systems::census::{Census, Totals};

/// The measurements of one tick.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct TickMetrics {
    /// The end of the tick.
    pub time: SimTime,
    /// The census at the end of the tick (its totals count from the start).
    pub census: Census,
    /// The numbers of the root PID namespace in use at the end of the tick:
    /// the pids of processes (zombies included), the tids of their other
    /// threads, and the ids of groups and sessions whose leader has gone —
    /// what the allocator counts against `pid_max`.
    pub pid_numbers: u64,
    /// The change in the census's totals during the tick.
    pub happened: Totals,
    /// The operations performed, failures and cancelled events of the tick.
    pub counts: TickCounts,
}

/// One finished tick: its metrics and, when kept, its operations in order.
#[derive(Clone, Copy, Debug)]
pub struct TickReport<'a> {
    pub metrics: &'a TickMetrics,
    pub records: &'a [Record],
}

/// What `now` counts beyond `before`.
pub fn since(now: &Totals, before: &Totals) -> Totals {
    Totals {
        forks: now.forks - before.forks,
        released: now.released - before.released,
        signals: std::array::from_fn(|i| now.signals[i] - before.signals[i]),
        orphan_pairs: now.orphan_pairs - before.orphan_pairs,
        deaths_by_signal: now.deaths_by_signal - before.deaths_by_signal,
        exits: now.exits - before.exits,
        hangups: now.hangups - before.hangups,
    }
}
