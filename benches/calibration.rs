//! The mixed calibration workload in steady state: a run of
//! `scenarios/calibration.toml` built to 10^4, 10^5 and 10^6 processes, one
//! criterion group per scale; an iteration is one tick of its random forks,
//! exits, setpgids and setsids, with the tick's upkeep, and the throughput
//! is in events.

mod common;

use common::SCALES;
use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use procsim::bench::hot_world::scale_name;
use procsim::bench::population::{self, Mix};
use std::hint::black_box;
use std::time::Duration;

fn mixed(c: &mut Criterion) {
    for population in SCALES {
        let scenario = population::scenario(Mix::Processes, population, u64::MAX);
        let events_per_tick = scenario.tick.nanos() / scenario.calibration.interval.nanos();
        let mut run = None;
        let mut group = c.benchmark_group(scale_name(population));
        group.throughput(Throughput::Elements(events_per_tick));
        group.bench_function("calibration_tick", |b| {
            let run = run.get_or_insert_with(|| scenario.simulation());
            b.iter(|| black_box(run.advance().expect("the run lasts 10^8 ticks").metrics.counts.performed()))
        });
        group.finish();
    }
}

criterion_group! {
    name = benches;
    config = common::criterion(Duration::from_secs(3));
    targets = mixed
}
criterion_main!(benches);
