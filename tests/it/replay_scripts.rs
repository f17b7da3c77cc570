//! Every committed replay script under `tests/replay/` (and its `threads/`
//! and `terminals/`, versions 2 and 3 of the format) replayed by the
//! simulator gives the reports the real kernels produced: `NAME.expected`
//! (mainline Linux) under `linux`, and each `NAME.<spec>.expected` (a kernel
//! variant, `docs/replay-format.md` "Kernel variants") under its spec; where
//! a variant's report differs from mainline's, the variant's file is there,
//! and the script's header names the kernel that made it. Malformed scripts
//! under `tests/replay/bad/` are rejected with the error their first line
//! names, `error: NAME.ops:N: …`, from `procsim replay` (exit 2, nothing on
//! stdout); and every committed script keeps the model consistent after
//! every operation, under both semantics profiles.

use procsim::io::report::Level;
use procsim::io::script::Script;
use procsim::replay::{replay, replay_with};
use procsim::semantics::{Semantics, Spec};
use std::path::{Path, PathBuf};

/// The committed scripts with kernel-made reports: version 1's, the
/// thread scripts of version 2 and the terminal scripts of version 3.
fn committed() -> Vec<PathBuf> {
    let mut files = scripts("tests/replay");
    files.extend(scripts("tests/replay/threads"));
    files.extend(scripts("tests/replay/terminals"));
    files
}

fn scripts(dir: &str) -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join(dir);
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .map(|entries| entries.filter_map(|e| e.ok().map(|e| e.path())).collect())
        .unwrap_or_default();
    files.retain(|p| p.extension().is_some_and(|e| e == "ops"));
    files.sort();
    files
}

/// Scripts whose simulator report differs from the kernel's only at the
/// strict level (in how often a caught SIGCHLD handler ran): none so far.
const CORE_ONLY: &[&str] = &[];

/// The kernel-made reports of the script at `path`, with the spec of the
/// kernel that made each: `NAME.expected` is mainline's, `NAME.<spec>.expected`
/// a variant's.
fn expected_reports(path: &Path) -> Vec<(Spec, PathBuf)> {
    let stem = path.file_stem().and_then(|s| s.to_str()).expect("a script's name");
    let dir = path.parent().expect("a script's folder");
    let mut found: Vec<(Spec, PathBuf)> = std::fs::read_dir(dir)
        .expect("the script's folder")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter_map(|p| {
            let name = p.file_name()?.to_str()?;
            let spec = name.strip_prefix(stem)?.strip_prefix('.')?.strip_suffix("expected")?;
            let spec = if spec.is_empty() {
                Spec::LINUX
            } else {
                spec.strip_suffix('.')?.parse().unwrap_or_else(|e| panic!("{}: {e}", p.display()))
            };
            Some((spec, p))
        })
        .collect();
    found.sort_by_key(|(spec, _)| spec.to_string());
    found
}

#[test]
fn simulator_matches_kernel_reports() {
    let files = committed();
    assert!(!files.is_empty(), "no replay scripts found");
    let mut failures = Vec::new();
    let mut compared = 0;
    for path in &files {
        let name = path.file_stem().and_then(|s| s.to_str()).unwrap_or_default();
        let level = if CORE_ONLY.contains(&name) { Level::Core } else { Level::Strict };
        let reports = expected_reports(path);
        if reports.is_empty() {
            failures.push(format!("{}: no .expected file", path.display()));
        }
        let text = std::fs::read_to_string(path).expect("readable script");
        let script = Script::parse(&text).expect("committed scripts parse");
        for (spec, file) in reports {
            let expected = std::fs::read_to_string(&file).expect("readable report");
            let ours = level.normalize(&replay_with(&script, spec.semantics()).render(&script));
            let theirs = level.normalize(&expected);
            compared += 1;
            if ours != theirs {
                failures.push(format!("{} ({level:?}):\n--- kernel\n{theirs}--- procsim\n{ours}", file.display()));
            }
        }
    }
    assert!(compared > files.len(), "some variant reports are compared too");
    assert!(failures.is_empty(), "{} of {} reports differ:\n{}", failures.len(), compared, failures.join("\n"));
}

/// Where a kernel variant answers a script differently from mainline, its
/// report is committed beside mainline's, and the script's header names the
/// kernel that made every variant report (`# kernel SPEC: uname -r uname -v`).
#[test]
fn variant_reports_are_committed_where_a_variant_differs() {
    let mut failures = Vec::new();
    for path in committed() {
        let text = std::fs::read_to_string(&path).expect("readable script");
        let script = Script::parse(&text).expect("committed scripts parse");
        let reports = expected_reports(&path);
        let has = |spec: Spec| reports.iter().any(|(s, _)| *s == spec);
        let mainline = replay(&script).render(&script);
        for spec in Spec::all_linux().into_iter().skip(1) {
            let differs = replay_with(&script, spec.semantics()).render(&script) != mainline;
            if differs && has(Spec::LINUX) && !has(spec) {
                failures
                    .push(format!("{}: {spec} differs from mainline, and has no kernel-made report", path.display()));
            }
        }
        for (spec, _) in reports.iter().filter(|(spec, _)| *spec != Spec::LINUX) {
            let header = format!("# kernel {spec}: ");
            if !text.lines().take_while(|l| l.starts_with('#')).any(|l| l.starts_with(&header)) {
                failures
                    .push(format!("{}: its header does not name the kernel of {spec} (`{header}…`)", path.display()));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn committed_scripts_keep_the_model_consistent() {
    let mut failures = Vec::new();
    for path in committed() {
        let script = Script::parse(&std::fs::read_to_string(&path).expect("readable script")).expect("parses");
        // The seed has no terminals: its commands refuse version 3.
        let profiles: &[Semantics] =
            if script.version() >= 3 { &[Semantics::LINUX] } else { &[Semantics::LINUX, Semantics::gvisor_2018()] };
        for &semantics in profiles {
            if let Some(failure) = crate::first_inconsistency(&script, semantics) {
                failures.push(format!("{} under {semantics:?}: {failure}", path.display()));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn malformed_scripts_are_rejected_with_their_file_and_line() {
    let files = scripts("tests/replay/bad");
    assert!(!files.is_empty(), "no malformed scripts found");
    for path in files {
        let text = std::fs::read_to_string(&path).expect("readable script");
        let want = text
            .lines()
            .next()
            .and_then(|l| l.strip_prefix("# "))
            .unwrap_or_else(|| panic!("{}: first line must be `# error: NAME.ops:N: …`", path.display()));
        let name = path.file_name().unwrap().to_str().unwrap();
        let output = crate::cli(path.parent().unwrap(), &["replay", name]);
        let got = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(2), "{name}: {got}");
        assert!(output.stdout.is_empty(), "{name}: nothing on stdout");
        assert!(got.starts_with(want.trim()), "{name}: expected `{want}`, got `{got}`");
        assert_eq!(got.lines().count(), 1, "{name}: one line");
        let err = Script::parse(&text).expect_err(&format!("{name} must not parse"));
        assert_eq!(err.file, None);
        assert_eq!(Script::parse_named(name, &text).unwrap_err().to_string(), got.trim_end()["error: ".len()..]);
    }
}
