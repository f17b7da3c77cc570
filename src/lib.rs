//! procsim: a discrete-event simulator of Linux process hierarchies.

pub mod check;
pub mod io;
pub mod machine;
pub mod model;
pub mod replay;
pub mod syscalls;
pub mod systems;

pub use machine::{Machine, MachineConfig};
