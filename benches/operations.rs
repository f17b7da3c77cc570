//! Single operations in a hot world (`procsim::bench::hot_world`): a machine
//! the calibration workload built to 10^4, 10^5 and 10^6 processes, one
//! criterion group per scale, each reporting operations per second.
//!
//! - `fork`: a random process forks;
//! - `setsid`: a new child calls setsid;
//! - `setpgid`: a process of the root session — the huge one — moves into a
//!   new group, or into the group of another random member, in turn;
//! - `exit_with_children/k`: a child of init with `k` children exits and the
//!   machine settles: init adopts the `k` children (throughput: children);
//! - `orphan_trigger`: the shell of a stopped job exits: the job's group is
//!   orphaned and hung up;
//! - at 10^6 only, `exit_child_of_init/…`: a child of init exits, before and
//!   after init adopted 10^6 children at once — what an adoption leaves for
//!   later operations to pay.
//!
//! Subjects are prepared and disposed of untimed (`HotWorld::time`).

mod common;

use common::SCALES;
use criterion::measurement::WallTime;
use criterion::{BenchmarkGroup, BenchmarkId, Criterion, SamplingMode, Throughput, criterion_group, criterion_main};
use procsim::bench::hot_world::{HotWorld, scale_name};
use procsim::machine::Call;
use std::hint::black_box;
use std::time::Duration;

/// Children of the exiting parent.
const CHILDREN: [u64; 4] = [1, 100, 10_000, 1_000_000];

/// The world of a group, built the first time a benchmark of the group runs
/// (not at all when a filter leaves them all out).
fn hot(world: &mut Option<HotWorld>, population: u32) -> &mut HotWorld {
    world.get_or_insert_with(|| HotWorld::build(population))
}

fn operations(c: &mut Criterion) {
    for population in SCALES {
        let mut world = None;
        let mut group = c.benchmark_group(scale_name(population));
        group.throughput(Throughput::Elements(1));
        group.bench_function("fork", |b| {
            let w = hot(&mut world, population);
            b.iter_custom(|iters| {
                w.time(
                    iters,
                    1,
                    HotWorld::random_process,
                    |m, parent| m.perform(parent, Call::Fork { newpid: false }).child(),
                    |w, child| w.dispose(child),
                )
            })
        });
        group.bench_function("setsid", |b| {
            let w = hot(&mut world, population);
            b.iter_custom(|iters| {
                let setup = |w: &mut HotWorld| {
                    let parent = w.random_process();
                    w.fork(parent)
                };
                w.time(
                    iters,
                    1,
                    setup,
                    |m, child| black_box(m.perform(child, Call::Setsid)).done().map(|_| child),
                    |w, child| w.dispose(child),
                )
            })
        });
        group.bench_function("setpgid", |b| {
            let w = hot(&mut world, population);
            let root = w.machine().session_of(w.machine().global_init());
            let mut join = false;
            b.iter_custom(|iters| {
                let setup = |w: &mut HotWorld| {
                    join = !join;
                    (w.random_member(root), join.then(|| w.random_member(root)))
                };
                let op = |m: &mut procsim::Machine, (p, with): (_, Option<_>)| {
                    let pgid = with.map_or(0, |q| i64::from(m.own_ids(q)[1]));
                    black_box(m.perform(p, Call::Setpgid { pid: 0, pgid }))
                };
                w.time(iters, 1, setup, op, |_, _| {})
            })
        });
        group.bench_function("orphan_trigger", |b| {
            let w = hot(&mut world, population);
            b.iter_custom(|iters| {
                let op = |m: &mut procsim::Machine, (shell, job)| {
                    black_box(m.perform(shell, Call::Exit { code: 0 })).done().map(|_| m.settle()).map(|()| job)
                };
                w.time(iters, 2, HotWorld::stopped_job, op, |w, job| w.dispose(job))
            })
        });
        for k in CHILDREN.into_iter().filter(|&k| k <= u64::from(population)) {
            exit_with_children(&mut group, hot(&mut world, population), k);
        }
        if population == 1_000_000 {
            exit_child_of_init(&mut group, hot(&mut world, population));
        }
        group.finish();
    }
}

/// `exit_with_children/k`: few samples of one iteration each when `k` is
/// large, since each iteration forks `k` children untimed.
fn exit_with_children(group: &mut BenchmarkGroup<'_, WallTime>, w: &mut HotWorld, k: u64) {
    group.throughput(Throughput::Elements(k));
    if k >= 10_000 {
        group.sampling_mode(SamplingMode::Flat).measurement_time(Duration::from_millis(200));
    }
    group.bench_with_input(BenchmarkId::new("exit_with_children", k), &k, |b, &k| {
        b.iter_custom(|iters| {
            let op = |m: &mut procsim::Machine, (parent, children)| {
                m.perform(parent, Call::Exit { code: 0 }).done().expect("the parent can act");
                m.settle();
                children
            };
            w.time(iters, k + 1, |w| w.parent_of(k), op, HotWorld::dispose)
        })
    });
    group.throughput(Throughput::Elements(1));
}

/// `exit_child_of_init/before_adoption` and `…/after_adopting_1_000_000`: a
/// child of init exits, in the world as built, then in the world where init
/// has just adopted 10^6 children (which are the ones that exit).
fn exit_child_of_init(group: &mut BenchmarkGroup<'_, WallTime>, w: &mut HotWorld) {
    group.sampling_mode(SamplingMode::Auto).measurement_time(Duration::from_secs(2));
    let exit = |m: &mut procsim::Machine, child| {
        black_box(m.perform(child, Call::Exit { code: 0 })).done().expect("the child can act");
        m.settle();
    };
    group.bench_function(BenchmarkId::new("exit_child_of_init", "before_adoption"), |b| {
        b.iter_custom(|iters| w.time(iters, 1, |w| w.fork(w.machine().global_init()), exit, |_, ()| {}))
    });
    let (parent, mut adopted) = w.parent_of(1_000_000);
    w.machine_mut().perform(parent, Call::Exit { code: 0 }).done().expect("the parent can act");
    w.machine_mut().settle();
    group.bench_function(BenchmarkId::new("exit_child_of_init", "after_adopting_1_000_000"), |b| {
        b.iter_custom(|iters| {
            let next = |w: &mut HotWorld| adopted.pop().unwrap_or_else(|| w.fork(w.machine().global_init()));
            w.time(iters, 1, next, exit, |_, ()| {})
        })
    });
}

criterion_group! {
    name = benches;
    config = common::criterion(Duration::from_secs(2));
    targets = operations
}
criterion_main!(benches);
