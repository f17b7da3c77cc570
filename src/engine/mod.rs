//! The discrete-event engine: simulated time, the future-event queue, seeded
//! random streams, and the tick schedule that drives a [`Machine`](crate::Machine).
//!
//! A [`Workload`] plays the programs: it schedules events, and when an event
//! falls due the engine hands it back to be applied through a [`Context`],
//! which performs operations on the machine and records them. The engine
//! knows nothing of shells or daemons; the workload knows nothing of ticks.
//!
//! # Ordering and determinism
//!
//! * Time is an integer number of nanoseconds ([`SimTime`]).
//! * Events are applied in the total order `(time, priority, sequence)`
//!   ([`queue`]): the sequence is the order of scheduling.
//! * Within a tick, operations act at once; the systems that carry out their
//!   consequences run at the end of the tick ([`simulation`]).
//! * Random numbers come from named ChaCha8 streams keyed by the seed
//!   ([`Streams`]).
//! * Nothing else — no wall-clock time, no thread, no hash-map iteration —
//!   reaches the results, so a scenario and a seed give the same output,
//!   byte for byte, on every machine.
//!
//! A run can be held to [`Limits`] — an events budget per tick, the memory
//! guard, an interrupt — that one O(1) check enforces inside and between
//! ticks ([`stop`]); it reads the run and never changes it, and a run it
//! stops says how far it got and why ([`RunEnd`]).

pub mod clock;
pub mod context;
pub mod metrics;
pub mod queue;
pub mod record;
pub mod rng;
pub mod simulation;
pub mod stop;
pub mod time;

pub use context::{Context, Outcome, Target};
pub use metrics::{TickMetrics, TickReport};
pub use rng::Streams;
pub use simulation::{Phase, Simulation, Workload};
pub use stop::{Interrupt, Limits, RunEnd, Status, Stop, Stopped};
pub use time::{SimDuration, SimTime};
