//! Shells with terminals (`[shells.terminal]`): what the login, the
//! foreground, ^Z, a background read and the two ways out do to the
//! machine, on small runs through the library; and `scenarios/terminals.toml`,
//! which runs, stays consistent and gives the same bytes for the same seed.

use crate::{cli, rejected_scenario, run_scenario, scenarios, scratch, sum};
use procsim::engine::record::{ERRORS, Op, Status};
use procsim::engine::{Simulation, TickMetrics};
use procsim::model::{Signal, TtyId};
use procsim::workload::Mix;

fn ops(ticks: &[TickMetrics], op: Op) -> u64 {
    sum(ticks, |m| m.counts.ops[op as usize])
}

fn signals(ticks: &[TickMetrics], sig: Signal) -> u64 {
    sum(ticks, |m| m.happened.signals[usize::from(sig.number())])
}

fn failures(ticks: &[TickMetrics], status: Status) -> u64 {
    let at = ERRORS.iter().position(|&e| e == status).expect("a kind of failure");
    sum(ticks, |m| m.counts.errors[at])
}

/// The one shell of a run, and whether its terminal's foreground is its
/// own group.
fn shell_has_the_foreground(sim: &Simulation<Mix>) -> bool {
    let machine = sim.machine();
    let shell = machine.children(machine.global_init())[0];
    let own = &machine.group(machine.group_of(shell)).id;
    machine.terminal(TtyId::from_index(0)).fg.as_ref() == Some(own)
}

/// One login with a terminal, at time 0 (its login's calls are the setup's:
/// not counted in the ticks).
fn one_login(duration: &str, shells: &str, terminal: &str) -> String {
    format!(
        "seed = 3\ntick = \"10ms\"\nduration = \"{duration}\"\n[shells]\ninitial = 1\nnohup = 0\n{shells}\n\
         [shells.terminal]\n{terminal}\n"
    )
}

#[test]
fn a_background_reader_stops_with_sigttin_and_fg_lets_it_finish() {
    // At 2 s a job of two starts in the background; at 3 s its first process
    // reads the terminal; at 4 s the user brings the stopped job to the
    // foreground; it finishes its 5 s of work at 8 s, and the shell takes the
    // terminal back.
    let shells = r#"session = { dist = "constant", value = "1h" }
think = { dist = "constant", value = "2s" }
pipeline = 2
job = { dist = "constant", value = "5s" }
background = 1
suspend = 0
resume = 1
resume_in_background = 0
hangup = 0"#;
    let terminal = "read_in_background = 1\nread_after = { dist = \"constant\", value = \"1s\" }";
    let (ticks, sim) = run_scenario(&one_login("9s", shells, terminal));
    assert_eq!(ops(&ticks, Op::TtyRead), 1);
    assert_eq!(failures(&ticks, Status::Stopped), 1, "the read stopped its reader");
    assert_eq!(signals(&ticks, Signal::Ttin), 2, "SIGTTIN to both processes of the job");
    assert_eq!(signals(&ticks, Signal::Ttou), 0, "the shell ignores SIGTTOU");
    assert_eq!(ops(&ticks, Op::Tcsetpgrp), 2, "fg gives the terminal, the job's end takes it back");
    assert_eq!(ops(&ticks, Op::Kill), 1, "fg continues the job");
    assert_eq!(signals(&ticks, Signal::Cont), 2, "SIGCONT to both its processes");
    assert_eq!(sum(&ticks, |m| m.happened.exits), 2, "the job finished its work");
    assert_eq!(sum(&ticks, |m| m.counts.failed()), 1, "nothing else failed");
    let end = sim.machine().census();
    assert_eq!((end.stopped, end.live(), end.terminals), (0, 2, 1), "init and the shell, with its terminal");
    assert!(shell_has_the_foreground(&sim));
}

#[test]
fn ctrl_z_is_typed_on_the_terminal_and_the_shell_takes_it_back() {
    // Each job of two is suspended half a second after it comes to the
    // foreground, at 1.5 s and about 3 s, and left stopped.
    let shells = r#"session = { dist = "constant", value = "1h" }
think = { dist = "constant", value = "1s" }
pipeline = 2
job = { dist = "constant", value = "1min" }
background = 0
suspend = 1
suspend_after = { dist = "constant", value = "500ms" }
resume = 0
hangup = 0"#;
    let (ticks, sim) = run_scenario(&one_login("4s", shells, ""));
    assert_eq!(ops(&ticks, Op::Tty), 2, "^Z typed twice");
    assert_eq!(signals(&ticks, Signal::Tstp), 4, "SIGTSTP to both processes of each job");
    assert_eq!(ops(&ticks, Op::Tcsetpgrp), 4, "each job given the terminal and taken back");
    assert_eq!(sim.machine().census().stopped, 4);
    assert!(shell_has_the_foreground(&sim));
}

/// A shell whose session ends at 3 s while a job of one process runs in the
/// foreground, by `exit` or by a dropped connection.
fn logout_with_a_foreground_job(hangup: u8, nohup: u8) -> (Vec<TickMetrics>, Simulation<Mix>) {
    let shells = format!(
        r#"session = {{ dist = "constant", value = "3s" }}
think = {{ dist = "constant", value = "1s" }}
pipeline = 1
job = {{ dist = "constant", value = "1min" }}
background = 0
suspend = 0
hangup = {hangup}"#
    );
    run_scenario(&one_login("5s", &shells, "").replace("nohup = 0", &format!("nohup = {nohup}")))
}

#[test]
fn exit_sends_sighup_to_the_foreground_job_and_sshd_closes_the_terminal() {
    let (ticks, sim) = logout_with_a_foreground_job(0, 0);
    assert_eq!(signals(&ticks, Signal::Hup), 1, "SIGHUP to the foreground job (rule 56)");
    assert_eq!(signals(&ticks, Signal::Cont), 0, "and no SIGCONT");
    assert_eq!(sum(&ticks, |m| m.happened.deaths_by_signal), 1, "the job died of it");
    assert_eq!(ops(&ticks, Op::Hangup), 1, "sshd closed the master once the shell was gone");
    let end = sim.machine().census();
    assert_eq!((end.live(), end.terminals, end.totals.hangups), (1, 0, 1));

    let (ticks, sim) = logout_with_a_foreground_job(0, 1);
    assert_eq!(sum(&ticks, |m| m.happened.deaths_by_signal), 0, "nohup: the job lives on");
    assert_eq!(sim.machine().census().live(), 2);
}

#[test]
fn a_dropped_connection_hangs_up_the_shell_and_then_its_foreground_job() {
    let (ticks, sim) = logout_with_a_foreground_job(1, 0);
    assert_eq!(ops(&ticks, Op::Hangup), 1, "the master closed, once");
    assert_eq!(signals(&ticks, Signal::Hup), 2, "SIGHUP to the shell (rule 57), then to the job as it exits (56)");
    assert_eq!(signals(&ticks, Signal::Cont), 2, "each with SIGCONT");
    assert_eq!(sum(&ticks, |m| m.happened.deaths_by_signal), 2);
    let end = sim.machine().census();
    assert_eq!((end.live(), end.terminals, end.totals.hangups), (1, 0, 1));

    let (ticks, _) = logout_with_a_foreground_job(1, 1);
    assert_eq!(sum(&ticks, |m| m.happened.deaths_by_signal), 1, "nohup: only the shell died");
}

#[test]
fn the_terminals_scenario_uses_its_terminals_and_stays_consistent() {
    let text = std::fs::read_to_string(scenarios().join("terminals.toml")).unwrap();
    let (ticks, sim) = run_scenario(&text.replace("duration = \"30min\"", "duration = \"10min\""));
    assert_eq!(ticks.len(), 12_000, "10 min in ticks of 50 ms");
    assert!(ticks.iter().all(|m| m.census.terminals > 100), "every session has a terminal");
    assert!(signals(&ticks, Signal::Ttin) > 100, "background jobs stop to read");
    assert!(ops(&ticks, Op::Tty) > 100, "^Z is typed");
    assert!(sum(&ticks, |m| m.happened.hangups) > 20, "sessions end, and their terminals hang up");
    assert!(sum(&ticks, |m| m.happened.orphan_pairs) > 10, "jobs left stopped are orphaned");
    assert_eq!(signals(&ticks, Signal::Ttou), 0, "only shells set the foreground, and they ignore SIGTTOU");
    let end = sim.machine().census();
    assert!(end.terminals <= end.sessions, "a terminal per session at most: sshd closes the others");
}

/// A column of `metrics.csv`, a value per tick.
fn column(metrics: &str, name: &str) -> Vec<u64> {
    let mut lines = metrics.lines();
    let at = lines.next().unwrap().split(',').position(|c| c == name).expect("the column exists");
    lines.map(|line| line.split(',').nth(at).unwrap().parse().unwrap()).collect()
}

#[test]
fn the_terminals_scenario_gives_the_same_bytes_for_the_same_seed() {
    let dir = scratch("terminals-determinism");
    let file = scenarios().join("terminals.toml");
    let run = |out: &str, seed: &str| {
        let args = ["run", file.to_str().unwrap(), "--duration", "5min", "--seed", seed, "--events", "--out", out];
        let output = cli(&dir, &args);
        assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    };
    run("a", "1");
    run("b", "1");
    run("c", "2");
    let table = |out: &str, name: &str| std::fs::read_to_string(dir.join(out).join(name)).unwrap();
    for name in ["run.csv", "metrics.csv", "events.csv"] {
        assert_eq!(table("a", name), table("b", name), "{name} differs between two runs");
        assert_ne!(table("a", name), table("c", name), "{name} is the same for two seeds");
    }
    let metrics = table("a", "metrics.csv");
    assert!(column(&metrics, "terminals").iter().all(|&n| n > 0), "terminals all along");
    for name in ["signals_ttin", "hangups", "events_ctty", "events_tcsetpgrp", "events_ttyread", "events_hangup"] {
        assert!(column(&metrics, name).iter().sum::<u64>() > 0, "no {name}");
    }
    let run_header = table("a", "run.csv");
    assert!(run_header.contains("shells.terminal.read_in_background"), "{run_header}");
}

#[test]
fn terminals_are_refused_under_the_seed() {
    let text = "seed = 1\nduration = \"1s\"\ntick = \"1s\"\nsemantics = \"gvisor-2018\"\n[shells]\ninitial = 1\n\
                [shells.terminal]\n";
    let stderr = rejected_scenario("terminals-under-the-seed", text);
    assert!(stderr.contains("bad.toml:7: `shells.terminal`: gvisor-2018 has no controlling terminals"), "{stderr}");
    let dir = scratch("terminals-semantics-flag");
    let file = scenarios().join("terminals.toml");
    let output = cli(&dir, &["run", file.to_str().unwrap(), "--semantics", "gvisor-2018", "--out", "out"]);
    assert_eq!(output.status.code(), Some(2), "{}", String::from_utf8_lossy(&output.stderr));
    assert!(!dir.join("out").exists());
}
