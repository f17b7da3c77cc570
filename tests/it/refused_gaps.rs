//! Values with which a run cannot make progress are refused when the
//! scenario is read — the file, the line and the key, exit 2, nothing
//! written — rather than starting a tick that never ends while the memory
//! runs out: steps that repeat (arrivals, a daemon's workers, a shell's
//! commands, a service's restarts) with no time between them, or with so
//! little that a tick would carry more events than the budget.

use crate::{cli_within, scratch};
use std::time::Duration;

const HEAD: &str = "seed = 1\nduration = \"1min\"\ntick = \"10ms\"\n";

/// Runs `gap.toml` made of `text` (with `extra` arguments) and returns its
/// exit code and stderr.
fn run(name: &str, text: &str, extra: &[&str]) -> (Option<i32>, String) {
    let dir = scratch(&format!("refused-{name}"));
    std::fs::write(dir.join("gap.toml"), text).unwrap();
    let mut args = vec!["run", "gap.toml", "--out", "out"];
    args.extend_from_slice(extra);
    let output = cli_within(&dir, &args, Duration::from_secs(30));
    (output.status.code(), String::from_utf8(output.stderr).unwrap())
}

/// `text` is refused: exit 2, one line on stderr, no results.
fn refused(name: &str, text: &str, extra: &[&str]) -> String {
    let (code, stderr) = run(name, text, extra);
    assert_eq!(code, Some(2), "{name}: {stderr}");
    assert_eq!(stderr.lines().count(), 1, "{name}: {stderr}");
    assert!(!scratch_path(name).join("out").exists(), "{name}: a refused scenario wrote results");
    stderr
}

fn scratch_path(name: &str) -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("refused-{name}"))
}

#[test]
fn arrivals_with_no_gap_are_refused_at_their_line() {
    let text = format!("{HEAD}[shells]\ninitial = 0\narrivals = {{ dist = \"constant\", value = \"0s\" }}\n");
    let err = refused("shells-arrivals", &text, &[]);
    assert!(
        err.starts_with(
            "error: gap.toml:6: `shells.arrivals`: constant(value=0s) leaves no time between two arrivals: they would \
             repeat without end at one instant"
        ),
        "{err}"
    );
    assert!(err.contains("(leave `arrivals` out for none)"), "{err}");
    let text = format!("{HEAD}\n[batch]\narrivals = {{ dist = \"uniform\", min = \"0s\", max = \"0s\" }}\n");
    let err = refused("batch-arrivals", &text, &[]);
    assert!(err.starts_with("error: gap.toml:6: `batch.arrivals`: uniform(min=0s, max=0s) leaves no time"), "{err}");
}

#[test]
fn a_daemon_forking_workers_with_no_gap_is_refused() {
    let text = format!("{HEAD}[daemons]\ninitial = 3\nwork = {{ dist = \"constant\", value = \"0s\" }}\n");
    let err = refused("daemons-work", &text, &[]);
    assert!(
        err.starts_with("error: gap.toml:6: `daemons.work`: constant(value=0s) leaves no time between two workers"),
        "{err}"
    );
}

#[test]
fn a_shell_or_a_service_repeating_in_no_time_is_refused() {
    let zero = "{ dist = \"constant\", value = \"0s\" }";
    let text = format!("{HEAD}[shells]\ninitial = 2\nbackground = 0.5\nthink = {zero}\n");
    let err = refused("shells-think", &text, &[]);
    assert!(
        err.starts_with("error: gap.toml:7: `shells.think`: constant(value=0s) leaves no time between two commands")
    );
    // In the foreground, the job's work and its reaping are part of the turn.
    let text = format!(
        "{HEAD}[shells]\ninitial = 2\nbackground = 0.0\nsuspend = 0.0\nthink = {zero}\njob = {zero}\nreap = {zero}\n"
    );
    let err = refused("shells-foreground", &text, &[]);
    assert!(err.contains("gap.toml:8: `shells.think`: constant(value=0s) + constant(value=0s) + constant(value=0s)"));
    let text = format!(
        "{HEAD}[supervisors]\ninitial = 1\nreap = {zero}\n[supervisors.services]\nlifetime = {zero}\nrestart = {zero}\n"
    );
    let err = refused("services", &text, &[]);
    assert!(err.starts_with("error: gap.toml:8: `supervisors.services.lifetime`: "), "{err}");
    assert!(err.contains("between two starts of a service"), "{err}");
}

#[test]
fn zero_delays_that_do_not_repeat_by_themselves_are_allowed() {
    let zero = "{ dist = \"constant\", value = \"0s\" }";
    let text = format!(
        "seed = 1\nduration = \"2s\"\ntick = \"10ms\"\n[shells]\ninitial = 3\nbackground = 0.0\nsuspend = 0.0\n\
         think = {zero}\nreap = {zero}\n[supervisors]\ninitial = 1\nreap = {zero}\nservices = {{ restart = {zero} }}\n\
         [batch]\ninitial = 1\nspacing = {zero}\n"
    );
    let (code, stderr) = run("allowed", &text, &[]);
    assert_eq!(code, Some(0), "{stderr}");
}

#[test]
fn gaps_so_short_that_a_tick_would_exceed_the_budget_are_refused() {
    // An arrival is at least three events: 1 ns apart, 3×10^7 in a tick of 10 ms.
    let text = format!("{HEAD}[shells]\narrivals = {{ dist = \"constant\", value = \"1ns\" }}\n");
    let err = refused("one-ns", &text, &[]);
    assert!(
        err.starts_with(
            "error: gap.toml:5: `shells.arrivals`: constant(value=1ns) leaves so little time between two arrivals that \
             these alone would carry about 30000000 events in a tick of 10ms, more than the events budget of 1000000"
        ),
        "{err}"
    );
    // The budget is the one in force: ten arrivals a tick are 30 events at least.
    let text = "seed = 1\nduration = \"20ms\"\ntick = \"10ms\"\n[daemons]\narrivals = { dist = \"constant\", value = \"1ms\" }\n";
    let err = refused("small-budget", text, &["--max-events-per-tick", "29"]);
    assert!(err.contains("about 30 events in a tick of 10ms, more than the events budget of 29"), "{err}");
    let (code, stderr) = run("small-budget-ok", text, &["--max-events-per-tick", "1000"]);
    assert_eq!(code, Some(0), "{stderr}");
    let text = "seed = 1\nduration = \"2s\"\ntick = \"1s\"\n[calibration]\nevents = 1000000000\ninterval = \"1ns\"\n";
    let err = refused("calibration", text, &[]);
    assert!(err.starts_with("error: gap.toml:6: `calibration.interval`: 1000000000 events every 1ns"), "{err}");
}
