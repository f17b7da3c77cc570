//! Sweeps: one scenario run over many seeds and parameter values, on every
//! core or as the shards of a cluster's array job, and summarised across
//! seeds with confidence intervals.
//!
//! The data flows one way:
//!
//! * [`plan`]: the scenario, the values each swept key takes (`--set`, or
//!   the file's `[sweep]` table) and the seeds make the *plan*: every
//!   parameter point (the Cartesian product of the values) times every seed,
//!   in one fixed order, each run with its [`RunId`](crate::workload::RunId);
//! * [`shard`]: a shard `I/N` takes the runs whose index is `I` modulo `N`;
//! * [`execute`]: the runs of a shard run on a rayon pool, each on one
//!   thread and as deterministic as `procsim run` (it is the same
//!   [`execution`](crate::io::execution)), their ticks spooled per run and
//!   copied into `metrics.csv` in the plan's order — so the files are the
//!   same, byte for byte, however many run at once;
//! * [`tables`]: `sweep.csv`, `points.csv`, `runs.csv`, `metrics.csv` and
//!   `summary.csv` ([`stats`] gives the mean, the standard deviation and
//!   Student's t confidence interval of each figure over the seeds);
//! * [`merge`]: the shards' folders, checked and combined into exactly the
//!   files one machine's sweep writes.

pub mod execute;
pub mod merge;
pub mod plan;
pub mod shard;
pub mod stats;
pub mod tables;

pub use plan::{Plan, Seeds, Setting, SweepError};
pub use shard::Shard;
