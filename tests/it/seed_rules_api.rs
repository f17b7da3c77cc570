//! The rows of the table of differences that a replay script cannot show,
//! checked on the machine directly: setsid's return value (row 1), children
//! of the global init (row 9), pid reuse and wrap-around (rows 21, 22),
//! kill(0) with an invisible group (row 27). Each under Linux, under the
//! seed, and under the seed with that one rule left out.

use procsim::machine::Call;
use procsim::model::{Disposition, Signal};
use procsim::semantics::{Rule, Semantics};
use procsim::{Machine, MachineConfig};

fn machine(semantics: Semantics) -> Machine {
    Machine::new(MachineConfig { record_handlers: true, semantics, ..Default::default() })
}

/// Linux, the seed, and the seed without `rule`, each with whether the seed's
/// behaviour is expected.
fn with_and_without(rule: Rule) -> [(Semantics, bool); 3] {
    [(Semantics::LINUX, false), (Semantics::gvisor_2018(), true), (Semantics::gvisor_2018().without(rule), false)]
}

#[test]
fn row_1_setsid_returns_zero_in_the_seed() {
    for (semantics, want_zero) in with_and_without(Rule::SetsidReturnsZero) {
        let mut m = machine(semantics);
        let p = m.perform(m.global_init(), Call::Fork { newpid: false }).child().unwrap();
        let sid = m.perform(p, Call::Setsid).session().unwrap();
        let pid = m.pid(p).unwrap().nr;
        assert_eq!(sid, if want_zero { 0 } else { pid }, "{semantics:?}");
    }
}

#[test]
fn row_9_a_child_of_the_global_init_links_its_group_in_the_seed() {
    for (semantics, linked) in with_and_without(Rule::NoInitExclusion) {
        let mut m = machine(semantics);
        let p = m.perform(m.global_init(), Call::Fork { newpid: false }).child().unwrap();
        m.perform(p, Call::Setpgid { pid: 0, pgid: 0 }).done().unwrap();
        // Same session as the global init, another group: Linux's rule 23
        // says no link; the seed's incRefWithParent counts it.
        assert_eq!(m.is_orphan(m.group_of(p)), !linked, "{semantics:?}");
    }
}

/// Forks and reaps children of `parent` until one gets pid `nr` or `limit`
/// pids went by; returns the pids handed out.
fn cycle_pids(m: &mut Machine, parent: bevy_ecs::entity::Entity, nr: u32, limit: usize) -> Vec<u32> {
    let mut seen = Vec::new();
    for _ in 0..limit {
        let c = m.perform(parent, Call::Fork { newpid: false }).child().unwrap();
        let pid = m.pid(c).unwrap().nr;
        seen.push(pid);
        m.perform(c, Call::Exit { code: 0 }).done().unwrap();
        m.settle();
        m.perform(parent, Call::Wait { pid: i64::from(pid) }).waited().unwrap();
        if pid == nr {
            break;
        }
    }
    seen
}

/// A machine where a pid above 300 is a group id whose leader is gone: the
/// leader made the group, forked a child into it, and was reaped.
fn reserved_group_id(semantics: Semantics, pid_max: u32) -> (Machine, bevy_ecs::entity::Entity, u32) {
    let mut m = Machine::new(MachineConfig { pid_max, semantics, ..Default::default() });
    let init = m.global_init();
    cycle_pids(&mut m, init, 400, 400);
    let leader = m.perform(init, Call::Fork { newpid: false }).child().unwrap();
    m.perform(leader, Call::Setpgid { pid: 0, pgid: 0 }).done().unwrap();
    m.perform(leader, Call::Fork { newpid: false }).child().unwrap();
    let nr = m.pid(leader).unwrap().nr;
    m.perform(leader, Call::Exit { code: 0 }).done().unwrap();
    m.settle();
    m.perform(init, Call::Wait { pid: i64::from(nr) }).waited().unwrap();
    (m, init, nr)
}

#[test]
fn rows_21_22_the_seed_wraps_at_65536_to_2_and_reuses_a_group_id() {
    let (mut m, init, nr) = reserved_group_id(Semantics::gvisor_2018(), 4 * 1024 * 1024);
    let pids = cycle_pids(&mut m, init, nr, 70_000);
    assert_eq!(pids.iter().max(), Some(&65536), "the seed hands out pids up to TasksLimit");
    let wrap = pids.iter().position(|&p| p == 65536).unwrap();
    assert_eq!(pids[wrap + 1], 2, "then wraps to 2");
    assert_eq!(pids.last(), Some(&nr), "and hands out the group's id {nr} again");
}

#[test]
fn rows_21_22_linux_wraps_at_pid_max_to_300_and_skips_group_ids() {
    let (mut m, init, nr) = reserved_group_id(Semantics::LINUX, 1000);
    let pids = cycle_pids(&mut m, init, nr, 2000);
    assert_eq!(pids.iter().max(), Some(&999));
    assert!(pids.iter().all(|&p| p != nr), "pid {nr} is a group id and is never handed out");
    let wrap = pids.iter().position(|&p| p == 999).unwrap();
    assert_eq!(pids[wrap + 1], 300);
}

#[test]
fn rows_21_22_each_rule_alone() {
    // Only the wrap: 65536 → 2, but the group id is skipped.
    let (mut m, init, nr) = reserved_group_id(Semantics::gvisor_2018().without(Rule::PidReuse), 4 * 1024 * 1024);
    let pids = cycle_pids(&mut m, init, nr, 70_000);
    assert!(pids.contains(&65536) && !pids.contains(&nr));
    // Only the reuse: Linux's wrap, but the group id is handed out.
    let (mut m, init, nr) = reserved_group_id(Semantics::gvisor_2018().without(Rule::PidWrap), 1000);
    let pids = cycle_pids(&mut m, init, nr, 2000);
    assert_eq!(pids.last(), Some(&nr));
    assert!(!pids.contains(&1000));
}

#[test]
fn row_27_kill_0_reaches_only_what_the_caller_can_see_in_the_seed() {
    for (semantics, by_id) in with_and_without(Rule::KillById) {
        let mut m = machine(semantics);
        let shell = m.perform(m.global_init(), Call::Fork { newpid: false }).child().unwrap();
        m.perform(shell, Call::Setsid).session().unwrap();
        // n is pid 1 of a new namespace, in shell's group, which n's
        // namespace cannot see: its own group id is 0 there.
        let n = m.perform(shell, Call::Fork { newpid: true }).child().unwrap();
        let c = m.perform(n, Call::Fork { newpid: false }).child().unwrap();
        for p in [shell, n, c] {
            m.perform(p, Call::Sigaction { sig: Signal::Usr1, action: Disposition::Catch }).done().unwrap();
        }
        assert_eq!(m.own_ids(c)[1], 0);
        m.perform(c, Call::Kill { pid: 0, sig: Signal::Usr1 }).done().unwrap();
        m.settle();
        assert_eq!(m.handlers(shell) == [Signal::Usr1], !by_id, "{semantics:?}");
        assert_eq!(m.handlers(n), [Signal::Usr1], "{semantics:?}");
        assert_eq!(m.handlers(c), [Signal::Usr1], "{semantics:?}");
    }
}
