//! Issue 12: threads came with new parameters, operations and metrics, and
//! none may change what a scenario without threads computes. A scenario of
//! every model and a small calibration, run as before threads existed
//! (commit ed7bc70, the last without them in the workload), gave these run
//! ids and tables; they must give them still — `metrics.csv` once the
//! columns threads added, and those terminals added since (issue 14), are
//! left out.

use crate::issue_14_outputs_unchanged::{self as issue_14, digest, without};
use crate::{cli, scratch};

const CALIBRATION: &str = "seed = 5\nduration = \"20ms\"\ntick = \"1ms\"\n\n[calibration]\nprocesses = 2000\nevents = 10000\ninterval = \"1us\"\n";

/// The columns of `metrics.csv` that threads added.
const ADDED: [&str; 7] = [
    "threads",
    "pid_numbers_in_use",
    "failed_forks",
    "failed_threads",
    "events_thread",
    "events_exit_thread",
    "events_tkill",
];

/// The run id, and the digests of `events.csv` and of `metrics.csv` as it
/// was, of a run of `text`.
fn outputs(name: &str, text: &str) -> (String, String, String) {
    let dir = scratch(&format!("issue-12-{name}"));
    std::fs::write(dir.join(format!("{name}.toml")), text).unwrap();
    let output = cli(&dir, &["run", &format!("{name}.toml"), "--events", "--out", "out"]);
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let read = |table: &str| std::fs::read_to_string(dir.join("out").join(table)).unwrap();
    let run = read("run.csv");
    let run_id = run.lines().nth(1).unwrap().split(',').next().unwrap().to_owned();
    let metrics = without(&read("metrics.csv"), &[&ADDED[..], &issue_14::ADDED[..]].concat());
    assert!(!run.lines().next().unwrap().contains("threads"), "run.csv has thread columns: {run}");
    (run_id, digest(read("events.csv").as_bytes()), digest(metrics.as_bytes()))
}

#[test]
fn issue_12_scenarios_without_threads_keep_their_outputs() {
    let expected = |id: &str, events: &str, metrics: &str| (id.to_owned(), events.to_owned(), metrics.to_owned());
    assert_eq!(
        outputs("models", crate::EVERY_MODEL),
        expected("ree4f7d31c396f835", "7cf072da0c79bbe0", "2fc7fa14029a2792")
    );
    assert_eq!(
        outputs("calibration", CALIBRATION),
        expected("ref7ccc4048d5c47d", "27033e127dd36449", "665f88292469e1d1")
    );
}
