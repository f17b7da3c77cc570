//! A scenario and a seed give byte-identical tables; another seed gives
//! other ones.

use crate::{cli, scratch};
use procsim::engine::record::Op;
use procsim::model::Signal;
use std::path::Path;

fn run(dir: &Path, out: &str, extra: &[&str]) {
    let mut args = vec!["run", "small.toml", "--events", "--out", out];
    args.extend_from_slice(extra);
    let output = cli(dir, &args);
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
}

fn table(dir: &Path, out: &str, name: &str) -> Vec<u8> {
    std::fs::read(dir.join(out).join(name)).expect("the table exists")
}

#[test]
fn same_seed_same_bytes_other_seed_other_bytes() {
    let dir = scratch("determinism");
    std::fs::write(dir.join("small.toml"), crate::EVERY_MODEL).unwrap();
    run(&dir, "a", &[]);
    run(&dir, "b", &[]);
    run(&dir, "c", &["--seed", "8"]);
    for name in ["run.csv", "metrics.csv", "events.csv"] {
        assert_eq!(table(&dir, "a", name), table(&dir, "b", name), "{name} differs between two runs");
        assert_ne!(table(&dir, "a", name), table(&dir, "c", name), "{name} is the same for two seeds");
    }
    // The run did something worth comparing.
    let events = String::from_utf8(table(&dir, "a", "events.csv")).unwrap();
    assert!(events.lines().count() > 1_000, "{} events", events.lines().count());
}

#[test]
fn the_library_run_is_deterministic_too() {
    let scenario = procsim::workload::Scenario::parse("small.toml", crate::EVERY_MODEL).unwrap();
    let metrics = || {
        let mut sim = scenario.simulation();
        std::iter::from_fn(|| sim.advance().map(|t| t.metrics.clone())).collect::<Vec<_>>()
    };
    assert_eq!(metrics(), metrics());
}

/// The terminal's and the shells' signals, with their times: what the shells
/// decided, whatever the pids.
fn shell_signals(text: &str) -> Vec<(u64, &'static str, &'static str)> {
    let scenario = procsim::workload::Scenario::parse("streams.toml", text).unwrap();
    let mut sim = scenario.simulation();
    sim.keep_records(true);
    let mut seen = Vec::new();
    while let Some(tick) = sim.advance() {
        for r in tick.records {
            if let (Some(sig @ (Signal::Tstp | Signal::Cont)), Op::Tty | Op::Kill) = (r.signal, r.op) {
                seen.push((r.time.nanos(), r.op.name(), sig.name()));
            }
        }
    }
    seen
}

#[test]
fn adding_a_model_leaves_the_others_choices_as_they_were() {
    let shells =
        "seed = 4\nduration = \"1min\"\ntick = \"10ms\"\n[shells]\ninitial = 20\nsuspend = 0.5\nresume = 0.8\n";
    let alone = shell_signals(shells);
    let mixed = format!(
        "{shells}[daemons]\ninitial = 30\nwork = {{ dist = \"exponential\", mean = \"100ms\" }}\n[batch]\ninitial = 3\n"
    );
    assert!(alone.len() > 20, "{} shell signals", alone.len());
    assert_eq!(alone, shell_signals(&mixed));
}
