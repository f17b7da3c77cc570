//! Property tests over random operation sequences: after every operation the
//! incremental model (relation lists, link and stopped counts, id tables, the
//! census) equals a brute-force recount, and replaying a script twice gives
//! the same report.

use procsim::check::check;
use procsim::io::script::Script;
use procsim::model::Signal;
use procsim::replay::{replay, replay_observed};
use procsim::semantics::Semantics;
use proptest::prelude::*;

/// One random operation, with labels chosen among those created so far.
#[derive(Clone, Debug)]
struct RawOp {
    kind: u8,
    a: usize,
    b: usize,
    c: usize,
    sig: usize,
}

fn raw_op() -> impl Strategy<Value = RawOp> {
    (0u8..12, any::<usize>(), any::<usize>(), any::<usize>(), 0usize..Signal::ALL.len())
        .prop_map(|(kind, a, b, c, sig)| RawOp { kind, a, b, c, sig })
}

/// Turns raw choices into a script that parses: forks weighted up so that
/// worlds grow, every operation and signal represented.
fn script_text(ops: &[RawOp]) -> String {
    let mut labels = vec!["init".to_owned()];
    let mut text = String::new();
    for op in ops {
        let pick = |i: usize| labels[i % labels.len()].clone();
        let (a, b, c) = (pick(op.a), pick(op.b), pick(op.c));
        let sig = Signal::ALL[op.sig].name();
        let action = ["default", "ignore", "catch"][op.c % 3];
        let line = match op.kind {
            0..=2 => {
                let child = format!("p{}", labels.len());
                let flag = if op.c % 7 == 0 { " newpid" } else { "" };
                labels.push(child.clone());
                format!("fork {a} {child}{flag}")
            }
            3 => format!("exit {a} {}", op.b % 3),
            4 => format!("exec {a}"),
            5 => format!("setsid {a}"),
            6 => {
                let target = if op.b % 3 == 0 { "0".to_owned() } else { b };
                let group = match op.c % 4 {
                    0 => "0".to_owned(),
                    1 => "-3".to_owned(),
                    _ => c,
                };
                format!("setpgid {a} {target} {group}")
            }
            7 => format!("reap {a} {b}"),
            8 | 9 => {
                let sender = if op.a % 5 == 0 { "-".to_owned() } else { a };
                let pct = if op.c % 3 == 0 { "%" } else { "" };
                format!("signal {sender} {sig} {pct}{b}")
            }
            10 => format!("dispose {a} {sig} {action}"),
            _ => format!("subreaper {a} {}", if op.b % 2 == 0 { "on" } else { "off" }),
        };
        text.push_str(&line);
        text.push('\n');
    }
    text
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 300, ..ProptestConfig::default() })]

    #[test]
    fn model_stays_consistent(ops in prop::collection::vec(raw_op(), 1..60)) {
        let text = script_text(&ops);
        let script = Script::parse(&text).expect("generated scripts parse");
        let mut failure = None;
        replay_observed(&script, Semantics::LINUX, |machine| {
            if failure.is_none() {
                failure = check(machine).err();
            }
        });
        prop_assert!(failure.is_none(), "{}\nscript:\n{text}", failure.unwrap());
    }

    #[test]
    fn replay_is_deterministic(ops in prop::collection::vec(raw_op(), 1..60)) {
        let script = Script::parse(&script_text(&ops)).expect("generated scripts parse");
        let first = replay(&script).render(&script);
        prop_assert_eq!(first, replay(&script).render(&script));
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 2000, ..ProptestConfig::default() })]

    /// Any text either parses or gives a line-numbered error; it never panics,
    /// and a script that parses replays without panicking.
    #[test]
    fn any_text_parses_or_errors(text in "([a-z0-9 %#\\-\\t]{0,30}\n){0,12}") {
        match Script::parse(&text) {
            Ok(script) => {
                replay(&script);
            }
            Err(e) => prop_assert!(e.line >= 1 && e.line <= text.lines().count().max(1)),
        }
    }
}
