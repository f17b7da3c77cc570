//! The world's entities and the relations between them: processes, process
//! groups, sessions, terminals and PID namespaces as bevy_ecs entities, tied by relation
//! components whose updates cost O(1) whatever the fan-in.
//!
//! This layer is data: what each entity holds and the lists that tie them.
//! The kernel paths that change it are in [`crate::systems`].

mod disposition;
mod errno;
pub mod group;
pub mod list;
pub mod namespace;
mod pid;
pub mod process;
pub mod session;
mod signal;
pub mod sigstate;
pub mod task;
pub mod terminal;

pub use disposition::Disposition;
pub use errno::Errno;
pub use group::ProcessGroup;
pub use namespace::{Allocation, PidNamespace, PidTable};
pub use pid::Pid;
pub use process::{ExitStatus, Flags, Process, RunState};
pub use session::Session;
pub use signal::{DefaultAction, SigSet, Signal, UnknownSignal};
pub use sigstate::{HandlerLog, SignalState};
pub use task::{CoreDump, Task, TaskFlags, TaskState, Thread, ThreadGroup};
pub use terminal::{Key, Terminal, TtyId};
