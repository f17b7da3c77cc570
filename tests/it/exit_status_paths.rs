//! The two ways the kernel harness learns how processes the kernel reaped by
//! itself ended, the pidfd and the process events connector, give the same
//! report for every committed script, the thread scripts included (per-thread
//! exits, and a thread's exec that takes its leader's pid); and
//! `harness_info` resolves a request as a run does.
//!
//! These tests run the real kernel. Where a path cannot run (exit code 4: not
//! root, a kernel before 6.15 for the pidfd) they say so on the terminal and
//! check nothing.

use procsim::harness::{ExitStatusRequest, ExitStatusSource, KernelError, Options, harness_info};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// Runs `procsim kernel --exit-status SOURCE SCRIPT`.
fn kernel(source: ExitStatusRequest, script: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_procsim"))
        .args(["kernel", "--exit-status", source.name()])
        .arg(script)
        .output()
        .expect("procsim runs")
}

/// Every committed `.ops` script, version 1's then the thread scripts', in
/// name order.
fn committed_scripts() -> Vec<PathBuf> {
    let mut scripts = Vec::new();
    for dir in ["tests/replay", "tests/replay/threads"] {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join(dir);
        let mut found: Vec<_> = std::fs::read_dir(&dir)
            .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|e| e == "ops"))
            .collect();
        found.sort();
        scripts.extend(found);
    }
    scripts
}

/// `true` if the harness runs `script` with `source`; otherwise says on the
/// terminal (past the test harness's capture) that `test` checked nothing.
fn runs_with(test: &str, source: ExitStatusRequest, script: &Path) -> bool {
    let probe = kernel(source, script);
    if probe.status.code() == Some(4) {
        let why = String::from_utf8_lossy(&probe.stderr);
        let _ = writeln!(std::io::stderr(), "SKIPPED {test}: `--exit-status {source}` cannot run here: {}", why.trim());
        return false;
    }
    true
}

#[test]
fn pidfd_and_connector_report_the_same() {
    const TEST: &str = "pidfd_and_connector_report_the_same";
    let scripts = committed_scripts();
    let first = scripts.first().expect("committed scripts");
    if !runs_with(TEST, ExitStatusRequest::Pidfd, first) || !runs_with(TEST, ExitStatusRequest::Connector, first) {
        return;
    }
    for script in &scripts {
        let pidfd = kernel(ExitStatusRequest::Pidfd, script);
        let connector = kernel(ExitStatusRequest::Connector, script);
        assert!(
            matches!(pidfd.status.code(), Some(0 | 3)),
            "{}: procsim kernel --exit-status pidfd failed ({:?}): {}",
            script.display(),
            pidfd.status,
            String::from_utf8_lossy(&pidfd.stderr)
        );
        assert_eq!(
            (String::from_utf8_lossy(&connector.stdout), connector.status.code()),
            (String::from_utf8_lossy(&pidfd.stdout), pidfd.status.code()),
            "{}: the connector's report (left) is not the pidfd's (right); the connector said: {}",
            script.display(),
            String::from_utf8_lossy(&connector.stderr)
        );
    }
}

/// An explicit request resolves to itself or fails, as the run fails (exit 4);
/// `auto` is the pidfd where the pidfd works, else the connector.
#[test]
fn harness_info_resolves_as_a_run_does() {
    let info = |exit_status| harness_info(&Options { exit_status });
    let script = committed_scripts().into_iter().next().expect("committed scripts");
    let mut works = Vec::new();
    for (request, source) in [
        (ExitStatusRequest::Pidfd, ExitStatusSource::Pidfd),
        (ExitStatusRequest::Connector, ExitStatusSource::Connector),
    ] {
        match info(request) {
            Ok(found) => {
                assert_eq!(found.exit_status, source);
                works.push(source);
            }
            Err(e) => {
                assert!(matches!(e, KernelError::CannotRun(_)), "harness_info({request}): {e}");
                assert_eq!(kernel(request, &script).status.code(), Some(4), "harness_info({request}): {e}");
            }
        }
    }
    match (info(ExitStatusRequest::Auto), works.first()) {
        (Ok(auto), Some(&first)) => assert_eq!(auto.exit_status, first),
        (Err(KernelError::CannotRun(_)), None) => {}
        (auto, _) => panic!("harness_info(auto) is {auto:?} where {works:?} work"),
    }
}
