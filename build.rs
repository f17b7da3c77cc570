//! Names the git commit procsim is built from, for `procsim --version` and
//! the `procsim_commit` column of `run.csv`: `PROCSIM_COMMIT` is the commit's
//! full hash, followed by `-dirty` when the files the binary is built from
//! (`SOURCES`) differ from that commit, or `unknown` when there is no commit
//! to name — no git on the machine, no repository (a crate from a tarball),
//! or a repository whose top is not procsim's folder (procsim vendored in
//! another project, whose commit says nothing of procsim's). It never fails
//! the build.

// Cargo reads a build script's instructions on its stdout.
#![allow(clippy::disallowed_macros)]

use std::path::Path;
use std::process::Command;

/// What the binary is built from: a change here makes the build `-dirty`.
const SOURCES: [&str; 5] = ["src", "build.rs", "Cargo.toml", "Cargo.lock", "scenarios"];

/// The output of `git ARGS` in procsim's folder, if git runs and succeeds.
fn git(args: &[&str]) -> Option<String> {
    let output = Command::new("git").args(args).output().ok()?;
    let text = String::from_utf8(output.stdout).ok()?;
    output.status.success().then(|| text.trim().to_owned())
}

/// The commit, `-dirty` or not, and the files of git's that say when it
/// changes (HEAD, the branch it names, the index).
fn commit() -> Option<(String, Vec<String>)> {
    let top = git(&["rev-parse", "--show-toplevel"])?;
    let here = std::env::var("CARGO_MANIFEST_DIR").ok()?;
    if Path::new(&top).canonicalize().ok()? != Path::new(&here).canonicalize().ok()? {
        return None;
    }
    let hash = git(&["rev-parse", "--verify", "HEAD"])?;
    let mut status = vec!["--no-optional-locks", "status", "--porcelain", "--"];
    status.extend(SOURCES);
    let dirty = git(&status).is_none_or(|changes| !changes.is_empty());
    let mut watched = vec![];
    let mut watch = |name: &str| watched.extend(git(&["rev-parse", "--git-path", name]));
    watch("HEAD");
    watch("index");
    watch("packed-refs");
    if let Some(branch) = git(&["symbolic-ref", "-q", "HEAD"]) {
        watch(&branch);
    }
    // Cargo reruns a build script whose watched file is missing at every
    // build: a branch kept only in packed-refs is watched there.
    watched.retain(|path| Path::new(path).exists());
    Some((if dirty { format!("{hash}-dirty") } else { hash }, watched))
}

fn main() {
    for source in SOURCES {
        println!("cargo::rerun-if-changed={source}");
    }
    let commit = match commit() {
        Some((commit, watched)) => {
            for path in watched {
                println!("cargo::rerun-if-changed={path}");
            }
            commit
        }
        None => "unknown".to_owned(),
    };
    println!("cargo::rustc-env=PROCSIM_COMMIT={commit}");
}
