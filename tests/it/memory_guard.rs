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
    assert!(run.lines().nth(1).unwrap().contains(",stopped-by-guard,300000,250,10000000,"), "{run}");
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
