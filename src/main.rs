//! The `procsim` command line: thin glue over the library.
//!
//! Exit codes: 0 success, 1 a check failed (conform), 2 bad input (parse error,
//! unreadable file), 3 a replay script's operation was invalid at run time,
//! 4 the kernel harness cannot run here.

use clap::{Parser, Subcommand};
use procsim::io::script::Script;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

#[derive(Parser)]
#[command(name = "procsim", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Replay a `.ops` script on the simulator and print its report (`-` reads stdin).
    Replay { file: PathBuf },
    /// Run a `.ops` script on the real Linux kernel and print the same report (`-` reads stdin).
    Kernel { file: PathBuf },
}

/// Reads a script file (`-` is stdin) and parses it; on failure prints the error
/// and gives the exit code.
fn load_script(path: &Path) -> Result<Script, ExitCode> {
    let text = if path == Path::new("-") {
        let mut text = String::new();
        std::io::Read::read_to_string(&mut std::io::stdin(), &mut text).map(|_| text)
    } else {
        std::fs::read_to_string(path)
    };
    let text = text.map_err(|e| {
        eprintln!("error: {}: {e}", path.display());
        ExitCode::from(2)
    })?;
    Script::parse(&text).map_err(|e| {
        eprintln!("error: {e}");
        ExitCode::from(2)
    })
}

fn main() -> ExitCode {
    // A puppet of the kernel harness that came back from `exec` never returns from here.
    procsim::kernel::enter_puppet_if_requested();
    let cli = Cli::parse();
    match cli.command {
        Command::Replay { file } => {
            let script = match load_script(&file) {
                Ok(s) => s,
                Err(code) => return code,
            };
            let report = procsim::replay::replay(&script);
            print!("{}", report.render(&script));
            ExitCode::from(report.exit_code() as u8)
        }
        Command::Kernel { file } => {
            let script = match load_script(&file) {
                Ok(s) => s,
                Err(code) => return code,
            };
            match procsim::kernel::run(&script) {
                Ok(report) => {
                    print!("{}", report.render(&script));
                    ExitCode::from(report.exit_code() as u8)
                }
                Err(e) => {
                    eprintln!("error: {e}");
                    ExitCode::from(4)
                }
            }
        }
    }
}
