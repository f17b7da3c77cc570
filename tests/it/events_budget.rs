//! The events budget: a tick that would carry more events than
//! `--max-events-per-tick` stops the run inside the tick, with exit 6, its
//! tables so far whole and `status` `stopped-by-budget`; the check that
//! enforces it (with the memory guard and the interrupt) changes nothing in
//! a run it does not stop.

use crate::{cli_within, scratch};
use procsim::engine::stop::SIGINT;
use procsim::engine::{Interrupt, Limits, Status, Stop, TickMetrics};
use procsim::host::{MemoryGuard, MemoryLimit};
use procsim::workload::Scenario;
use std::time::Duration;

/// Five daemons forking a worker every microsecond: 5 × 10^4 forks a tick.
const BUSY: &str = r#"
seed = 1
duration = "1s"
tick = "10ms"

[daemons]
initial = 5
work = { dist = "constant", value = "1us" }
worker = { dist = "constant", value = "5us" }
"#;

fn csv(text: &str) -> Vec<Vec<&str>> {
    text.lines().map(|l| l.split(',').collect()).collect()
}

#[test]
fn a_tick_over_the_budget_stops_the_run_with_exit_6_and_its_tables() {
    let dir = scratch("budget-run");
    std::fs::write(dir.join("busy.toml"), BUSY).unwrap();
    let args = ["run", "busy.toml", "--max-events-per-tick", "10000", "--events", "--out", "out"];
    let output = cli_within(&dir, &args, Duration::from_secs(60));
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert_eq!(output.status.code(), Some(6), "{stderr}");
    assert!(
        stderr.contains("stopped at 1003000ns, inside a tick (its operations so far are written): the tick would carry more than 10000 events (--max-events-per-tick)"),
        "{stderr}"
    );
    let stdout = String::from_utf8(output.stdout).unwrap();
    assert!(stdout.starts_with("busy (seed 1): stopped after 1003us of 1s simulated (stopped-by-budget)"), "{stdout}");
    let mut names: Vec<String> =
        std::fs::read_dir(dir.join("out")).unwrap().map(|e| e.unwrap().file_name().into_string().unwrap()).collect();
    names.sort();
    assert_eq!(names, ["events.csv", "metrics.csv", "run.csv"], "whole tables only");
    let read = |name: &str| std::fs::read_to_string(dir.join("out").join(name)).unwrap();
    let run = read("run.csv");
    let run = csv(&run);
    let column = |name: &str| run[1][run[0].iter().position(|c| *c == name).unwrap()];
    assert_eq!(
        [column("status"), column("stopped_at_ns"), column("max_events_per_tick"), column("max_processes")],
        ["stopped-by-budget", "1003000", "10000", ""]
    );
    let metrics = read("metrics.csv");
    let metrics = csv(&metrics);
    assert_eq!(metrics.len(), 2, "the header and the tick cut short");
    let events = metrics[0].iter().position(|c| *c == "events").unwrap();
    assert_eq!((metrics[1][1], metrics[1][events]), ("1003000", "10000"), "the budget's events, to the one");
    assert_eq!(read("events.csv").lines().count(), 1 + 10_000);
}

/// The metrics of a run of `scenario` held to `limits`, and how it ended.
fn metrics(scenario: &Scenario, limits: Limits) -> (Vec<TickMetrics>, Option<Stop>, Status) {
    let mut sim = scenario.simulation_within(limits).unwrap();
    sim.keep_records(true);
    let mut ticks = Vec::new();
    while let Some(tick) = sim.advance() {
        ticks.push(tick.metrics.clone());
    }
    (ticks, sim.stopped().map(|s| s.reason), sim.end().status)
}

fn small() -> Scenario {
    let text = std::fs::read_to_string(crate::scenarios().join("shells.toml")).unwrap();
    let mut scenario = Scenario::parse("shells.toml", &text).unwrap();
    scenario.duration = procsim::engine::SimDuration::from_millis(30_000);
    scenario
}

#[test]
fn limits_that_do_not_stop_a_run_change_nothing() {
    let scenario = small();
    let (free, stop, status) = metrics(&scenario, Limits::none());
    assert_eq!((stop, status), (None, Status::Complete));
    let guard = MemoryGuard::within(Some(1_000_000), [(1 << 40, MemoryLimit::Available)]);
    let limits = Limits { max_events_per_tick: 1_000_000, guard: Some(guard), interrupt: Some(Interrupt::new()) };
    let (held, stop, status) = metrics(&scenario, limits);
    assert_eq!((stop, status), (None, Status::Complete));
    assert_eq!(free, held);
}

#[test]
fn the_budget_is_exact_a_tick_of_exactly_the_budget_runs_whole() {
    let scenario = small();
    let (free, _, _) = metrics(&scenario, Limits::none());
    let applied = |m: &TickMetrics| m.counts.performed() + m.counts.cancelled;
    let busiest = free.iter().map(applied).max().unwrap();
    let first = free.iter().position(|m| applied(m) == busiest).unwrap();
    let exactly = Limits { max_events_per_tick: busiest, ..Limits::none() };
    let (whole, stop, _) = metrics(&scenario, exactly);
    assert_eq!((whole, stop), (free.clone(), None));
    let less = Limits { max_events_per_tick: busiest - 1, ..Limits::none() };
    let (cut, stop, status) = metrics(&scenario, less);
    assert_eq!((stop, status), (Some(Stop::Budget { max_events_per_tick: busiest - 1 }), Status::StoppedByBudget));
    assert_eq!(cut.len(), first + 1, "it stops in the first tick that would carry more");
    assert_eq!(cut[..first], free[..first], "the ticks before are the same");
    assert_eq!(applied(&cut[first]), busiest - 1);
    assert!(cut[first].time < free[first].time, "the tick is cut short at its last event");
}

#[test]
fn an_interrupt_stops_a_run_at_the_next_check() {
    let scenario = small();
    let interrupt = Interrupt::new();
    let mut sim =
        scenario.simulation_within(Limits { interrupt: Some(interrupt.clone()), ..Limits::default() }).unwrap();
    for _ in 0..10 {
        sim.advance().unwrap();
    }
    interrupt.raise(SIGINT);
    assert!(sim.advance().is_none());
    let stopped = *sim.stopped().unwrap();
    assert_eq!(stopped.reason, Stop::Interrupted { signal: SIGINT });
    assert_eq!((stopped.at, stopped.inside_tick), (sim.clock().now(), false));
    assert_eq!(sim.end().status, Status::Interrupted);
    assert_eq!(sim.end().stopped_at.nanos(), 10 * scenario.tick.nanos());
}
