//! The README's R example draws both of its series inside its y-axis (its
//! dashed line once fell below it). Needs `Rscript`; says it is skipped
//! where R is not installed.

use crate::{cli, scratch};
use std::process::Command;

/// The README's block of R.
fn example() -> String {
    let readme = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md")).unwrap();
    let start = readme.find("```r\n").expect("an R example") + "```r\n".len();
    readme[start..][..readme[start..].find("```").unwrap()].to_owned()
}

#[test]
fn the_r_example_draws_both_series_inside_its_axes() {
    if Command::new("Rscript").arg("--version").output().is_err() {
        eprintln!("skipped: Rscript is not installed");
        return;
    }
    let dir = scratch("r-example");
    // 20 minutes of the default scenario: some 100 orphaned groups, a few
    // of them signalled.
    let output = cli(&dir, &["--duration", "20min"]);
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let check = r#"
usr <- par("usr")
both <- c(m$orphaned_groups, cumsum(m$orphan_pairs))
if (max(cumsum(m$orphan_pairs)) < 1) stop("no group was signalled: nothing to check")
if (usr[3] > min(both) || usr[4] < max(both)) stop(sprintf("y-axis %g..%g leaves out %g..%g", usr[3], usr[4], min(both), max(both)))
"#;
    std::fs::write(dir.join("example.R"), format!("pdf(\"example.pdf\")\n{}{check}", example())).unwrap();
    let output = Command::new("Rscript").arg("example.R").current_dir(&dir).output().unwrap();
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
}
