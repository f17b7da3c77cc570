//! Conformance: the same scripts on the simulator and on the real kernel, and
//! what differs (`procsim conform`).
//!
//! The kernel is the judge. A script conforms when the simulator's report
//! equals the kernel's at the chosen [`Level`] (`docs/replay-format.md`,
//! "Conformance"). A script that does not is kept, with both reports and a
//! diff, so that the difference can be studied and the script committed as a
//! regression test.

use crate::harness::{self, KernelError};
use crate::io::report::Level;
use crate::io::script::Script;
use crate::replay::replay_with;
use crate::semantics::Semantics;
use std::path::{Path, PathBuf};

/// One script's reports on both sides.
#[derive(Debug, Clone)]
pub struct Comparison {
    /// The kernel's report, as rendered.
    pub kernel: String,
    /// The simulator's report, as rendered.
    pub simulator: String,
    /// Whether they agree at the level compared.
    pub agrees: bool,
}

/// Runs `script` on the kernel (with the harness's `options`) and on the
/// simulator under `semantics`, and compares the reports at `level`.
pub fn compare(
    script: &Script,
    semantics: Semantics,
    level: Level,
    harness: &harness::Options,
) -> Result<Comparison, KernelError> {
    let kernel = harness::run_with(script, harness)?.render(script);
    Ok(Comparison::new(kernel, replay_with(script, semantics).render(script), level))
}

impl Comparison {
    /// Compares two rendered reports at `level`.
    pub fn new(kernel: String, simulator: String, level: Level) -> Comparison {
        let agrees = level.normalize(&kernel) == level.normalize(&simulator);
        Comparison { kernel, simulator, agrees }
    }

    /// A unified diff from the kernel's report to the simulator's.
    pub fn diff(&self) -> String {
        similar::TextDiff::from_lines(&self.kernel, &self.simulator)
            .unified_diff()
            .header("kernel", "procsim")
            .to_string()
    }

    /// Saves the script, both reports and the diff under `dir/name.*`.
    pub fn save(&self, dir: &Path, name: &str, script_text: &str) -> std::io::Result<PathBuf> {
        std::fs::create_dir_all(dir)?;
        let base = dir.join(name);
        std::fs::write(base.with_extension("ops"), script_text)?;
        std::fs::write(base.with_extension("kernel"), &self.kernel)?;
        std::fs::write(base.with_extension("procsim"), &self.simulator)?;
        std::fs::write(base.with_extension("diff"), self.diff())?;
        Ok(base)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const KERNEL: &str = "1: ok\n== state\nproc init running parent=- pgrp=init sid=init ns=1/1/1 caught=CHLD\n";
    const SIMULATOR: &str = "1: ok\n== state\nproc init running parent=- pgrp=init sid=init ns=1/1/1 caught=-\n";

    #[test]
    fn chld_differences_count_only_at_the_strict_level() {
        assert!(Comparison::new(KERNEL.into(), SIMULATOR.into(), Level::Core).agrees);
        assert!(!Comparison::new(KERNEL.into(), SIMULATOR.into(), Level::Strict).agrees);
        let other = SIMULATOR.replace("running", "stopped");
        assert!(!Comparison::new(KERNEL.into(), other, Level::Core).agrees);
    }

    #[test]
    fn a_failure_is_saved_with_both_reports_and_a_diff() {
        let c = Comparison::new(KERNEL.into(), SIMULATOR.into(), Level::Strict);
        let diff = c.diff();
        assert!(diff.contains("-proc init") && diff.contains("+proc init"), "{diff}");
        let dir = std::env::temp_dir().join(format!("procsim-conform-{}", std::process::id()));
        let base = c.save(&dir, "case", "fork init a\n").expect("saved");
        for ext in ["ops", "kernel", "procsim", "diff"] {
            assert!(base.with_extension(ext).is_file(), "{ext} missing");
        }
        std::fs::remove_dir_all(dir).expect("cleaned up");
    }
}
