//! procsim: a discrete-event simulator of Linux process hierarchies.

pub mod io;
pub mod kernel;
pub mod model;
