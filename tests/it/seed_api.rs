//! The seed's API (gVisor `sessions.go`) on `Machine`: sessions and groups
//! created and joined, the O(1) orphan query, the group's originator, a
//! signal to a whole group, and id translation per PID namespace.

use procsim::io::report::ExitStatus;
use procsim::machine::{Call, Outcome};
use procsim::model::{Errno, Signal};
use procsim::{Machine, MachineConfig};

#[test]
fn sessions_and_groups_are_created_and_joined() {
    let mut m = Machine::new(MachineConfig::default());
    let init = m.global_init();
    let shell = m.perform(init, Call::Fork { newpid: false }).child().unwrap();
    let sid = m.create_session(shell).session().unwrap();
    assert_eq!(sid, m.pid(shell).unwrap().nr);
    assert_eq!(m.create_session(shell), Outcome::Failed(Errno::EPERM), "a leader cannot setsid again");

    let a = m.perform(shell, Call::Fork { newpid: false }).child().unwrap();
    let b = m.perform(shell, Call::Fork { newpid: false }).child().unwrap();
    m.create_process_group(a).done().unwrap();
    let job = m.group_of(a);
    assert_eq!(m.originator(job), Some(a));
    m.join_process_group(b, job).done().unwrap();
    assert_eq!(m.group_of(b), job);
    assert_eq!(m.members(job).len(), 2);
    assert!(!m.is_orphan(job), "the shell, in another group of the session, is the job's link");

    // The originator leaves; the group lives on under its id, without it.
    m.join_process_group(a, m.group_of(shell)).done().unwrap();
    assert_eq!(m.group_of(b), job);
    assert_eq!(m.originator(job), Some(a), "the creator still exists, in another group");
    m.perform(a, Call::Exit { code: 0 }).done().unwrap();
    m.settle();
    m.perform(shell, Call::Wait { pid: i64::from(m.pid(a).unwrap().nr) }).waited().unwrap();
    m.settle();
    assert_eq!(m.originator(job), None, "reaped");
    assert!(m.process(a).is_none());
}

#[test]
fn a_group_signal_reaches_every_member_and_orphan_status_follows_links() {
    let mut m = Machine::new(MachineConfig::default());
    let init = m.global_init();
    let shell = m.perform(init, Call::Fork { newpid: false }).child().unwrap();
    m.create_session(shell).session().unwrap();
    let leader = m.perform(shell, Call::Fork { newpid: false }).child().unwrap();
    m.create_process_group(leader).done().unwrap();
    let member = m.perform(leader, Call::Fork { newpid: false }).child().unwrap();
    let job = m.group_of(leader);
    m.signal_group(job, Signal::Stop);
    m.settle();
    assert_eq!(m.group(job).stopped, 2);
    assert_eq!(m.census().stopped, 2);

    // The shell dies: the job is orphaned with stopped members, and the kernel
    // sends it SIGHUP then SIGCONT, which (at their default actions) kill it.
    m.perform(shell, Call::Exit { code: 0 }).done().unwrap();
    m.settle();
    for p in [leader, member] {
        let exit = m.process(p).expect("a zombie of the global init, which does not reap").exit;
        assert_eq!(exit, Some(ExitStatus::Signaled(Signal::Hup)));
    }
    assert_eq!(m.census().totals.orphan_pairs, 1);
    assert_eq!(m.census().stopped, 0);
}

#[test]
fn ids_translate_per_namespace_and_read_0_where_invisible() {
    let mut m = Machine::new(MachineConfig::default());
    let root = m.root_namespace();
    let init = m.global_init();
    let container = m.perform(init, Call::Fork { newpid: true }).child().unwrap();
    let inner_ns = m.pid(container).unwrap().ns;
    let outer_group = m.group_of(container);
    assert_eq!(m.id_of_process_group(root, outer_group), 1, "the global init's group");
    assert_eq!(m.id_of_process_group(inner_ns, outer_group), 0, "invisible from inside");
    assert_eq!(m.own_ids(container), [1, 0, 0]);

    m.create_session(container).session().unwrap();
    let s = m.session_of(container);
    let g = m.group_of(container);
    let outer_pid = m.pid(container).unwrap().upper[0];
    assert_eq!(m.id_of_session(inner_ns, s), 1);
    assert_eq!(m.id_of_session(root, s), outer_pid);
    assert_eq!(m.session_with_id(root, outer_pid), Some(s));
    assert_eq!(m.session_with_id(inner_ns, 1), Some(s));
    assert_eq!(m.process_group_with_id(inner_ns, 1), Some(g));
    assert_eq!(m.process_group_with_id(inner_ns, outer_pid), None);
    assert_eq!(m.own_ids(container), [1, 1, 1]);
}
