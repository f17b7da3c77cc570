//! The memory guard: a run that would outgrow the machine stops, with a
//! clear message and the results it has so far, before the kernel's
//! out-of-memory killer (or a failed allocation) ends it with nothing.
//!
//! The guard knows two limits: a number of processes the user allows
//! (`--max-processes`), and the memory this run may take — its *budget* —
//! against an estimate of what the run holds: each simulated process at
//! [`BYTES_PER_PROCESS`] (each of its threads besides the leader counted as
//! one more process: [`processes`]), plus what the engine holds besides (the
//! queued events and the kept records, at the bytes their buffers take).
//!
//! The budget is fixed when the guard is made, as the smallest of what the
//! machine, the address-space limit and the memory cgroups leave this
//! process, times [`SHARE_IN_TENTHS`]/10:
//!
//! ```text
//! budget = 9/10 × min( MemAvailable,
//!                      (RLIMIT_AS − VmSize) / 2,
//!                      memory.max − (memory.current − inactive_file)  for this cgroup and each ancestor )
//! ```
//!
//! `RLIMIT_AS` counts address space, not memory: the simulator's tables grow
//! by doubling and reserve up to twice what they touch (the fork storm's
//! peak `VmSize` is 1.6 times its peak resident set), hence the half. A
//! cgroup's `inactive_file` is page cache the kernel reclaims before it
//! fails an allocation; v1's `memory.limit_in_bytes` and
//! `memory.usage_in_bytes` stand in for v2's files.
//!
//! Checking costs O(1): the engine checks inside every tick, every
//! [`CHECK_EVERY`](crate::engine::stop::CHECK_EVERY) events, and between
//! ticks ([`crate::engine::stop`]); a run is checked before it builds its
//! start population too.

use crate::host::memory::{self, CgroupMemory, HostError, MemInfo, gib};
use crate::systems::census::Census;
use serde::{Deserialize, Serialize};
use std::fmt;

/// Peak resident memory per simulated process, in bytes: the most that
/// `procsim bench` measured at 10^6 processes or more (`results/README.md`:
/// 325 B at 10^6 with threads and terminals in the model, 281 B at 10^7),
/// and the estimate until a run measures its own. An estimate too high only
/// stops runs early; keep it no lower than the latest measurements.
pub const BYTES_PER_PROCESS: u64 = 325;

/// The share of the memory left to this process that a run may take, in
/// tenths: the rest is left to the page cache and to the other programs.
pub const SHARE_IN_TENTHS: u64 = 9;

/// Which limit the budget comes from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum MemoryLimit {
    /// The machine's `MemAvailable`.
    Available,
    /// The address-space limit, `RLIMIT_AS`.
    AddressSpace,
    /// A memory cgroup's limit.
    Cgroup,
}

impl fmt::Display for MemoryLimit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            MemoryLimit::Available => "the memory available when it started",
            MemoryLimit::AddressSpace => "half the address space RLIMIT_AS left it when it started",
            MemoryLimit::Cgroup => "what its memory cgroup's limit left it when it started",
        })
    }
}

/// Why a run stopped before it outgrew the machine.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error, Serialize, Deserialize)]
pub enum Outgrown {
    #[error("{processes} processes is more than --max-processes {max}")]
    Processes { processes: u64, max: u64 },
    #[error(
        "{processes} processes{} would take about {} at {bytes_per_process} B each, more than the {} this run may \
         use ({}/10 of {limit})",
        held(*other_bytes),
        size(processes.saturating_mul(*bytes_per_process).saturating_add(*other_bytes)),
        size(*budget),
        SHARE_IN_TENTHS
    )]
    Memory { processes: u64, bytes_per_process: u64, other_bytes: u64, budget: u64, limit: MemoryLimit },
}

/// The words for what the engine holds besides the processes, if anything.
fn held(bytes: u64) -> String {
    if bytes == 0 { String::new() } else { format!(" and {} of queued events and records", size(bytes)) }
}

/// A size in MiB below a GiB, else in GiB.
fn size(bytes: u64) -> String {
    if bytes < 1 << 30 {
        format!("{:.0} MiB", bytes as f64 / f64::from(1u32 << 20))
    } else {
        format!("{:.1} GiB", gib(bytes))
    }
}

/// The limits a run must stay within.
#[derive(Clone, Copy, Debug)]
pub struct MemoryGuard {
    max_processes: Option<u64>,
    /// The bytes one process is taken to cost.
    bytes_per_process: u64,
    /// The population `bytes_per_process` was measured at; 0 if assumed.
    measured_at: u64,
    /// The bytes the run may take.
    budget: u64,
    /// Where the budget comes from.
    limit: MemoryLimit,
}

impl MemoryGuard {
    /// A guard with the budget this process has now (the module's
    /// formula), each process taken to cost [`BYTES_PER_PROCESS`].
    pub fn new(max_processes: Option<u64>) -> Result<MemoryGuard, HostError> {
        let mut limits = vec![(MemInfo::now()?.available, MemoryLimit::Available)];
        if let Some(limit) = memory::address_space_limit() {
            limits.push((limit.saturating_sub(memory::address_space_used()?) / 2, MemoryLimit::AddressSpace));
        }
        if let Some(cgroup) = CgroupMemory::tightest(&CgroupMemory::of_this_process()) {
            limits.push((cgroup.headroom(), MemoryLimit::Cgroup));
        }
        Ok(MemoryGuard::within(max_processes, limits))
    }

    /// A guard whose budget is the share of the smallest of `limits` (bytes
    /// left, and where from).
    pub fn within(max_processes: Option<u64>, limits: impl IntoIterator<Item = (u64, MemoryLimit)>) -> MemoryGuard {
        let (left, limit) =
            limits.into_iter().min_by_key(|&(bytes, _)| bytes).unwrap_or((u64::MAX, MemoryLimit::Available));
        MemoryGuard {
            max_processes,
            bytes_per_process: BYTES_PER_PROCESS,
            measured_at: 0,
            budget: left / 10 * SHARE_IN_TENTHS,
            limit,
        }
    }

    /// The same guard for one of `runs` runs at once: each may take its
    /// share of the budget (`--max-processes` holds for each).
    pub fn shared_by(self, runs: usize) -> MemoryGuard {
        MemoryGuard { budget: self.budget / runs.max(1) as u64, ..self }
    }

    /// The bytes the run may take.
    pub fn budget(&self) -> u64 {
        self.budget
    }

    /// Where the budget comes from.
    pub fn limit(&self) -> MemoryLimit {
        self.limit
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
        self.check_holding(processes, 0)
    }

    /// Whether `processes` processes, and `other_bytes` held besides them
    /// (queued events, kept records), stay within the limits.
    pub fn check_holding(&self, processes: u64, other_bytes: u64) -> Result<(), Outgrown> {
        if let Some(max) = self.max_processes.filter(|&max| processes > max) {
            return Err(Outgrown::Processes { processes, max });
        }
        if processes.saturating_mul(self.bytes_per_process).saturating_add(other_bytes) > self.budget {
            return Err(Outgrown::Memory {
                processes,
                bytes_per_process: self.bytes_per_process,
                other_bytes,
                budget: self.budget,
                limit: self.limit,
            });
        }
        Ok(())
    }

    /// Whether the processes of `census` stay within the limits.
    pub fn check_census(&self, census: &Census) -> Result<(), Outgrown> {
        self.check(processes(census))
    }
}

/// The processes that take memory: the live ones and the zombies, and the
/// threads of the live ones besides their leaders, each counted as a process
/// (a thread is an entity of its own, with its own tid, and costs no more).
pub fn processes(census: &Census) -> u64 {
    census.tasks() + census.zombies
}

#[cfg(test)]
mod tests {
    use super::*;

    fn guard(max_processes: Option<u64>, budget: u64) -> MemoryGuard {
        MemoryGuard { max_processes, bytes_per_process: 100, measured_at: 0, budget, limit: MemoryLimit::Available }
    }

    fn memory(processes: u64, other_bytes: u64, budget: u64) -> Outgrown {
        Outgrown::Memory { processes, bytes_per_process: 100, other_bytes, budget, limit: MemoryLimit::Available }
    }

    #[test]
    fn stops_past_the_process_limit_then_past_the_memory() {
        let g = guard(Some(10), 1_000);
        assert_eq!(g.check(10), Ok(()));
        assert_eq!(g.check(11), Err(Outgrown::Processes { processes: 11, max: 10 }));
        let g = guard(None, 1_000);
        assert_eq!(g.check(10), Ok(()));
        assert_eq!(g.check(11), Err(memory(11, 0, 1_000)));
        assert_eq!(g.check_holding(9, 100), Ok(()));
        assert_eq!(g.check_holding(9, 101), Err(memory(9, 101, 1_000)), "queued events count too");
    }

    #[test]
    fn the_cost_measured_at_the_largest_population_is_the_estimate() {
        let mut g = guard(None, 1_000);
        g.learn(100, 50);
        assert_eq!(g.bytes_per_process(), 50);
        g.learn(10, 400);
        assert_eq!(g.bytes_per_process(), 50, "a smaller world's cost per process is not the estimate");
        g.learn(1_000, 200);
        let at_200 = Outgrown::Memory {
            processes: 6,
            bytes_per_process: 200,
            other_bytes: 0,
            budget: 1_000,
            limit: MemoryLimit::Available,
        };
        assert_eq!(g.check(6), Err(at_200));
        assert_eq!(g.assuming(10).bytes_per_process(), 10);
    }

    #[test]
    fn the_message_says_what_would_not_fit() {
        let e = Outgrown::Memory {
            processes: 100_000_000,
            bytes_per_process: 400,
            other_bytes: 0,
            budget: 20 << 30,
            limit: MemoryLimit::Available,
        };
        assert_eq!(
            e.to_string(),
            "100000000 processes would take about 37.3 GiB at 400 B each, more than the 20.0 GiB this run may use \
             (9/10 of the memory available when it started)"
        );
        let e = Outgrown::Memory {
            processes: 10,
            bytes_per_process: 400,
            other_bytes: 3 << 30,
            budget: 20 << 30,
            limit: MemoryLimit::Cgroup,
        };
        assert_eq!(size(300 << 20), "300 MiB");
        assert_eq!(
            e.to_string(),
            "10 processes and 3.0 GiB of queued events and records would take about 3.0 GiB at 400 B each, more \
             than the 20.0 GiB this run may use (9/10 of what its memory cgroup's limit left it when it started)"
        );
    }

    #[test]
    fn the_budget_is_the_share_of_the_smallest_limit() {
        let g = MemoryGuard::within(None, [(10_000, MemoryLimit::Available), (2_000, MemoryLimit::AddressSpace)]);
        assert_eq!((g.budget(), g.limit()), (1_800, MemoryLimit::AddressSpace));
        let g = MemoryGuard::within(None, [(10_000, MemoryLimit::Available), (5_000, MemoryLimit::Cgroup)]);
        assert_eq!((g.budget(), g.limit()), (4_500, MemoryLimit::Cgroup));
        assert_eq!(g.shared_by(2).budget(), 2_250, "runs at once share it");
        let here = MemoryGuard::new(None).unwrap();
        assert!(here.budget() > 0 && here.budget() <= MemInfo::now().unwrap().total);
    }
}
