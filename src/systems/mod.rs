//! Linux's kernel paths: what follows an event. Link counts, group and
//! session lifetime, signal generation and delivery, exits and reparenting,
//! the orphaned-group signals, controlling terminals and job control — each a file, each working on the
//! [`kernel::Kernel`] system parameter, and each telling a profile's
//! [`books::Bookkeeping`] what it needs to know.

pub mod books;
pub mod census;
pub mod ctty;
pub mod deliver;
pub mod exec;
pub mod exit;
pub mod groups;
pub mod job_control;
pub mod journal;
pub mod kernel;
pub mod links;
pub mod namespaces;
pub mod orphans;
pub mod pty;
pub mod reparent;
pub mod sched;
pub mod signal;
pub mod spares;
pub mod state;
pub mod threads;
pub mod transitions;
