//! The memory guard: a run that would outgrow the machine stops, with a
//! clear message and the results it has so far, before the kernel's
//! out-of-memory killer ends it with nothing.
//!
//! The guard knows two limits: a number of processes the user allows
//! (`--max-processes`), and the memory the machine has to give — a share of
//! `MemAvailable` when the guard was made — against an estimate of what each
//! simulated process costs. Checking costs O(1), so a run checks before it
//! builds its start population and again after every tick.

use crate::host::memory::{HostError, MemInfo, gib};
use crate::systems::census::Census;
use serde::{Deserialize, Serialize};

/// Peak resident memory per simulated process, in bytes: the most that
/// `procsim bench` measured at 10^6 processes or more (`results/README.md`),
/// and the estimate until a run measures its own. An estimate too high only
/// stops runs early; keep it no lower than the latest measurements.
pub const BYTES_PER_PROCESS: u64 = 377;

/// The share of `MemAvailable` a run may take, in tenths: the rest is left
/// to the page cache and to the other programs.
const SHARE_IN_TENTHS: u64 = 9;

/// Why a run stopped before it outgrew the machine.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error, Serialize, Deserialize)]
pub enum Outgrown {
    #[error("{processes} processes is more than --max-processes {max}")]
    Processes { processes: u64, max: u64 },
    #[error(
        "{processes} processes would take about {:.1} GiB at {bytes_per_process} B each, more than the {:.1} GiB \
         this run may use ({}/10 of the memory available when it started)",
        gib(processes * bytes_per_process),
        gib(*budget),
        SHARE_IN_TENTHS
    )]
    Memory { processes: u64, bytes_per_process: u64, budget: u64 },
}

/// The limits a run must stay within.
#[derive(Clone, Copy, Debug)]
pub struct MemoryGuard {
    max_processes: Option<u64>,
    /// The bytes one process is taken to cost.
    bytes_per_process: u64,
    /// The population `bytes_per_process` was measured at; 0 if assumed.
    measured_at: u64,
    /// The bytes the run's processes may take.
    budget: u64,
}

impl MemoryGuard {
    /// A guard with the memory available now, each process taken to cost
    /// [`BYTES_PER_PROCESS`].
    pub fn new(max_processes: Option<u64>) -> Result<MemoryGuard, HostError> {
        let budget = MemInfo::now()?.available / 10 * SHARE_IN_TENTHS;
        Ok(MemoryGuard { max_processes, bytes_per_process: BYTES_PER_PROCESS, measured_at: 0, budget })
    }

    /// The same guard, each process taken to cost `bytes_per_process`.
    pub fn assuming(self, bytes_per_process: u64) -> MemoryGuard {
        MemoryGuard { bytes_per_process, ..self }
    }

    /// The bytes one process is taken to cost.
    pub fn bytes_per_process(&self) -> u64 {
        self.bytes_per_process
    }

    pub fn max_processes(&self) -> Option<u64> {
        self.max_processes
    }

    /// Takes the cost per process measured at `population` into account:
    /// the cost at the largest population measured is the estimate. (A
    /// small world's cost per process is mostly what every run costs, spread
    /// over few processes; a larger world's is lower, so the estimate errs
    /// on the safe side.)
    pub fn learn(&mut self, population: u64, bytes_per_process: u64) {
        if population >= self.measured_at {
            self.bytes_per_process = bytes_per_process;
            self.measured_at = population;
        }
    }

    /// Whether `processes` processes stay within the limits.
    pub fn check(&self, processes: u64) -> Result<(), Outgrown> {
        if let Some(max) = self.max_processes.filter(|&max| processes > max) {
            return Err(Outgrown::Processes { processes, max });
        }
        if processes.saturating_mul(self.bytes_per_process) > self.budget {
            return Err(Outgrown::Memory { processes, bytes_per_process: self.bytes_per_process, budget: self.budget });
        }
        Ok(())
    }

    /// Whether the processes of `census` stay within the limits.
    pub fn check_census(&self, census: &Census) -> Result<(), Outgrown> {
        self.check(processes(census))
    }
}

/// The processes that take memory: the live ones and the zombies.
pub fn processes(census: &Census) -> u64 {
    census.live() + census.zombies
}

#[cfg(test)]
mod tests {
    use super::*;

    fn guard(max_processes: Option<u64>, budget: u64) -> MemoryGuard {
        MemoryGuard { max_processes, bytes_per_process: 100, measured_at: 0, budget }
    }

    #[test]
    fn stops_past_the_process_limit_then_past_the_memory() {
        let g = guard(Some(10), 1_000);
        assert_eq!(g.check(10), Ok(()));
        assert_eq!(g.check(11), Err(Outgrown::Processes { processes: 11, max: 10 }));
        let g = guard(None, 1_000);
        assert_eq!(g.check(10), Ok(()));
        assert_eq!(g.check(11), Err(Outgrown::Memory { processes: 11, bytes_per_process: 100, budget: 1_000 }));
    }

    #[test]
    fn the_cost_measured_at_the_largest_population_is_the_estimate() {
        let mut g = guard(None, 1_000);
        g.learn(100, 50);
        assert_eq!(g.bytes_per_process(), 50);
        g.learn(10, 400);
        assert_eq!(g.bytes_per_process(), 50, "a smaller world's cost per process is not the estimate");
        g.learn(1_000, 200);
        assert_eq!(g.check(6), Err(Outgrown::Memory { processes: 6, bytes_per_process: 200, budget: 1_000 }));
        assert_eq!(g.assuming(10).bytes_per_process(), 10);
    }

    #[test]
    fn the_message_says_what_would_not_fit() {
        let e = Outgrown::Memory { processes: 100_000_000, bytes_per_process: 400, budget: 20 << 30 };
        assert_eq!(
            e.to_string(),
            "100000000 processes would take about 37.3 GiB at 400 B each, more than the 20.0 GiB this run may use \
             (9/10 of the memory available when it started)"
        );
    }
}
