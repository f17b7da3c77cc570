//! PID namespaces: nesting, the child reaper, and the per-namespace id tables.
//!
//! Each namespace keeps one [`PidTable`]: a cyclic allocator (`alloc_pid`:
//! 1, 2, 3, …, wrapping to 300 at `pid_max`, never handing out a number that is
//! in use as a pid, pgid or sid) and the lookups number → process, number →
//! process group, number → session that `find_task_by_vpid`, `find_vpid` and
//! `pid_task` give the kernel. Numbers are looked up, never iterated in hash
//! order: the process table is a vector indexed by number, which also gives the
//! ordered walk that `zap_pid_ns_processes` and `kill(-1)` need.

use bevy_ecs::prelude::*;
use bevy_platform::collections::HashMap;

/// The deepest level a namespace may have (`MAX_PID_NS_LEVEL`).
pub const MAX_LEVEL: usize = 32;

/// The first number handed out after the cursor wraps (`RESERVED_PIDS`).
pub const RESERVED_PIDS: u32 = 300;

/// The kernel's default and largest `pid_max` (`PID_MAX_LIMIT` on 64-bit).
pub const PID_MAX_LIMIT: u32 = 4 * 1024 * 1024;

/// A PID namespace.
#[derive(Component, Debug)]
pub struct PidNamespace {
    /// 0 for the root namespace.
    pub level: usize,
    /// The namespace at each level from the root down to this one
    /// (`chain[level]` is this namespace): ancestry tests in O(1).
    pub chain: Box<[Entity]>,
    /// pid 1 of the namespace (`child_reaper`), once it exists.
    pub reaper: Option<Entity>,
    /// Cleared when pid 1 exits (`disable_pid_allocation`): forks into the
    /// namespace then fail with ENOMEM.
    pub adding: bool,
    /// The pids, group and session ids allocated here that something holds,
    /// and the namespaces nested in this one ([`crate::systems::namespaces`]).
    /// 0 once the namespace is freed (its entity goes at the end of the
    /// system call).
    pub refs: u32,
    pub table: PidTable,
}

impl PidNamespace {
    /// Whether `other` (at `other_level`) is this namespace or one of its
    /// ancestors: then every pid of this namespace has a number in `other`.
    pub fn is_within(&self, other: Entity, other_level: usize) -> bool {
        self.chain.get(other_level) == Some(&other)
    }

    /// Whether it has been freed: nothing holds it any more.
    pub fn is_freed(&self) -> bool {
        self.refs == 0
    }
}

/// How numbers are handed out: Linux's way (`alloc_pid`), or the seed's
/// (`threads.go` `allocateTID`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Allocation {
    /// Wrap after this number to 2 (the seed's `TasksLimit`), instead of at
    /// `pid_max` to 300.
    pub wrap_at: Option<u32>,
    /// A number is free when no process has it, even if a group or session
    /// does.
    pub process_numbers_only: bool,
}

impl Allocation {
    /// The kernel's.
    pub const LINUX: Allocation = Allocation { wrap_at: None, process_numbers_only: false };
}

/// Number allocation and the id lookups of one namespace.
#[derive(Debug)]
pub struct PidTable {
    /// number → the process with that pid (zombies included).
    procs: Vec<Option<Entity>>,
    /// number → the process group with that id.
    groups: HashMap<u32, Entity>,
    /// number → the session with that id.
    sessions: HashMap<u32, Entity>,
    /// The last number handed out (`idr` cursor).
    cursor: u32,
    pid_max: u32,
    /// Numbers in use, by any of the three kinds.
    in_use: u32,
    /// The same numbers, one bit each: what the allocator searches.
    used: NumberSet,
    /// The highest number that has ever named something.
    highest: u32,
}

/// What a number can name.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum IdKind {
    Process,
    Group,
    Session,
}

impl PidTable {
    pub fn new(pid_max: u32) -> PidTable {
        PidTable {
            procs: Vec::new(),
            groups: HashMap::new(),
            sessions: HashMap::new(),
            cursor: 0,
            pid_max: pid_max.max(RESERVED_PIDS + 1),
            in_use: 0,
            used: NumberSet::default(),
            highest: 0,
        }
    }

    /// Whether `nr` names anything, by the lookups.
    fn names_anything(&self, nr: u32) -> bool {
        nr <= self.highest
            && (self.process(nr).is_some() || self.groups.contains_key(&nr) || self.sessions.contains_key(&nr))
    }

    /// Hands out the next free number after the cursor (`idr_alloc_cyclic`
    /// from 1, or from 300 once the cursor has passed 300). `None` when every
    /// number is taken, known at once from the count of numbers in use, so
    /// that forks into a full namespace do not each search all of it.
    ///
    /// The seed's way ([`Allocation`]) wraps elsewhere, and may hand out a
    /// number a group or session has.
    pub fn alloc(&mut self, how: Allocation) -> Option<u32> {
        let (min, end) = if let Some(wrap_at) = how.wrap_at {
            (2, wrap_at + 1)
        } else if self.cursor > RESERVED_PIDS {
            (RESERVED_PIDS, self.pid_max)
        } else {
            (1, self.pid_max)
        };
        let reuse = how.process_numbers_only;
        if how == Allocation::LINUX && self.in_use >= end - min {
            // Maybe full: after the wrap, the numbers below 300 are out of range.
            let below =
                if min == RESERVED_PIDS { (1..RESERVED_PIDS).filter(|&nr| self.used.contains(nr)).count() } else { 0 };
            if self.in_use - below as u32 >= end - min {
                return None;
            }
        }
        if !reuse {
            // The first free number from the cursor on, wrapping once.
            let nr = self.used.first_free(self.cursor + 1, end).or_else(|| self.used.first_free(min, end))?;
            self.cursor = nr;
            return Some(nr);
        }
        let mut nr = self.cursor + 1;
        for _ in min..=end {
            if nr >= end {
                nr = min;
            }
            let free = self.process(nr).is_none();
            if free {
                self.cursor = nr;
                return Some(nr);
            }
            nr += 1;
        }
        None
    }

    /// Recounts the numbers in use from the lookups and compares them with
    /// the counts the allocator trusts (for [`crate::check`]; O(table)).
    pub fn recount(&self) -> Result<(), String> {
        let mut used: Vec<u32> = self.processes_from(0).map(|(nr, _)| nr).collect();
        used.extend(self.groups.keys().chain(self.sessions.keys()));
        used.sort_unstable();
        used.dedup();
        if self.in_use != used.len() as u32 {
            return Err(format!("counts {} numbers in use, has {}", self.in_use, used.len()));
        }
        if let Some(nr) = used.iter().find(|&&nr| !self.used.contains(nr)) {
            return Err(format!("has {nr} in use, missing from its set of numbers"));
        }
        if self.used.len() != used.len() {
            return Err(format!("its set of numbers holds {}, {} are in use", self.used.len(), used.len()));
        }
        match used.last() {
            Some(&top) if top > self.highest => Err(format!("{top} is in use above the highest, {}", self.highest)),
            _ => Ok(()),
        }
    }

    /// The process whose pid is `nr`.
    pub fn process(&self, nr: u32) -> Option<Entity> {
        self.procs.get(nr as usize).copied().flatten()
    }

    /// The process group whose id is `nr`.
    pub fn group(&self, nr: u32) -> Option<Entity> {
        self.groups.get(&nr).copied()
    }

    /// The session whose id is `nr`.
    pub fn session(&self, nr: u32) -> Option<Entity> {
        self.sessions.get(&nr).copied()
    }

    /// Records that `nr` names `entity` as `kind`.
    pub fn attach(&mut self, nr: u32, kind: IdKind, entity: Entity) {
        let was_used = self.used.contains(nr);
        self.highest = self.highest.max(nr);
        match kind {
            IdKind::Process => {
                let i = nr as usize;
                if self.procs.len() <= i {
                    self.procs.resize(i + 1, None);
                }
                self.procs[i] = Some(entity);
            }
            IdKind::Group => {
                self.groups.insert(nr, entity);
            }
            IdKind::Session => {
                self.sessions.insert(nr, entity);
            }
        }
        if !was_used {
            self.in_use += 1;
            self.used.insert(nr);
        }
    }

    /// Forgets that `nr` names something as `kind`; the number is free once
    /// nothing uses it (`free_pid`). Under the seed a number can name two
    /// groups; it names none once either goes (`delete(ns.processGroups,
    /// id)`), and forgetting it a second time changes nothing.
    pub fn detach(&mut self, nr: u32, kind: IdKind) {
        let forgotten = match kind {
            IdKind::Process => self.procs.get_mut(nr as usize).and_then(Option::take).is_some(),
            IdKind::Group => self.groups.remove(&nr).is_some(),
            IdKind::Session => self.sessions.remove(&nr).is_some(),
        };
        if forgotten && !self.names_anything(nr) {
            self.in_use -= 1;
            self.used.remove(nr);
        }
    }

    /// The number allocation wraps at.
    pub fn pid_max(&self) -> u32 {
        self.pid_max
    }

    /// Numbers in use.
    pub fn in_use(&self) -> u32 {
        self.in_use
    }

    /// The processes of this namespace (and of namespaces nested in it), in
    /// ascending number, from `from` on.
    pub fn processes_from(&self, from: u32) -> impl Iterator<Item = (u32, Entity)> + '_ {
        self.procs.iter().enumerate().skip(from as usize).filter_map(|(nr, e)| e.map(|e| (nr as u32, e)))
    }
}

/// A set of numbers, one bit each, as long as the highest number it has
/// held: the allocator skips 64 numbers in use at a time, so that a
/// namespace that is nearly full (millions of numbers in use, the cursor
/// wrapped) is not searched number by number at every fork.
#[derive(Debug, Default)]
struct NumberSet(Vec<u64>);

impl NumberSet {
    fn contains(&self, nr: u32) -> bool {
        self.0.get(nr as usize / 64).is_some_and(|word| word >> (nr % 64) & 1 == 1)
    }

    fn insert(&mut self, nr: u32) {
        let i = nr as usize / 64;
        if self.0.len() <= i {
            self.0.resize(i + 1, 0);
        }
        self.0[i] |= 1 << (nr % 64);
    }

    fn remove(&mut self, nr: u32) {
        if let Some(word) = self.0.get_mut(nr as usize / 64) {
            *word &= !(1 << (nr % 64));
        }
    }

    /// How many numbers it holds (O(length), for the checks).
    fn len(&self) -> usize {
        self.0.iter().map(|word| word.count_ones() as usize).sum()
    }

    /// The lowest number of `from..end` it does not hold.
    fn first_free(&self, from: u32, end: u32) -> Option<u32> {
        let mut nr = from;
        while nr < end {
            let i = nr as usize / 64;
            let Some(&word) = self.0.get(i) else { return Some(nr) };
            let free = !word & (u64::MAX << (nr % 64));
            if free != 0 {
                let found = (i * 64) as u32 + free.trailing_zeros();
                return (found < end).then_some(found);
            }
            nr = (i as u32 + 1) * 64;
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entity(n: u32) -> Entity {
        Entity::from_raw_u32(n).expect("a valid index")
    }

    #[test]
    fn numbers_go_up_from_one_and_are_not_reused_before_wrapping() {
        let mut table = PidTable::new(PID_MAX_LIMIT);
        assert_eq!(
            (table.alloc(Allocation::LINUX), table.alloc(Allocation::LINUX), table.alloc(Allocation::LINUX)),
            (Some(1), Some(2), Some(3))
        );
        table.attach(1, IdKind::Process, entity(1));
        table.detach(1, IdKind::Process);
        assert_eq!(table.alloc(Allocation::LINUX), Some(4), "a freed number waits for the wrap");
    }

    #[test]
    fn the_cursor_wraps_to_300_and_skips_numbers_in_use_by_any_kind() {
        let mut table = PidTable::new(310);
        for nr in 1..310 {
            assert_eq!(table.alloc(Allocation::LINUX), Some(nr));
        }
        table.attach(300, IdKind::Group, entity(7));
        table.attach(301, IdKind::Session, entity(8));
        table.attach(302, IdKind::Process, entity(9));
        assert_eq!(table.alloc(Allocation::LINUX), Some(303), "wraps to 300 and skips 300..302");
        table.detach(300, IdKind::Group);
        assert_eq!(table.alloc(Allocation::LINUX), Some(304));
        for nr in 305..310 {
            assert_eq!(table.alloc(Allocation::LINUX), Some(nr));
        }
        assert_eq!(table.alloc(Allocation::LINUX), Some(300), "300 is free again after its group went");
    }

    #[test]
    fn a_full_table_has_no_number_left() {
        let mut table = PidTable::new(RESERVED_PIDS + 2);
        let mut handed = 0;
        while let Some(nr) = table.alloc(Allocation::LINUX) {
            table.attach(nr, IdKind::Process, entity(nr));
            handed += 1;
        }
        assert_eq!(handed, RESERVED_PIDS + 1);
        assert_eq!(table.in_use(), RESERVED_PIDS + 1);
    }

    #[test]
    fn after_the_wrap_a_full_range_from_300_has_no_number_left_whatever_is_free_below() {
        let mut table = PidTable::new(RESERVED_PIDS + 3);
        while let Some(nr) = table.alloc(Allocation::LINUX) {
            table.attach(nr, IdKind::Process, entity(nr));
        }
        table.detach(5, IdKind::Process);
        assert_eq!(table.alloc(Allocation::LINUX), None, "5 is below 300, where the wrapped cursor never goes");
        table.detach(301, IdKind::Group);
        assert_eq!(table.alloc(Allocation::LINUX), None, "301 names a process, not a group");
        table.detach(301, IdKind::Process);
        assert_eq!(table.alloc(Allocation::LINUX), Some(301));
    }

    #[test]
    fn a_wrapped_search_finds_the_free_numbers_across_words_in_cyclic_order() {
        let mut table = PidTable::new(1000);
        while let Some(nr) = table.alloc(Allocation::LINUX) {
            table.attach(nr, IdKind::Process, entity(nr));
        }
        for nr in [999, 350, 64, 640] {
            table.detach(nr, IdKind::Process);
        }
        // 999 was handed out last: the search wraps to 300 and goes up.
        let got: Vec<Option<u32>> = (0..4).map(|_| table.alloc(Allocation::LINUX)).collect();
        assert_eq!(got, [Some(350), Some(640), Some(999), Some(350)], "64 is below 300; nothing was attached");
        assert_eq!(table.recount(), Ok(()));
    }

    #[test]
    fn the_seed_wraps_after_65536_to_2_and_hands_out_numbers_of_groups() {
        let seed = Allocation { wrap_at: Some(1 << 16), process_numbers_only: true };
        let mut table = PidTable::new(1000);
        for nr in 1..=1 << 16 {
            assert_eq!(table.alloc(seed), Some(nr), "pid_max does not bound the seed");
        }
        table.attach(2, IdKind::Group, entity(7));
        table.attach(3, IdKind::Process, entity(8));
        assert_eq!(table.alloc(seed), Some(2), "wraps to 2, a group's number all the same");
        assert_eq!(table.alloc(seed), Some(4), "a process's number is skipped");
    }
}
