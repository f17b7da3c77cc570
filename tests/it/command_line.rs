//! The command line: a mistyped subcommand gets clap's "did you mean"; a
//! bare `procsim` runs the built-in default scenario from any folder, and
//! says so before it replaces an earlier run's tables there; `--version` and
//! `run.csv` name the commit procsim was built from.

use crate::{cli, scenarios, scratch};
use std::path::Path;
use std::process::Output;

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

#[test]
fn a_mistyped_subcommand_gets_a_suggestion() {
    let dir = scratch("mistyped");
    let cases: [(&[&str], &str, &str); 3] = [
        (&["replya", "x.ops"], "replya", "replay"),
        (&["--exit-status", "auto", "replya", "x.ops"], "replya", "replay"),
        (&["confrom", "tests/replay"], "confrom", "conform"),
    ];
    for (args, typed, meant) in cases {
        let output = cli(&dir, args);
        let err = stderr(&output);
        assert_eq!(output.status.code(), Some(2), "{args:?}: {err}");
        assert!(err.starts_with(&format!("error: unrecognized subcommand '{typed}'")), "{args:?}: {err}");
        assert!(err.contains(&format!("a similar subcommand exists: '{meant}'")), "{args:?}: {err}");
        assert!(output.stdout.is_empty());
    }
}

#[test]
fn a_word_that_is_no_file_and_no_toml_is_a_subcommand() {
    let dir = scratch("frobnicate");
    let output = cli(&dir, &["frobnicate"]);
    let err = stderr(&output);
    assert_eq!(output.status.code(), Some(2), "{err}");
    assert!(err.starts_with("error: unrecognized subcommand 'frobnicate'"), "{err}");
    assert!(!err.contains("No such file"), "{err}");
    // A name ending in .toml is a scenario, found or not.
    let output = cli(&dir, &["missing.toml"]);
    assert_eq!(output.status.code(), Some(2));
    assert!(stderr(&output).starts_with("error: missing.toml: No such file or directory"), "{}", stderr(&output));
    // So is an existing file, whatever its name.
    std::fs::copy(scenarios().join("shells.toml"), dir.join("login-server")).unwrap();
    let output = cli(&dir, &["login-server", "--duration", "1s", "--out", "out"]);
    assert!(output.status.success(), "{}", stderr(&output));
    assert!(String::from_utf8_lossy(&output.stdout).starts_with("login-server (seed 1): 1s simulated"));
}

#[test]
fn a_bare_procsim_runs_the_built_in_default_scenario_anywhere() {
    let dir = scratch("bare-procsim");
    assert!(!dir.join("scenarios").exists(), "the folder has no scenarios/");
    let output = cli(&dir, &["--duration", "30s"]);
    assert!(output.status.success(), "{}", stderr(&output));
    assert!(String::from_utf8_lossy(&output.stdout).starts_with("default (seed 1): 30s simulated"));
    let run = std::fs::read_to_string(dir.join("results/default-seed1/run.csv")).unwrap();
    let row: Vec<&str> = run.lines().nth(1).unwrap().split(',').collect();
    assert_eq!(row[1..3], ["default", "1"], "{run}");
    // The built-in scenario is the committed file.
    let committed = procsim::workload::Scenario::load(&scenarios().join("default.toml")).unwrap();
    assert_eq!(procsim::workload::Scenario::builtin_default().unwrap(), committed);
}

#[test]
fn replacing_an_earlier_run_in_the_default_folder_is_noted() {
    let dir = scratch("replacing");
    let scenario = scenarios().join("daemons.toml");
    let scenario = scenario.to_str().unwrap();
    let first = cli(&dir, &["run", scenario, "--duration", "1s"]);
    assert!(first.status.success(), "{}", stderr(&first));
    assert_eq!(stderr(&first), "", "nothing to replace the first time");
    let second = cli(&dir, &["run", scenario, "--duration", "1s"]);
    assert!(second.status.success(), "{}", stderr(&second));
    assert_eq!(
        stderr(&second),
        "note: replacing the run.csv and metrics.csv of an earlier run in results/daemons-seed1 \
         (--out chooses another place)\n"
    );
    // A folder named with --out is the user's choice: nothing is said.
    for _ in 0..2 {
        let output = cli(&dir, &["run", scenario, "--duration", "1s", "--out", "mine"]);
        assert_eq!(stderr(&output), "");
    }
}

/// The commit git says the repository is at, if git runs here.
fn head() -> Option<String> {
    let output = std::process::Command::new("git")
        .args(["rev-parse", "HEAD"])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .ok()?;
    output.status.success().then(|| String::from_utf8_lossy(&output.stdout).trim().to_owned())
}

#[test]
fn the_version_and_run_csv_name_the_commit() {
    let commit = procsim::COMMIT;
    match head() {
        // The test binary was built from the same tree; a commit made since
        // would have rebuilt it.
        Some(hash) => assert!(commit == hash || commit == format!("{hash}-dirty"), "{commit} is not {hash}"),
        None => assert_eq!(commit, "unknown"),
    }
    let dir = scratch("version");
    let output = cli(&dir, &["--version"]);
    assert!(output.status.success());
    assert_eq!(String::from_utf8_lossy(&output.stdout), format!("procsim 0.1.0 (commit {commit})\n"));
    let scenario = scenarios().join("daemons.toml");
    assert!(cli(&dir, &["run", scenario.to_str().unwrap(), "--duration", "1s", "--out", "out"]).status.success());
    let run = std::fs::read_to_string(dir.join("out/run.csv")).unwrap();
    let (header, row) = (run.lines().next().unwrap(), run.lines().nth(1).unwrap());
    let columns: Vec<&str> = header.split(',').collect();
    let at = columns.iter().position(|c| *c == "procsim_commit").expect("a procsim_commit column");
    assert_eq!(columns.iter().filter(|c| c.contains("commit")).count(), 1, "one column of the commit");
    assert_eq!(row.split(',').nth(at), Some(commit));
    assert!(Path::new(env!("CARGO_MANIFEST_DIR")).join("build.rs").exists());
}
