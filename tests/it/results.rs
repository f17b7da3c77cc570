//! What a run leaves in its results directory.

use crate::{cli, scenarios, scratch};

#[test]
fn a_run_with_no_arguments_writes_the_default_results() {
    let dir = scratch("default-run");
    std::fs::create_dir(dir.join("scenarios")).unwrap();
    // The default scenario, shortened: the test checks where things go.
    std::fs::copy(scenarios().join("default.toml"), dir.join("scenarios/default.toml")).unwrap();
    let output = cli(&dir, &["--duration", "30s"]);
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let stdout = String::from_utf8(output.stdout).unwrap();
    for row in
        ["events", "processes created", "peak live", "orphaned groups", "SIGHUPs sent", "deaths by signal", "events/s"]
    {
        assert!(stdout.lines().any(|l| l.starts_with(row)), "no `{row}` in the summary:\n{stdout}");
    }
    let results = dir.join("results/default-seed1");
    let mut names: Vec<String> =
        std::fs::read_dir(&results).unwrap().map(|e| e.unwrap().file_name().into_string().unwrap()).collect();
    names.sort();
    assert_eq!(names, ["metrics.csv", "run.csv"], "only whole tables, and no events.csv unless asked");
}

#[test]
fn the_tables_have_their_columns_and_rows() {
    let dir = scratch("tables");
    let scenario = scenarios().join("shells.toml");
    let output = cli(&dir, &["run", scenario.to_str().unwrap(), "--duration", "2s", "--events", "--out", "out"]);
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let read = |name: &str| std::fs::read_to_string(dir.join("out").join(name)).unwrap();

    let run = read("run.csv");
    let run: Vec<&str> = run.lines().collect();
    assert_eq!(run.len(), 2, "one header and one row");
    let columns: Vec<&str> = run[0].split(',').collect();
    assert_eq!(
        &columns[..12],
        [
            "run_id",
            "scenario",
            "seed",
            "procsim_version",
            "procsim_commit",
            "start_population",
            "duration_ns",
            "tick_ns",
            "status",
            "stopped_at_ns",
            "max_processes",
            "max_events_per_tick"
        ]
    );
    assert!(columns.contains(&"shells.suspend") && columns.contains(&"calibration.mix.fork"));
    let (run_id, row) = run[1].split_once(',').unwrap();
    assert!(row.starts_with("shells,1,"), "{}", run[1]);
    assert!(row.contains(",2000000000,50000000,complete,2000000000,,1000000,"), "the --duration override is in effect");

    let metrics = read("metrics.csv");
    let header: Vec<&str> = metrics.lines().next().unwrap().split(',').collect();
    for column in ["time_ns", "live", "zombies", "stopped", "orphaned_groups", "sessions", "namespaces"] {
        assert!(header.contains(&column), "no {column}");
    }
    assert!(header.contains(&"events_fork") && header.contains(&"errors_eperm") && header.contains(&"signals_hup"));
    assert_eq!(metrics.lines().count(), 1 + 40, "one row per 50 ms tick of 2 s");
    let last: Vec<&str> = metrics.lines().last().unwrap().split(',').collect();
    assert_eq!((last[0], last[1]), (run_id, "2000000000"));
    assert_eq!(last.len(), header.len());

    let events = read("events.csv");
    assert_eq!(events.lines().next().unwrap(), "run_id,time_ns,seq,kind,actor,target,group,signal,status");
    assert!(events.lines().skip(1).all(|l| l.split(',').count() == 9 && l.starts_with(run_id)));
}

#[test]
fn finished_tables_of_an_earlier_run_do_not_survive_a_new_one() {
    let dir = scratch("stale");
    let scenario = scenarios().join("daemons.toml");
    let scenario = scenario.to_str().unwrap();
    assert!(cli(&dir, &["run", scenario, "--duration", "1s", "--events", "--out", "out"]).status.success());
    assert!(dir.join("out/events.csv").exists());
    assert!(cli(&dir, &["run", scenario, "--duration", "1s", "--out", "out"]).status.success());
    assert!(!dir.join("out/events.csv").exists(), "events.csv of the earlier run is gone");
    let leftovers = std::fs::read_dir(dir.join("out"))
        .unwrap()
        .filter(|e| e.as_ref().unwrap().file_name().to_string_lossy().ends_with(".partial"));
    assert_eq!(leftovers.count(), 0);
}

#[test]
fn an_interrupted_run_leaves_no_table_that_looks_whole() {
    let dir = scratch("interrupted");
    let scenario = scenarios().join("daemons.toml");
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_procsim"))
        .args(["run", scenario.to_str().unwrap(), "--duration", "1000h", "--out", "out"])
        .current_dir(&dir)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let partial = dir.join("out/metrics.csv.partial");
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    while std::fs::metadata(&partial).map_or(true, |m| m.len() < 100_000) && std::time::Instant::now() < deadline {
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    child.kill().unwrap();
    child.wait().unwrap();
    assert!(partial.exists(), "the run was under way");
    for name in ["run.csv", "metrics.csv"] {
        assert!(!dir.join("out").join(name).exists(), "{name} looks whole after an interrupted run");
    }
}
