//! SIGINT and SIGTERM stop a run within about a second — at the next check,
//! inside a tick or between two — and it writes its tables so far, whole,
//! marked `interrupted` at the time it reached, and exits 130 or 143.

use crate::{scenarios, scratch};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// Starts a run that would take hours, signals it with `signal` once it is
/// well under way, and checks how it ends.
fn interrupted(name: &str, signal: i32, code: i32) {
    let dir = scratch(name);
    let scenario = scenarios().join("daemons.toml");
    let child = Command::new(env!("CARGO_BIN_EXE_procsim"))
        .args(["run", scenario.to_str().unwrap(), "--duration", "1000h", "--events", "--out", "out"])
        .current_dir(&dir)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let partial = dir.join("out/metrics.csv.partial");
    let deadline = Instant::now() + Duration::from_secs(30);
    while std::fs::metadata(&partial).map_or(true, |m| m.len() < 200_000) && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(10));
    }
    let sent = Instant::now();
    // SAFETY: kill only sends a signal to the child.
    assert_eq!(unsafe { libc::kill(child.id() as i32, signal) }, 0);
    let output = child.wait_with_output().unwrap();
    let took = sent.elapsed();
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert_eq!(output.status.code(), Some(code), "{stderr}");
    assert!(took < Duration::from_millis(1500), "it took {took:?} to stop");
    let signal_name = if signal == libc::SIGINT { "SIGINT" } else { "SIGTERM" };
    assert!(stderr.ends_with(&format!(": interrupted by {signal_name}\n")), "{stderr}");
    let stdout = String::from_utf8(output.stdout).unwrap();
    assert!(stdout.starts_with("daemons (seed 1): stopped after "), "{stdout}");
    assert!(stdout.lines().next().unwrap().ends_with(" of 1000h simulated (interrupted)"), "{stdout}");

    let mut names: Vec<String> =
        std::fs::read_dir(dir.join("out")).unwrap().map(|e| e.unwrap().file_name().into_string().unwrap()).collect();
    names.sort();
    assert_eq!(names, ["events.csv", "metrics.csv", "run.csv"], "whole tables, no .partial");
    let read = |name: &str| std::fs::read_to_string(dir.join("out").join(name)).unwrap();
    let run = read("run.csv");
    let run: Vec<Vec<&str>> = run.lines().map(|l| l.split(',').collect()).collect();
    let column = |name: &str| run[1][run[0].iter().position(|c| *c == name).unwrap()];
    assert_eq!(column("status"), "interrupted");
    let metrics = read("metrics.csv");
    let rows: Vec<Vec<&str>> = metrics.lines().map(|l| l.split(',').collect()).collect();
    assert!(rows.len() > 1000 && rows.iter().all(|r| r.len() == rows[0].len()), "whole rows");
    assert_eq!(column("stopped_at_ns"), rows.last().unwrap()[1], "it stopped at the time of the last row");
    let events = read("events.csv");
    assert!(events.ends_with('\n') && events.lines().all(|l| l.split(',').count() == 9), "whole rows");
}

#[test]
fn sigint_stops_a_run_within_a_second_with_its_tables_marked_interrupted() {
    interrupted("interrupt-int", libc::SIGINT, 130);
}

#[test]
fn sigterm_stops_a_run_the_same_way_with_exit_143() {
    interrupted("interrupt-term", libc::SIGTERM, 143);
}

#[test]
fn an_interrupt_stops_even_the_calibration_build_at_time_0() {
    use procsim::engine::stop::SIGTERM;
    use procsim::engine::{Interrupt, Limits, Status, Stop};
    let text = "seed = 1\nduration = \"1s\"\ntick = \"1ms\"\n[calibration]\nprocesses = 100000\n";
    let scenario = procsim::workload::Scenario::parse("build.toml", text).unwrap();
    let interrupt = Interrupt::new();
    interrupt.raise(SIGTERM);
    let mut sim = scenario.simulation_within(Limits { interrupt: Some(interrupt), ..Limits::default() }).unwrap();
    assert!(sim.start_population() < 2_000, "the build stopped at its first checks: {}", sim.start_population());
    assert!(sim.advance().is_none());
    assert_eq!(sim.stopped().unwrap().reason, Stop::Interrupted { signal: SIGTERM });
    assert_eq!((sim.end().status, sim.end().stopped_at.nanos()), (Status::Interrupted, 0));
}
