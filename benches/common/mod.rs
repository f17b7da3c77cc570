//! What the benches share: the scales of their hot worlds and criterion's
//! settings.

use criterion::Criterion;
use std::time::Duration;

/// The populations the hot worlds are built to, one criterion group each (not
/// every bench builds hot worlds).
#[allow(dead_code)]
pub const SCALES: [u32; 3] = [10_000, 100_000, 1_000_000];

/// Criterion with few samples, each measured for `measurement`: a hot
/// world is slow to build and the operations are steady.
pub fn criterion(measurement: Duration) -> Criterion {
    Criterion::default().sample_size(10).warm_up_time(Duration::from_millis(500)).measurement_time(measurement)
}
