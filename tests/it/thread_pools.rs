//! Thread pools in daemons and services: their parameters are read and
//! checked like every other (file, line, key; exit 2), a pool's run is the
//! same bytes for the same seed, workers retire with `SYS_exit` and end with
//! their process, and `events.csv` names a thread by its tid.

use crate::{cli, scratch};
use procsim::engine::record::{Op, Status};
use procsim::model::Errno;
use procsim::workload::Scenario;
use std::collections::BTreeSet;

const HEAD: &str = "seed = 1\nduration = \"1s\"\ntick = \"10ms\"\n";

/// Daemons and services with pools, the daemons' clones soon short of
/// numbers.
const POOLS: &str = r#"
seed = 3
duration = "10s"
tick = "100ms"
pid_max = 400

[daemons]
initial = 3
work = { dist = "exponential", mean = "200ms" }
threads = { count = 150, lifetime = { dist = "exponential", mean = "2s" }, spawn = { dist = "exponential", mean = "10ms" } }

[supervisors]
initial = 1
services = { count = 2, lifetime = { dist = "exponential", mean = "3s" }, threads = { count = { min = 5, max = 20 } } }

[containers]
initial = 1
services.threads = { count = 4, spawn = { dist = "constant", value = "50ms" } }
"#;

/// [`crate::rejected_scenario`] in a folder of this file's own.
fn rejected(name: &str, text: &str) -> String {
    crate::rejected_scenario(&format!("pools-{name}"), text)
}

#[test]
fn pool_parameters_are_read_and_refused_like_the_others() {
    let cases = [
        ("[daemons]\nthreads = 5\n", "bad.toml:5: `daemons.threads`: invalid type: integer `5`, expected a table"),
        ("[daemons]\nthreads = []\n", "bad.toml:5: `daemons.threads`: invalid type: array, expected a table"),
        ("[daemons.threads]\ncout = 3\n", "bad.toml:5: `daemons.threads.cout`: unknown key `cout`"),
        (
            "[supervisors.services.threads]\ncount = { min = 5, max = 2 }\n",
            "bad.toml:5: `supervisors.services.threads.count`: min (5) is above max (2)",
        ),
        (
            "[containers.services.threads]\nlifetime = { dist = \"lognormal\", median = \"1s\", sigma = 11 }\n",
            "bad.toml:5: `containers.services.threads.lifetime`: lognormal: sigma must be from 0 to 10, not 11",
        ),
        (
            "[calibration.threads]\ncount = -1\n",
            "bad.toml:5: `calibration.threads.count`: invalid value: integer `-1`, expected a whole number",
        ),
        (
            "[calibration]\nevents = 1\nmix = { fork = 0, exit = 0, setpgid_new = 0, setpgid_join = 0, setsid = 0 }\n\
             threads = { mix = { tkill = 0 } }\n",
            "bad.toml:6: `calibration.mix`: the weights of the operations add up to 0",
        ),
        (
            "[daemons]\ninitial = 1\nthreads = { count = 5, spawn = { dist = \"constant\", value = \"0s\" } }\n",
            "bad.toml:6: `daemons.threads.spawn`: constant(value=0s) leaves no time between two tries of a pool's \
             worker to start",
        ),
        (
            "[daemons.threads]\ncount = 1000\nspawn = { dist = \"constant\", value = \"1ns\" }\n",
            "bad.toml:6: `daemons.threads.spawn`: constant(value=1ns) leaves so little time between two tries of a \
             pool's worker to start (a clone that fails is tried again `spawn` later) that these alone would carry \
             about 10000000000 events in a tick of 10ms",
        ),
    ];
    for (i, (body, message)) in cases.into_iter().enumerate() {
        let err = rejected(&format!("case-{i}"), &format!("{HEAD}{body}"));
        assert!(err.starts_with(&format!("error: {message}")), "case {i}: {err}");
    }
}

#[test]
fn a_pool_that_cannot_start_a_worker_is_allowed_when_it_has_none() {
    let text = format!("{HEAD}[daemons.threads]\ncount = 0\nspawn = {{ dist = \"constant\", value = \"0s\" }}\n");
    Scenario::parse("zero.toml", &text).expect("a pool of no workers never tries");
}

#[test]
fn a_pool_has_columns_in_run_csv_only_when_written() {
    let columns = |text: &str| -> Vec<String> {
        Scenario::parse("x.toml", text).unwrap().parameters().into_iter().map(|(k, _)| k).collect()
    };
    let without = columns(HEAD);
    assert!(!without.iter().any(|k| k.contains("threads")), "{without:?}");
    let with = columns(POOLS);
    for key in ["daemons.threads.count.max", "daemons.threads.spawn", "supervisors.services.threads.lifetime"] {
        assert!(with.iter().any(|k| k == key), "no {key} in {with:?}");
    }
    assert!(with.iter().any(|k| k == "containers.services.threads.count.min"), "{with:?}");
}

#[test]
fn a_pool_scenario_gives_the_same_bytes_for_the_same_seed() {
    let dir = scratch("pools-determinism");
    std::fs::write(dir.join("pools.toml"), POOLS).unwrap();
    for (out, seed) in [("a", "3"), ("b", "3"), ("c", "4")] {
        let output = cli(&dir, &["run", "pools.toml", "--events", "--seed", seed, "--out", out]);
        assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    }
    let table = |out: &str, name: &str| std::fs::read(dir.join(out).join(name)).unwrap();
    for name in ["run.csv", "metrics.csv", "events.csv"] {
        assert_eq!(table("a", name), table("b", name), "{name} differs between two runs");
        assert_ne!(table("a", name), table("c", name), "{name} is the same for two seeds");
    }
    // A worker retires under the tid its clone gave it.
    let events = String::from_utf8(table("a", "events.csv")).unwrap();
    let rows: Vec<Vec<&str>> = events.lines().skip(1).map(|l| l.split(',').collect()).collect();
    let started: BTreeSet<&str> = rows.iter().filter(|r| r[3] == "thread" && r[8] == "ok").map(|r| r[5]).collect();
    let retired: Vec<&str> = rows.iter().filter(|r| r[3] == "exit_thread").map(|r| r[4]).collect();
    assert!(started.len() > 100 && !retired.is_empty(), "{} started, {} retired", started.len(), retired.len());
    assert!(retired.iter().all(|tid| started.contains(tid)), "a thread retired that no clone made");
}

#[test]
fn workers_retire_are_replaced_and_end_with_their_process() {
    let text = r#"
seed = 2
duration = "4s"
tick = "100ms"

[daemons]
initial = 4
lifetime = { dist = "constant", value = "2s" }
killed = 0.5
threads = { count = 10, lifetime = { dist = "exponential", mean = "300ms" }, spawn = { dist = "constant", value = "10ms" } }
"#;
    let scenario = Scenario::parse("retire.toml", text).unwrap();
    let mut sim = scenario.simulation();
    sim.keep_records(true);
    let (mut started, mut retired, mut peak) = (0, 0, 0);
    let mut last = None;
    while let Some(tick) = sim.advance() {
        let m = tick.metrics;
        started += m.counts.ops[Op::Thread as usize];
        retired += m.counts.ops[Op::ExitThread as usize];
        peak = peak.max(m.census.tasks() - m.census.live());
        last = Some(m.clone());
    }
    let last = last.unwrap();
    assert_eq!(peak, 40, "four pools of ten workers");
    assert!(retired > 20 && started > 40 + 20, "{started} started, {retired} retired");
    // The daemons have ended (exit or SIGTERM), their workers with them.
    assert_eq!((last.census.tasks(), last.census.threads), (1, 0));
    assert_eq!(last.pid_numbers, 1, "init's pid alone: the daemons' tids and sessions have gone with them");
}

#[test]
fn a_clone_short_of_numbers_fails_with_eagain_and_the_pool_goes_on() {
    let scenario = Scenario::parse("pools.toml", POOLS).unwrap();
    let mut sim = scenario.simulation();
    sim.keep_records(true);
    let (mut eagain, mut after) = (0, 0);
    while let Some(tick) = sim.advance() {
        for r in tick.records.iter().filter(|r| r.op == Op::Thread) {
            match r.status {
                Status::Err(Errno::EAGAIN) => eagain += 1,
                Status::Ok if eagain > 0 => after += 1,
                _ => {}
            }
        }
        assert_eq!(
            tick.metrics.counts.failed_op(Op::Thread),
            tick.records.iter().filter(|r| r.op == Op::Thread && r.status != Status::Ok).count() as u64
        );
    }
    assert!(eagain > 100, "{eagain} clones failed with EAGAIN");
    assert!(after > 10, "the pools went on starting workers as numbers came free: {after}");
}
