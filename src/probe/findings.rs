//! What `procsim probe` found, for people (its `Display`) and for scripts
//! (`to_json`): the kernel, whether and how the harness runs, which variants
//! hold, and the spec — or why there is none.

use super::{Uname, Unmatched};
use crate::harness::HarnessInfo;
use crate::semantics::{Spec, Variant};
use serde::Serialize;
use std::collections::BTreeMap;
use std::fmt;

/// The findings of one probe.
#[derive(Clone, Debug)]
pub struct Findings {
    pub uname: Uname,
    /// How the harness ran (`None`: reports were read, nothing was run), or
    /// why it could not.
    pub harness: Option<Result<HarnessInfo, String>>,
    /// The classification of the reports, once there were reports.
    pub result: Option<Result<Spec, Box<Unmatched>>>,
}

impl Findings {
    pub fn new(uname: Uname) -> Findings {
        Findings { uname, harness: None, result: None }
    }

    /// The spec found, if the reports matched one.
    pub fn spec(&self) -> Option<Spec> {
        self.result.as_ref().and_then(|r| r.as_ref().ok()).copied()
    }

    /// The findings as one JSON object (see the README for its fields).
    pub fn to_json(&self) -> String {
        #[derive(Serialize)]
        struct Kernel<'a> {
            release: &'a str,
            version: &'a str,
        }
        #[derive(Serialize)]
        struct Harness<'a> {
            runs: bool,
            privilege: Option<&'static str>,
            exit_status: Option<&'static str>,
            error: Option<&'a str>,
        }
        #[derive(Serialize)]
        struct Mismatch<'a> {
            script: &'a str,
            nearest: String,
            diff: &'a str,
        }
        #[derive(Serialize)]
        struct Json<'a> {
            kernel: Kernel<'a>,
            harness: Option<Harness<'a>>,
            variants: Option<BTreeMap<&'static str, bool>>,
            unmatched: Option<Mismatch<'a>>,
            semantics: Option<String>,
        }
        let harness = self.harness.as_ref().map(|h| match h {
            Ok(info) => Harness {
                runs: true,
                privilege: Some(info.privilege.name()),
                exit_status: Some(info.exit_status.name()),
                error: None,
            },
            Err(e) => Harness { runs: false, privilege: None, exit_status: None, error: Some(e) },
        });
        let unmatched = match &self.result {
            Some(Err(u)) => Some(Mismatch { script: u.script, nearest: u.nearest.to_string(), diff: &u.diff }),
            _ => None,
        };
        let json = Json {
            kernel: Kernel { release: &self.uname.release, version: &self.uname.version },
            harness,
            variants: self.spec().map(|spec| Variant::ALL.into_iter().map(|v| (v.name(), holds(spec, v))).collect()),
            unmatched,
            semantics: self.spec().map(|s| s.to_string()),
        };
        serde_json::to_string_pretty(&json).expect("the findings serialize")
    }
}

fn holds(spec: Spec, variant: Variant) -> bool {
    spec.variants().any(|v| v == variant)
}

impl fmt::Display for Findings {
    /// One fact a line; the last is `semantics: SPEC` when a spec was found.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "kernel: {}", self.uname)?;
        match &self.harness {
            None => writeln!(f, "harness: not run (reports read from files)")?,
            Some(Ok(info)) => {
                writeln!(f, "harness: runs ({}, exit statuses from the {})", info.privilege, info.exit_status)?
            }
            Some(Err(e)) => writeln!(f, "harness: cannot run: {e}")?,
        }
        match &self.result {
            None => Ok(()),
            Some(Err(unmatched)) => writeln!(f, "{unmatched}"),
            Some(Ok(spec)) => {
                for variant in Variant::ALL {
                    let verdict = if holds(*spec, variant) { "holds" } else { "does not hold" };
                    writeln!(f, "variant {} (rule {}): {verdict}", variant.name(), variant.rule())?;
                }
                writeln!(f, "semantics: {spec}")
            }
        }
    }
}
