//! `procsim compare SCENARIO`: a scenario run under Linux with its operations
//! replayed under the seed. Replayed under Linux's own rules nothing may
//! diverge (which checks the replay: numbers, actions, exit codes, batches);
//! under the seed, a login server's shells leave stopped jobs that Linux
//! signals and the seed does not, and a supervisor's orphans go elsewhere.

use crate::scenarios;
use procsim::compare::scenario::{Kind, compare};
use procsim::engine::SimDuration;
use procsim::semantics::Spec;
use procsim::workload::Scenario;

fn scenario(name: &str, minutes: u64) -> Scenario {
    let mut scenario = Scenario::load(&scenarios().join(name)).expect("the scenario loads");
    scenario.duration = SimDuration::from_millis(minutes * 60_000);
    scenario
}

#[test]
fn replayed_under_linux_nothing_diverges() {
    for name in ["shells.toml", "default.toml"] {
        let report = compare(&scenario(name, 10), Spec::LINUX, Spec::LINUX);
        assert!(report.operations > 1000, "{name}: {} operations", report.operations);
        assert_eq!(report.pairs[0], report.pairs[1], "{name}");
        assert!(report.divergences.is_empty(), "{name}: {:?}", &report.divergences[..report.divergences.len().min(5)]);
    }
}

#[test]
fn the_seed_leaves_a_dead_shells_stopped_jobs_alone() {
    let report = compare(&scenario("shells.toml", 10), Spec::LINUX, Spec::GVISOR_2018);
    let kinds = report.by_kind();
    assert!(report.pairs[0] > 0, "Linux signals orphaned stopped jobs");
    assert_eq!(report.pairs[1], 0, "the seed never does: a shell's exit changes no count (row 5)");
    assert_eq!(kinds.get(&Kind::MissedOrphanSignal).map(|k| k.0), Some(report.pairs[0] as usize));
    assert!(kinds.contains_key(&Kind::DeadUnderBase), "jobs killed by SIGHUP under Linux live on");
}

#[test]
fn the_seed_has_no_subreapers() {
    let report = compare(&scenario("default.toml", 10), Spec::LINUX, Spec::GVISOR_2018);
    let kinds = report.by_kind();
    let first_errno = kinds.get(&Kind::Errno).expect("prctl fails").1;
    assert_eq!((first_errno.base.as_str(), first_errno.against.as_str()), ("ok", "EINVAL"));
    assert!(kinds.contains_key(&Kind::Reparent), "orphans go to init, not to their supervisor");
}

#[test]
fn comparisons_are_deterministic_and_written() {
    let scenario = scenario("shells.toml", 5);
    let first = compare(&scenario, Spec::LINUX, Spec::GVISOR_2018);
    let second = compare(&scenario, Spec::LINUX, Spec::GVISOR_2018);
    assert_eq!(first.divergences, second.divergences);
    let dir = crate::scratch("gvisor-divergences");
    first.write(&dir).expect("written");
    let text = std::fs::read_to_string(dir.join("divergences.csv")).expect("readable");
    assert_eq!(text.lines().next(), Some("time_ns,kind,op,process,base,against,base_spec,against_spec"));
    assert_eq!(text.lines().count(), first.divergences.len() + 1);
}
