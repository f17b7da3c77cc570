//! How long `Script::parse` takes on a script of N lines, each forking a new
//! child of `init` (`fork init c1`, `fork init c2`, …): the median of three
//! parses, for each N given (default: 20000 40000 100000 1000000).
//!
//! ```sh
//! cargo run --release --example parse_time -- 20000 40000 100000 1000000
//! ```

// A measurement printed for a person at a terminal.
#![allow(clippy::disallowed_macros)]

use procsim::io::script::Script;
use std::time::{Duration, Instant};

fn main() {
    let mut sizes: Vec<usize> = std::env::args().skip(1).map(|a| a.parse().expect("a number of lines")).collect();
    if sizes.is_empty() {
        sizes = vec![20_000, 40_000, 100_000, 1_000_000];
    }
    for lines in sizes {
        let text: String = (1..=lines).map(|i| format!("fork init c{i}\n")).collect();
        let mut times: Vec<Duration> = (0..3)
            .map(|_| {
                let started = Instant::now();
                let script = Script::parse(&text).expect("the script parses");
                let elapsed = started.elapsed();
                assert_eq!(script.steps.len(), lines);
                elapsed
            })
            .collect();
        times.sort();
        println!(
            "{lines} lines: {:.3} s (median of 3; {:.3} to {:.3})",
            times[1].as_secs_f64(),
            times[0].as_secs_f64(),
            times[2].as_secs_f64()
        );
    }
}
