//! Standard output: everything a command prints there goes through [`out!`]
//! and [`outln!`] (clippy refuses `print!` and `println!` elsewhere), so that
//! every command ends the same way when it cannot print.
//!
//! - **The reader went away** (`procsim replay FILE | head -1`: the pipe is
//!   closed, and the write fails with `EPIPE`, since Rust ignores `SIGPIPE`):
//!   the command stops at that line, prints nothing more (on stderr either)
//!   and exits 0 ([`Exit::Closed`]). That is ripgrep's choice, and the reason
//!   for it holds here: the reader stopped because it had what it wanted,
//!   which is not a failure of procsim; a C program would die of the
//!   `SIGPIPE` instead, and the shell report 141, which makes
//!   `set -o pipefail` scripts fail on every `| head`; and any other code
//!   would mean something else here (1 is a comparison that failed). The
//!   price: the code then says nothing of the work left undone, so a script
//!   that needs it keeps the whole output (`> file`).
//! - **Any other failure** (`> /dev/full`: no space left): `error: cannot
//!   write to standard output: …` on stderr, and exit 5
//!   ([`Exit::CannotWrite`]), as for the tables of `procsim run`.
//!
//! After either, every later write fails at once the same way (without a
//! second message), so a command may go on to finish what it must — the
//! tables of a run — and still end as the first failure said.
//!
//! Each write is flushed at once: what is printed is on its way before the
//! command goes on, and a failure is seen at the line that met it, not at
//! exit, where Rust would drop it silently.

use super::exit::{Exit, Outcome};
use std::fmt;
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU8, Ordering};

/// What became of stdout: it works, its reader went away, or it failed.
static STATE: AtomicU8 = AtomicU8::new(OPEN);
const OPEN: u8 = 0;
const CLOSED: u8 = 1;
const FAILED: u8 = 2;

/// Prints on stdout; `Err` is the exit the command must end with (its
/// message, if any, printed).
pub fn print(args: fmt::Arguments<'_>) -> Outcome<()> {
    match STATE.load(Ordering::Relaxed) {
        OPEN => {}
        CLOSED => return Err(Exit::Closed),
        _ => return Err(Exit::CannotWrite),
    }
    let mut stdout = io::stdout().lock();
    stdout.write_fmt(args).and_then(|()| stdout.flush()).map_err(|e| ended(&e))
}

/// The exit a failed write to stdout ends the command with, remembered for
/// the writes after it.
fn ended(error: &io::Error) -> Exit {
    if error.kind() == io::ErrorKind::BrokenPipe {
        STATE.store(CLOSED, Ordering::Relaxed);
        Exit::Closed
    } else {
        STATE.store(FAILED, Ordering::Relaxed);
        Exit::CannotWrite.error(format_args!("cannot write to standard output: {error}"))
    }
}

/// Like `print!`, through [`print`]: `out!(…)?`.
macro_rules! out {
    ($($arg:tt)*) => {
        $crate::cli::output::print(format_args!($($arg)*))
    };
}

/// Like `println!`, through [`print`]: `outln!(…)?`.
macro_rules! outln {
    () => {
        $crate::cli::output::print(format_args!("\n"))
    };
    ($($arg:tt)*) => {
        $crate::cli::output::print(format_args!("{}\n", format_args!($($arg)*)))
    };
}

pub(crate) use {out, outln};

/// The folder a run of `scenario` writes its tables to when `--out` does not
/// say, `results/<scenario>-seed<N>`; when it holds an earlier run's tables,
/// a note says they are replaced ([`note_replacing`]).
pub fn default_run_dir(scenario: &procsim::workload::Scenario) -> PathBuf {
    let dir = PathBuf::from(format!("results/{}-seed{}", scenario.name, scenario.seed));
    note_replacing(&dir, &["run.csv", "metrics.csv", "events.csv"]);
    dir
}

/// A command is about to replace the `tables` an earlier run left in `dir`,
/// the folder it chose itself: say so on stderr — never asking, since a run
/// is often unattended. (Where `--out` names the folder, the user chose to
/// replace what is there, and nothing is said.)
pub fn note_replacing(dir: &Path, tables: &[&str]) {
    let found: Vec<&str> = tables.iter().copied().filter(|name| dir.join(name).exists()).collect();
    if let Some((last, others)) = found.split_last() {
        let names = if others.is_empty() { (*last).to_owned() } else { format!("{} and {last}", others.join(", ")) };
        let _ = writeln!(
            io::stderr(),
            "note: replacing the {names} of an earlier run in {} (--out chooses another place)",
            dir.display()
        );
    }
}
