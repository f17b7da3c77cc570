//! The random script generator (`--random N`): terminals came as a new mode
//! (`--tty`, version 3 of the replay format), and the old modes still give,
//! seed for seed, the very scripts they gave before it (so a seed in a bug
//! report or a results folder keeps meaning the same script); a terminal
//! script is the same for the same seed, parses as version 3, and uses the
//! terminal lines.

use procsim::io::generate::{Lines, random_script_of};
use procsim::io::script::Script;
use sha2::{Digest, Sha256};

/// The SHA-256 of the scripts of seeds 0..200 of 10, 30, 40 and 80
/// operations, concatenated.
fn digest(lines: Lines) -> String {
    let mut hasher = Sha256::new();
    for ops in [10, 30, 40, 80] {
        for seed in 0..200 {
            hasher.update(random_script_of(seed, ops, lines).as_bytes());
        }
    }
    hasher.finalize().iter().map(|b| format!("{b:02x}")).collect()
}

/// Made by the generator as it was before terminals (commit 5bbcc9b).
const PROCESSES_SEED_5: &str = "# random script: seed 5, 12 operations
setpgid init init init
signal init TSTP init
fork init p1
dispose p1 TTIN catch
fork p1 p2
reap p2 init
fork p2 p3
signal init STOP %p1
signal p1 CONT %p3
fork p3 p4
dispose p3 TSTP default
fork p2 p5
";
const THREADS_SEED_5: &str = "# random script with threads: seed 5, 12 operations
signal init TTIN %init
subreaper init on
reap init init
signal - TTIN init
fork init p1
thread p1 p2
tkill init USR1 p1
fork init p3
dispose p3 USR1 ignore
reap p3 init
thread init p4
fork p3 p5
";

#[test]
fn scripts_without_terminals_are_the_same_as_before_terminals() {
    assert_eq!(random_script_of(5, 12, Lines::Processes), PROCESSES_SEED_5);
    assert_eq!(random_script_of(5, 12, Lines::Threads), THREADS_SEED_5);
    assert_eq!(digest(Lines::Processes), "67fb1d666a507b083212b2891091050cb4f46c40085c693e454b46b2fdea3836");
    assert_eq!(digest(Lines::Threads), "2104e8ccae90802fb3d9bd3de5ed7e54ec1d621626105bc3511512cdcb18e1c5");
}

/// Every terminal line, as a script writes it (a key is `key T K`).
const TERMINAL_VERBS: [&str; 9] = ["tty", "ctty", "fg", "key", "ttyread", "ttywrite", "tostop", "notty", "hangup"];

#[test]
fn terminal_scripts_are_the_same_for_a_seed_and_use_terminal_lines() {
    let mut verbs = std::collections::BTreeSet::new();
    let mut terminal = 0;
    for seed in 0..100 {
        let text = random_script_of(seed, 40, Lines::Terminals);
        assert_eq!(text, random_script_of(seed, 40, Lines::Terminals), "seed {seed}");
        assert_ne!(text, random_script_of(seed + 1, 40, Lines::Terminals), "seeds {seed} and {}", seed + 1);
        assert!(text.starts_with(&format!("# random script with terminals: seed {seed}, 40 operations\n")));
        let script = Script::parse(&text).unwrap_or_else(|e| panic!("seed {seed}: {e}\n{text}"));
        assert_eq!(script.steps.len(), 40, "seed {seed}");
        assert_eq!(script.version(), 3, "seed {seed}:\n{text}");
        assert!(text.lines().any(|l| l.starts_with("tty ")), "seed {seed} makes no terminal:\n{text}");
        terminal += text.lines().filter(|l| TERMINAL_VERBS.iter().any(|v| l.starts_with(&format!("{v} ")))).count();
        verbs.extend(TERMINAL_VERBS.into_iter().filter(|v| text.lines().any(|l| l.starts_with(&format!("{v} ")))));
    }
    assert_eq!(verbs.len(), TERMINAL_VERBS.len(), "only {verbs:?}");
    // About half the lines of a script are terminal lines (or shape job control).
    assert!(terminal >= 1_000, "{terminal} terminal lines in 100 scripts of 40 lines");
}
