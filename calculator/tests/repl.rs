//! The interactive session, driven through a real pseudo-terminal as a person would.

use std::path::Path;
use std::process::Command;
use std::thread;
use std::time::{Duration, Instant};

use expectrl::process::unix::{Signal, WaitStatus};
use expectrl::{Expect as _, Session};

const TIMEOUT: Duration = Duration::from_secs(10);
const UP: &str = "\x1b[A";
const CTRL_C: &str = "\x03";
const CTRL_D: &str = "\x04";

type Pty = expectrl::session::OsSession;

/// Starts the REPL in a pty with plain output (no colour escapes between the characters
/// the tests look for) and the given history file (`None`: no history).
fn start(history: Option<&Path>) -> Pty {
    start_with(history, &[("NO_COLOR", "1")])
}

fn start_with(history: Option<&Path>, env: &[(&str, &str)]) -> Pty {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_calculator"));
    cmd.env("TERM", "xterm").env_remove("NO_COLOR");
    cmd.env(
        "CALCULATOR_HISTORY",
        history.map_or_else(Default::default, |p| p.as_os_str().to_owned()),
    );
    for (key, value) in env {
        cmd.env(key, value);
    }
    let mut pty = Session::spawn(cmd).expect("spawn the calculator in a pty");
    pty.set_expect_timeout(Some(TIMEOUT));
    pty.expect("> ").expect("the first prompt");
    pty
}

/// Waits for the process to end, without ever blocking past the timeout.
fn wait_exit(pty: &mut Pty) -> WaitStatus {
    let deadline = Instant::now() + TIMEOUT;
    loop {
        let status = pty.get_process().status().expect("process status");
        if status != WaitStatus::StillAlive {
            return status;
        }
        assert!(Instant::now() < deadline, "the calculator did not exit");
        // Drain output so the child never blocks writing to a full pty.
        let mut buf = [0u8; 4096];
        let _ = pty.try_read(&mut buf);
        thread::sleep(Duration::from_millis(20));
    }
}

fn exit_code(status: WaitStatus) -> i32 {
    match status {
        WaitStatus::Exited(_, code) => code,
        other => panic!("expected a normal exit, got {other:?}"),
    }
}

#[test]
fn banner_and_prompt() {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_calculator"));
    cmd.env("TERM", "xterm")
        .env("NO_COLOR", "1")
        .env("CALCULATOR_HISTORY", "");
    let mut pty = Session::spawn(cmd).unwrap();
    pty.set_expect_timeout(Some(TIMEOUT));
    pty.expect(format!("calculator {}", env!("CARGO_PKG_VERSION")))
        .unwrap();
    pty.expect(":help").unwrap();
    pty.expect("> ").unwrap();
}

#[test]
fn evaluates_a_line() {
    let mut pty = start(None);
    pty.send("6 * 7\r").unwrap();
    pty.expect("42\r\n").unwrap();
    pty.expect("> ").unwrap();
    pty.send("2^100\r").unwrap();
    pty.expect("1267650600228229401496703205376").unwrap();
}

#[test]
fn an_error_then_recovery() {
    let mut pty = start(None);
    pty.send("1/0\r").unwrap();
    pty.expect("error: ").unwrap();
    pty.expect("> ").unwrap();
    pty.send("7/2\r").unwrap();
    pty.expect("3.5").unwrap();
}

#[test]
fn help_lists_the_builtins() {
    let mut pty = start(None);
    pty.send(":help\r").unwrap();
    pty.expect("sqrt").unwrap();
    pty.expect("> ").unwrap();
}

#[test]
fn ctrl_c_clears_the_line_and_keeps_the_session() {
    let mut pty = start(None);
    pty.send("x = 5\r").unwrap();
    pty.expect("> ").unwrap();
    pty.send("1000 + ").unwrap();
    pty.send(CTRL_C).unwrap();
    pty.expect("> ").unwrap();
    // The variable survived and the half-typed "1000 + " is gone.
    pty.send("x * 2\r").unwrap();
    pty.expect("10\r\n").unwrap();
    assert_eq!(pty.get_process().status().unwrap(), WaitStatus::StillAlive);
}

#[test]
fn tab_completes_function_names() {
    let mut pty = start(None);
    pty.send("sq\t").unwrap();
    pty.expect("sqrt(").unwrap();
    pty.send("16)\r").unwrap();
    pty.expect("4\r\n").unwrap();
}

#[test]
fn tab_completes_variables() {
    let mut pty = start(None);
    pty.send("radius = 21\r").unwrap();
    pty.expect("> ").unwrap();
    pty.send("radi\t").unwrap();
    pty.expect("radius").unwrap();
    pty.send(" * 2\r").unwrap();
    pty.expect("42\r\n").unwrap();
}

#[test]
fn an_unclosed_parenthesis_continues_on_the_next_line() {
    let mut pty = start(None);
    pty.send("(1 +\r").unwrap();
    pty.send("2) * 14\r").unwrap();
    pty.expect("42\r\n").unwrap();
}

#[test]
fn history_is_recalled_in_the_next_session() {
    let dir = tempfile::tempdir().unwrap();
    // A directory that does not exist yet: the calculator creates it.
    let file = dir.path().join("state").join("history");

    let mut first = start(Some(&file));
    first.send("6 * 7\r").unwrap();
    first.expect("42\r\n").unwrap();
    first.send("exit\r").unwrap();
    assert_eq!(exit_code(wait_exit(&mut first)), 0);
    let saved = std::fs::read_to_string(&file).unwrap();
    assert!(saved.contains("6 * 7"), "history file: {saved:?}");

    let mut second = start(Some(&file));
    second.send(UP).unwrap();
    second.expect("6 * 7").unwrap();
    second.send("\r").unwrap();
    second.expect("42\r\n").unwrap();
}

#[test]
fn an_unwritable_history_is_skipped_silently() {
    let mut pty = start(Some(Path::new("/proc/calc-kit-cannot-write/history")));
    pty.send("6 * 7\r").unwrap();
    pty.expect("42\r\n").unwrap();
    // Ctrl-D only once the next prompt is up: typed earlier, it reaches the terminal
    // before the line editor is reading again, and a loaded machine makes that likely.
    pty.expect("> ").unwrap();
    pty.send(CTRL_D).unwrap();
    assert_eq!(exit_code(wait_exit(&mut pty)), 0);
}

#[test]
fn ctrl_d_on_an_empty_line_exits_0() {
    let mut pty = start(None);
    pty.send(CTRL_D).unwrap();
    assert_eq!(exit_code(wait_exit(&mut pty)), 0);
}

#[test]
fn quit_exits_0_even_after_an_error() {
    let mut pty = start(None);
    pty.send("1/0\r").unwrap();
    pty.expect("error: ").unwrap();
    pty.send("quit\r").unwrap();
    assert_eq!(exit_code(wait_exit(&mut pty)), 0);
}

#[test]
fn sigterm_while_waiting_ends_at_once_with_143() {
    let mut pty = start(None);
    let sent = Instant::now();
    pty.get_process_mut().signal(Signal::SIGTERM).unwrap();
    assert_eq!(exit_code(wait_exit(&mut pty)), 143);
    assert!(
        sent.elapsed() < Duration::from_secs(5),
        "took {:?}",
        sent.elapsed()
    );
}

#[test]
fn sigterm_mid_line_restores_the_terminal() {
    let mut pty = start(None);
    pty.send("1 + ").unwrap();
    pty.expect("1 + ").unwrap();
    pty.get_process_mut().signal(Signal::SIGTERM).unwrap();
    // Bracketed paste is switched off again on the way out.
    pty.expect("\x1b[?2004l").unwrap();
    assert_eq!(exit_code(wait_exit(&mut pty)), 143);
}

#[test]
fn a_signature_hint_appears_with_colour() {
    let mut pty = start_with(None, &[]);
    pty.send("sqrt(").unwrap();
    // Dim text after the cursor: the parameters, then the summary.
    pty.expect("\x1b[2mx)").unwrap();
    pty.send("9)\r").unwrap();
    pty.expect("3\r\n").unwrap();
}

/// Sends `line` and returns what the session printed before its next prompt.
fn answer(pty: &mut Pty, line: &str) -> String {
    pty.send(format!("{line}\r")).unwrap();
    // The echo of the line itself ends in CR LF; the answer follows it.
    pty.expect("\r\n").unwrap();
    let found = pty.expect("> ").unwrap();
    let text = String::from_utf8_lossy(found.before()).into_owned();
    // The editor's escape sequences that redraw the prompt come last.
    let text = text.split('\x1b').next().unwrap_or_default();
    text.trim_end().to_string()
}

#[test]
fn approximate_results_are_marked_and_exact_ones_are_not() {
    let mut pty = start(None);
    assert_eq!(answer(&mut pty, "1/3"), "≈ 0.33333333333333333333");
    assert_eq!(answer(&mut pty, "1/4"), "0.25");
    assert_eq!(answer(&mut pty, "2^(1/2)*2^(1/2)"), "≈ 2");
    assert_eq!(answer(&mut pty, "sqrt(16)"), "4");
    assert_eq!(answer(&mut pty, "pi"), "≈ 3.14159265358979");
    assert_eq!(answer(&mut pty, "255 to hex"), "0xff");
    assert_eq!(answer(&mut pty, "1 < 2"), "true");
    // ans holds the boolean, and arithmetic on it is an error.
    assert_eq!(answer(&mut pty, "ans"), "true");
    assert!(answer(&mut pty, "ans + 1").starts_with("error: '+' needs a number"));
}

#[test]
fn digits_and_fraction_change_the_display() {
    let mut pty = start(None);
    assert_eq!(answer(&mut pty, ":digits 5"), "");
    assert_eq!(answer(&mut pty, "10/7"), "≈ 1.42857");
    assert_eq!(answer(&mut pty, "sqrt(2)"), "≈ 1.4142");
    assert!(answer(&mut pty, ":digits").starts_with("digits 5: 5 decimals"));
    assert_eq!(
        answer(&mut pty, ":fraction"),
        "fraction on: exact non-integers print as p/q"
    );
    // A fraction printed as p/q is exact: no mark.
    assert_eq!(answer(&mut pty, "10/7"), "10/7");
    assert_eq!(answer(&mut pty, "0.75"), "3/4");
    assert_eq!(answer(&mut pty, "sqrt(2)"), "≈ 1.4142");
    assert_eq!(
        answer(&mut pty, ":fraction"),
        "fraction off: exact non-integers print as decimals"
    );
    assert_eq!(answer(&mut pty, "0.75"), "0.75");
}
