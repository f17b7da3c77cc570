//! The rows of the table of differences that a replay script cannot show,
//! checked on the machine directly: setsid's return value (row 1), children
//! of the global init (row 9), pid reuse and wrap-around (rows 21, 22),
//! kill(0) with an invisible group (row 27). Each under Linux, under the
//! seed, and under the seed with that one rule left out.

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
        let p = m.fork(m.global_init(), false).unwrap().unwrap();
        let sid = m.setsid(p).unwrap().unwrap();
        let pid = m.process(p).unwrap().pid.nr;
        assert_eq!(sid, if want_zero { 0 } else { pid }, "{semantics:?}");
    }
}

#[test]
fn row_9_a_child_of_the_global_init_links_its_group_in_the_seed() {
    for (semantics, linked) in with_and_without(Rule::NoInitExclusion) {
        let mut m = machine(semantics);
        let p = m.fork(m.global_init(), false).unwrap().unwrap();
        m.setpgid(p, 0, 0).unwrap().unwrap();
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
        let c = m.fork(parent, false).unwrap().unwrap();
        let pid = m.process(c).unwrap().pid.nr;
        seen.push(pid);
        m.exit(c, 0).unwrap();
        m.settle();
        m.waitpid(parent, i64::from(pid)).unwrap().unwrap();
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
    let leader = m.fork(init, false).unwrap().unwrap();
    m.setpgid(leader, 0, 0).unwrap().unwrap();
    m.fork(leader, false).unwrap().unwrap();
    let nr = m.process(leader).unwrap().pid.nr;
    m.exit(leader, 0).unwrap();
    m.settle();
    m.waitpid(init, i64::from(nr)).unwrap().unwrap();
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
        let shell = m.fork(m.global_init(), false).unwrap().unwrap();
        m.setsid(shell).unwrap().unwrap();
        // n is pid 1 of a new namespace, in shell's group, which n's
        // namespace cannot see: its own group id is 0 there.
        let n = m.fork(shell, true).unwrap().unwrap();
        let c = m.fork(n, false).unwrap().unwrap();
        for p in [shell, n, c] {
            m.sigaction(p, Signal::Usr1, Disposition::Catch).unwrap().unwrap();
        }
        assert_eq!(m.own_ids(c)[1], 0);
        m.kill(c, 0, Signal::Usr1).unwrap().unwrap();
        m.settle();
        assert_eq!(m.handlers(shell) == [Signal::Usr1], !by_id, "{semantics:?}");
        assert_eq!(m.handlers(n), [Signal::Usr1], "{semantics:?}");
        assert_eq!(m.handlers(c), [Signal::Usr1], "{semantics:?}");
    }
}
