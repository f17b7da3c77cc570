//! What commands read: replay scripts (named, in folders, or random),
//! scenarios, and semantics specs — with `host` resolved by probing the
//! kernel. Every failure is printed here and becomes the command's exit.

use super::exit::{Exit, Outcome};
use procsim::engine::SimDuration;
use procsim::harness;
use procsim::io::generate::{Lines, random_script_of};
use procsim::io::report::Level;
use procsim::io::script::Script;
use procsim::io::text;
use procsim::probe::{self, ProbeError};
use procsim::semantics::{Requested, Spec};
use procsim::workload::{Scenario, scenario};
use std::path::{Path, PathBuf};

/// The scripts a command runs.
#[derive(clap::Args)]
pub struct Scripts {
    /// `.ops` files, or folders holding them.
    pub paths: Vec<PathBuf>,
    /// Also (or instead) N random scripts.
    #[arg(long, value_name = "N")]
    pub random: Option<u64>,
    /// The seed of the first random script (script i uses seed S + i) [default: 1]; for a
    /// scenario, its seed instead of its own.
    #[arg(long, value_name = "S")]
    pub seed: Option<u64>,
    /// Operations per random script.
    #[arg(long, value_name = "K", default_value_t = 30)]
    pub ops: usize,
    /// Random scripts use threads too (version 2 of the replay format: `thread`, `exit_thread`,
    /// `tkill`, `mask`, `pdeathsig`).
    #[arg(long)]
    pub threads: bool,
    /// Random scripts use controlling terminals too (version 3 of the replay format: `tty`,
    /// `ctty`, `fg`, `key`, `ttyread`, `ttywrite`, `tostop`, `notty`, `hangup`, and `QUIT`), and
    /// threads as with `--threads`.
    #[arg(long)]
    pub tty: bool,
    /// How closely the reports must agree: `core` ignores `CHLD` in `caught=` lists, `strict`
    /// compares byte for byte.
    #[arg(long, default_value_t = Level::Core, value_parser = str::parse::<Level>)]
    pub level: Level,
}

impl Scripts {
    /// The lines random scripts use.
    fn lines(&self) -> Lines {
        match (self.tty, self.threads) {
            (true, _) => Lines::Terminals,
            (false, true) => Lines::Threads,
            (false, false) => Lines::Processes,
        }
    }
}

/// A script to run: its name, its text and the script.
pub struct Case {
    pub name: String,
    pub text: String,
    pub script: Script,
}

/// A duration on the command line that must be longer than 0.
pub fn positive_duration(text: &str) -> Result<SimDuration, String> {
    match text.parse::<SimDuration>() {
        Ok(d) if d.nanos() > 0 => Ok(d),
        Ok(_) => Err("must be longer than 0s".to_owned()),
        Err(e) => Err(e.to_string()),
    }
}

/// The newest version of the replay format the simulator runs (`replay`,
/// `conform`, `compare`): version 3, controlling terminals.
pub const SIMULATOR_SPEAKS: u8 = 3;

/// Reads a script file (`-` is stdin) and parses it; an error names the
/// file and the line (`-:N:` for stdin). A script newer than version
/// `speaks` of the replay format is refused.
pub fn load_script(path: &Path, speaks: u8) -> Outcome<Script> {
    let bytes = if path == Path::new("-") {
        let mut bytes = Vec::new();
        std::io::Read::read_to_end(&mut std::io::stdin(), &mut bytes).map(|_| bytes)
    } else {
        std::fs::read(path)
    };
    let name = path.display().to_string();
    let bytes = bytes.map_err(|e| Exit::BadInput.error(format_args!("{name}: {e}")))?;
    let text = script_text(&name, bytes)?;
    let script = Script::parse_named(&name, &text).map_err(|e| Exit::BadInput.error(e))?;
    speakable(&name, script, speaks)
}

/// `script`, if its version of the replay format is at most `speaks`.
fn speakable(name: &str, script: Script, speaks: u8) -> Outcome<Script> {
    match script.version() {
        v if v <= speaks => Ok(script),
        v => Err(Exit::BadInput.error(format_args!(
            "{name}: the script is version {v} of the replay format, and this command runs version {speaks} at most \
             (`procsim kernel` runs version {})",
            harness::SPEAKS
        ))),
    }
}

/// The text of the script `name`: its bytes, if they are UTF-8.
fn script_text(name: &str, bytes: Vec<u8>) -> Outcome<String> {
    text::utf8(bytes).map_err(|e| Exit::BadInput.error(format_args!("{name}:{}: {e}", e.line)))
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

/// The scripts named and the random ones asked for, parsed; a script newer
/// than version `speaks` of the replay format is refused.
pub fn load_cases(scripts: &Scripts, speaks: u8) -> Outcome<Vec<Case>> {
    let fail = |e: String| Exit::BadInput.error(e);
    let files = collect_scripts(&scripts.paths).map_err(|e| fail(e.to_string()))?;
    if files.is_empty() && scripts.random.is_none() {
        return Err(fail("no scripts given (pass .ops files or folders, or --random N)".to_owned()));
    }
    let mut texts = Vec::new();
    for path in files {
        let name = path.display().to_string();
        let bytes = std::fs::read(&path).map_err(|e| fail(format!("{name}: {e}")))?;
        let text = script_text(&name, bytes)?;
        texts.push((name, text));
    }
    for seed in (0..scripts.random.unwrap_or(0)).map(|i| scripts.seed.unwrap_or(1) + i) {
        texts.push((format!("random seed {seed}"), random_script_of(seed, scripts.ops, scripts.lines())));
    }
    texts
        .into_iter()
        .map(|(name, text)| {
            let script = Script::parse_named(&name, &text).map_err(|e| fail(e.to_string()))?;
            Ok(Case { script: speakable(&name, script, speaks)?, name, text })
        })
        .collect()
}

/// The spec a request names: `host` is what the probe finds on the running
/// kernel (exit 4 when the harness cannot run, 1 when the kernel is no known
/// Linux: never a silent `linux`).
/// Refuses a script with terminals under a spec with the seed's rules: the
/// 2018 seed has no controlling terminals (its row 11).
pub fn runs_under(name: &str, script: &Script, spec: &Spec) -> Outcome<()> {
    if script.version() >= 3 && spec.semantics().has_seed_rules() {
        return Err(Exit::BadInput.error(format_args!(
            "{name}: the script uses controlling terminals (version 3 of the replay format), and {spec} has none \
             (the 2018 seed's row 11: not expressible); run it under linux"
        )));
    }
    Ok(())
}

pub fn resolve(requested: Requested, harness: &harness::Options) -> Outcome<Spec> {
    match requested {
        Requested::Spec(spec) => Ok(spec),
        Requested::Host => probe::host(harness).map_err(|e| {
            let exit = match e {
                ProbeError::Harness { .. } => Exit::NoHarness,
                ProbeError::Unmatched(_) => Exit::Mismatch,
            };
            exit.error(format_args!("--semantics host: {e}"))
        }),
    }
}

/// Refuses to run `scenario` (read from `path`, the built-in default when
/// `None`) under a spec that cannot express it: terminals under the seed's
/// rules.
pub fn scenario_runs_under(path: Option<&Path>, scenario: &Scenario, spec: Spec) -> Outcome<()> {
    let file = path.map_or_else(|| scenario::DEFAULT_FILE.to_owned(), |p| p.display().to_string());
    scenario.check_spec(&file, spec).map_err(|e| Exit::BadInput.error(e))
}

/// Reads a scenario — the file named, or the default one built into the
/// binary — with the seed, duration and semantics given instead of its own,
/// and `host` resolved.
pub fn load_scenario(
    path: Option<&Path>,
    seed: Option<u64>,
    duration: Option<SimDuration>,
    semantics: Option<Requested>,
    harness: &harness::Options,
) -> Outcome<Scenario> {
    let scenario = match path {
        Some(path) => Scenario::load(path),
        None => Scenario::builtin_default(),
    };
    let mut scenario = scenario.map_err(|e| Exit::BadInput.error(e))?;
    scenario.semantics = semantics.unwrap_or(scenario.semantics);
    scenario.resolve_host(|| resolve(Requested::Host, harness))?;
    scenario_runs_under(path, &scenario, scenario.spec())?;
    scenario.seed = seed.unwrap_or(scenario.seed);
    scenario.duration = duration.unwrap_or(scenario.duration);
    scenario.check_length().map_err(|message| Exit::BadInput.error(format_args!("--duration: {message}")))?;
    Ok(scenario)
}
