//! Version 3 of the replay format (controlling terminals) on the live
//! kernel: every committed terminal script (`tests/replay/terminals/`) gives
//! its committed report (`replay_scripts` checks the simulator against the
//! same reports).
//!
//! Where the harness cannot run (not root, no namespaces: exit code 4) the
//! test says so on the terminal and checks nothing.

use crate::kernel_harness::{harness_runs, kernel};
use std::path::PathBuf;

/// The committed terminal scripts, each with its kernel-made report.
fn committed() -> Vec<(PathBuf, PathBuf)> {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/replay/terminals");
    let mut scripts: Vec<PathBuf> = std::fs::read_dir(dir)
        .expect("the terminal scripts' folder exists")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|e| e == "ops"))
        .collect();
    scripts.sort();
    scripts
        .into_iter()
        .map(|script| {
            let expected = script.with_extension("expected");
            (script, expected)
        })
        .collect()
}

#[test]
fn the_live_kernel_gives_every_terminal_script_its_committed_report() {
    let scripts = committed();
    assert!(scripts.len() >= 14, "only {} terminal scripts", scripts.len());
    if !harness_runs("the_live_kernel_gives_every_terminal_script_its_committed_report") {
        return;
    }
    let mut differing = Vec::new();
    for (script, expected) in &scripts {
        let text = std::fs::read_to_string(script).expect("a readable script");
        let want = std::fs::read_to_string(expected).expect("every terminal script has its report");
        let output = kernel(&text);
        let got = String::from_utf8_lossy(&output.stdout);
        if got != want {
            let diff = similar::TextDiff::from_lines(want.as_str(), &*got)
                .unified_diff()
                .header("committed", "kernel")
                .to_string();
            differing.push(format!("{}:\n{diff}{}", script.display(), String::from_utf8_lossy(&output.stderr)));
        }
    }
    assert!(differing.is_empty(), "{} of {} differ:\n{}", differing.len(), scripts.len(), differing.join("\n"));
}
