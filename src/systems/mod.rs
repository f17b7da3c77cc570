//! The systems that carry the consequences of events: link counts, orphan
//! signals, signal generation and delivery, exits and reparenting.

pub mod ancestors;
pub mod census;
pub mod deliver;
pub mod exit;
pub mod journal;
pub mod orphans;
pub mod reparent;
pub mod sched;
pub mod signal;
pub mod transitions;
