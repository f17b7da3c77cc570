//! Each kind of mistake in a scenario file gets its own message, naming the
//! file, the line and the key, and exit code 2; nothing is written.

use crate::{cli, scratch};

const HEAD: &str = "seed = 1\nduration = \"1s\"\ntick = \"10ms\"\n";

/// [`crate::rejected_scenario`] in a folder of this file's own.
fn rejected(name: &str, text: &str) -> String {
    crate::rejected_scenario(&format!("bad-{name}"), text)
}

#[test]
fn an_unknown_key_is_named_with_its_line() {
    let err = rejected("unknown-key", &format!("{HEAD}[shells]\ninitial = 3\nthinktime = \"1s\"\n"));
    assert!(err.starts_with("error: bad.toml:6: `shells.thinktime`: unknown key `thinktime`"), "{err}");
}

#[test]
fn an_unknown_table_is_named() {
    let err = rejected("unknown-table", &format!("{HEAD}[cowboys]\ninitial = 3\n"));
    assert!(err.starts_with("error: bad.toml:4: `cowboys`: unknown key `cowboys`"), "{err}");
}

#[test]
fn a_wrong_type_is_named() {
    let err = rejected("wrong-type", "seed = \"one\"\nduration = \"1s\"\ntick = \"10ms\"\n");
    assert!(err.starts_with("error: bad.toml:1: `seed`: invalid type: string \"one\""), "{err}");
    let err = rejected("duration-number", "seed = 1\nduration = 5\ntick = \"10ms\"\n");
    assert!(err.starts_with("error: bad.toml:2: `duration`: invalid type: integer `5`, expected a duration"), "{err}");
}

#[test]
fn a_missing_key_is_named() {
    let err = rejected("missing", "duration = \"1s\"\ntick = \"10ms\"\n");
    assert!(err.contains("bad.toml:1: missing key `seed`"), "{err}");
}

#[test]
fn a_zero_tick_is_impossible() {
    let err = rejected("zero-tick", "seed = 1\nduration = \"1s\"\ntick = \"0s\"\n");
    assert!(err.starts_with("error: bad.toml:3: `tick`: must be longer than 0s"), "{err}");
}

#[test]
fn a_duration_needs_a_known_unit() {
    let err = rejected("unit", "seed = 1\nduration = \"1 fortnight\"\ntick = \"10ms\"\n");
    assert!(err.starts_with("error: bad.toml:2: `duration`: `1 fortnight` has an unknown unit"), "{err}");
}

#[test]
fn a_probability_above_one_is_impossible() {
    let err = rejected("probability", &format!("{HEAD}[shells]\nsuspend = 1.5\n"));
    assert!(err.starts_with("error: bad.toml:5: `shells.suspend`: a probability is from 0 to 1, not 1.5"), "{err}");
}

#[test]
fn a_reversed_range_is_impossible() {
    let text = format!("{HEAD}[batch]\nreap = {{ dist = \"uniform\", min = \"3s\", max = \"1s\" }}\n");
    let err = rejected("reversed-range", &text);
    assert!(err.starts_with("error: bad.toml:5: `batch.reap`: uniform: min (3s) is above max (1s)"), "{err}");
    let err = rejected("reversed-count", &format!("{HEAD}[batch]\nchildren = {{ min = 9, max = 2 }}\n"));
    assert!(err.starts_with("error: bad.toml:5: `batch.children`: min (9) is above max (2)"), "{err}");
}

#[test]
fn a_distribution_takes_only_its_own_parameters() {
    let text = format!("{HEAD}[daemons.lifetime]\ndist = \"exponential\"\nmedian = \"3s\"\n");
    let err = rejected("dist-parameter", &text);
    assert!(err.contains("`daemons.lifetime`: `median` is not a parameter of the exponential distribution"), "{err}");
    let err = rejected("dist-kind", &format!("{HEAD}[daemons]\nlifetime = {{ dist = \"gaussian\" }}\n"));
    assert!(err.contains("bad.toml:5: `daemons.lifetime`: unknown distribution `gaussian`"), "{err}");
}

#[test]
fn a_combination_that_cannot_run_is_named() {
    let text = format!(
        "{HEAD}[calibration]\nevents = 10\nmix = {{ fork = 0, exit = 0, setpgid_new = 0, setpgid_join = 0, setsid = 0 }}\n"
    );
    let err = rejected("mix", &text);
    assert!(
        err.starts_with("error: bad.toml:6: `calibration.mix`: the weights of the operations add up to 0"),
        "{err}"
    );
    let err = rejected("pipeline", &format!("{HEAD}[shells]\npipeline = {{ min = 0, max = 2 }}\n"));
    assert!(err.starts_with("error: bad.toml:5: `shells.pipeline`: a job has at least one process"), "{err}");
}

#[test]
fn a_syntax_error_is_placed() {
    let err = rejected("syntax", "seed = 1\nduration = \"1s\" x\n");
    assert!(err.starts_with("error: bad.toml:2: "), "{err}");
}

#[test]
fn an_unreadable_file_is_bad_input() {
    let dir = scratch("bad-unreadable");
    let output = cli(&dir, &["run", "nowhere.toml"]);
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).starts_with("error: nowhere.toml: "));
}

#[test]
fn more_instances_than_pids_or_too_many_ticks_are_impossible() {
    let err = rejected("pids", &format!("{HEAD}pid_max = 1000\n[daemons]\ninitial = 5000\n"));
    assert!(
        err.starts_with("error: bad.toml:6: `daemons.initial`: 5000 is more processes than pid_max (1000)"),
        "{err}"
    );
    let err = rejected("ticks", "seed = 1\nduration = \"1h\"\ntick = \"1ns\"\n");
    assert!(err.starts_with("error: bad.toml:3: `tick`: 1h in ticks of 1ns is 3600000000000 ticks"), "{err}");
    let dir = scratch("bad-duration-override");
    std::fs::write(dir.join("ok.toml"), HEAD).unwrap();
    let output = cli(&dir, &["run", "ok.toml", "--duration", "1000h", "--out", "out"]);
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).starts_with("error: --duration: 1000h in ticks of 10ms"));
}
