//! The memory guard: a run or a bench that would outgrow the machine stops
//! with a clear message, exit code 6 and its results so far, as whole files.

use crate::{cli, scratch};
use std::path::Path;

/// A world that only grows: 10 processes, then a fork every µs, 100 a tick.
const GROWING: &str = r#"
seed = 1
duration = "10ms"
tick = "100us"

[calibration]
processes = 10
events = 10000
interval = "1us"
mix = { fork = 1, exit = 0, setpgid_new = 0, setpgid_join = 0, setsid = 0 }
"#;

/// The names in `dir`, sorted.
fn names(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> =
        std::fs::read_dir(dir).unwrap().map(|e| e.unwrap().file_name().into_string().unwrap()).collect();
    names.sort();
    names
}

#[test]
fn a_run_that_outgrows_its_limit_stops_with_its_tables_so_far() {
    let dir = scratch("guard-run");
    std::fs::write(dir.join("growing.toml"), GROWING).unwrap();
    let output = cli(&dir, &["run", "growing.toml", "--max-processes", "250", "--out", "out"]);
    assert_eq!(output.status.code(), Some(6), "{}", String::from_utf8_lossy(&output.stderr));
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert!(
        stderr
            .contains("stopped after the tick that ended at 300000ns: 311 processes is more than --max-processes 250"),
        "{stderr}"
    );
    assert_eq!(names(&dir.join("out")), ["metrics.csv", "run.csv"], "whole tables only");
    let metrics = std::fs::read_to_string(dir.join("out/metrics.csv")).unwrap();
    let rows: Vec<Vec<&str>> = metrics.lines().map(|l| l.split(',').collect()).collect();
    assert_eq!(rows.len(), 1 + 3, "the header and the three ticks run, the last the one that outgrew the limit");
    assert!(rows.iter().all(|r| r.len() == rows[0].len()));
    assert_eq!((rows[3][1], rows[3][2]), ("300000", "311"));
    let run = std::fs::read_to_string(dir.join("out/run.csv")).unwrap();
    assert!(run.lines().nth(1).unwrap().contains(",stopped-by-guard,300000,250,1000000,"), "{run}");
}

#[test]
fn a_run_too_large_from_the_start_does_not_start() {
    let dir = scratch("guard-start");
    std::fs::write(dir.join("growing.toml"), GROWING).unwrap();
    let output = cli(&dir, &["run", "growing.toml", "--max-processes", "5", "--out", "out"]);
    assert_eq!(output.status.code(), Some(6));
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert_eq!(stderr, "stopped before the start: 11 processes is more than --max-processes 5\n");
    assert!(!dir.join("out").exists());
}

#[test]
fn a_bench_stops_at_the_first_population_over_the_limit_with_the_rows_before() {
    let dir = scratch("guard-bench");
    let output = cli(&dir, &["bench", "--quick", "--sizes", "1e3,1e4", "--max-processes", "5000", "--out", "s.csv"]);
    assert_eq!(output.status.code(), Some(6), "{}", String::from_utf8_lossy(&output.stderr));
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert_eq!(stderr, "stopped before outgrowing this machine: 10001 processes is more than --max-processes 5000\n");
    assert_eq!(names(&dir), ["s.csv"]);
    let table = std::fs::read_to_string(dir.join("s.csv")).unwrap();
    let lines: Vec<&str> = table.lines().collect();
    assert_eq!(
        lines[0],
        "population,build_per_s,events_per_s,ns_per_event,bytes_per_process,upkeep_us_per_tick,kernel_ratio"
    );
    assert_eq!(lines.len(), 2, "{table}");
    assert!(lines[1].starts_with("1000,") && lines[1].ends_with(','), "no kernel, no ratio: {}", lines[1]);
}

#[test]
fn a_bench_refuses_a_population_the_memory_cannot_hold() {
    let dir = scratch("guard-memory");
    let output = cli(&dir, &["bench", "--quick", "--sizes", "4e9", "--out", "s.csv"]);
    assert_eq!(output.status.code(), Some(6));
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert!(stderr.starts_with("stopped before outgrowing this machine: 4000000001 processes would take about "));
    assert!(stderr.contains(" GiB this run may use"), "{stderr}");
    let table = std::fs::read_to_string(dir.join("s.csv")).unwrap();
    assert_eq!(table.lines().count(), 1, "the header alone");
}

#[test]
fn the_guard_checks_inside_a_long_tick() {
    // One tick of 10 ms holds 10 000 forks: the guard stops it inside, within
    // a check's worth of events of the limit, not at its end.
    let dir = scratch("guard-inside");
    std::fs::write(dir.join("growing.toml"), GROWING.replace("tick = \"100us\"", "tick = \"10ms\"")).unwrap();
    let output = cli(&dir, &["run", "growing.toml", "--max-processes", "2000", "--out", "out"]);
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert_eq!(output.status.code(), Some(6), "{stderr}");
    assert!(stderr.contains(", inside a tick (its operations so far are written): "), "{stderr}");
    let metrics = std::fs::read_to_string(dir.join("out/metrics.csv")).unwrap();
    let rows: Vec<Vec<&str>> = metrics.lines().map(|l| l.split(',').collect()).collect();
    assert_eq!(rows.len(), 2, "the header and the tick cut short");
    let (time, live): (u64, u64) = (rows[1][1].parse().unwrap(), rows[1][2].parse().unwrap());
    assert!(time < 10_000_000, "stopped at {time}ns, inside the tick");
    assert!((2001..=2000 + 1024).contains(&live), "{live} processes: stopped at the first check past the limit");
    let run = std::fs::read_to_string(dir.join("out/run.csv")).unwrap();
    assert!(run.contains(&format!(",stopped-by-guard,{time},2000,")), "{run}");
}

/// A workload that queues `n` events far in the future and does nothing
/// else: one process, and a long queue.
struct Queuer(u64);

impl procsim::engine::Workload for Queuer {
    type Event = u64;
    fn populate(&mut self, ctx: &mut procsim::engine::Context<'_, u64>) {
        for i in 0..self.0 {
            ctx.after(procsim::engine::SimDuration(1_000_000_000), 0, i);
        }
    }
    fn apply(&mut self, _: u64, _: &mut procsim::engine::Context<'_, u64>) {}
    fn react(&mut self, _: &mut procsim::engine::Context<'_, u64>) {}
}

#[test]
fn queued_events_count_against_the_memory() {
    use procsim::engine::{Limits, SimDuration, Simulation, Status, Stop};
    use procsim::host::{MemoryGuard, MemoryLimit, Outgrown};
    let guard = MemoryGuard::within(None, [(1 << 20, MemoryLimit::Available)]);
    assert_eq!(guard.check(1), Ok(()), "init alone fits");
    let machine = procsim::Machine::new(procsim::MachineConfig::default());
    let limits = Limits { guard: Some(guard), ..Limits::none() };
    let mut sim = Simulation::with_limits(machine, Queuer(100_000), SimDuration(1_000), SimDuration(10_000), limits);
    assert!(sim.held_bytes() >= 100_000 * 8, "{} bytes queued", sim.held_bytes());
    assert!(sim.advance().is_none(), "no tick starts");
    let stopped = *sim.stopped().unwrap();
    match stopped.reason {
        Stop::Outgrown(Outgrown::Memory { processes: 1, other_bytes, .. }) => assert_eq!(other_bytes, sim.held_bytes()),
        other => panic!("{other:?}"),
    }
    assert_eq!((sim.end().status, sim.end().stopped_at.nanos()), (Status::StoppedByGuard, 0));
}
