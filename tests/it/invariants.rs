//! Property tests over random operation sequences, with and without threads
//! and terminals: after every operation the incremental model (relation
//! lists, thread lists, session group lists, link and stopped counts, id
//! tables, terminals and their sessions, the census) equals a brute-force
//! recount, and replaying a script twice gives the same report.

use procsim::io::generate::{Lines, random_script, random_script_of};
use procsim::io::script::Script;
use procsim::replay::replay;
use procsim::semantics::Semantics;
use proptest::prelude::*;

proptest! {
    #![proptest_config(crate::property_config(300))]

    #[test]
    fn model_stays_consistent(seed in any::<u64>(), ops in 1usize..80) {
        let text = random_script(seed, ops);
        let script = Script::parse(&text).expect("generated scripts parse");
        let failure = crate::first_inconsistency(&script, Semantics::LINUX);
        prop_assert!(failure.is_none(), "{}\nscript:\n{text}", failure.unwrap());
    }

    /// The same with threads (version 2): the thread lists, the tid tables,
    /// each thread group's live count and `curr_target` too, under Linux and
    /// under the seed's profile.
    #[test]
    fn model_stays_consistent_with_threads(seed in any::<u64>(), ops in 1usize..80) {
        let text = random_script_of(seed, ops, Lines::Threads);
        let script = Script::parse(&text).expect("generated scripts parse");
        for semantics in [Semantics::LINUX, Semantics::gvisor_2018()] {
            let failure = crate::first_inconsistency(&script, semantics);
            prop_assert!(failure.is_none(), "{semantics:?}: {}\nscript:\n{text}", failure.unwrap());
        }
    }

    /// The same with controlling terminals (version 3, Linux only: the seed
    /// has none): every process whose terminal is T is in T's session, while
    /// T has a session its leader's process has T, each session's list of
    /// groups equals a recount, and each call pending in a stopped process
    /// belongs to a task marked to restart it.
    #[test]
    fn model_stays_consistent_with_terminals(seed in any::<u64>(), ops in 1usize..80) {
        let text = random_script_of(seed, ops, Lines::Terminals);
        let script = Script::parse(&text).expect("generated scripts parse");
        let failure = crate::first_inconsistency(&script, Semantics::LINUX);
        prop_assert!(failure.is_none(), "{}\nscript:\n{text}", failure.unwrap());
    }

    #[test]
    fn replay_is_deterministic(seed in any::<u64>(), ops in 1usize..80) {
        let script = Script::parse(&random_script(seed, ops)).expect("generated scripts parse");
        let first = replay(&script).render(&script);
        prop_assert_eq!(first, replay(&script).render(&script));
    }
}

proptest! {
    #![proptest_config(crate::property_config(2000))]

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
