//! The system calls of job control, one file each. Each acts for a process
//! that is running (the caller has checked it can act), changes the world as
//! the kernel does at the moment of the call, and returns a typed errno; what
//! follows (deliveries, exits) is left to the systems.

pub mod exec;
pub mod exit;
pub mod fork;
pub mod kill;
pub mod prctl;
pub mod setpgid;
pub mod setsid;
pub mod sigaction;
pub mod sigprocmask;
pub mod tty;
pub mod wait;
