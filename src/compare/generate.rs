//! Random replay scripts for `procsim compare --random`: job-control
//! workloads where the seed and Linux are likely to part — shells and jobs in
//! their own groups and sessions, stops, exits with and without reaps,
//! processes moving between groups, exec, nested namespaces, subreapers.
//!
//! A script ends at the first operation whose actor cannot act (stopped, a
//! zombie, gone), so the generator keeps a sketch of the world and picks
//! actors it believes can act: a process that may have been stopped or
//! killed — it exited, a signal was sent to it, its group or its namespace,
//! or its namespace's init was — is never an actor again. The sketch does
//! not follow the rules closely, so some scripts still end early, under one
//! profile or both; that is a difference like any other.
//!
//! The output depends on the seed only (ChaCha8).

use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;
use std::fmt::Write;

/// What the generator believes about one process.
struct Sketch {
    name: String,
    /// Its parent's index (`init` is its own).
    parent: usize,
    /// The inits of the namespaces it is in, outermost first (`init` first).
    ns: Vec<usize>,
    /// It may be stopped, a zombie or gone: never an actor.
    risky: bool,
}

/// The text of a `.ops` script of `ops` operations, the same for the same
/// seed.
pub fn random_script(seed: u64, ops: usize) -> String {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut procs = vec![Sketch { name: "init".to_owned(), parent: 0, ns: vec![0], risky: false }];
    let mut text = format!("# random script: seed {seed}, {ops} operations\n");
    for _ in 0..ops {
        let actors: Vec<usize> = (0..procs.len()).filter(|&i| !procs[i].risky).collect();
        let a = actors[rng.random_range(0..actors.len())];
        let b = rng.random_range(0..procs.len());
        let line = match rng.random_range(0..100) {
            0..=27 => {
                let child = procs.len();
                let newpid = rng.random_range(0..10) == 0;
                let mut ns = procs[a].ns.clone();
                if newpid {
                    ns.push(child);
                }
                procs.push(Sketch { name: format!("p{child}"), parent: a, ns, risky: false });
                format!("fork {} p{child}{}", procs[a].name, if newpid { " newpid" } else { "" })
            }
            28..=41 => {
                let target = if rng.random_bool(0.4) { "0".to_owned() } else { procs[b].name.clone() };
                let group = match rng.random_range(0..10) {
                    0..=3 => "0".to_owned(),
                    4 => "-1".to_owned(),
                    _ => procs[rng.random_range(0..procs.len())].name.clone(),
                };
                format!("setpgid {} {target} {group}", procs[a].name)
            }
            42..=49 => format!("setsid {}", procs[a].name),
            50..=59 if a != 0 => {
                mark_ended(&mut procs, a);
                format!("exit {} {}", procs[a].name, rng.random_range(0..3))
            }
            50..=69 => {
                let children: Vec<usize> = (1..procs.len()).filter(|&i| procs[i].parent == a).collect();
                let child = if children.is_empty() || rng.random_bool(0.1) {
                    b
                } else {
                    children[rng.random_range(0..children.len())]
                };
                format!("reap {} {}", procs[a].name, procs[child].name)
            }
            70..=86 => signal(&mut rng, &mut procs, a, b),
            87..=93 => {
                let sig = ["HUP", "HUP", "TSTP", "CONT", "TERM"][rng.random_range(0..5)];
                let action = ["default", "default", "ignore", "catch"][rng.random_range(0..4)];
                format!("dispose {} {sig} {action}", procs[a].name)
            }
            94..=97 => format!("exec {}", procs[a].name),
            _ => format!("subreaper {} {}", procs[a].name, if rng.random_bool(0.8) { "on" } else { "off" }),
        };
        let _ = writeln!(text, "{line}");
    }
    text
}

/// A `signal` line, and what it may do to the sketch.
fn signal(rng: &mut ChaCha8Rng, procs: &mut [Sketch], sender: usize, target: usize) -> String {
    let outside = rng.random_bool(0.3);
    let mut sig =
        ["STOP", "STOP", "TSTP", "TTIN", "CONT", "CONT", "HUP", "TERM", "KILL", "USR1"][rng.random_range(0..10)];
    if outside && sig == "KILL" {
        // A KILL from outside may reach `init`, which ends the script.
        sig = "TERM";
    }
    let group = rng.random_bool(0.2);
    if sig != "CONT" {
        if group {
            // The group may hold anyone.
            procs.iter_mut().skip(1).for_each(|p| p.risky = true);
        } else {
            mark_ended(procs, target);
        }
    }
    let from = if outside { "-" } else { &procs[sender].name };
    format!("signal {from} {sig} {}{}", if group { "%" } else { "" }, procs[target].name)
}

/// `p` may be stopped or dead from now on; so may everyone in its namespace
/// if it is a namespace init.
fn mark_ended(procs: &mut [Sketch], p: usize) {
    for q in procs.iter_mut().filter(|q| q.ns[1..].contains(&p)) {
        q.risky = true;
    }
    procs[p].risky = p != 0 || procs[p].risky;
}
