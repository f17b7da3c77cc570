//! `procsim probe`: which member of the Linux family the running kernel is.
//!
//! The simulator's Linux semantics is mainline plus, optionally, known
//! kernel variants ([`crate::semantics::Variant`]). The probe runs a handful
//! of short scripts ([`scripts::SCRIPTS`]) on the kernel with the harness,
//! replays each under every Linux spec, and names the one spec whose reports
//! equal the kernel's on every script. It never guesses: a kernel whose
//! reports match no known spec is [`Unmatched`], with the diff from the
//! nearest one, and the answer is that a new variant rule is needed.
//!
//! The result is never cached: `host` is probed afresh by every command that
//! asks for it, because the kernel under a machine can change between runs.

mod findings;
pub mod scripts;

pub use findings::Findings;

use crate::harness::{self, KernelError};
use crate::io::report::Level;
use crate::io::script::Script;
use crate::replay::replay_with;
use crate::semantics::Spec;
use scripts::{ProbeScript, SCRIPTS};
use std::fmt;
use std::path::Path;

/// The running kernel's name: `uname -r` and `uname -v`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Uname {
    pub release: String,
    pub version: String,
}

impl Uname {
    /// The running kernel's.
    pub fn current() -> Uname {
        // SAFETY: uname fills the struct it is given, which is plain bytes.
        let mut name: libc::utsname = unsafe { std::mem::zeroed() };
        // SAFETY: `name` is a valid, writable utsname.
        if unsafe { libc::uname(&mut name) } != 0 {
            return Uname { release: "unknown".into(), version: "unknown".into() };
        }
        let text = |field: &[libc::c_char]| {
            let bytes: Vec<u8> = field.iter().take_while(|&&c| c != 0).map(|&c| c as u8).collect();
            String::from_utf8_lossy(&bytes).into_owned()
        };
        Uname { release: text(&name.release), version: text(&name.version) }
    }
}

impl fmt::Display for Uname {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.release, self.version)
    }
}

/// A probe script's report that no known Linux gives.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Unmatched {
    /// The script.
    pub script: &'static str,
    /// The known spec whose report is nearest the kernel's (fewest lines
    /// apart; mainline on a tie).
    pub nearest: Spec,
    /// A unified diff from that spec's report to the kernel's.
    pub diff: String,
}

impl fmt::Display for Unmatched {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "the kernel's report on the probe script `{}` matches no known Linux; the diff from the nearest, {}:",
            self.script, self.nearest
        )?;
        f.write_str(&self.diff)?;
        write!(
            f,
            "this kernel differs from every semantics procsim knows: if it is a new variant, add a variant rule \
             (src/semantics/variant.rs, docs/semantics.md §12) and a probe script that shows it"
        )
    }
}

/// Why the probe has no answer.
#[derive(Debug, thiserror::Error)]
pub enum ProbeError {
    /// The harness could not run a probe script.
    #[error("probe script `{script}`: {source}")]
    Harness {
        script: &'static str,
        #[source]
        source: KernelError,
    },
    /// The kernel is no known Linux.
    #[error("{0}")]
    Unmatched(Box<Unmatched>),
}

/// The simulator's report on a probe script under `spec`.
fn simulated(probe: &ProbeScript, spec: Spec) -> String {
    let script = parse(probe);
    replay_with(&script, spec.semantics()).render(&script)
}

fn parse(probe: &ProbeScript) -> Script {
    Script::parse(probe.text).expect("the probe scripts parse")
}

/// The Linux spec whose reports equal the kernel's on every probe script.
/// `reports` gives the kernel's report for each script of [`SCRIPTS`], in
/// order.
pub fn classify(reports: &[String; SCRIPTS.len()]) -> Result<Spec, Box<Unmatched>> {
    let candidates = Spec::all_linux();
    let level = Level::Strict;
    let agree = |spec: Spec, (probe, report): (&ProbeScript, &String)| {
        level.normalize(&simulated(probe, spec)) == level.normalize(report)
    };
    let matching: Vec<Spec> =
        candidates.iter().copied().filter(|&spec| SCRIPTS.iter().zip(reports).all(|case| agree(spec, case))).collect();
    if let [spec] = matching.as_slice() {
        return Ok(*spec);
    }
    assert!(matching.is_empty(), "the probe scripts tell every known spec apart (a unit test checks it)");
    // The first script that no candidate explains together with the others,
    // shown against the candidate that is nearest on it.
    let (probe, report) = SCRIPTS
        .iter()
        .zip(reports)
        .find(|case| !candidates.iter().any(|&spec| agree(spec, *case)))
        .or_else(|| SCRIPTS.iter().zip(reports).find(|case| !agree(candidates[0], *case)))
        .expect("an unmatched set of reports has a script that differs");
    let distance = |spec: &Spec| {
        let ours = simulated(probe, *spec);
        similar::TextDiff::from_lines(&ours, report)
            .ops()
            .iter()
            .filter(|op| op.tag() != similar::DiffTag::Equal)
            .count()
    };
    let nearest = *candidates.iter().min_by_key(|spec| distance(spec)).expect("there is a candidate");
    let ours = simulated(probe, nearest);
    let diff = similar::TextDiff::from_lines(&ours, report)
        .unified_diff()
        .header(&format!("procsim --semantics {nearest}"), "kernel")
        .to_string();
    Err(Box::new(Unmatched { script: probe.name, nearest, diff }))
}

/// Runs every probe script on the running kernel and returns the kernel's
/// reports, in the order of [`SCRIPTS`].
pub fn run_scripts(options: &harness::Options) -> Result<[String; SCRIPTS.len()], ProbeError> {
    let mut reports: [String; SCRIPTS.len()] = Default::default();
    for (probe, report) in SCRIPTS.iter().zip(&mut reports) {
        let script = parse(probe);
        let found =
            harness::run_with(&script, options).map_err(|source| ProbeError::Harness { script: probe.name, source })?;
        *report = found.render(&script);
    }
    Ok(reports)
}

/// Probes the running kernel: how the harness runs here, and the spec its
/// reports match.
pub fn probe(options: &harness::Options) -> Findings {
    let mut findings = Findings::new(Uname::current());
    let ran = harness::harness_info(options)
        .map_err(|e| e.to_string())
        .and_then(|info| Ok((info, run_scripts(options).map_err(|e| e.to_string())?)));
    match ran {
        Ok((info, reports)) => {
            findings.harness = Some(Ok(info));
            findings.result = Some(classify(&reports));
        }
        Err(e) => findings.harness = Some(Err(e)),
    }
    findings
}

/// The spec the running kernel shows: what `--semantics host` means.
pub fn host(options: &harness::Options) -> Result<Spec, ProbeError> {
    classify(&run_scripts(options)?).map_err(ProbeError::Unmatched)
}

/// Why reports could not be read for [`classify`].
#[derive(Debug, thiserror::Error)]
#[error("{file}: {source}")]
pub struct ReadError {
    file: String,
    #[source]
    source: std::io::Error,
}

/// Reads the kernel's reports on the probe scripts from `dir/NAME.report`.
pub fn read_reports(dir: &Path) -> Result<[String; SCRIPTS.len()], ReadError> {
    let mut reports: [String; SCRIPTS.len()] = Default::default();
    for (probe, report) in SCRIPTS.iter().zip(&mut reports) {
        let file = dir.join(format!("{}.report", probe.name));
        *report =
            std::fs::read_to_string(&file).map_err(|source| ReadError { file: file.display().to_string(), source })?;
    }
    Ok(reports)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reports_of(spec: Spec) -> [String; SCRIPTS.len()] {
        SCRIPTS.map(|probe| simulated(&probe, spec))
    }

    #[test]
    fn every_linux_spec_is_told_apart_by_its_reports() {
        for spec in Spec::all_linux() {
            assert_eq!(classify(&reports_of(spec)), Ok(spec), "{spec}");
        }
    }

    #[test]
    fn each_variant_script_shows_its_variant() {
        for probe in SCRIPTS.iter().filter(|p| p.shows.is_some()) {
            let variant = probe.shows.expect("filtered");
            assert_eq!(probe.name, variant.name());
            assert_ne!(simulated(probe, Spec::LINUX), simulated(probe, Spec::linux([variant])), "{}", probe.name);
        }
        let baseline = &SCRIPTS[0];
        for spec in Spec::all_linux() {
            assert_eq!(simulated(baseline, spec), simulated(baseline, Spec::LINUX), "{spec}");
        }
    }

    #[test]
    fn a_report_no_known_linux_gives_is_unmatched_with_its_diff() {
        let mut reports = reports_of(Spec::LINUX);
        // `job` of the variant script lives on instead of catching SIGHUP.
        reports[1] = reports[1].replace("caught=HUP,CONT", "caught=-");
        let unmatched = classify(&reports).expect_err("no Linux gives this");
        assert_eq!(unmatched.script, "orphan-hup-stopped-only");
        assert!(unmatched.diff.contains("+proc job"), "{}", unmatched.diff);
        assert!(unmatched.to_string().contains("add a variant rule"));
    }
}
