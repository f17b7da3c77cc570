//! The future-event list: events waiting for their time, in a total order.
//!
//! Two events due at the same instant are ordered by a priority chosen by
//! whoever schedules them, then by the order in which they were scheduled
//! (`sequence`, unique and increasing). The order is therefore total and
//! depends on nothing but the run's own history — never on memory addresses,
//! hash seeds or threads — which is what makes a run reproducible.

use crate::engine::time::SimTime;
use std::cmp::Ordering;
use std::collections::BinaryHeap;

/// Where an event stands in the total order: earlier time first, then lower
/// priority value, then earlier scheduling.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Key {
    pub time: SimTime,
    pub priority: u8,
    pub sequence: u64,
}

/// An event and its place in the order.
#[derive(Debug)]
pub struct Scheduled<E> {
    pub key: Key,
    pub event: E,
}

impl<E> PartialEq for Scheduled<E> {
    fn eq(&self, other: &Self) -> bool {
        self.key == other.key
    }
}

impl<E> Eq for Scheduled<E> {}

impl<E> PartialOrd for Scheduled<E> {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl<E> Ord for Scheduled<E> {
    /// Reversed, so that the standard max-heap pops the earliest key.
    fn cmp(&self, other: &Self) -> Ordering {
        other.key.cmp(&self.key)
    }
}

/// A priority queue of future events (a binary heap: O(log n) to schedule
/// and to take the next).
#[derive(Debug)]
pub struct EventQueue<E> {
    heap: BinaryHeap<Scheduled<E>>,
    next_sequence: u64,
}

impl<E> Default for EventQueue<E> {
    fn default() -> Self {
        EventQueue { heap: BinaryHeap::new(), next_sequence: 0 }
    }
}

impl<E> EventQueue<E> {
    /// Schedules `event` at `time` with `priority`.
    pub fn schedule(&mut self, time: SimTime, priority: u8, event: E) {
        let sequence = self.next_sequence;
        self.next_sequence += 1;
        self.heap.push(Scheduled { key: Key { time, priority, sequence }, event });
    }

    /// Takes the first event in the order if it is due at or before `until`.
    pub fn pop_due(&mut self, until: SimTime) -> Option<Scheduled<E>> {
        if self.next_time()? > until {
            return None;
        }
        self.heap.pop()
    }

    /// The time of the first event, if any is waiting.
    pub fn next_time(&self) -> Option<SimTime> {
        self.heap.peek().map(|s| s.key.time)
    }

    /// Events waiting.
    pub fn len(&self) -> usize {
        self.heap.len()
    }

    pub fn is_empty(&self) -> bool {
        self.heap.is_empty()
    }

    /// The bytes the queue's buffer takes: its capacity, at the size of a
    /// scheduled event.
    pub fn bytes(&self) -> u64 {
        (self.heap.capacity() * std::mem::size_of::<Scheduled<E>>()) as u64
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pops_by_time_then_priority_then_sequence() {
        let mut q = EventQueue::default();
        q.schedule(SimTime(5), 1, "b");
        q.schedule(SimTime(5), 0, "a");
        q.schedule(SimTime(1), 9, "first");
        q.schedule(SimTime(5), 1, "c");
        q.schedule(SimTime(7), 0, "late");
        let mut order = Vec::new();
        while let Some(s) = q.pop_due(SimTime(5)) {
            order.push(s.event);
        }
        assert_eq!(order, ["first", "a", "b", "c"]);
        assert_eq!(q.next_time(), Some(SimTime(7)));
    }
}
