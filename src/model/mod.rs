//! The world's entities and the relations between them: processes, process
//! groups, sessions and PID namespaces as bevy_ecs entities, tied by relation
//! components whose updates cost O(1) whatever the fan-in.

mod disposition;
mod errno;
pub mod group;
pub mod ids;
pub mod list;
pub mod namespace;
mod pid;
pub mod process;
pub mod session;
mod signal;
pub mod sigstate;
pub mod tree;

pub use disposition::Disposition;
pub use errno::Errno;
pub use group::{Membership, ProcessGroup};
pub use namespace::{PidNamespace, PidTable};
pub use pid::Pid;
pub use process::{ExitStatus, Process, RunState};
pub use session::Session;
pub use signal::{DefaultAction, SigSet, Signal, UnknownSignal};
pub use sigstate::{HandlerLog, SignalState};
pub use tree::Tree;
