//! Every committed replay script under `tests/replay/` replayed by the
//! simulator gives the report the real kernel produced (`.expected`), at the
//! core level of replay-format.md; malformed scripts under `tests/replay/bad/`
//! are rejected with the error their first line names.

use procsim::io::report::Level;
use procsim::io::script::Script;
use procsim::replay::replay;
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

#[test]
fn simulator_matches_kernel_reports() {
    let mut checked = 0;
    let mut failures = Vec::new();
    for path in scripts("tests/replay") {
        let expected_path = path.with_extension("expected");
        let Ok(expected) = std::fs::read_to_string(&expected_path) else {
            failures.push(format!("{}: no .expected file", path.display()));
            continue;
        };
        let text = std::fs::read_to_string(&path).expect("readable script");
        let script = Script::parse(&text).expect("committed scripts parse");
        let ours = Level::Core.normalize(&replay(&script).render(&script));
        let theirs = Level::Core.normalize(&expected);
        if ours != theirs {
            failures.push(format!("{}:\n--- kernel\n{theirs}--- procsim\n{ours}", path.display()));
        }
        checked += 1;
    }
    assert!(failures.is_empty(), "{} of {checked} scripts differ:\n{}", failures.len(), failures.join("\n"));
    assert!(checked > 0, "no replay scripts found");
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
