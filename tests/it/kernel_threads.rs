//! Version 2 of the replay format (threads) on the live kernel and the
//! simulator: both stop at every kind of invalid thread actor, and random
//! thread scripts give the simulator the kernel's report, byte for byte.
//! (Every committed thread script is run on the kernel with the others, in
//! `kernel_harness`, and replayed by the simulator in `replay_scripts`.)
//!
//! The kernel tests run the real kernel. Where the harness cannot run (not
//! root, no namespaces: exit code 4) they say so on the terminal and check
//! nothing there.

use crate::kernel_harness::{harness_runs, kernel};
use procsim::io::generate::{Lines, random_script_of};
use procsim::io::script::Script;
use procsim::replay::replay;

#[test]
fn kernel_and_simulator_stop_at_an_invalid_thread_actor() {
    let on_kernel = harness_runs("kernel_and_simulator_stop_at_an_invalid_thread_actor");
    let cases = [
        // A thread that exited.
        ("fork init p\nthread p t\nexit_thread t\nmask t USR1 block\n", "4: invalid gone"),
        // A leader replaced by another thread's exec.
        ("fork init p\nthread p t\nexec t\nsetsid p\n", "4: invalid gone"),
        // A leader that exited while its thread lives.
        ("fork init p\nthread p t\nexit_thread p\ndispose p USR1 catch\n", "4: invalid zombie"),
        // A thread of a stopped process.
        ("fork init p\nthread p t\nsignal init STOP p\npdeathsig t HUP\n", "4: invalid stopped"),
        // The actor's state first: a stopped init thread's exit.
        ("thread init it\nsignal - STOP init\nexit it\n", "3: invalid stopped"),
        // What would end init's process.
        ("thread init it\nexit it 1\n", "2: invalid init"),
        ("thread init it\nexit_thread it\nexit_thread init\n", "3: invalid init"),
        ("thread init it\nexit_thread init\nsignal - KILL init\n", "3: invalid init"),
        ("thread init it\nexit_thread init\ntkill - KILL it\n", "3: invalid init"),
        ("thread init it\nexec it\nsignal - KILL %it\n", "3: invalid init"),
    ];
    let allowed = "thread init it\nexit_thread init\ntkill - KILL init\n";
    for (text, invalid) in cases {
        let script = Script::parse(text).expect("the cases parse");
        let simulated = replay(&script).render(&script);
        assert!(simulated.contains(&format!("\n{invalid}\n== state\n")), "{text}expected `{invalid}`:\n{simulated}");
        if on_kernel {
            let output = kernel(text);
            let report = String::from_utf8_lossy(&output.stdout);
            assert_eq!(output.status.code(), Some(3), "{text}{report}{}", String::from_utf8_lossy(&output.stderr));
            assert_eq!(report, simulated, "{text}");
        }
    }
    // Allowed: exit_thread init while a thread lives, tkill - KILL to init's zombie leader.
    let script = Script::parse(allowed).expect("parses");
    assert!(replay(&script).invalid.is_none());
    if on_kernel {
        let output = kernel(allowed);
        assert_eq!(output.status.code(), Some(0), "{}", String::from_utf8_lossy(&output.stdout));
    }
}

/// Random thread scripts at a fixed seed: the simulator gives each the
/// kernel's report, byte for byte (`procsim conform --threads --level
/// strict`), and most of them do make threads.
#[test]
fn random_thread_scripts_give_the_kernels_reports() {
    const SCRIPTS: u64 = 200;
    let made_threads = (31337..31337 + SCRIPTS)
        .filter(|&seed| {
            let script = Script::parse(&random_script_of(seed, 40, Lines::Threads)).expect("generated scripts parse");
            replay(&script).render(&script).contains("\nthread ")
        })
        .count() as u64;
    assert!(made_threads * 10 >= SCRIPTS * 8, "only {made_threads} of {SCRIPTS} random scripts made a thread");
    if !harness_runs("random_thread_scripts_give_the_kernels_reports") {
        return;
    }
    let dir = crate::scratch("random-thread-scripts");
    let args = ["conform", "--random", "200", "--threads", "--seed", "31337", "--ops", "40", "--level", "strict"];
    let output = crate::cli(&dir, &args);
    let says = String::from_utf8_lossy(&output.stdout);
    assert_eq!(output.status.code(), Some(0), "{says}{}", String::from_utf8_lossy(&output.stderr));
    assert!(says.ends_with("200 passed, 0 failed\n"), "{says}");
}
