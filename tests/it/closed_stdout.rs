//! A stdout that cannot be written never panics (exit 101): a reader that
//! went away (`procsim … | head -1`) ends the command quietly with exit 0,
//! and a full disk is `error: cannot write to standard output: …` with exit
//! 5 — for every command, through one piece of code (`src/cli/output.rs`).

use crate::{cli_with, scenarios, scratch};
use std::path::{Path, PathBuf};
use std::process::{Output, Stdio};

/// A stdout whose reader has gone: the read end of the pipe is closed
/// before procsim starts, so its first write meets `EPIPE`, every time.
fn closed() -> Stdio {
    let (reader, writer) = std::io::pipe().expect("a pipe");
    drop(reader);
    writer.into()
}

/// A stdout on a full disk.
fn full() -> Stdio {
    std::fs::OpenOptions::new().write(true).open("/dev/full").expect("/dev/full").into()
}

fn replay_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/replay")
}

/// The commands tried, each with what it needs: a script, the corpus, a
/// short scenario, `--help`.
fn commands(dir: &Path) -> Vec<(String, Vec<String>)> {
    let script = replay_dir().join("example_shell_dies.ops").display().to_string();
    let corpus = replay_dir().display().to_string();
    let scenario = scenarios().join("shells.toml").display().to_string();
    let out = dir.join("out").display().to_string();
    let list: [&[&str]; 7] = [
        &["replay", &script],
        &["replay", "-"],
        // `conform` says which semantics it compares before it runs the kernel.
        &["conform", &corpus, "--semantics", "linux"],
        &["compare", &corpus],
        &["run", &scenario, "--duration", "1s", "--out", &out],
        &["bench", "--quick", "--sizes", "1e3", "--out", &format!("{out}/scaling.csv")],
        &["--help"],
    ];
    list.iter().map(|args| (args.join(" "), args.iter().map(|a| a.to_string()).collect())).collect()
}

fn run(dir: &Path, args: &[String], stdout: Stdio) -> Output {
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let script = std::fs::read(replay_dir().join("example_shell_dies.ops")).unwrap();
    cli_with(dir, &args, &script, stdout)
}

#[test]
fn a_reader_that_went_away_ends_every_command_quietly_with_exit_0() {
    let dir = scratch("closed-stdout");
    for (name, args) in commands(&dir) {
        let output = run(&dir, &args, closed());
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(0), "procsim {name}: {stderr}");
        assert_eq!(stderr, "", "procsim {name} says nothing");
    }
    // The run printed its summary last: its tables are written whole.
    assert!(dir.join("out/run.csv").exists() && dir.join("out/metrics.csv").exists());
}

#[test]
fn a_full_disk_is_an_error_with_exit_5() {
    let dir = scratch("full-stdout");
    for (name, args) in commands(&dir) {
        let output = run(&dir, &args, full());
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(5), "procsim {name}: {stderr}");
        assert_eq!(
            stderr, "error: cannot write to standard output: No space left on device (os error 28)\n",
            "procsim {name}: one line, and no panic"
        );
    }
}
