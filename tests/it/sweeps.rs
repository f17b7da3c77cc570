//! `procsim sweep` runs a scenario over seeds and parameter values: the
//! same files whatever `--jobs`, shards that merge into exactly the whole
//! sweep, failed runs that keep their rows, and a clear error (exit 2) for
//! every mistake.

use crate::{cli, scratch};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// A tiny scenario, with a [`sweep`] table of two points.
const TINY: &str = "seed = 1\nduration = \"10s\"\ntick = \"100ms\"\n[shells]\ninitial = 10\nsuspend = 0.5\n\
                    [daemons]\ninitial = 2\n[sweep]\nshells.hangup = [0.1, 0.9]\n";

const TABLES: [&str; 5] = ["sweep.csv", "points.csv", "runs.csv", "metrics.csv", "summary.csv"];

fn sweep(dir: &Path, args: &[&str]) -> std::process::Output {
    let mut all = vec!["sweep", "tiny.toml"];
    all.extend_from_slice(args);
    cli(dir, &all)
}

fn read(dir: &Path, out: &str, table: &str) -> String {
    std::fs::read_to_string(dir.join(out).join(table)).unwrap_or_else(|e| panic!("{out}/{table}: {e}"))
}

fn assert_same(dir: &Path, a: &str, b: &str, tables: &[&str]) {
    for table in tables {
        assert!(read(dir, a, table) == read(dir, b, table), "{a}/{table} and {b}/{table} differ");
    }
}

#[test]
fn a_sweep_writes_the_same_files_whatever_the_jobs() {
    let dir = scratch("sweep-jobs");
    std::fs::write(dir.join("tiny.toml"), TINY).unwrap();
    for (out, jobs) in [("one", "1"), ("two", "2"), ("three", "3")] {
        let output = sweep(
            &dir,
            &[
                "--seeds",
                "1..5",
                "--set",
                "shells.initial=5",
                "--set",
                "shells.initial=15",
                "--jobs",
                jobs,
                "--out",
                out,
            ],
        );
        assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    }
    assert_same(&dir, "one", "two", &TABLES);
    assert_same(&dir, "one", "three", &TABLES);
    let runs = read(&dir, "one", "runs.csv");
    assert_eq!(runs.lines().count(), 1 + 4 * 5, "2 × 2 points × 5 seeds");
    assert!(runs.lines().skip(1).all(|l| l.contains(",complete,")), "{runs}");
    let points = read(&dir, "one", "points.csv");
    let id = read(&dir, "one", "sweep.csv").lines().nth(1).unwrap().split(',').next().unwrap().to_owned();
    assert_eq!(
        points,
        format!(
            "sweep_id,point,shells.hangup,shells.initial\n{id},p0,0.1,5\n{id},p1,0.1,15\n{id},p2,0.9,5\n{id},p3,0.9,15\n"
        )
    );
    // Each run's rows of metrics.csv come together, in the plan's order, and
    // are the rows `procsim run` writes for it.
    let ids: Vec<&str> = runs.lines().skip(1).map(|l| l.split(',').next().unwrap()).collect();
    let metrics = read(&dir, "one", "metrics.csv");
    let mut order: Vec<&str> = metrics.lines().skip(1).map(|l| l.split(',').next().unwrap()).collect();
    order.dedup();
    assert_eq!(order, ids, "each run's rows together, in the plan's order");
    // A point at the file's own values (the default hangup) is `procsim run`'s run.
    assert!(sweep(&dir, &["--seeds", "3..3", "--set", "shells.hangup=0.3", "--out", "own"]).status.success());
    assert!(cli(&dir, &["run", "tiny.toml", "--seed", "3", "--out", "single"]).status.success());
    assert!(read(&dir, "own", "metrics.csv") == read(&dir, "single", "metrics.csv"), "the same rows, the same run id");
    let summary = read(&dir, "one", "summary.csv");
    assert!(
        summary
            .starts_with("sweep_id,point,shells.hangup,shells.initial,figure,n,mean,sd,ci95_low,ci95_high,min,max\n")
    );
    assert!(summary.lines().filter(|l| l.contains(",events,")).all(|l| l.split(',').nth(5) == Some("5")), "{summary}");
}

#[test]
fn shards_merged_are_the_whole_sweep_byte_for_byte() {
    let dir = scratch("sweep-shards");
    std::fs::write(dir.join("tiny.toml"), TINY).unwrap();
    assert!(sweep(&dir, &["--seeds", "1..4", "--out", "whole"]).status.success());
    for i in 0..3 {
        let output = sweep(&dir, &["--seeds", "1..4", "--shard", &format!("{i}/3"), "--out", &format!("shard{i}")]);
        assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    }
    let merged = cli(&dir, &["merge", "--out", "merged", "shard2", "shard0", "shard1"]);
    assert!(merged.status.success(), "{}", String::from_utf8_lossy(&merged.stderr));
    assert_same(&dir, "whole", "merged", &TABLES);
    // The shard from Slurm's array variables is the same as --shard's.
    let slurm = Command::new(env!("CARGO_BIN_EXE_procsim"))
        .args(["sweep", "tiny.toml", "--seeds", "1..4", "--out", "slurm"])
        .envs([
            ("SLURM_ARRAY_TASK_ID", "7"),
            ("SLURM_ARRAY_TASK_MIN", "5"),
            ("SLURM_ARRAY_TASK_STEP", "2"),
            ("SLURM_ARRAY_TASK_COUNT", "3"),
        ])
        .current_dir(&dir)
        .output()
        .unwrap();
    let said = String::from_utf8(slurm.stderr).unwrap();
    assert!(said.contains("note: making shard 1/3 of the sweep, from SLURM_ARRAY_TASK_ID=7"), "{said}");
    assert_same(&dir, "slurm", "shard1", &["runs.csv", "metrics.csv", "sweep.csv"]);

    let refused = |args: &[&str], message: &str| {
        let output = cli(&dir, args);
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(2), "{args:?}: {stderr}");
        assert!(stderr.contains(message), "{args:?}: {stderr}");
    };
    refused(&["merge", "--out", "m", "shard0", "shard1"], "shard 2/3 of sweep s");
    refused(
        &["merge", "--out", "m", "shard0", "shard1", "shard1", "shard2"],
        "shard 1/3 is given twice: shard1 and shard1",
    );
    assert!(sweep(&dir, &["--seeds", "1..5", "--shard", "1/3", "--out", "other"]).status.success());
    refused(
        &["merge", "--out", "m", "shard0", "other", "shard2"],
        "shard0 and other are not shards of one sweep: sweep s",
    );
    refused(
        &["merge", "--out", "m", "whole", "shard1"],
        "are not shards of one sweep: a sweep in 1 shards and one in 3",
    );
    assert!(!dir.join("m").exists(), "a refused merge writes nothing");
}

#[test]
fn every_bad_input_is_a_clear_error_and_exit_2() {
    let dir = scratch("sweep-bad");
    std::fs::write(dir.join("tiny.toml"), TINY).unwrap();
    let cases: [(&[&str], &str); 9] = [
        (
            &["--seeds", "1..2", "--set", "shells.nosuch=1"],
            "error: --set shells.nosuch=1: `shells.nosuch`: unknown key `nosuch`",
        ),
        (
            &["--seeds", "1..2", "--set", "shells.initial=\"x\""],
            "`shells.initial`: invalid type: string \"x\", expected a whole number",
        ),
        (
            &["--seeds", "1..2", "--set", "shells.suspend=1.5"],
            "`shells.suspend`: a probability is from 0 to 1, not 1.5",
        ),
        (&["--seeds", "1..2", "--set", "duration=10min"], "`10min` is not one TOML value"),
        (&["--seeds", "9..2"], "the range is reversed (2 is less than 9)"),
        (&["--seeds", "1..2", "--shard", "3/3"], "shard 3 of 3 does not exist"),
        (
            &["--seeds", "1..2", "--set", "tick=\"400ms\"", "--set", "duration=\"3s\""],
            "error: the point duration=\"3s\", shells.hangup=0.1, tick=\"400ms\": `tick`: 3s is not a whole number of ticks of 400ms",
        ),
        (&["--seeds", "1..2", "--set", "seed=4"], "the seeds of a sweep are given by --seeds"),
        (&[], "no seeds: give --seeds A..B"),
    ];
    for (args, message) in cases {
        let output = sweep(&dir, args);
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(2), "{args:?}: {stderr}");
        assert!(stderr.contains(message), "{args:?}: {stderr}");
        assert!(output.stdout.is_empty(), "{args:?}");
    }
    std::fs::write(dir.join("bad.toml"), format!("{TINY}shells.suspend = 0.3\n")).unwrap();
    let output = cli(&dir, &["sweep", "bad.toml", "--seeds", "1..2"]);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2));
    assert_eq!(
        stderr,
        "error: bad.toml:11: `sweep.shells.suspend`: expected the list of values the key takes, such as [0.1, 0.2]\n"
    );
    assert!(!dir.join("results").exists(), "nothing written");
}

#[test]
fn a_failed_run_keeps_its_row_and_the_others_go_on_with_exit_8() {
    let dir = scratch("sweep-failed");
    std::fs::write(dir.join("tiny.toml"), TINY).unwrap();
    // 40 shells start more than 30 processes: those runs do not start.
    let output = sweep(
        &dir,
        &[
            "--seeds",
            "1..3",
            "--set",
            "shells.initial=5",
            "--set",
            "shells.initial=40",
            "--max-processes",
            "30",
            "--out",
            "out",
        ],
    );
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(8), "{stderr}");
    assert!(
        stderr.contains(
            "run 3 (point p1, seed 1) failed: stopped before the start: 43 processes is more than --max-processes 30"
        ),
        "{stderr}"
    );
    let runs = read(&dir, "out", "runs.csv");
    let statuses: Vec<&str> = runs.lines().skip(1).map(|l| l.split(',').nth(3).unwrap()).collect();
    assert_eq!(statuses.iter().filter(|s| **s == "failed").count(), 6, "{runs}");
    assert_eq!(statuses.iter().filter(|s| **s == "complete").count(), 6, "{runs}");
    let summary = read(&dir, "out", "summary.csv");
    let n = |point: &str| {
        summary
            .lines()
            .find(|l| l.contains(&format!(",{point},")) && l.contains(",events,"))
            .unwrap()
            .split(',')
            .nth(5)
            .unwrap()
            .to_owned()
    };
    assert_eq!((n("p0"), n("p1")), ("3".to_owned(), "0".to_owned()), "{summary}");
}

#[test]
fn sigint_stops_launching_runs_and_marks_the_rest_interrupted() {
    let dir = scratch("sweep-interrupt");
    std::fs::write(dir.join("long.toml"), TINY.replace("10s", "1000h")).unwrap();
    let child = Command::new(env!("CARGO_BIN_EXE_procsim"))
        .args(["sweep", "long.toml", "--seeds", "1..6", "--jobs", "2", "--out", "out"])
        .current_dir(&dir)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let spool = dir.join("out/metrics.csv.run0.partial");
    let deadline = Instant::now() + Duration::from_secs(30);
    while std::fs::metadata(&spool).map_or(true, |m| m.len() < 100_000) && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(10));
    }
    // SAFETY: kill only sends a signal to the child.
    assert_eq!(unsafe { libc::kill(child.id() as i32, libc::SIGINT) }, 0);
    let output = child.wait_with_output().unwrap();
    assert_eq!(output.status.code(), Some(130), "{}", String::from_utf8_lossy(&output.stderr));
    let mut names: Vec<String> =
        std::fs::read_dir(dir.join("out")).unwrap().map(|e| e.unwrap().file_name().into_string().unwrap()).collect();
    names.sort();
    assert_eq!(
        names,
        ["metrics.csv", "points.csv", "runs.csv", "summary.csv", "sweep.csv"],
        "whole tables, no spool left"
    );
    let runs = read(&dir, "out", "runs.csv");
    let statuses: Vec<&str> = runs.lines().skip(1).map(|l| l.split(',').nth(3).unwrap()).collect();
    assert_eq!(statuses.len(), 12);
    assert!(statuses.iter().all(|s| *s == "interrupted"), "{statuses:?}");
    let started = runs.lines().skip(1).filter(|l| !l.contains(",,,,,")).count();
    assert!((1..=2).contains(&started), "only the runs under way have figures: {runs}");
}
