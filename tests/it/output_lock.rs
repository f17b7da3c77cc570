//! A run holds its output folder: a second run into it is refused at once
//! (exit 5, with a message) and cannot spoil the first's tables; the lock
//! leaves nothing behind; `.partial` files a killed run left are removed and
//! reported.

use crate::{cli, scenarios, scratch};
use std::path::Path;
use std::time::{Duration, Instant};

fn names(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> =
        std::fs::read_dir(dir).unwrap().map(|e| e.unwrap().file_name().into_string().unwrap()).collect();
    names.sort();
    names
}

#[test]
fn a_second_run_into_a_folder_in_use_is_refused_and_the_first_run_is_intact() {
    let dir = scratch("lock-two-runs");
    let scenario = scenarios().join("daemons.toml");
    let scenario = scenario.to_str().unwrap();
    // Two hours of daemons in ticks of 100 ms: 72 000 rows, a few seconds.
    let first = std::process::Command::new(env!("CARGO_BIN_EXE_procsim"))
        .args(["run", scenario, "--duration", "2h", "--seed", "1", "--out", "out"])
        .current_dir(&dir)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let partial = dir.join("out/metrics.csv.partial");
    let deadline = Instant::now() + Duration::from_secs(30);
    while !partial.exists() && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(5));
    }
    assert!(partial.exists(), "the first run is under way");
    let second = cli(&dir, &["run", scenario, "--duration", "2h", "--seed", "2", "--out", "out"]);
    assert_eq!(second.status.code(), Some(5));
    assert_eq!(
        String::from_utf8(second.stderr).unwrap(),
        "error: out: another run is writing its results here (it holds the folder's lock); wait for it to end, or \
         write elsewhere\n"
    );
    assert!(second.stdout.is_empty());
    let first = first.wait_with_output().unwrap();
    assert!(first.status.success(), "{}", String::from_utf8_lossy(&first.stderr));
    assert_eq!(names(&dir.join("out")), ["metrics.csv", "run.csv"], "the tables, and nothing of the lock");
    let metrics = std::fs::read_to_string(dir.join("out/metrics.csv")).unwrap();
    let widths: Vec<usize> = metrics.lines().map(|l| l.split(',').count()).collect();
    assert_eq!(widths.len(), 1 + 72_000);
    assert!(widths.iter().all(|&w| w == widths[0]), "no malformed row");
    let run = std::fs::read_to_string(dir.join("out/run.csv")).unwrap();
    let rows: Vec<Vec<&str>> = run.lines().map(|l| l.split(',').collect()).collect();
    let seed = rows[0].iter().position(|c| *c == "seed").unwrap();
    assert_eq!((rows.len(), rows[1][seed]), (2, "1"), "run.csv is the first run's");
    // Once the first run has ended, the folder is free.
    let third = cli(&dir, &["run", scenario, "--duration", "1min", "--out", "out"]);
    assert!(third.status.success(), "{}", String::from_utf8_lossy(&third.stderr));
}

#[test]
fn partial_tables_a_killed_run_left_are_removed_and_reported() {
    let dir = scratch("lock-stale");
    std::fs::create_dir(dir.join("out")).unwrap();
    std::fs::write(dir.join("out/metrics.csv.partial"), "time_ns,live\n1,2\n3").unwrap();
    std::fs::write(dir.join("out/events.csv.partial"), "time_ns,seq\n").unwrap();
    std::fs::write(dir.join("out/notes.partial"), "the user's own").unwrap();
    let scenario = scenarios().join("daemons.toml");
    let output = cli(&dir, &["run", scenario.to_str().unwrap(), "--duration", "10s", "--out", "out"]);
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    assert_eq!(
        String::from_utf8(output.stderr).unwrap(),
        "removed out/metrics.csv.partial, left by a run that did not finish\n\
         removed out/events.csv.partial, left by a run that did not finish\n"
    );
    assert_eq!(names(&dir.join("out")), ["metrics.csv", "notes.partial", "run.csv"], "only procsim's own are removed");
}
