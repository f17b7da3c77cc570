//! Every committed replay script under `tests/replay/` replayed by the
//! simulator gives the report the real kernel produced (`.expected`), at the
//! core level of `docs/replay-format.md`; malformed scripts under `tests/replay/bad/`
//! are rejected with the error their first line names; and every committed
//! script keeps the model consistent after every operation, under both
//! semantics profiles.

use procsim::io::report::Level;
use procsim::io::script::Script;
use procsim::replay::replay;
use procsim::semantics::Semantics;
use std::path::{Path, PathBuf};

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

#[test]
fn simulator_matches_kernel_reports() {
    let files = scripts("tests/replay");
    assert!(!files.is_empty(), "no replay scripts found");
    let mut failures = Vec::new();
    for path in &files {
        let name = path.file_stem().and_then(|s| s.to_str()).unwrap_or_default();
        let level = if CORE_ONLY.contains(&name) { Level::Core } else { Level::Strict };
        let Ok(expected) = std::fs::read_to_string(path.with_extension("expected")) else {
            failures.push(format!("{}: no .expected file", path.display()));
            continue;
        };
        let text = std::fs::read_to_string(path).expect("readable script");
        let script = Script::parse(&text).expect("committed scripts parse");
        let ours = level.normalize(&replay(&script).render(&script));
        let theirs = level.normalize(&expected);
        if ours != theirs {
            failures.push(format!("{} ({level:?}):\n--- kernel\n{theirs}--- procsim\n{ours}", path.display()));
        }
    }
    assert!(failures.is_empty(), "{} of {} scripts differ:\n{}", failures.len(), files.len(), failures.join("\n"));
}

#[test]
fn committed_scripts_keep_the_model_consistent() {
    let mut failures = Vec::new();
    for path in scripts("tests/replay") {
        let script = Script::parse(&std::fs::read_to_string(&path).expect("readable script")).expect("parses");
        for semantics in [Semantics::LINUX, Semantics::gvisor_2018()] {
            if let Some(failure) = crate::first_inconsistency(&script, semantics) {
                failures.push(format!("{} under {semantics:?}: {failure}", path.display()));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn malformed_scripts_are_rejected_with_their_line() {
    let files = scripts("tests/replay/bad");
    assert!(!files.is_empty(), "no malformed scripts found");
    for path in files {
        let text = std::fs::read_to_string(&path).expect("readable script");
        let want = text
            .lines()
            .next()
            .and_then(|l| l.strip_prefix("# error: "))
            .unwrap_or_else(|| panic!("{}: first line must be `# error: …`", path.display()));
        let err = Script::parse(&text).expect_err(&format!("{} must not parse", path.display()));
        let got = format!("error: {err}");
        assert!(got.contains(want.trim()), "{}: expected `{want}`, got `{got}`", path.display());
    }
}
