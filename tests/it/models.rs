//! What each workload model does to the machine, checked on small runs
//! through the library.

use crate::{run_scenario, sum};
use procsim::workload::Scenario;

const HEAD: &str = "seed = 3\ntick = \"10ms\"\n";

/// A shell that suspends every job a second after starting it and never
/// resumes one, then logs out at 5 s: its stopped jobs are orphaned.
fn shell_leaving_stopped_jobs(nohup: f64) -> String {
    format!(
        r#"{HEAD}duration = "10s"
[shells]
initial = 1
session = {{ dist = "constant", value = "5s" }}
think = {{ dist = "constant", value = "100ms" }}
pipeline = 2
job = {{ dist = "constant", value = "1min" }}
background = 0
suspend = 1
suspend_after = {{ dist = "constant", value = "1s" }}
resume = 0
nohup = {nohup}
hangup = 0
"#
    )
}

#[test]
fn orphaned_stopped_jobs_get_sighup_and_sigcont_and_die() {
    let (ticks, sim) = run_scenario(&shell_leaving_stopped_jobs(0.0));
    let machine = sim.machine();
    let pairs = sum(&ticks, |m| m.happened.orphan_pairs);
    assert_eq!(pairs, 4, "four jobs were stopped when the shell left");
    assert_eq!(sum(&ticks, |m| m.happened.signals[1]), 2 * pairs, "a SIGHUP to each member");
    assert_eq!(sum(&ticks, |m| m.happened.deaths_by_signal), 2 * pairs, "every member of a stopped job died of it");
    let end = &machine.census();
    assert_eq!(end.stopped, 0, "nothing is left stopped");
    assert_eq!(end.live(), 3, "init and the two processes of the job running at logout");
}

#[test]
fn nohup_jobs_survive_their_orphaning() {
    let (ticks, sim) = run_scenario(&shell_leaving_stopped_jobs(1.0));
    let machine = sim.machine();
    assert_eq!(sum(&ticks, |m| m.happened.orphan_pairs), 4);
    assert_eq!(sum(&ticks, |m| m.happened.deaths_by_signal), 0);
    assert_eq!(machine.census().stopped, 0, "continued by the kernel's SIGCONT");
    assert_eq!(machine.census().live(), 1 + 5 * 2, "init and every job's processes, running");
}

#[test]
fn a_suspended_job_resumed_in_the_foreground_finishes() {
    let text = format!(
        r#"{HEAD}duration = "30s"
[shells]
initial = 1
session = {{ dist = "constant", value = "1h" }}
think = {{ dist = "constant", value = "100ms" }}
pipeline = 3
job = {{ dist = "constant", value = "2s" }}
background = 0
suspend = 1
suspend_after = {{ dist = "constant", value = "1s" }}
resume = 1
resume_in_background = 0
"#
    );
    let (ticks, sim) = run_scenario(&text);
    let machine = sim.machine();
    assert!(sum(&ticks, |m| m.counts.ops[procsim::engine::record::Op::Tty as usize]) >= 5, "^Z typed");
    assert_eq!(sum(&ticks, |m| m.happened.orphan_pairs), 0, "the shell is alive: no group is orphaned");
    assert_eq!(sum(&ticks, |m| m.happened.deaths_by_signal), 0);
    assert!(sum(&ticks, |m| m.happened.exits) >= 9, "jobs finish their work, stops included");
    assert!(machine.census().live() <= 1 + 1 + 3, "the shell runs one job at a time");
}

#[test]
fn containers_get_their_own_namespace_and_take_it_down() {
    for killed in [0, 1] {
        let text = format!(
            r#"{HEAD}duration = "5s"
[containers]
initial = 2
lifetime = {{ dist = "constant", value = "2s" }}
killed = {killed}
services = {{ count = 3, daemonize = 1 }}
"#
        );
        let (ticks, sim) = run_scenario(&text);
        let machine = sim.machine();
        let at_one_second = &ticks[99].census;
        assert_eq!(at_one_second.namespaces, 3, "the root namespace and one per container");
        assert_eq!(at_one_second.live(), 1 + 2 * (1 + 1 + 3), "init, and per container a shim, an init, 3 services");
        assert_eq!(machine.census().namespaces, 1, "killed = {killed}: both namespaces are gone");
        assert_eq!(machine.census().live(), 1, "killed = {killed}: only init is left");
        assert_eq!(sum(&ticks, |m| m.happened.deaths_by_signal), 2 * 3 + u64::from(killed == 1) * 2);
    }
}

#[test]
fn a_supervisor_adopts_daemonized_services_and_restarts_what_dies() {
    let text = format!(
        r#"{HEAD}duration = "10s"
[supervisors]
initial = 1
[supervisors.services]
count = 3
lifetime = {{ dist = "constant", value = "1s" }}
restart = {{ dist = "constant", value = "100ms" }}
killed = 0.5
daemonize = 1
"#
    );
    let (ticks, sim) = run_scenario(&text);
    let machine = sim.machine();
    assert!(sum(&ticks, |m| m.happened.deaths_by_signal) > 0, "some services were killed");
    assert!(sum(&ticks, |m| m.happened.forks) >= 3 * 2 * 8, "restarted about every 1.1 s, two forks each");
    let root = machine.root_namespace();
    let processes: Vec<_> = machine.namespace(root).table.processes_from(2).map(|(_, p)| p).collect();
    let supervisor = processes[0];
    assert_eq!(machine.parent(supervisor), Some(machine.global_init()));
    assert!(machine.process(supervisor).unwrap().has(procsim::model::Flags::CHILD_SUBREAPER));
    for &p in &processes[1..] {
        assert_eq!(machine.parent(p), Some(supervisor), "an orphaned daemon is the subreaper's");
    }
    assert_eq!(processes.len(), 1 + 3, "every service is running at the end");
}

#[test]
fn a_daemon_is_adopted_by_init_and_leads_no_session() {
    let text = format!(
        "{HEAD}duration = \"2s\"\n[daemons]\ninitial = 5\nlifetime = {{ dist = \"constant\", value = \"1h\" }}\n"
    );
    let (_, sim) = run_scenario(&text);
    let machine = sim.machine();
    let root = machine.root_namespace();
    let daemons: Vec<_> = machine.namespace(root).table.processes_from(2).map(|(_, p)| p).collect();
    assert_eq!(daemons.len(), 5, "the launchers are gone");
    for d in daemons {
        assert_eq!(machine.parent(d), Some(machine.global_init()));
        let [pid, pgid, sid] = machine.own_ids(d);
        assert!(!machine.process(d).unwrap().is_session_leader());
        assert_ne!(sid, 1, "its own session, not init's");
        assert_eq!(pgid, sid, "in the group its launcher created");
        assert_ne!(pid, sid);
    }
}

#[test]
fn a_batch_job_leaves_zombies_until_it_reaps_them_then_exits() {
    let text = format!(
        r#"{HEAD}duration = "20s"
[batch]
initial = 1
children = 200
spacing = {{ dist = "constant", value = "1ms" }}
lifetime = {{ dist = "uniform", min = "100ms", max = "1s" }}
reap = {{ dist = "constant", value = "3s" }}
"#
    );
    let (ticks, sim) = run_scenario(&text);
    let machine = sim.machine();
    assert!(ticks.iter().map(|m| m.census.zombies).max().unwrap() > 150, "zombies pile up");
    assert_eq!(sum(&ticks, |m| m.happened.released), 200 + 1, "every child, then the parent");
    assert_eq!(machine.census().live(), 1, "the parent exits once all are reaped");
    assert_eq!(machine.census().zombies, 0);
}

#[test]
fn the_calibration_workload_applies_a_thousand_events_a_tick() {
    let text = r#"seed = 5
duration = "10ms"
tick = "1ms"
[calibration]
processes = 2000
events = 10000
interval = "1us"
"#;
    let scenario = Scenario::parse("calibration.toml", text).unwrap();
    let mut sim = scenario.simulation();
    assert_eq!(sim.start_population(), 2001);
    let mut forks = 0;
    while let Some(tick) = sim.advance() {
        let counts = tick.metrics.counts;
        assert_eq!(counts.performed() + counts.cancelled, 1000);
        forks += counts.ops[procsim::engine::record::Op::Fork as usize];
        assert_eq!(tick.metrics.census.zombies, 0, "every exit is reaped at once");
    }
    assert!((3700..4300).contains(&forks), "40% forks: {forks}");
}
