//! Every run has an id, a deterministic function of what it simulates — the
//! scenario's text, the parameters in effect, the seed, the semantics and
//! procsim's version — that starts every row of `metrics.csv` and
//! `events.csv` and joins them to `run.csv`: rows of many runs concatenated
//! still say whose they are.

use crate::{cli, scratch};
use sha2::{Digest, Sha256};
use std::path::Path;

const SMALL: &str = "# a small mix\nseed = 5\nduration = \"3s\"\ntick = \"10ms\"\n\n[shells]\ninitial = 10\nsuspend = 0.5\n\n[daemons]\ninitial = 3\nwork = { dist = \"exponential\", mean = \"100ms\" }\n";

/// Runs `small.toml` into `out` with `extra` arguments, and gives run.csv's
/// header and row.
fn run(dir: &Path, out: &str, extra: &[&str]) -> (Vec<String>, Vec<String>) {
    let mut args = vec!["run", "small.toml", "--events", "--out", out];
    args.extend_from_slice(extra);
    let output = cli(dir, &args);
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let text = std::fs::read_to_string(dir.join(out).join("run.csv")).unwrap();
    let mut reader = csv::Reader::from_reader(text.as_bytes());
    let header = reader.headers().unwrap().iter().map(str::to_owned).collect();
    let row = reader.records().next().unwrap().unwrap().iter().map(str::to_owned).collect();
    (header, row)
}

fn run_id(dir: &Path, out: &str, extra: &[&str]) -> String {
    let (header, row) = run(dir, out, extra);
    assert_eq!(header[0], "run_id");
    row[0].clone()
}

#[test]
fn the_run_id_starts_every_row_and_is_the_same_for_the_same_inputs() {
    let dir = scratch("identity-same");
    std::fs::write(dir.join("small.toml"), SMALL).unwrap();
    let id = run_id(&dir, "a", &[]);
    let hex = id.strip_prefix('r').unwrap();
    assert!(hex.len() == 16 && hex.bytes().all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase()), "{id}");
    assert_eq!(run_id(&dir, "b", &[]), id, "same inputs, same id");
    // A limit is not an input: it changes how far a run gets, not what it computes.
    assert_eq!(run_id(&dir, "c", &["--max-events-per-tick", "5000000", "--max-processes", "1e6"]), id);
    for table in ["metrics.csv", "events.csv"] {
        let text = std::fs::read_to_string(dir.join("a").join(table)).unwrap();
        let mut lines = text.lines();
        assert!(lines.next().unwrap().starts_with("run_id,time_ns,"), "{table}");
        let rows: Vec<&str> = lines.collect();
        assert!(rows.len() > 100, "{table}: {} rows", rows.len());
        assert!(rows.iter().all(|r| r.split(',').next() == Some(id.as_str())), "{table}: a row without the id");
    }
}

#[test]
fn the_run_id_changes_with_the_seed_a_parameter_the_semantics_or_the_text() {
    let dir = scratch("identity-differs");
    std::fs::write(dir.join("small.toml"), SMALL).unwrap();
    let base = run_id(&dir, "base", &[]);
    let seed = run_id(&dir, "seed", &["--seed", "6"]);
    let duration = run_id(&dir, "duration", &["--duration", "2s"]);
    let semantics = run_id(&dir, "semantics", &["--semantics", "gvisor-2018"]);
    let variant = run_id(&dir, "variant", &["--semantics", "linux+orphan-hup-stopped-only"]);
    std::fs::write(dir.join("small.toml"), SMALL.replace("suspend = 0.5", "suspend = 0.25")).unwrap();
    let parameter = run_id(&dir, "parameter", &[]);
    std::fs::write(dir.join("small.toml"), SMALL.replace("# a small mix", "# a smaller mix")).unwrap();
    let text = run_id(&dir, "text", &[]);
    let mut ids = vec![&base, &seed, &duration, &semantics, &variant, &parameter, &text];
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), 7, "every change gives another id");
}

#[test]
fn the_run_id_is_the_documented_hash_of_run_csv_and_the_scenario_text() {
    let dir = scratch("identity-recomputed");
    std::fs::write(dir.join("small.toml"), SMALL).unwrap();
    let (header, row) = run(&dir, "out", &["--semantics", "gvisor-2018"]);
    let column = |name: &str| &row[header.iter().position(|c| c == name).unwrap()];
    // What `procsim::workload::run_id` documents, from run.csv and the file.
    let mut canonical = Vec::new();
    let mut field = |name: &str, value: &str| {
        canonical.extend_from_slice(format!("{name} {}\n{value}\n", value.len()).as_bytes());
    };
    field("format", "procsim-run-id/1");
    field("procsim", column("procsim_version"));
    field("scenario", column("scenario"));
    field("text", SMALL);
    field("seed", column("seed"));
    field("semantics", column("semantics"));
    let parameters = header.iter().zip(&row).skip(procsim::io::tables::RUN_COLUMNS.len());
    for (name, value) in parameters {
        field(&format!("param.{name}"), value);
    }
    let digest = Sha256::digest(&canonical);
    let hex: String = std::iter::once("r".to_owned()).chain(digest[..8].iter().map(|b| format!("{b:02x}"))).collect();
    assert_eq!(&hex, column("run_id"));
    assert_eq!(column("semantics"), "gvisor-2018");
}
