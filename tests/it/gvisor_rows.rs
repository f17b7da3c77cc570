//! The gVisor-2018 profile on the rows of the table of differences
//! (semantics §6.3): each `tests/replay/gNN_*.ops` script, whose Linux report
//! is the real kernel's (`.expected`), gives the seed's report under
//! `gvisor-2018` (`.gvisor-2018`, reviewed against §6), and `compare` finds
//! the differences and puts them down to row NN (with the other rows the
//! difference takes, where it takes several).

use procsim::compare::{Explanation, compare};
use procsim::io::report::Level;
use procsim::io::script::Script;
use procsim::replay::replay_with;
use procsim::semantics::{Rule, Semantics};
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

/// Every `gNN_*.ops` script with its row number.
fn row_scripts() -> Vec<(u8, PathBuf)> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/replay");
    let mut scripts: Vec<(u8, PathBuf)> = std::fs::read_dir(&dir)
        .expect("tests/replay exists")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|e| e == "ops"))
        .filter_map(|p| {
            let name = p.file_name()?.to_str()?.to_owned();
            let row = name.strip_prefix('g')?.get(..2)?.parse().ok()?;
            Some((row, p))
        })
        .collect();
    scripts.sort();
    scripts
}

fn load(path: &Path) -> Script {
    Script::parse(&std::fs::read_to_string(path).expect("readable script")).expect("committed scripts parse")
}

#[test]
fn seed_reports_match_their_expected_files() {
    let scripts = row_scripts();
    assert!(scripts.len() >= 20, "the row scripts are missing");
    for (_, path) in scripts {
        let expected = std::fs::read_to_string(path.with_extension("gvisor-2018"))
            .unwrap_or_else(|_| panic!("{}: no .gvisor-2018 file", path.display()));
        let script = load(&path);
        let ours = replay_with(&script, Semantics::gvisor_2018()).render(&script);
        assert_eq!(Level::Core.normalize(&ours), Level::Core.normalize(&expected), "{}", path.display());
    }
}

/// The rows `compare` must name for each script's differences, all together.
/// Most differences take one row; where one takes several, each is needed
/// (the script's comments say why), or, for row 19, either suffices. Row 29
/// is where the seed and Linux agree.
fn expected_rows(row: u8) -> &'static [u8] {
    match row {
        29 => &[],
        13 => &[13, 17],
        18 => &[5, 18],
        19 => &[3, 19],
        24 => &[5, 6, 9, 24],
        2 => &[2],
        3 => &[3],
        4 => &[4],
        5 => &[5],
        6 => &[6],
        7 => &[7],
        8 => &[8],
        10 => &[10],
        12 => &[12],
        14 => &[14],
        15 => &[15],
        16 => &[16],
        17 => &[17],
        20 => &[20],
        23 => &[23],
        25 => &[25],
        27 => &[27],
        other => panic!("no expectation for row {other}"),
    }
}

#[test]
fn compare_puts_each_difference_down_to_its_row() {
    for (row, path) in row_scripts() {
        let comparison = compare(&load(&path), Semantics::LINUX, Semantics::gvisor_2018(), Level::Core);
        let name = path.display();
        if expected_rows(row).is_empty() {
            assert!(comparison.differences.is_empty(), "{name}: the profiles differ:\n{comparison}");
            continue;
        }
        let named: BTreeSet<u8> = comparison.differences.iter().flat_map(|d| d.explanation.rows()).collect();
        let want: BTreeSet<u8> = expected_rows(row).iter().copied().collect();
        assert_eq!(named, want, "{name}:\n{comparison}");
        let rule = Rule::ALL.into_iter().find(|r| r.row() == row).expect("a row with differences has a rule");
        assert!(comparison.explained_by(rule).next().is_some(), "{name}: no difference is row {row}'s");
    }
}

#[test]
fn row_19_is_either_of_two_causes_in_the_seed() {
    let (_, path) = row_scripts().into_iter().find(|(row, _)| *row == 19).expect("g19 exists");
    for d in compare(&load(&path), Semantics::LINUX, Semantics::gvisor_2018(), Level::Core).differences {
        assert!(matches!(d.explanation, Explanation::AnyOf(_)), "{:?}", d.explanation);
    }
}

#[test]
fn random_scripts_are_compared_and_every_difference_named() {
    let mut rows = BTreeSet::new();
    for seed in 0..60 {
        let text = procsim::io::generate::random_script(seed, 30);
        let script = Script::parse(&text).expect("generated scripts parse");
        for d in compare(&script, Semantics::LINUX, Semantics::gvisor_2018(), Level::Core).differences {
            assert!(!d.explanation.decisions().is_empty(), "seed {seed}: {d:?}");
            rows.extend(d.explanation.rows());
        }
    }
    assert!(rows.len() >= 5, "random scripts reach only rows {rows:?}");
}
