//! Running totals of the world, kept at every change so that metrics cost
//! O(1) per tick at any population: how many processes are in each state, how
//! many groups (and orphaned ones), sessions and namespaces exist, and what
//! has happened since the machine started.

use crate::model::{RunState, Signal};

/// Counts of what exists now and of what has happened so far.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Census {
    /// Processes running (or asleep).
    pub running: u64,
    /// Processes whose group-stop is complete.
    pub stopped: u64,
    /// Processes exiting, not yet zombies (a namespace init waiting for its
    /// namespace to empty).
    pub exiting: u64,
    pub zombies: u64,
    /// Threads that do not lead their process, not yet released.
    pub threads: u64,
    pub groups: u64,
    /// Groups with no link (`links == 0`).
    pub orphaned_groups: u64,
    pub sessions: u64,
    pub namespaces: u64,
    /// Terminals made and not hung up.
    pub terminals: u64,
    /// Cumulative counts.
    pub totals: Totals,
}

/// What has happened since the machine started.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Totals {
    pub forks: u64,
    pub released: u64,
    /// Signals generated, by signal number (whether or not they were then
    /// discarded).
    pub signals: [u64; 32],
    /// Orphaned-group SIGHUP+SIGCONT pairs sent (rules 20–21), per group.
    pub orphan_pairs: u64,
    /// Processes that died of a signal.
    pub deaths_by_signal: u64,
    /// Processes that called `_exit`.
    pub exits: u64,
    /// Terminals hung up (their master closed).
    pub hangups: u64,
}

impl Census {
    /// Live processes (not zombies).
    pub fn live(&self) -> u64 {
        self.running + self.stopped + self.exiting
    }

    /// Live tasks: one for each live process (its leader, even one that has
    /// exited while its other threads live on), and each of their other
    /// threads not yet released (a thread is released as it exits).
    pub fn tasks(&self) -> u64 {
        self.live() + self.threads
    }

    fn slot(&mut self, state: RunState) -> &mut u64 {
        match state {
            RunState::Running => &mut self.running,
            RunState::Stopped => &mut self.stopped,
            RunState::Exiting => &mut self.exiting,
            RunState::Zombie => &mut self.zombies,
        }
    }

    /// A process moved from `from` (or was born) to `to` (or was released).
    pub fn moved(&mut self, from: Option<RunState>, to: Option<RunState>) {
        if let Some(from) = from {
            *self.slot(from) -= 1;
        }
        if let Some(to) = to {
            *self.slot(to) += 1;
        }
    }

    /// A signal was generated.
    pub fn signal(&mut self, sig: Signal) {
        self.totals.signals[usize::from(sig.number())] += 1;
    }
}
