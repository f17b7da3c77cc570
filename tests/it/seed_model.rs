//! Property tests of the gVisor-2018 profile over random scripts: under the
//! seed's rules, and under any subset of them, the model stays consistent
//! (everything the Linux model keeps, recounted by brute force), the seed's
//! `ancestors` count equals the exact link count whenever every rule that
//! makes it drift is left out, and replays are deterministic.

use procsim::io::generate::random_script;
use procsim::io::script::Script;
use procsim::replay::replay_with;
use procsim::semantics::{Rule, Semantics};
use proptest::prelude::*;

/// The semantics with the rules whose bits are set in `mask`.
fn subset(mask: u32) -> Semantics {
    Semantics::of(Rule::ALL.into_iter().enumerate().filter(|(i, _)| mask & (1 << i) != 0).map(|(_, r)| r))
}

/// Replays a random script under `semantics`, checking the model after every
/// operation.
fn consistent(seed: u64, ops: usize, semantics: Semantics) -> Result<(), TestCaseError> {
    let text = random_script(seed, ops);
    let script = Script::parse(&text).expect("generated scripts parse");
    let failure = crate::first_inconsistency(&script, semantics);
    prop_assert!(failure.is_none(), "{}\nunder {semantics:?}\nscript:\n{text}", failure.unwrap());
    Ok(())
}

/// Found by the property test below: a group keeps an id whose number the
/// removal of another group with the same id has unmapped, and outlives every
/// process of the namespace the id was allocated in.
#[test]
fn a_group_keeps_its_namespace_alive_after_its_id_is_unmapped() {
    consistent(7655504787373791936, 35, Semantics::gvisor_2018()).expect("consistent");
}

proptest! {
    #![proptest_config(crate::property_config(300))]

    #[test]
    fn the_seed_keeps_the_model_consistent(seed in any::<u64>(), ops in 1usize..60) {
        consistent(seed, ops, Semantics::gvisor_2018())?;
    }

    #[test]
    fn any_subset_of_the_seed_keeps_the_model_consistent(seed in any::<u64>(), ops in 1usize..60, mask in any::<u32>()) {
        consistent(seed, ops, subset(mask))?;
    }

    /// `check` compares `ancestors` with `links` when no drifting rule is in
    /// force; the other rules may change when it is read, not what it counts.
    #[test]
    fn without_the_drifting_rules_the_seed_count_is_exact(seed in any::<u64>(), ops in 1usize..60, mask in any::<u32>()) {
        let semantics = Rule::COUNT.into_iter().fold(subset(mask), Semantics::without);
        consistent(seed, ops, semantics)?;
    }

    #[test]
    fn seed_replays_are_deterministic(seed in any::<u64>(), ops in 1usize..60) {
        let script = Script::parse(&random_script(seed, ops)).expect("generated scripts parse");
        let first = replay_with(&script, Semantics::gvisor_2018()).render(&script);
        prop_assert_eq!(first, replay_with(&script, Semantics::gvisor_2018()).render(&script));
    }
}
