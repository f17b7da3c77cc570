//! A long replay script parses in time linear in its length: the parser once
//! compared every new label with every earlier one (10^5 lines took 14 s).
//! `benches/script.rs` measures it at 10^4 to 10^6 lines.

use procsim::io::script::Script;
use std::time::{Duration, Instant};

#[test]
fn a_script_of_200_000_forks_parses_in_well_under_seconds() {
    let lines = 200_000;
    let text: String = (1..=lines).map(|i| format!("fork init c{i}\nsignal c{i} TERM %c{}\n", i / 2 + 1)).collect();
    let started = Instant::now();
    let script = Script::parse(&text).expect("it parses");
    let took = started.elapsed();
    assert_eq!(script.steps.len(), 2 * lines);
    // Linear: about 0.1 s here (0.5 s unoptimised); quadratic: over a minute.
    assert!(took < Duration::from_secs(5), "{lines} forks took {took:?} to parse");
}
