//! The machine procsim itself runs on — not the simulated one: how much
//! memory it has and this process uses, what its CPU is, and the guard that
//! stops a run before it outgrows it.
//!
//! Everything here reads Linux's `/proc` (and the memory cgroups under
//! `/sys/fs/cgroup`, and `getrlimit`); nothing here reaches a run's tables.

pub mod guard;
pub mod memory;
pub mod platform;

pub use guard::{MemoryGuard, MemoryLimit, Outgrown};
pub use memory::{CgroupMemory, HostError, MemInfo, ProcessMemory};
