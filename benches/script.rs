//! Parsing a replay script (`Script::parse`) of 10^4, 10^5 and 10^6 lines,
//! one criterion group per scale (`1_000_000_lines/parse`), reporting lines
//! per second. Parsing must stay linear in the length of the script: it
//! once compared every label with every other (10^5 lines took 14 s).
//!
//! The script is a tree of processes that act on each other: half its lines
//! fork a new label from an earlier one, the others call setpgid, signal and
//! dispose with earlier labels, so every line looks labels up and half of
//! them create one.

mod common;

use criterion::{Criterion, SamplingMode, Throughput, criterion_group, criterion_main};
use procsim::bench::hot_world::scale_of;
use procsim::io::script::Script;
use std::fmt::Write;
use std::hint::black_box;
use std::time::Duration;

/// The lengths of the scripts, one criterion group each.
const LINES: [usize; 3] = [10_000, 100_000, 1_000_000];

/// A script of `lines` lines, the same every time.
fn script(lines: usize) -> String {
    let mut text = String::with_capacity(lines * 24);
    let mut state: u64 = 0x2545_f491_4f6c_dd1d;
    let mut next = |bound: usize| {
        // xorshift64: a fixed, dependency-free sequence.
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        (state % bound as u64) as usize
    };
    let label = |i: usize| if i == 0 { "init".to_owned() } else { format!("p{i}") };
    let mut created = 1;
    for n in 0..lines {
        let (a, b) = (label(next(created)), label(next(created)));
        let _ = match n % 6 {
            0 | 2 | 4 => {
                created += 1;
                writeln!(text, "fork {a} {}", label(created - 1))
            }
            1 => writeln!(text, "setpgid {a} {b} 0"),
            3 => writeln!(text, "signal {a} TERM %{b}  # to the group"),
            _ => writeln!(text, "dispose {a} HUP ignore"),
        };
    }
    text
}

fn parse(c: &mut Criterion) {
    for lines in LINES {
        let text = script(lines);
        let mut group = c.benchmark_group(scale_of(lines as u64, "lines"));
        group.throughput(Throughput::Elements(lines as u64));
        group.sampling_mode(SamplingMode::Flat);
        group.bench_function("parse", |b| b.iter(|| black_box(Script::parse(black_box(&text)).expect("it parses"))));
        group.finish();
    }
}

criterion_group! {
    name = benches;
    config = common::criterion(Duration::from_secs(3));
    targets = parse
}
criterion_main!(benches);
