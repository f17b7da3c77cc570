//! Issue 14: terminals came with a `[shells.terminal]` table, operations,
//! errors counted and `metrics.csv` columns, and none may change what a
//! scenario without terminals computes. The committed scenarios, run for two
//! minutes as before terminals reached the workload (commit f950e51), gave
//! these run ids and tables; they must give them still — `metrics.csv`
//! once the columns terminals added are left out. (Editing one of these
//! scenarios changes its outputs: its line here must then be made again.)

use crate::{cli, scenarios, scratch};
use sha2::{Digest, Sha256};

/// The columns of `metrics.csv` that terminals added.
pub const ADDED: [&str; 12] = [
    "terminals",
    "hangups",
    "events_ctty",
    "events_tcsetpgrp",
    "events_ttyread",
    "events_hangup",
    "errors_enoent",
    "errors_eintr",
    "errors_eio",
    "errors_enxio",
    "errors_ebadf",
    "errors_enotty",
];

/// The first 16 hex digits of the SHA-256 of `bytes`.
pub fn digest(bytes: &[u8]) -> String {
    Sha256::digest(bytes).iter().take(8).map(|b| format!("{b:02x}")).collect()
}

/// `metrics` (a `metrics.csv`) without the columns named in `added`, each
/// of which it must have.
pub fn without(metrics: &str, added: &[&str]) -> String {
    let header: Vec<&str> = metrics.lines().next().unwrap().split(',').collect();
    for column in added {
        assert!(header.contains(column), "no column {column}");
    }
    let keep: Vec<usize> = (0..header.len()).filter(|&i| !added.contains(&header[i])).collect();
    let lines = metrics.lines().map(|line| {
        let cells: Vec<&str> = line.split(',').collect();
        keep.iter().map(|&i| cells[i]).collect::<Vec<_>>().join(",") + "\n"
    });
    lines.collect()
}

/// The run id, and the digests of `events.csv` and of `metrics.csv` as it
/// was, of two minutes of committed scenario `name`.
fn outputs(name: &str) -> [String; 3] {
    let dir = scratch(&format!("issue-14-{name}"));
    let file = scenarios().join(format!("{name}.toml"));
    let output = cli(&dir, &["run", file.to_str().unwrap(), "--duration", "2min", "--events", "--out", "out"]);
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let read = |table: &str| std::fs::read_to_string(dir.join("out").join(table)).unwrap();
    let run = read("run.csv");
    assert!(!run.lines().next().unwrap().contains("terminal"), "run.csv has terminal columns: {run}");
    let run_id = run.lines().nth(1).unwrap().split(',').next().unwrap().to_owned();
    [run_id, digest(read("events.csv").as_bytes()), digest(without(&read("metrics.csv"), &ADDED).as_bytes())]
}

#[test]
fn issue_14_scenarios_without_terminals_keep_their_outputs() {
    let expected = [
        ("default", ["r5ac040be66ad18f6", "823995a2bbdb9830", "eaabef081e4dcd99"]),
        ("shells", ["r3d9fd7f076a63ae0", "d14515cbdfa36ddc", "c1cd28e4b172da0a"]),
        ("daemons", ["r3aa4c3931b356682", "c7905eb5e1dc0f78", "698235668bb0fb63"]),
        ("containers", ["r02803671515f63c2", "a9d8c5f4dc048ad6", "b482c8ff0d1811ca"]),
        ("pid-exhaustion", ["rf853cfc8646e80b7", "94ea45eabcc15e5d", "6f8cf69fe981df93"]),
    ];
    for (name, [id, events, metrics]) in expected {
        assert_eq!(outputs(name), [id, events, metrics], "{name}");
    }
}
