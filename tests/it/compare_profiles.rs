//! `procsim compare` between any two profiles: a vendor kernel's variant
//! against mainline, the seed against Linux or the other way round. A
//! difference is put down to the decisions in which the two differ — a
//! kernel variant as a variant, never as a row of the seed's table.

use crate::{cli, scenarios, scratch};
use procsim::compare::{Summary, compare};
use procsim::io::report::Level;
use procsim::io::script::Script;
use procsim::semantics::{Decision, Rule, Semantics, Spec, Variant};
use std::path::Path;

const STOPPED_ONLY: Variant = Variant::OrphanHupStoppedOnly;

/// `tests/replay/g05`: a shell dies leaving a job whose leader is stopped
/// and whose other member, `k`, runs.
fn g05() -> Script {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/replay/g05_parent_of_only_link_exits.ops");
    Script::parse(&std::fs::read_to_string(path).expect("readable script")).expect("committed scripts parse")
}

fn vendor_kernel() -> Semantics {
    Semantics::LINUX.with(STOPPED_ONLY)
}

#[test]
fn the_variant_spares_the_running_member_and_explains_it_alone() {
    let comparison = compare(&g05(), Semantics::LINUX, vendor_kernel(), Level::Core);
    let k: Vec<_> = comparison.differences.iter().filter(|d| comparison.line_name(d.key.line) == "proc k").collect();
    assert!(k.iter().any(|d| d.key.field == "state"), "k dies of the SIGHUP only on mainline:\n{comparison}");
    for d in &comparison.differences {
        assert_eq!(d.explanation.decisions(), [Decision::Variant(STOPPED_ONLY)], "{comparison}");
        assert!(d.explanation.rows().is_empty(), "{comparison}");
    }
    assert_eq!(comparison.explained_by(STOPPED_ONLY).count(), comparison.differences.len());
    assert!(comparison.to_string().contains("variant orphan-hup-stopped-only: "), "{comparison}");
}

#[test]
fn a_profile_against_itself_differs_nowhere() {
    for semantics in [Semantics::LINUX, vendor_kernel(), Semantics::gvisor_2018()] {
        assert!(compare(&g05(), semantics, semantics, Level::Core).differences.is_empty());
    }
}

#[test]
fn swapping_the_profiles_swaps_the_values_and_keeps_the_causes() {
    let pairs = [(Semantics::LINUX, Semantics::gvisor_2018()), (Semantics::LINUX, vendor_kernel())];
    for (base, against) in pairs {
        let forward = compare(&g05(), base, against, Level::Core);
        let backward = compare(&g05(), against, base, Level::Core);
        assert!(!forward.differences.is_empty());
        assert_eq!(forward.differences.len(), backward.differences.len());
        for (f, b) in forward.differences.iter().zip(&backward.differences) {
            assert_eq!((f.key, &f.base, &f.against), (b.key, &b.against, &b.base));
            assert_eq!(f.explanation.decisions(), b.explanation.decisions());
        }
    }
}

#[test]
fn the_summary_counts_a_variant_as_a_variant_after_the_rows() {
    let mut summary = Summary::default();
    let against = [Semantics::gvisor_2018(), vendor_kernel(), Semantics::gvisor_2018().with(STOPPED_ONLY)];
    for (i, against) in against.into_iter().enumerate() {
        summary.add(&format!("g05 #{i}"), &compare(&g05(), Semantics::LINUX, against, Level::Core));
    }
    let decisions: Vec<Decision> = summary.tallies().map(|(d, _)| d).collect();
    assert_eq!(decisions, [Decision::Seed(Rule::ReparentUnseen), Decision::Variant(STOPPED_ONLY)]);
    let (_, variant) = summary.tallies().last().expect("the variant is counted");
    assert_eq!(variant.scripts, 2, "alone, and as the other cause of k's fate beside row 5");
    let text = summary.to_string();
    let firsts: Vec<&str> = text.lines().skip(2).filter_map(|l| l.split("  ").next()).collect();
    assert_eq!(firsts, ["row 5", "variant orphan-hup-stopped-only"], "{text}");
    assert!(!text.contains(&format!("row {}", STOPPED_ONLY.rule())), "{text}");
}

#[test]
fn compare_writes_a_vendor_kernels_scenario_divergences_under_both_names() {
    let dir = scratch("compare-vendor-kernel");
    let shells = scenarios().join("shells.toml");
    let args = ["compare", shells.to_str().expect("a UTF-8 path"), "--duration", "10min"];
    let output = cli(&dir, &[&args[..], &["--base", "linux", "--against", "linux+orphan-hup-stopped-only"]].concat());
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success(), "{stdout}{}", String::from_utf8_lossy(&output.stderr));
    let first = stdout.lines().next().unwrap_or_default();
    assert!(first.contains("under linux, replayed under linux+orphan-hup-stopped-only"), "{stdout}");
    let csv = dir.join("results/shells-seed1-linux-vs-linux+orphan-hup-stopped-only/divergences.csv");
    let text = std::fs::read_to_string(&csv).unwrap_or_else(|e| panic!("{}: {e}\n{stdout}", csv.display()));
    assert_eq!(text.lines().next(), Some("time_ns,kind,op,process,base,against,base_spec,against_spec"));
}

#[test]
fn a_bad_spec_is_bad_input() {
    let dir = scratch("compare-bad-spec");
    let output = cli(&dir, &["compare", "--random", "1", "--against", "linux+fast"]);
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("unknown kernel variant `fast`"));
    let output = cli(&dir, &["compare", "--random", "1", "--base", "gvisor-2018+orphan-hup-stopped-only"]);
    assert_eq!(output.status.code(), Some(2));
}

#[test]
fn the_specs_name_every_divergence_of_a_scenario_and_row_of_its_table() {
    let mut scenario = procsim::workload::Scenario::load(&scenarios().join("shells.toml")).expect("loads");
    scenario.duration = procsim::engine::SimDuration::from_millis(5 * 60_000);
    let report = procsim::compare::scenario::compare(&scenario, Spec::GVISOR_2018, Spec::LINUX);
    let first = report.divergences.first().expect("the seed and Linux part");
    assert_eq!((first.base_spec, first.against_spec), (Spec::GVISOR_2018, Spec::LINUX));
    assert!(first.to_string().contains(": gvisor-2018 "), "{first}");
    assert!(report.to_string().contains("orphan pairs       gvisor-2018 0, linux "), "{report}");
    let dir = scratch("compare-specs-in-rows");
    report.write(&dir).expect("written");
    let text = std::fs::read_to_string(dir.join("divergences.csv")).expect("readable");
    assert_eq!(text.lines().count(), report.divergences.len() + 1);
    assert!(text.lines().skip(1).all(|row| row.ends_with(",gvisor-2018,linux")), "{text}");
}
