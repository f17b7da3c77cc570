//! The `procsim` command line: thin glue over the library.
//!
//! Exit codes: 0 success, 1 a check failed (conform), 2 bad input (parse error,
//! unreadable file), 3 a replay script's operation was invalid at run time,
//! 4 the kernel harness cannot run here.

use clap::{Parser, Subcommand};
use procsim::compare::Summary;
use procsim::io::generate::random_script;
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
    /// Run scripts on the simulator and on the kernel and compare the reports.
    Conform(ConformArgs),
    /// Replay scripts under Linux and under the 2018 gVisor seed, and put every difference down
    /// to the row of the table of differences that causes it.
    Compare(Scripts),
}

/// The scripts a command runs.
#[derive(clap::Args)]
struct Scripts {
    /// `.ops` files, or folders holding them.
    paths: Vec<PathBuf>,
    /// Also (or instead) N random scripts.
    #[arg(long, value_name = "N")]
    random: Option<u64>,
    /// The seed of the first random script (script i uses seed S + i).
    #[arg(long, value_name = "S", default_value_t = 1)]
    seed: u64,
    /// Operations per random script.
    #[arg(long, value_name = "K", default_value_t = 30)]
    ops: usize,
    /// How closely the reports must agree.
    #[arg(long, value_enum, default_value_t = Level::Core)]
    level: Level,
}

#[derive(clap::Args)]
struct ConformArgs {
    #[command(flatten)]
    scripts: Scripts,
    /// Where failing scripts are saved, with both reports and a diff.
    #[arg(long, value_name = "DIR", default_value = "results/conform-failures")]
    failures: PathBuf,
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

/// The `.ops` files named, and those directly in the folders named, sorted
/// within each folder (subfolders such as `bad/`, of scripts that must not
/// parse, are left alone).
fn collect_scripts(paths: &[PathBuf]) -> std::io::Result<Vec<PathBuf>> {
    let mut out = Vec::new();
    for path in paths {
        if path.is_dir() {
            let mut files: Vec<PathBuf> =
                std::fs::read_dir(path)?.map(|e| e.map(|e| e.path())).collect::<Result<_, _>>()?;
            files.retain(|p| p.is_file() && p.extension().is_some_and(|e| e == "ops"));
            files.sort();
            out.extend(files);
        } else {
            out.push(path.clone());
        }
    }
    Ok(out)
}

/// A script to run: its name, its text and the script.
struct Case {
    name: String,
    text: String,
    script: Script,
}

/// The scripts named and the random ones asked for, parsed; on failure prints
/// the error and gives the exit code (2).
fn load_cases(scripts: &Scripts) -> Result<Vec<Case>, ExitCode> {
    let fail = |e: String| {
        eprintln!("error: {e}");
        ExitCode::from(2)
    };
    let files = collect_scripts(&scripts.paths).map_err(|e| fail(e.to_string()))?;
    if files.is_empty() && scripts.random.is_none() {
        return Err(fail("no scripts given (pass .ops files or folders, or --random N)".to_owned()));
    }
    let mut texts = Vec::new();
    for path in files {
        let text = std::fs::read_to_string(&path).map_err(|e| fail(format!("{}: {e}", path.display())))?;
        texts.push((path.display().to_string(), text));
    }
    for seed in (0..scripts.random.unwrap_or(0)).map(|i| scripts.seed + i) {
        texts.push((format!("random seed {seed}"), random_script(seed, scripts.ops)));
    }
    texts
        .into_iter()
        .map(|(name, text)| match Script::parse(&text) {
            Ok(script) => Ok(Case { name, text, script }),
            Err(e) => Err(fail(format!("{name}: {e}"))),
        })
        .collect()
}

/// `procsim conform`: one line per script, a closing count, exit 1 on any
/// failure, 2 on bad input, 4 when the kernel harness cannot run.
fn conform(args: ConformArgs) -> ExitCode {
    let cases = match load_cases(&args.scripts) {
        Ok(cases) => cases,
        Err(code) => return code,
    };
    let (mut passed, mut failed) = (0, 0);
    for Case { name, text, script } in &cases {
        let comparison = match procsim::conform::compare(script, args.scripts.level) {
            Ok(c) => c,
            Err(e) => {
                eprintln!("error: {name}: {e}");
                return ExitCode::from(4);
            }
        };
        if comparison.agrees {
            passed += 1;
            println!("pass {name}");
        } else {
            failed += 1;
            let file = name.rsplit('/').next().unwrap_or(name).trim_end_matches(".ops").replace(' ', "-");
            match comparison.save(&args.failures, &file, text) {
                Ok(base) => println!("FAIL {name} (saved as {}.*)", base.display()),
                Err(e) => println!("FAIL {name} (not saved: {e})"),
            }
        }
    }
    println!("{passed} passed, {failed} failed");
    if failed > 0 { ExitCode::from(1) } else { ExitCode::SUCCESS }
}

/// `procsim compare`: the differing fields of each script that diverges, each
/// with its explanation, then a count by row; exit 2 on bad input.
fn compare(scripts: Scripts) -> ExitCode {
    let cases = match load_cases(&scripts) {
        Ok(cases) => cases,
        Err(code) => return code,
    };
    let mut summary = Summary::default();
    for Case { name, script, .. } in &cases {
        let comparison = procsim::compare::compare(script, scripts.level);
        if !comparison.differences.is_empty() {
            println!("== {name}: {} lines differ (linux, then gvisor-2018)", comparison.differing_lines());
            print!("{comparison}");
        }
        summary.add(name, &comparison);
    }
    print!("{summary}");
    ExitCode::SUCCESS
}

fn main() -> ExitCode {
    // A puppet of the kernel harness that came back from `exec` never returns from here.
    procsim::kernel::enter_puppet_if_requested();
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
        Command::Conform(args) => conform(args),
        Command::Compare(scripts) => compare(scripts),
    }
}
