//! The world's entities and the relations between them.

mod disposition;
mod errno;
mod signal;

pub use disposition::Disposition;
pub use errno::Errno;
pub use signal::{DefaultAction, SigSet, Signal, UnknownSignal};
