//! The tick schedule: the run's clock advances in ticks of a fixed length.
//!
//! A tick is the engine's quantum. Tick `k` covers the times after the end of
//! tick `k-1` up to and including its own end, `k × tick`; the last tick is
//! cut short to end exactly at the run's duration. Time 0 belongs to no tick:
//! it is the setup, when the start population is created.

use crate::engine::time::{SimDuration, SimTime};

/// Where the clock is, and where it stops.
#[derive(Clone, Copy, Debug)]
pub struct TickSchedule {
    tick: SimDuration,
    end: SimTime,
    /// The end of the last tick run (0 before the first).
    now: SimTime,
    done: u64,
}

impl TickSchedule {
    /// Ticks of length `tick` (at least 1 ns) until `duration` has passed.
    pub fn new(tick: SimDuration, duration: SimDuration) -> TickSchedule {
        let tick = SimDuration(tick.nanos().max(1));
        TickSchedule { tick, end: SimTime::ZERO + duration, now: SimTime::ZERO, done: 0 }
    }

    /// Starts the next tick and returns its end, or `None` when the run is over.
    pub fn next_tick(&mut self) -> Option<SimTime> {
        if self.is_over() {
            return None;
        }
        self.now = (self.now + self.tick).min(self.end);
        self.done += 1;
        Some(self.now)
    }

    /// The end of the last tick run (0 before the first).
    pub fn now(&self) -> SimTime {
        self.now
    }

    /// Whether every tick has been run.
    pub fn is_over(&self) -> bool {
        self.now >= self.end
    }

    /// Ticks run so far.
    pub fn done(&self) -> u64 {
        self.done
    }

    /// Ticks in the whole run.
    pub fn total(&self) -> u64 {
        self.end.nanos().div_ceil(self.tick.nanos())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_last_tick_ends_at_the_duration() {
        let mut clock = TickSchedule::new(SimDuration(10), SimDuration(25));
        let ends: Vec<u64> = std::iter::from_fn(|| clock.next_tick()).map(SimTime::nanos).collect();
        assert_eq!(ends, [10, 20, 25]);
        assert_eq!(clock.total(), 3);
        assert_eq!(clock.done(), 3);
    }
}
