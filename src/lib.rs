//! procsim: a discrete-event simulator of Linux process hierarchies.

pub mod engine;
pub mod io;
pub mod machine;
pub mod model;
pub mod replay;
pub mod syscalls;
pub mod systems;
pub mod workload;

pub use machine::{Machine, MachineConfig};
