//! Messages for people: every mistake in an input is told in the words of
//! the file it is in (TOML's, the replay format's), never in Rust's, and
//! placed at `FILE:N:`: a value of the wrong kind for any key, a duplicate
//! key, text that is not UTF-8, a replay script's error; a byte-order mark is
//! skipped in both kinds of file; a tick must divide the run; `bench` checks
//! where it will write before it measures.

use crate::{cli, cli_with, scratch};
use procsim::workload::Scenario;
use std::process::{Output, Stdio};

const HEAD: &str = "seed = 1\nduration = \"1s\"\ntick = \"10ms\"\n";

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// What no message may say: Rust's names of types, and serde's words for
/// TOML's arrays and tables.
fn rust_words(message: &str) -> Vec<String> {
    const TYPES: [&str; 17] = [
        "u8", "u16", "u32", "u64", "u128", "i8", "i16", "i32", "i64", "i128", "f32", "f64", "usize", "struct",
        "sequence", "map", "enum",
    ];
    message
        .split(|c: char| !(c.is_alphanumeric() || c == '_' || c == '$'))
        .filter(|word| {
            let camel = word.chars().skip(1).any(char::is_uppercase) && word.chars().any(char::is_lowercase);
            let camel = camel && *word != "NaN";
            TYPES.contains(word) || camel || word.contains("__")
        })
        .map(str::to_owned)
        .collect()
}

/// Every key a scenario has, dotted, and every table.
fn keys() -> Vec<String> {
    let scenario = Scenario::parse("keys.toml", HEAD).unwrap();
    let mut keys: Vec<String> = vec!["seed".into(), "duration".into(), "tick".into()];
    for (key, _) in scenario.parameters() {
        let mut parts: Vec<&str> = key.split('.').collect();
        while !parts.is_empty() {
            keys.push(parts.join("."));
            parts.pop();
        }
    }
    keys.sort();
    keys.dedup();
    keys
}

/// A scenario that sets `key` to `value` (and nothing else beyond HEAD).
fn setting(key: &str, value: &str) -> String {
    let head: String = HEAD.lines().filter(|l| !l.starts_with(&format!("{key} "))).map(|l| format!("{l}\n")).collect();
    match key.split_once('.') {
        None => format!("{head}{key} = {value}\n"),
        Some((table, rest)) => format!("{head}[{table}]\n{rest} = {value}\n"),
    }
}

#[test]
fn a_value_of_the_wrong_kind_is_told_in_toml_words_for_every_key() {
    // Integers, negatives, floats, strings, tables, arrays, booleans, and
    // beyond: an integer past 64 bits, a datetime.
    let values = [
        "\"x\"",
        "-1",
        "1.5",
        "true",
        "[1]",
        "{ a = 1 }",
        "[]",
        "99999999999999999999",
        "1979-05-27",
        "nan",
        "4294967296",
    ];
    let mut wrong = Vec::new();
    let mut checked = 0;
    for key in keys() {
        for value in values {
            let text = setting(&key, value);
            let Err(e) = Scenario::parse("s.toml", &text) else { continue };
            let message = e.to_string();
            checked += 1;
            let words = rust_words(&message);
            if !words.is_empty() {
                wrong.push(format!("{key} = {value}: {message} ({words:?})"));
            }
            let named = message.contains(&format!("`{key}`")) || message.contains(&format!("`{key}."));
            if !named && !["seed", "duration", "tick"].contains(&key.as_str()) {
                wrong.push(format!("{key} = {value}: the key is not named: {message}"));
            }
        }
    }
    assert!(checked > 500, "only {checked} mistakes tried");
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

#[test]
fn a_table_is_never_read_from_an_array() {
    for (key, value) in [("shells", "[1]"), ("containers.services", "[3]"), ("shells.reap", "[\"constant\"]")] {
        let err = Scenario::parse("s.toml", &setting(key, value)).unwrap_err().to_string();
        assert!(err.contains(&format!("`{key}`: invalid type: array, expected a")), "{key} = {value}: {err}");
    }
}

#[test]
fn a_seed_beyond_what_toml_and_run_csv_hold_is_refused() {
    let err = Scenario::parse("s.toml", "seed = 9223372036854775808\nduration = \"1s\"\ntick = \"10ms\"\n")
        .unwrap_err()
        .to_string();
    assert_eq!(
        err,
        "s.toml:1: `seed`: invalid value: integer `9223372036854775808`, \
         expected a whole number from 0 to 9223372036854775807"
    );
}

#[test]
fn a_duplicate_key_is_named_with_the_line_it_was_first_set_on() {
    let dir = scratch("duplicate-keys");
    let cases = [
        (format!("{HEAD}seed = 2\n"), "dup.toml:4: `seed`: duplicate key (first set on line 1)"),
        (format!("{HEAD}\"seed\" = 2\n"), "dup.toml:4: `seed`: duplicate key (first set on line 1)"),
        (
            format!("{HEAD}[shells]\ninitial = 1\n[shells]\n"),
            "dup.toml:6: `shells`: duplicate key (first set on line 4)",
        ),
        (
            format!("{HEAD}[shells]\nreap = {{ dist = \"constant\", value = \"1s\", value = \"2s\" }}\n"),
            "dup.toml:5: `shells.reap.value`: duplicate key (first set on line 5)",
        ),
        (
            format!("{HEAD}[batch]\ninitial = 1\nchildren = 3\ninitial = 2\n"),
            "dup.toml:7: `batch.initial`: duplicate key (first set on line 5)",
        ),
    ];
    for (text, want) in cases {
        std::fs::write(dir.join("dup.toml"), &text).unwrap();
        let output = cli(&dir, &["run", "dup.toml", "--out", "out"]);
        assert_eq!(output.status.code(), Some(2));
        assert_eq!(stderr(&output), format!("error: {want}\n"), "{text}");
    }
}

#[test]
fn text_that_is_not_utf8_is_placed_at_its_line() {
    let dir = scratch("not-utf8");
    let mut scenario = HEAD.as_bytes().to_vec();
    scenario.extend_from_slice(b"# caf\xe9\n");
    std::fs::write(dir.join("latin1.toml"), &scenario).unwrap();
    let output = cli(&dir, &["run", "latin1.toml", "--out", "out"]);
    assert_eq!(output.status.code(), Some(2));
    let why = "not UTF-8 text (byte 0xe9 at column 6); save the file as UTF-8";
    assert_eq!(stderr(&output), format!("error: latin1.toml:4: {why}\n"));

    let script = b"fork init a\n# caf\xe9\nexit a\n";
    std::fs::create_dir_all(dir.join("scripts")).unwrap();
    std::fs::write(dir.join("scripts/latin1.ops"), script).unwrap();
    let output = cli(&dir, &["replay", "scripts/latin1.ops"]);
    assert_eq!(output.status.code(), Some(2));
    assert_eq!(stderr(&output), format!("error: scripts/latin1.ops:2: {why}\n"));
    let output = cli_with(&dir, &["replay", "-"], script, Stdio::piped());
    assert_eq!(stderr(&output), format!("error: -:2: {why}\n"));
    let output = cli(&dir, &["compare", "scripts"]);
    assert_eq!(stderr(&output), format!("error: scripts/latin1.ops:2: {why}\n"));
}

#[test]
fn a_replay_error_names_the_file_and_the_line() {
    let dir = scratch("replay-errors");
    std::fs::create_dir_all(dir.join("scripts")).unwrap();
    let script = "fork init a\n\nspawn a b\n";
    std::fs::write(dir.join("scripts/spawn.ops"), script).unwrap();
    let want = "3: unknown operation `spawn` (expected fork, exit, exec, setsid, setpgid, reap, signal, dispose, \
                subreaper, thread, exit_thread, tkill, mask, pdeathsig, tty, ctty, fg, ttyread, ttywrite, tostop, \
                notty, key or hangup)\n";
    for (args, file) in [
        (&["replay", "scripts/spawn.ops"][..], "scripts/spawn.ops"),
        (&["replay", "-"], "-"),
        (&["compare", "scripts"], "scripts/spawn.ops"),
        (&["conform", "scripts/spawn.ops", "--semantics", "linux"], "scripts/spawn.ops"),
    ] {
        let output = cli_with(&dir, args, script.as_bytes(), Stdio::piped());
        assert_eq!(output.status.code(), Some(2), "{args:?}");
        assert_eq!(stderr(&output), format!("error: {file}:{want}"), "{args:?}");
        assert!(output.stdout.is_empty(), "{args:?}: nothing on stdout");
    }
}

/// A key, a value or a label of megabytes (found by the hostile-input
/// campaign, `tests/fuzz/hostile.py`: 16 MB of stderr for one unknown key)
/// is quoted shortened, so that the error stays one short line.
#[test]
fn an_enormous_word_is_quoted_shortened() {
    let dir = scratch("enormous-words");
    let key = "k".repeat(1_000_000);
    let duration = "9".repeat(1_000_000);
    let cases = [
        (format!("{HEAD}[shells]\n{key} = 1\n"), "enormous-key.toml", "error: enormous-key.toml:5: `shells."),
        (
            format!("{HEAD}[shells]\nthink = {{ dist = \"constant\", value = \"{duration}s\" }}\n"),
            "enormous-value.toml",
            "error: enormous-value.toml:5: `shells.think.value`: `999",
        ),
    ];
    for (text, file, start) in cases {
        std::fs::write(dir.join(file), text).unwrap();
        let output = cli(&dir, &["run", file, "--out", "out"]);
        assert_eq!(output.status.code(), Some(2), "{file}");
        let err = stderr(&output);
        assert!(err.starts_with(start), "{file}: {}", &err[..err.len().min(300)]);
        assert!(
            err.len() < 1000 && err.lines().count() == 1,
            "{file}: {} bytes: {}",
            err.len(),
            &err[..err.len().min(300)]
        );
        assert!(err.contains("characters)…"), "{file}: {err}");
    }
    for (script, start) in [
        (format!("fork init a\nexit a {duration}\n"), "error: long.ops:2: number `9999"),
        (
            format!("fork init a\nsignal - {} a\n", "KILL".repeat(250_000)),
            "error: long.ops:2: unknown signal `KILLKILL",
        ),
    ] {
        std::fs::write(dir.join("long.ops"), &script).unwrap();
        let output = cli(&dir, &["replay", "long.ops"]);
        assert_eq!(output.status.code(), Some(2));
        let err = stderr(&output);
        assert!(err.starts_with(start), "{}", &err[..err.len().min(300)]);
        assert!(err.len() < 1000 && err.lines().count() == 1, "{} bytes: {}", err.len(), &err[..err.len().min(300)]);
    }
}

#[test]
fn a_byte_order_mark_is_skipped_in_scripts_and_scenarios() {
    let dir = scratch("bom");
    let script = "fork init a\nsetsid a\nexit a\n";
    std::fs::write(dir.join("plain.ops"), script).unwrap();
    std::fs::write(dir.join("bom.ops"), format!("\u{feff}{script}")).unwrap();
    let plain = cli(&dir, &["replay", "plain.ops"]);
    let bom = cli(&dir, &["replay", "bom.ops"]);
    assert!(bom.status.success(), "{}", stderr(&bom));
    assert_eq!(bom.stdout, plain.stdout);
    std::fs::write(dir.join("bom.toml"), format!("\u{feff}{HEAD}")).unwrap();
    let output = cli(&dir, &["run", "bom.toml", "--out", "out"]);
    assert!(output.status.success(), "{}", stderr(&output));
}

#[test]
fn a_tick_must_divide_the_run() {
    let err = |duration: &str, tick: &str| {
        let text = format!("seed = 1\nduration = \"{duration}\"\ntick = \"{tick}\"\n");
        Scenario::parse("s.toml", &text).err().map(|e| e.to_string())
    };
    assert_eq!(err("1s", "2s").as_deref(), Some("s.toml:3: `tick`: a tick of 2s is longer than the run (1s)"));
    assert_eq!(
        err("1s", "300ms").as_deref(),
        Some("s.toml:3: `tick`: 1s is not a whole number of ticks of 300ms (a tick must divide the duration)")
    );
    assert_eq!(err("1s", "1s"), None);
    assert_eq!(err("1s", "250ms"), None);
    let dir = scratch("tick-divides");
    std::fs::write(dir.join("ok.toml"), HEAD).unwrap();
    let output = cli(&dir, &["run", "ok.toml", "--duration", "1005ms", "--out", "out"]);
    assert_eq!(output.status.code(), Some(2));
    assert_eq!(
        stderr(&output),
        "error: --duration: 1005ms is not a whole number of ticks of 10ms (a tick must divide the duration)\n"
    );
    assert!(!dir.join("out").exists());
}

#[test]
fn bench_checks_where_it_writes_before_it_measures() {
    let dir = scratch("bench-unwritable");
    std::fs::write(dir.join("a-file"), "").unwrap();
    std::fs::create_dir(dir.join("a-folder")).unwrap();
    for (args, want) in [
        (
            &["bench", "--quick", "--sizes", "1e4", "--out", "a-file/scaling.csv"][..],
            "error: a-file/scaling.csv: cannot create its folder a-file: ",
        ),
        (
            &["bench", "--quick", "--sizes", "1e4", "--out", "ok/scaling.csv", "--svg", "a-file/chart.svg"],
            "error: a-file/chart.svg: cannot create its folder a-file: ",
        ),
        (
            &["bench", "--quick", "--sizes", "1e4", "--out", "ok/scaling.csv", "--floor", "--svg", "a-folder"],
            "error: a-folder: is a folder",
        ),
    ] {
        let output = cli(&dir, args);
        let err = stderr(&output);
        assert_eq!(output.status.code(), Some(5), "{args:?}: {err}");
        assert!(err.starts_with(want), "{args:?}: {err}");
        assert!(output.stdout.is_empty(), "{args:?}: measured before failing");
    }
    assert!(!dir.join("ok/scaling.csv").exists() && !dir.join("ok/scaling.csv.partial").exists());
    let output = cli(&dir, &["bench", "--sizes", "1e4,0"]);
    assert_eq!(output.status.code(), Some(2));
    assert!(stderr(&output).contains("a population is at least 1 process"), "{}", stderr(&output));
    assert!(output.stdout.is_empty());
}
