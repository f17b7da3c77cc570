//! Version 3 of the replay format (controlling terminals) as text: its lines
//! parse, terminal labels are typed, `QUIT` or any terminal line makes a
//! script version 3, a version-3 report has `ctty=` and `tty` lines, and the
//! simulator runs a version-3 script under Linux's rules, and refuses it
//! under the 2018 seed's, which has no terminals (exit 2).

use procsim::io::report::{ExitStatus, Invalid, Outcome, ProcLine, ProcState, Report};
use procsim::io::script::{Key, Label, Op, Script, Tty, TtyOp};
use procsim::model::Signal;

/// The format's example, up to its terminal lines.
const EXAMPLE: &str = "fork init sh\nsetsid sh\ntty sh t\nfork sh job\nsetpgid sh job 0\nttyread job\n\
                       dispose sh TTOU ignore\nfg sh job\nkey t ^C\nsignal - CONT job\n";

fn error(text: &str) -> String {
    Script::parse(text).expect_err("the script is malformed").to_string()
}

#[test]
fn every_terminal_line_parses() {
    let text = "fork init p\ntty p t\nctty p t\nctty p t steal\nfg p p\nttyread p\nttywrite p\ntostop p on\n\
                tostop p off\nnotty p\nkey t ^C\nkey t ^Z\nkey t ^\\\nkey t ^J\nhangup t\n";
    let script = Script::parse(text).expect("parses");
    let (p, t) = (Label(1), Tty(Label(2)));
    let ops: Vec<Op> = script.steps.iter().map(|s| s.op).collect();
    let want = [
        TtyOp::Create { proc: p, tty: t },
        TtyOp::Acquire { proc: p, tty: t, steal: false },
        TtyOp::Acquire { proc: p, tty: t, steal: true },
        TtyOp::Foreground { proc: p, group: p },
        TtyOp::Read { proc: p },
        TtyOp::Write { proc: p },
        TtyOp::Tostop { proc: p, on: true },
        TtyOp::Tostop { proc: p, on: false },
        TtyOp::Release { proc: p },
        TtyOp::Key { tty: t, key: Key::Intr },
        TtyOp::Key { tty: t, key: Key::Susp },
        TtyOp::Key { tty: t, key: Key::Quit },
        TtyOp::Key { tty: t, key: Key::Newline },
        TtyOp::Hangup { tty: t },
    ];
    assert_eq!(ops[1..], want.map(Op::Terminal));
    assert_eq!(script.ttys, [t]);
    assert!(script.is_tty(t.0) && !script.is_tty(p));
    assert_eq!(script.version(), 3);
}

#[test]
fn quit_or_a_terminal_line_makes_version_3() {
    for (text, version) in [
        ("fork init p\nsignal init USR1 p\n", 1),
        ("fork init p\nthread p q\n", 2),
        ("fork init p\nsignal init QUIT p\n", 3),
        ("fork init p\ndispose p QUIT ignore\n", 3),
        ("fork init p\nmask p QUIT block\n", 3),
        ("fork init p\ntkill - QUIT p\n", 3),
        ("fork init p\npdeathsig p QUIT\n", 3),
        ("fork init p\nthread p q\nnotty q\n", 3),
        (EXAMPLE, 3),
    ] {
        assert_eq!(Script::parse(text).expect("parses").version(), version, "{text}");
    }
    assert_eq!("QUIT".parse::<Signal>().map(Signal::number), Ok(3));
}

#[test]
fn terminal_and_task_labels_are_not_interchangeable() {
    for (text, message) in [
        ("fork init p\ntty p t\nfork t q\n", "line 3: label `t` is a terminal, where a task is expected"),
        ("fork init p\ntty p t\nsignal init HUP %t\n", "line 3: label `t` is a terminal, where a task is expected"),
        ("fork init p\ntty p t\nfg p t\n", "line 3: label `t` is a terminal, where a task is expected"),
        ("fork init p\nkey p ^C\n", "line 2: label `p` is a task, where a terminal is expected"),
        ("fork init p\nctty p t\n", "line 2: terminal `t` is used before the `tty` line that creates it"),
        ("fork init p\nhangup t\ntty p t\n", "line 2: terminal `t` is used before the `tty` line that creates it"),
        ("fork init p\ntty p t\ntty p t\n", "line 3: label `t` is created twice"),
        ("fork init p\ntty p p\n", "line 2: label `p` is created twice"),
        ("fork init p\ntty p t\nkey t ^D\n", "line 3: unknown key `^D` (expected ^C, ^Z, ^\\ or ^J)"),
        ("fork init p\ntty p t\nctty p t take\n", "line 3: unknown ctty flag `take` (expected `steal`)"),
        ("fork init p\ntty p t\ntostop p yes\n", "line 3: expected `on` or `off`, found `yes`"),
        ("fork init p\nttyread p p\n", "line 2: `ttyread` takes 1 argument(s), found 2"),
        ("fork init p\nsignal init QUT p\n", "line 2: unknown signal `QUT`"),
    ] {
        let said = error(text);
        assert!(said.starts_with(message), "{text}: {said}");
    }
}

#[test]
fn a_version_3_report_has_ctty_fields_and_tty_lines() {
    let script = Script::parse(EXAMPLE).expect("parses");
    let (init, sh, t, job) = (Label(0), Label(1), Tty(Label(2)), Label(3));
    let present = |label, state, parent, pgrp, ns, ctty, exit| ProcLine::Present {
        label,
        state,
        parent,
        pgrp,
        sid: if label == init { init } else { sh },
        ns,
        ctty,
        caught: Vec::new(),
        exit,
    };
    let mut outcomes: Vec<(usize, Outcome)> = (1..=10).map(|line| (line, Outcome::Ok)).collect();
    outcomes[5].1 = Outcome::Stopped;
    let report = Report {
        outcomes,
        invalid: None,
        procs: vec![
            present(init, ProcState::Running, None, init, [1, 1, 1], None, None),
            present(sh, ProcState::Running, Some(init), sh, [2, 2, 2], Some(t.0), None),
            ProcLine::Tty { label: t, session: Some(sh), fg: Some(job), hung_up: false },
            present(
                job,
                ProcState::Zombie,
                Some(sh),
                job,
                [3, 3, 2],
                Some(t.0),
                Some(ExitStatus::Signaled(Signal::Int)),
            ),
        ],
    };
    let want = "1: ok\n2: ok\n3: ok\n4: ok\n5: ok\n6: stopped\n7: ok\n8: ok\n9: ok\n10: ok\n== state\n\
                proc init running parent=- pgrp=init sid=init ns=1/1/1 ctty=- caught=-\n\
                proc sh running parent=init pgrp=sh sid=sh ns=2/2/2 ctty=t caught=-\n\
                tty t session=sh fg=job\n\
                proc job zombie parent=sh pgrp=job sid=sh ns=3/3/2 ctty=t caught=- exit=INT\n";
    assert_eq!(report.render(&script), want);
    let hung_up = Report {
        outcomes: Vec::new(),
        invalid: Some((8, Invalid::Livelock)),
        procs: vec![ProcLine::Tty { label: t, session: None, fg: None, hung_up: true }],
    };
    assert_eq!(hung_up.render(&script), "8: invalid livelock\n== state\ntty t session=- fg=- hung-up\n");
}

#[test]
fn the_seed_refuses_terminals_and_linux_runs_them() {
    let dir = crate::scratch("terminal-refusal");
    std::fs::write(dir.join("example.ops"), EXAMPLE).expect("writes");
    // Random terminal scripts (`--tty`) too.
    for (args, name) in [
        (&["replay", "example.ops", "--semantics", "gvisor-2018"][..], "example.ops"),
        (&["conform", "example.ops", "--semantics", "gvisor-2018"], "example.ops"),
        (&["compare", "example.ops"], "example.ops"),
        (&["conform", "--random", "2", "--seed", "7", "--tty", "--semantics", "gvisor-2018"], "random seed 7"),
        (&["compare", "--random", "2", "--tty", "--threads"], "random seed 1"),
    ] {
        let output = crate::cli(&dir, args);
        assert_eq!(output.status.code(), Some(2), "{args:?}");
        assert!(output.stdout.is_empty(), "{args:?}");
        let says = String::from_utf8_lossy(&output.stderr);
        let want = format!(
            "{name}: the script uses controlling terminals (version 3 of the replay format), and gvisor-2018 has none"
        );
        assert!(says.contains(&want), "{args:?}: {says}");
    }
    let output = crate::cli(&dir, &["replay", "example.ops", "--semantics", "linux"]);
    assert_eq!(output.status.code(), Some(0));
    let report = String::from_utf8_lossy(&output.stdout);
    assert!(report.contains("tty t session=sh fg=job\n"), "{report}");
    assert!(
        report.contains("proc job zombie parent=sh pgrp=job sid=sh ns=3/3/2 ctty=t caught=- exit=INT\n"),
        "{report}"
    );
}
