//! The start population is counted before the start as the run will have
//! it: every process each model starts at time 0 (a supervisor and its
//! services, a container's shim, init and services, a batch job and its
//! first child), against `--max-processes`, the memory and `pid_max`.

use crate::{cli, cli_within, scenarios, scratch};
use procsim::workload::Scenario;
use std::time::Duration;

/// 1 (init) + 10 × (1 + 4) + 3 × (2 + 2) + 5 + 2 × (1 + 1) + 100 = 172.
const MIX: &str = r#"
seed = 3
duration = "1s"
tick = "10ms"

[supervisors]
initial = 10
services = { count = 4, daemonize = 0.0 }

[containers]
initial = 3
services = { count = 2, daemonize = 0.0 }

[shells]
initial = 5

[batch]
initial = 2
children = 10

[calibration]
processes = 100
"#;

#[test]
fn the_count_before_the_start_is_the_start_population() {
    let mix = Scenario::parse("mix.toml", MIX).unwrap();
    assert_eq!(mix.start_processes(), 172);
    assert_eq!(mix.simulation().start_population(), 172);
    for name in ["default", "shells", "daemons", "containers", "fork-storm"] {
        let scenario = Scenario::load(&scenarios().join(format!("{name}.toml"))).unwrap();
        assert_eq!(scenario.start_processes(), scenario.simulation().start_population(), "{name}");
    }
    let default = Scenario::load(&scenarios().join("default.toml")).unwrap();
    assert_eq!(default.start_processes(), 189);
}

#[test]
fn the_guard_counts_every_process_each_model_starts() {
    let dir = scratch("start-population");
    std::fs::write(dir.join("mix.toml"), MIX).unwrap();
    let output = cli(&dir, &["run", "mix.toml", "--max-processes", "171", "--out", "out"]);
    assert_eq!(output.status.code(), Some(6));
    assert_eq!(
        String::from_utf8(output.stderr).unwrap(),
        "stopped before the start: 172 processes is more than --max-processes 171\n"
    );
    assert!(!dir.join("out").exists());
    let output = cli(&dir, &["run", "mix.toml", "--max-processes", "172", "--out", "out"]);
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert!(!stderr.contains("before the start") && !stderr.contains("before the first tick"), "{stderr}");
    let run = std::fs::read_to_string(dir.join("out/run.csv")).unwrap();
    let rows: Vec<Vec<&str>> = run.lines().map(|l| l.split(',').collect()).collect();
    let start = rows[0].iter().position(|c| *c == "start_population").unwrap();
    assert_eq!(rows[1][start], "172");
}

#[test]
fn a_million_supervisors_with_a_hundred_services_each_are_refused_before_the_first_tick() {
    let dir = scratch("start-supervisors");
    let text = "seed = 1\nduration = \"1min\"\ntick = \"10ms\"\n\n[supervisors]\ninitial = 1000000\nservices = { count = 100 }\n";
    std::fs::write(dir.join("sup.toml"), text).unwrap();
    let output = cli_within(&dir, &["run", "sup.toml", "--out", "out"], Duration::from_secs(30));
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert_eq!(
        stderr,
        "error: sup.toml:6: `supervisors.initial`: the start population would be 101000001 processes (101000000 of \
         them from here), more than pid_max (4194304) allows\n"
    );
    assert!(!dir.join("out").exists());
}
