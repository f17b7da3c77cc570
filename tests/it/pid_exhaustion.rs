//! `scenarios/pid-exhaustion.toml`: servers whose thread pools take up
//! `pid_max`. The process count stays harmless while the pid numbers run
//! out, and from then on forks fail with EAGAIN, as `metrics.csv` shows.

use crate::scenarios;
use procsim::engine::SimDuration;
use procsim::engine::record::{Op, Status};
use procsim::model::Errno;
use procsim::workload::Scenario;

#[test]
fn forks_fail_with_eagain_while_few_processes_live() {
    let mut scenario = Scenario::load(&scenarios().join("pid-exhaustion.toml")).unwrap();
    scenario.duration = SimDuration::from_millis(300_000);
    let mut sim = scenario.simulation();
    sim.keep_records(true);
    let (mut failed_forks, mut first_failure) = (0, None);
    let (mut peak_live, mut peak_numbers) = (0, 0);
    while let Some(tick) = sim.advance() {
        let m = tick.metrics;
        let eagain = tick.records.iter().filter(|r| r.op == Op::Fork && r.status == Status::Err(Errno::EAGAIN));
        let eagain = eagain.count() as u64;
        assert!(eagain <= m.counts.failed_op(Op::Fork), "failed_forks counts every failed fork");
        if eagain > 0 && first_failure.is_none() {
            first_failure = Some((m.census.live(), m.census.tasks(), m.pid_numbers));
        }
        failed_forks += eagain;
        peak_live = peak_live.max(m.census.live());
        peak_numbers = peak_numbers.max(m.pid_numbers);
    }
    let (live, tasks, numbers) = first_failure.expect("forks failed");
    assert!(failed_forks > 50, "{failed_forks} forks failed with EAGAIN");
    assert!(live < 100 && peak_live < 100, "{live} processes live at the first failure ({peak_live} at most)");
    assert!(tasks > 7_800 && numbers > 7_800, "{tasks} tasks and {numbers} numbers in use of 8192");
    assert!(peak_numbers < u64::from(scenario.pid_max));
}
