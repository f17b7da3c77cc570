//! The committed scenarios: every one is valid, and the small ones run.

use crate::scenarios;
use procsim::engine::SimDuration;
use procsim::workload::Scenario;

#[test]
fn every_committed_scenario_loads() {
    let mut names = Vec::new();
    for entry in std::fs::read_dir(scenarios()).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "toml") {
            let scenario = Scenario::load(&path).unwrap_or_else(|e| panic!("{e}"));
            names.push(scenario.name);
        }
    }
    names.sort();
    assert_eq!(names, ["calibration", "containers", "daemons", "default", "fork-storm", "shells"]);
}

#[test]
fn the_small_scenarios_run_a_while() {
    for name in ["default", "shells", "daemons", "containers"] {
        let mut scenario = Scenario::load(&scenarios().join(format!("{name}.toml"))).unwrap();
        scenario.duration = SimDuration::from_millis(20_000);
        let mut sim = scenario.simulation();
        let mut events = 0;
        while let Some(tick) = sim.advance() {
            events += tick.metrics.counts.performed();
        }
        assert!(events > 100, "{name}: {events} events in 20 s");
        assert!(sim.start_population() > 1, "{name} starts with a population");
    }
}

#[test]
fn every_key_is_documented() {
    let readme = std::fs::read_to_string(scenarios().join("README.md")).unwrap();
    let scenario = Scenario::parse("keys.toml", "seed = 1\nduration = \"1s\"\ntick = \"1s\"\n").unwrap();
    let (columns, _) = procsim::io::tables::run_table(&scenario, 1);
    // The parameters are the columns after the run's own (`shells.pipeline.min`
    // is documented as `shells.pipeline`, the services of containers as a table).
    let first = columns.iter().position(|c| c == "tick_ns").expect("a tick_ns column") + 1;
    for key in &columns[first..] {
        let documented = |k: &str| readme.contains(&format!("`{k}`"));
        let parent = key.rsplit_once('.').map_or("", |(p, _)| p);
        assert!(documented(key) || documented(parent), "`{key}` is not in scenarios/README.md");
    }
}
