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
    assert_eq!(
        names,
        [
            "calibration",
            "calibration-threads",
            "containers",
            "daemons",
            "default",
            "fork-storm",
            "pid-exhaustion",
            "shells",
            "terminals"
        ]
    );
}

#[test]
fn the_small_scenarios_run_a_while() {
    for name in ["default", "shells", "daemons", "containers", "pid-exhaustion", "terminals"] {
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
    // Every table written, `threads` and `terminal` ones too (left out, they have no columns).
    let text = "seed = 1\nduration = \"1s\"\ntick = \"1s\"\n[shells.terminal]\n[daemons.threads]\n\
                [supervisors.services.threads]\n[containers.services.threads]\n[calibration.threads]\n";
    let scenario = Scenario::parse("keys.toml", text).unwrap();
    let end = procsim::engine::RunEnd {
        status: procsim::engine::Status::Complete,
        stopped_at: procsim::engine::SimTime(1),
        max_processes: None,
        max_events_per_tick: 1,
    };
    let (columns, _) = procsim::io::tables::run_table(&scenario, 1, &end);
    // The parameters are the columns after the run's own (`shells.pipeline.min`
    // is documented as `shells.pipeline`, the services of containers as a table).
    for key in columns.iter().skip(procsim::io::tables::RUN_COLUMNS.len()) {
        let documented = |k: &str| readme.contains(&format!("`{k}`"));
        let parent = key.rsplit_once('.').map_or("", |(p, _)| p);
        assert!(documented(key) || documented(parent), "`{key}` is not in scenarios/README.md");
    }
}
