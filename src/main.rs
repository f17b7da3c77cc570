//! The `procsim` command line: thin glue over the library.
//!
//! Exit codes: 0 success, 1 a check failed (conform; compare: a difference no
//! rule explains), 2 bad input (parse error,
//! unreadable file), 3 a replay script's operation was invalid at run time,
//! 4 the kernel harness cannot run here.

use clap::{Parser, Subcommand};
use procsim::compare::generate::random_script;
use procsim::compare::{Summary, compare};
use procsim::io::report::Level;
use procsim::io::script::Script;
use procsim::semantics::{Profile, Semantics};
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
    Replay {
        file: PathBuf,
        /// Whose rules the simulator follows.
        #[arg(long, value_enum, default_value_t = Profile::Linux)]
        semantics: Profile,
    },
    /// Run a `.ops` script on the real Linux kernel and print the same report (`-` reads stdin).
    Kernel { file: PathBuf },
    /// Replay scripts under Linux and under the 2018 gVisor seed, and explain every difference by
    /// the row of the table of differences that causes it.
    Compare {
        /// Scripts to compare (`-` reads stdin).
        files: Vec<PathBuf>,
        /// Compare this many random scripts instead.
        #[arg(long, conflicts_with = "files")]
        random: Option<usize>,
        /// The first random script's seed (the others follow).
        #[arg(long, default_value_t = 0)]
        seed: u64,
        /// Operations per random script.
        #[arg(long, default_value_t = 40)]
        ops: usize,
        /// How reports are compared.
        #[arg(long, value_enum, default_value_t = Level::Core)]
        level: Level,
    },
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
    let cli = Cli::parse();
    match cli.command {
        Command::Replay { file, semantics } => {
            let script = match load_script(&file) {
                Ok(s) => s,
                Err(code) => return code,
            };
            let report = procsim::replay::replay_with(&script, Semantics::profile(semantics));
            print!("{}", report.render(&script));
            ExitCode::from(report.exit_code() as u8)
        }
        Command::Compare { files, random, seed, ops, level } => {
            let mut summary = Summary::default();
            let mut scripts = Vec::new();
            match random {
                Some(n) => {
                    for s in (0..n as u64).map(|i| seed.wrapping_add(i)) {
                        let text = random_script(s, ops);
                        let script = Script::parse(&text).expect("generated scripts parse");
                        scripts.push((format!("random seed {s}"), script));
                    }
                }
                None if files.is_empty() => {
                    eprintln!("error: give scripts to compare, or --random N");
                    return ExitCode::from(2);
                }
                None => {
                    for file in &files {
                        match load_script(file) {
                            Ok(script) => scripts.push((file.display().to_string(), script)),
                            Err(code) => return code,
                        }
                    }
                }
            }
            for (name, script) in &scripts {
                let comparison = compare(script, level);
                if !comparison.differences.is_empty() {
                    println!("== {name}: {} differing lines (linux | gvisor-2018)", comparison.differences.len());
                    print!("{comparison}");
                }
                summary.add(name, &comparison);
            }
            print!("{summary}");
            ExitCode::from(u8::from(summary.has_unexplained()))
        }
        Command::Kernel { file } => {
            let script = match load_script(&file) {
                Ok(s) => s,
                Err(code) => return code,
            };
            let _ = script;
            eprintln!("error: kernel is not built yet");
            ExitCode::from(4)
        }
    }
}
