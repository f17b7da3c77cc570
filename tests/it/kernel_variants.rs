//! Kernel variants as semantics: specs on the command line and in scenario
//! files, `procsim probe` and its classifier, and `host`.

use crate::{cli, scenarios, scratch};
use std::path::Path;

const VARIANT: &str = "linux+orphan-hup-stopped-only";

fn stdout(output: &std::process::Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

fn stderr(output: &std::process::Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// The probe scripts written out, and the simulator's report on each under
/// `spec`, as `procsim kernel` would write the kernel's.
fn reports_as(dir: &Path, spec: &str) -> Vec<String> {
    let scripts = dir.join("scripts");
    let output = cli(dir, &["probe", "--write-scripts", scripts.to_str().unwrap()]);
    assert!(output.status.success(), "{}", stderr(&output));
    let mut names: Vec<String> = std::fs::read_dir(&scripts)
        .unwrap()
        .map(|e| e.unwrap().path().file_stem().unwrap().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert!(names.contains(&"baseline".to_owned()) && names.contains(&"orphan-hup-stopped-only".to_owned()));
    std::fs::create_dir_all(dir.join("reports")).unwrap();
    for name in &names {
        let script = scripts.join(format!("{name}.ops"));
        let output = cli(dir, &["replay", "--semantics", spec, script.to_str().unwrap()]);
        std::fs::write(dir.join("reports").join(format!("{name}.report")), &output.stdout).unwrap();
    }
    names
}

#[test]
fn the_probe_names_the_spec_whose_reports_match() {
    for spec in ["linux", VARIANT] {
        let dir = scratch(&format!("probe-{spec}"));
        reports_as(&dir, spec);
        let output = cli(&dir, &["probe", "--reports", "reports"]);
        assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
        let out = stdout(&output);
        assert_eq!(out.lines().last(), Some(format!("semantics: {spec}").as_str()), "{out}");
        let verdict = if spec == VARIANT { "holds" } else { "does not hold" };
        assert!(out.contains(&format!("variant orphan-hup-stopped-only (rule 38): {verdict}")), "{out}");
        let json = cli(&dir, &["probe", "--reports", "reports", "--json"]);
        let value: serde_json::Value = serde_json::from_slice(&json.stdout).expect("JSON");
        assert_eq!(value["semantics"], spec);
        assert_eq!(value["variants"]["orphan-hup-stopped-only"], spec == VARIANT);
    }
}

/// The classifier never guesses: a report that matches no known Linux is
/// said so, with the diff, no `semantics:` line and exit 1. (On the kernels
/// at hand this branch would otherwise never run.)
#[test]
fn a_report_no_known_linux_gives_is_refused_with_its_diff() {
    let dir = scratch("probe-unknown");
    reports_as(&dir, "linux");
    let report = dir.join("reports/orphan-hup-stopped-only.report");
    let text = std::fs::read_to_string(&report).unwrap();
    // A kernel that sends the orphaned group nothing at all: `job` stays stopped.
    let strange = text.replace("proc job running", "proc job stopped").replace("caught=HUP,CONT", "caught=-");
    assert_ne!(strange, text);
    std::fs::write(&report, strange).unwrap();
    let output = cli(&dir, &["probe", "--reports", "reports"]);
    assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
    let out = stdout(&output);
    assert!(out.contains("matches no known Linux"), "{out}");
    assert!(out.contains("+proc job stopped"), "the diff is shown:\n{out}");
    assert!(out.contains("add a variant rule"), "{out}");
    assert!(!out.contains("semantics:"), "{out}");
    let json = cli(&dir, &["probe", "--reports", "reports", "--json"]);
    assert_eq!(json.status.code(), Some(1));
    let value: serde_json::Value = serde_json::from_slice(&json.stdout).expect("JSON");
    assert!(value["semantics"].is_null());
    assert_eq!(value["unmatched"]["script"], "orphan-hup-stopped-only");
}

#[test]
fn missing_reports_are_bad_input() {
    let dir = scratch("probe-missing");
    let output = cli(&dir, &["probe", "--reports", "nowhere"]);
    assert_eq!(output.status.code(), Some(2));
    assert!(stderr(&output).contains("nowhere"), "{}", stderr(&output));
}

#[test]
fn bad_specs_are_refused_with_exit_2() {
    let dir = scratch("bad-specs");
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/replay/g05_parent_of_only_link_exits.ops");
    for (spec, says) in [
        ("linux+fast", "unknown kernel variant `fast`"),
        ("gvisor-2018+orphan-hup-stopped-only", "apply to `linux` only"),
        ("bsd", "unknown semantics `bsd`"),
        ("host+orphan-hup-stopped-only", "`host` takes no variants"),
    ] {
        let output = cli(&dir, &["replay", "--semantics", spec, script.to_str().unwrap()]);
        assert_eq!(output.status.code(), Some(2), "{spec}");
        assert!(stderr(&output).contains(says), "{spec}: {}", stderr(&output));
        assert!(output.stdout.is_empty());
    }
}

#[test]
fn replay_follows_the_variant_named() {
    let dir = scratch("replay-variant");
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/replay/g05_parent_of_only_link_exits.ops");
    let mainline = cli(&dir, &["replay", script.to_str().unwrap()]);
    let variant = cli(&dir, &["replay", "--semantics", VARIANT, script.to_str().unwrap()]);
    assert!(stdout(&mainline).contains("proc k zombie parent=job pgrp=job sid=sh ns=4/3/2 caught=- exit=HUP"));
    assert!(stdout(&variant).contains("proc k running parent=job pgrp=job sid=sh ns=4/3/2 caught=CONT"));
}

/// The column `semantics` of `run.csv`.
fn recorded_semantics(dir: &Path) -> String {
    let mut run = csv::Reader::from_path(dir.join("run.csv")).unwrap();
    let column = run.headers().unwrap().iter().position(|c| c == "semantics").expect("a semantics column");
    let row = run.records().next().expect("one row").unwrap();
    row[column].to_owned()
}

#[test]
fn a_scenario_names_its_semantics_and_run_csv_records_the_spec() {
    let dir = scratch("scenario-semantics");
    let text = std::fs::read_to_string(scenarios().join("shells.toml")).unwrap();
    std::fs::write(dir.join("variant.toml"), format!("semantics = \"{VARIANT}\"\n{text}")).unwrap();
    let output = cli(&dir, &["run", "variant.toml", "--duration", "2s", "--out", "a"]);
    assert!(output.status.success(), "{}", stderr(&output));
    assert_eq!(recorded_semantics(&dir.join("a")), VARIANT);
    let output = cli(&dir, &["run", "variant.toml", "--duration", "2s", "--out", "b", "--semantics", "gvisor-2018"]);
    assert!(output.status.success(), "{}", stderr(&output));
    assert_eq!(recorded_semantics(&dir.join("b")), "gvisor-2018");

    std::fs::write(
        dir.join("bad.toml"),
        format!("# a bad spec\nsemantics = \"gvisor-2018+orphan-hup-stopped-only\"\n{text}"),
    )
    .unwrap();
    let output = cli(&dir, &["run", "bad.toml", "--duration", "2s", "--out", "c"]);
    assert_eq!(output.status.code(), Some(2));
    let says = "bad.toml:2: `semantics`: kernel variants apply to `linux` only";
    assert!(stderr(&output).contains(says), "{}", stderr(&output));
    assert!(!dir.join("c").exists(), "nothing written");
}

/// `host` is what the probe finds, recorded as such; where the harness
/// cannot run it is exit 4, never a silent `linux`.
#[test]
fn host_resolves_to_the_probed_spec_or_exits_4() {
    let dir = scratch("host-semantics");
    let scenario = scenarios().join("shells.toml");
    let probe = cli(&dir, &["probe"]);
    let output =
        cli(&dir, &["run", scenario.to_str().unwrap(), "--duration", "2s", "--out", "h", "--semantics", "host"]);
    match probe.status.code() {
        Some(0) => {
            assert!(output.status.success(), "{}", stderr(&output));
            let found = stdout(&probe).lines().last().unwrap().strip_prefix("semantics: ").unwrap().to_owned();
            assert_eq!(recorded_semantics(&dir.join("h")), found);
        }
        Some(4) => {
            assert_eq!(output.status.code(), Some(4), "{}", stderr(&output));
            assert!(!dir.join("h").exists());
        }
        other => panic!("procsim probe exited {other:?}: {}", stdout(&probe)),
    }
}
