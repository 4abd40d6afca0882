//! The calculator as other programs see it: arguments, scripts, pipes, exit statuses.

use std::io::{Read as _, Write as _};
use std::process::{Command as StdCommand, Stdio};
use std::time::{Duration, Instant};

use assert_cmd::Command;
use predicates::prelude::*;
use predicates::str::{contains, is_empty};

const BIN: &str = env!("CARGO_BIN_EXE_calculator");

fn calculator() -> Command {
    let mut cmd = Command::new(BIN);
    // No test may wait for input it does not give, nor touch the user's history.
    cmd.timeout(Duration::from_secs(20))
        .env("CALCULATOR_HISTORY", "")
        .env_remove("NO_COLOR");
    cmd
}

// ---- expression arguments ---------------------------------------------------------------

#[test]
fn arguments_are_joined_into_one_line() {
    calculator()
        .args(["6", "*", "7"])
        .assert()
        .success()
        .stdout("42\n")
        .stderr(is_empty());
}

#[test]
fn a_single_quoted_argument_works_too() {
    calculator().arg("6 * 7").assert().success().stdout("42\n");
}

#[test]
fn big_integers_are_exact() {
    calculator()
        .arg("2^100")
        .assert()
        .success()
        .stdout("1267650600228229401496703205376\n");
}

#[test]
fn a_division_that_does_not_come_out_even_is_an_exact_fraction() {
    calculator()
        .args(["7", "/", "2"])
        .assert()
        .success()
        .stdout("3.5\n");
}

#[test]
fn a_leading_negative_number_is_not_an_option() {
    calculator()
        .args(["-5", "+", "3"])
        .assert()
        .success()
        .stdout("-2\n");
    calculator()
        .args(["-.5", "*", "2"])
        .assert()
        .success()
        .stdout("-1\n");
    calculator()
        .args(["-(2)", "*", "3"])
        .assert()
        .success()
        .stdout("-6\n");
}

#[test]
fn double_dash_ends_options() {
    calculator()
        .args(["--", "-5"])
        .assert()
        .success()
        .stdout("-5\n");
}

#[test]
fn an_evaluation_error_exits_1() {
    calculator()
        .args(["1", "/", "0"])
        .assert()
        .code(1)
        .stdout(is_empty())
        .stderr(predicate::str::starts_with("error: "));
}

#[test]
fn a_parse_error_shows_the_line_and_a_caret() {
    calculator()
        .arg("1 + * 2")
        .assert()
        .code(1)
        .stdout(is_empty())
        .stderr(contains("1 + * 2").and(contains("^")));
}

// ---- -e and -f ---------------------------------------------------------------------------

#[test]
fn repeated_eval_shares_variables() {
    calculator()
        .args(["-e", "x = 6", "-e", "x * 7", "--eval", "ans + 1"])
        .assert()
        .success()
        .stdout("42\n43\n");
}

#[test]
fn eval_accepts_attached_values_and_negative_numbers() {
    calculator()
        .args(["--eval=2 + 2", "-e", "-3"])
        .assert()
        .success()
        .stdout("4\n-3\n");
}

#[test]
fn eval_keeps_going_after_an_error_and_exits_1() {
    calculator()
        .args(["-e", "1/0", "-e", "2 + 3"])
        .assert()
        .code(1)
        .stdout("5\n")
        .stderr(contains("error: "));
}

#[test]
fn a_script_runs_line_by_line() {
    let dir = tempfile::tempdir().unwrap();
    let script = dir.path().join("area.calc");
    std::fs::write(&script, "# circle\nr = 2\n\npi * r^2\n7/2\n").unwrap();
    calculator()
        .arg("-f")
        .arg(&script)
        .assert()
        .success()
        .stdout("12.5663706143592\n3.5\n");
}

#[test]
fn files_and_evals_run_in_command_line_order() {
    let dir = tempfile::tempdir().unwrap();
    let script = dir.path().join("set.calc");
    std::fs::write(&script, "x = 40\nx\n").unwrap();
    calculator()
        .args(["-e", "1"])
        .arg("--file")
        .arg(&script)
        .args(["-e", "x + 2", "x", "*", "0"])
        .assert()
        .success()
        .stdout("1\n40\n42\n0\n");
}

#[test]
fn file_dash_reads_stdin() {
    calculator()
        .args(["-e", "y = 6", "-f", "-"])
        .write_stdin("y * 7\n")
        .assert()
        .success()
        .stdout("42\n");
}

#[test]
fn exit_in_a_script_stops_everything() {
    let dir = tempfile::tempdir().unwrap();
    let script = dir.path().join("stop.calc");
    std::fs::write(&script, "1\nexit\n2\n").unwrap();
    calculator()
        .arg("-f")
        .arg(&script)
        .args(["-e", "3"])
        .assert()
        .success()
        .stdout("1\n");
}

#[test]
fn a_missing_file_is_a_usage_error_naming_it() {
    calculator()
        .args(["-e", "1", "-f", "/nonexistent/script.calc"])
        .assert()
        .code(2)
        .stdout(is_empty())
        .stderr(contains("/nonexistent/script.calc").and(contains("No such file or directory")));
}

#[test]
fn a_directory_is_a_usage_error() {
    let dir = tempfile::tempdir().unwrap();
    calculator()
        .arg("-f")
        .arg(dir.path())
        .assert()
        .code(2)
        .stderr(contains("Is a directory"));
}

// ---- usage ---------------------------------------------------------------------------------

#[test]
fn an_unknown_option_exits_2() {
    calculator()
        .arg("-x")
        .assert()
        .code(2)
        .stdout(is_empty())
        .stderr(contains("'-x'").and(contains("--help")));
    calculator()
        .arg("--bogus")
        .assert()
        .code(2)
        .stderr(contains("--bogus"));
}

#[test]
fn a_missing_option_argument_exits_2() {
    calculator()
        .arg("-e")
        .assert()
        .code(2)
        .stderr(contains("missing argument"));
    calculator()
        .arg("--file")
        .assert()
        .code(2)
        .stderr(contains("missing argument"));
}

#[test]
fn help_describes_modes_exit_codes_and_examples() {
    for flag in ["-h", "--help"] {
        calculator()
            .arg(flag)
            .assert()
            .success()
            .stderr(is_empty())
            .stdout(
                contains("Usage:")
                    .and(contains("--eval"))
                    .and(contains("--file"))
                    .and(contains("Exit status"))
                    .and(contains("Examples")),
            );
    }
}

#[test]
fn version_prints_name_and_version() {
    for flag in ["-V", "--version"] {
        calculator()
            .arg(flag)
            .assert()
            .success()
            .stdout(format!("calculator {}\n", env!("CARGO_PKG_VERSION")));
    }
}

// ---- display rules, in every mode -----------------------------------------------------------

/// Lines that cover each display rule, and what every non-interactive mode prints for
/// them: plain numbers, with no approximation mark.
const DISPLAY: &[(&str, &str)] = &[
    ("10^15/7", "142857142857142.85714285714285714286"),
    ("1/4", "0.25"),
    ("123456789.123456789", "123456789.123456789"),
    ("1/7e20", "1.4285714285714285714e-21"),
    ("sqrt(2)", "1.4142135623731"),
    ("2^(1/2)*2^(1/2)", "2"),
    ("2^53 * (pi/pi)", "9.00719925474099e+15"),
    ("2^64", "18446744073709551616"),
    ("255 to hex", "0xff"),
    ("1 > 2", "false"),
];

fn display_script() -> String {
    DISPLAY
        .iter()
        .map(|(line, _)| format!("{line}\n"))
        .collect()
}

fn display_output() -> String {
    DISPLAY.iter().map(|(_, out)| format!("{out}\n")).collect()
}

#[test]
fn display_rules_hold_for_arguments() {
    for (line, out) in DISPLAY {
        calculator()
            .arg(line)
            .assert()
            .success()
            .stdout(format!("{out}\n"))
            .stderr(is_empty());
    }
}

#[test]
fn display_rules_hold_for_eval_options() {
    let mut cmd = calculator();
    for (line, _) in DISPLAY {
        cmd.args(["-e", line]);
    }
    cmd.assert().success().stdout(display_output());
}

#[test]
fn display_rules_hold_for_scripts_and_stdin() {
    let dir = tempfile::tempdir().unwrap();
    let script = dir.path().join("display.calc");
    std::fs::write(&script, display_script()).unwrap();
    calculator()
        .arg("-f")
        .arg(&script)
        .assert()
        .success()
        .stdout(display_output());
    calculator()
        .write_stdin(display_script())
        .assert()
        .success()
        .stdout(display_output())
        .stderr(is_empty());
}

#[test]
fn a_false_comparison_is_still_a_success() {
    calculator().arg("1 > 2").assert().code(0).stdout("false\n");
}

#[test]
fn digits_sets_decimals_and_float_digits_in_every_mode() {
    let expected = "0.142857\n1.41421\n0.25\n";
    calculator()
        .args(["--digits", "6", "-e", "1/7", "-e", "sqrt(2)", "-e", "1/4"])
        .assert()
        .success()
        .stdout(expected);
    calculator()
        .args(["--digits=6"])
        .write_stdin("1/7\nsqrt(2)\n1/4\n")
        .assert()
        .success()
        .stdout(expected);
    calculator()
        .args(["--digits", "40", "1/7"])
        .assert()
        .success()
        .stdout("0.1428571428571428571428571428571428571429\n");
    // A float never shows more than the 17 digits a 64-bit float holds.
    calculator()
        .args(["--digits", "40", "sqrt(2)"])
        .assert()
        .success()
        .stdout("1.4142135623730951\n");
}

#[test]
fn fraction_prints_p_over_q_in_every_mode() {
    calculator()
        .args(["--fraction", "1/4 + 1/2"])
        .assert()
        .success()
        .stdout("3/4\n");
    calculator()
        .args(["--fraction", "-f", "-"])
        .write_stdin("-10/4\n6/3\n0.1\nsqrt(2)\n7/2 to dec\n")
        .assert()
        .success()
        .stdout("-5/2\n2\n1/10\n1.4142135623731\n3.5\n");
}

#[test]
fn digits_and_fraction_commands_work_in_scripts() {
    calculator()
        .write_stdin(":digits 3\n1/3\n:fraction on\n1/3\n:fraction off\n1/3\n:digits\n")
        .assert()
        .success()
        .stdout(
            "0.333\n1/3\n0.333\ndigits 3: 3 decimals for a fraction whose expansion does not end, 3 significant digits for a float\n",
        );
}

#[test]
fn a_bad_digits_option_is_a_usage_error() {
    calculator()
        .args(["--digits", "0", "1"])
        .assert()
        .code(2)
        .stdout(is_empty())
        .stderr(contains("--digits").and(contains("from 1 to 100000")));
    calculator()
        .args(["--digits"])
        .assert()
        .code(2)
        .stderr(contains("missing argument"));
}

// ---- piped stdin -----------------------------------------------------------------------------

#[test]
fn piped_lines_give_one_result_per_line() {
    calculator()
        .write_stdin("6 * 7\n2^100\n7/2\n")
        .assert()
        .success()
        .stdout("42\n1267650600228229401496703205376\n3.5\n")
        .stderr(is_empty());
}

#[test]
fn the_last_line_needs_no_newline() {
    calculator()
        .write_stdin("1 + 1\n6 * 7")
        .assert()
        .success()
        .stdout("2\n42\n");
}

#[test]
fn empty_input_ends_at_once() {
    calculator()
        .write_stdin("")
        .assert()
        .success()
        .stdout(is_empty())
        .stderr(is_empty());
}

#[test]
fn blank_lines_and_comments_print_nothing() {
    calculator()
        .write_stdin("\n   \n# note\n6 * 7 # the answer\n")
        .assert()
        .success()
        .stdout("42\n");
}

#[test]
fn crlf_line_endings_are_accepted() {
    calculator()
        .write_stdin("6 * 7\r\n7/2\r\n")
        .assert()
        .success()
        .stdout("42\n3.5\n");
}

#[test]
fn an_invalid_utf8_line_fails_alone() {
    calculator()
        .write_stdin(&b"1 + 1\n\xff\xfe 2\n6 * 7\n"[..])
        .assert()
        .code(1)
        .stdout("2\n42\n")
        .stderr(contains("UTF-8"));
}

#[test]
fn an_error_does_not_stop_the_next_lines() {
    calculator()
        .write_stdin("1/0\nsqrt(-1)\n6 * 7\n")
        .assert()
        .code(1)
        .stdout("42\n")
        .stderr(predicate::str::is_match("(?s)^error: .*\nerror: .*").unwrap());
}

#[test]
fn errors_and_results_keep_their_order() {
    // A shell merges both streams into one pipe, as `2>&1` does for a user.
    let merged = StdCommand::new("sh")
        .arg("-c")
        .arg(format!("printf '1\\n1/0\\n2\\n' | '{}' 2>&1", BIN))
        .env("CALCULATOR_HISTORY", "")
        .output()
        .unwrap();
    let text = String::from_utf8(merged.stdout).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.first(), Some(&"1"), "{text}");
    assert!(lines[1].starts_with("error: "), "{text}");
    assert_eq!(lines.last(), Some(&"2"), "{text}");
}

#[test]
fn exit_and_quit_stop_reading() {
    calculator()
        .write_stdin("1\nexit\n2\n")
        .assert()
        .success()
        .stdout("1\n");
    calculator()
        .write_stdin("1\nquit\n1/0\n")
        .assert()
        .success()
        .stdout("1\n")
        .stderr(is_empty());
}

#[test]
fn an_unclosed_parenthesis_is_an_error_for_its_line_only() {
    calculator()
        .write_stdin("(1 +\n2)\n6 * 7\n")
        .assert()
        .code(1)
        .stdout(predicate::str::ends_with("42\n"))
        .stderr(contains("(1 +").and(contains("^")));
}

#[test]
fn variables_persist_across_lines() {
    calculator()
        .write_stdin("r = 3\nr^2\nans + 1\n")
        .assert()
        .success()
        .stdout("9\n10\n");
}

#[test]
fn a_300000_term_sum_is_quick() {
    let mut line = "1+".repeat(299_999);
    line.push_str("1\n");
    let started = Instant::now();
    calculator()
        .write_stdin(line)
        .assert()
        .success()
        .stdout("300000\n");
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "took {:?}",
        started.elapsed()
    );
}

#[test]
fn many_lines_are_never_lost() {
    let input: String = (1..=20_000).map(|i| format!("{i} * 2\n")).collect();
    let expected: String = (1..=20_000).map(|i| format!("{}\n", i * 2)).collect();
    calculator()
        .write_stdin(input)
        .assert()
        .success()
        .stdout(expected);
}

// ---- output going away ------------------------------------------------------------------------

#[test]
fn a_closed_pipe_ends_quietly() {
    let mut child = StdCommand::new(BIN)
        .env("CALCULATOR_HISTORY", "")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // Close the reading end before the calculator has written anything.
    drop(child.stdout.take());
    let mut stdin = child.stdin.take().unwrap();
    let input: String = (0..50_000).map(|i| format!("{i}\n")).collect();
    // The calculator may stop reading once it finds its output gone.
    let _ = stdin.write_all(input.as_bytes());
    drop(stdin);
    let status = child.wait().unwrap();
    let mut stderr = String::new();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut stderr)
        .unwrap();
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert!(stderr.is_empty(), "{stderr}");
    assert_eq!(status.code(), Some(0), "{status:?}");
}

#[test]
fn piping_into_head_does_not_panic() {
    let script = format!("yes '6 * 7' | head -n 100000 | '{}' | head -n 1", BIN);
    let output = StdCommand::new("sh")
        .arg("-c")
        .arg(script)
        .env("CALCULATOR_HISTORY", "")
        .output()
        .unwrap();
    assert_eq!(String::from_utf8_lossy(&output.stdout), "42\n");
    assert!(
        output.stderr.is_empty(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
}

#[test]
fn an_overlong_line_is_refused_and_the_next_line_runs() {
    // Past the 16 MiB limit: refused without being buffered whole.
    let mut input = "1+".repeat(9 << 20).into_bytes();
    input.extend_from_slice(b"1\n6 * 7\n");
    calculator()
        .write_stdin(input)
        .assert()
        .code(1)
        .stdout("42\n")
        .stderr(contains("MiB"));
}

// ---- signals --------------------------------------------------------------------------------

/// `docker stop` sends SIGTERM to PID 1, which the kernel would otherwise ignore; the
/// calculator must end at once even while it waits for input.
#[test]
fn sigterm_while_waiting_on_stdin_exits_143_at_once() {
    for args in [&[][..], &["-f", "-"][..]] {
        let mut child = StdCommand::new(BIN)
            .args(args)
            .env("CALCULATOR_HISTORY", "")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .unwrap();
        let mut stdin = child.stdin.take().unwrap();
        stdin.write_all(b"6 * 7\n").unwrap();
        // The result arrives while stdin is still open: output is flushed before waiting.
        let mut stdout = child.stdout.take().unwrap();
        let mut answer = [0u8; 3];
        stdout.read_exact(&mut answer).unwrap();
        assert_eq!(&answer, b"42\n");

        let sent = Instant::now();
        // SAFETY: kill has no memory-safety preconditions.
        assert_eq!(
            unsafe { libc::kill(child.id() as libc::pid_t, libc::SIGTERM) },
            0
        );
        let status = loop {
            if let Some(status) = child.try_wait().unwrap() {
                break status;
            }
            assert!(sent.elapsed() < Duration::from_secs(5), "SIGTERM ignored");
            std::thread::sleep(Duration::from_millis(10));
        };
        assert_eq!(status.code(), Some(143), "{args:?}: {status:?}");
        drop(stdin);
    }
}
