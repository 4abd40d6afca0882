//! Table tests for the language: each case is one line evaluated in a fresh session.

use calculator::builtins::{BUILTINS, Kind};
use calculator::{Outcome, Session, Span};

/// Evaluates `line` in a fresh session: the printed value, or the error message.
fn eval(line: &str) -> Result<String, String> {
    eval_in(&mut Session::new(), line)
}

fn eval_in(session: &mut Session, line: &str) -> Result<String, String> {
    match session.eval_line(line) {
        Ok(Outcome::Value(v)) => Ok(v.to_string()),
        Ok(Outcome::Silent) => Ok(String::new()),
        Ok(Outcome::Text(t)) => Ok(t),
        Ok(Outcome::Exit) => Ok("<exit>".to_string()),
        Err(e) => Err(e.message().to_string()),
    }
}

/// Runs every case and reports all the failures at once.
fn check_table(cases: &[(&str, &str)], want_error: bool) {
    let mut failures = Vec::new();
    for &(input, expected) in cases {
        let got = eval(input);
        let ok = match (&got, want_error) {
            (Ok(v), false) => v == expected,
            (Err(m), true) => m.contains(expected),
            _ => false,
        };
        if !ok {
            failures.push(format!("  {input:?}: expected {expected:?}, got {got:?}"));
        }
    }
    assert!(
        failures.is_empty(),
        "{} failing cases:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

const INTEGERS: &[(&str, &str)] = &[
    ("0", "0"),
    ("42", "42"),
    ("007", "7"),
    ("1_000_000", "1000000"),
    ("1_2_3", "123"),
    ("0xff", "255"),
    ("0XFF", "255"),
    ("0xDead_Beef", "3735928559"),
    ("0b1010", "10"),
    ("0B1111_0000", "240"),
    ("0o17", "15"),
    ("0o777", "511"),
    ("0x0", "0"),
    ("  42  ", "42"),
    ("\t42\t", "42"),
    ("(42)", "42"),
    ("((((42))))", "42"),
    (
        "123456789012345678901234567890",
        "123456789012345678901234567890",
    ),
    (
        "0xffffffffffffffffffffffffffffffff",
        "340282366920938463463374607431768211455",
    ),
];

const ARITHMETIC: &[(&str, &str)] = &[
    ("1 + 2", "3"),
    ("1+2", "3"),
    ("10 - 3", "7"),
    ("3 - 10", "-7"),
    ("6 * 7", "42"),
    ("6 / 3", "2"),
    ("7 / 2", "3.5"),
    ("-7 / 2", "-3.5"),
    ("1 / 3", "0.333333333333333"),
    ("2 / 3", "0.666666666666667"),
    ("1 / 8", "0.125"),
    ("100 / 10 / 2", "5"),
    ("2 * 3 + 4", "10"),
    ("2 + 3 * 4", "14"),
    ("(2 + 3) * 4", "20"),
    ("10 - 2 - 3", "5"),
    ("2 * (3 + 4) * 5", "70"),
    ("7 % 3", "1"),
    ("-7 % 3", "-1"),
    ("7 % -3", "1"),
    ("-7 % -3", "-1"),
    ("6 % 3", "0"),
    ("7.5 % 2", "1.5"),
    ("-7.5 % 2", "-1.5"),
    ("2 * 3 % 4", "2"),
    ("2 + 7 % 4", "5"),
    ("9223372036854775807 + 1", "9223372036854775808"),
    ("-9223372036854775808 - 1", "-9223372036854775809"),
    (
        "18446744073709551615 * 18446744073709551615",
        "340282366920938463426481119284349108225",
    ),
    (
        "340282366920938463426481119284349108225 / 18446744073709551615",
        "18446744073709551615",
    ),
    ("(10^30 + 1) / 10^29", "10"),
    ("(10^400 + 1) / 10^399", "10"),
    ("(10^400 + 1) / (3 * 10^399)", "3.33333333333333"),
    ("1 / 10^400", "0"),
    ("(2^70 + 1) % 2^70", "1"),
    ("1 + 2 + 3 + 4 + 5 + 6 + 7 + 8 + 9 + 10", "55"),
];

const UNARY_AND_POWER: &[(&str, &str)] = &[
    ("-5", "-5"),
    ("+5", "5"),
    ("--5", "5"),
    ("---5", "-5"),
    ("-+-5", "5"),
    ("- 5", "-5"),
    ("2 - -3", "5"),
    ("2 * -3", "-6"),
    ("2 ^ 10", "1024"),
    ("2 ** 10", "1024"),
    ("2^3^2", "512"),
    ("2**3**2", "512"),
    ("(2^3)^2", "64"),
    ("-2^2", "-4"),
    ("(-2)^2", "4"),
    ("(-2)^3", "-8"),
    ("2^-1", "0.5"),
    ("2^-2^2", "0.0625"),
    ("-2^-2", "-0.25"),
    ("10^-3", "0.001"),
    ("(-2)^-1", "-0.5"),
    ("(-2)^-2", "0.25"),
    ("2^0", "1"),
    ("0^0", "1"),
    ("0^5", "0"),
    ("1^1000000000000", "1"),
    ("(-1)^1000000000001", "-1"),
    ("(-1)^1000000000000", "1"),
    ("1^-5", "1"),
    ("(-1)^-3", "-1"),
    ("2^100", "1267650600228229401496703205376"),
    ("2^64", "18446744073709551616"),
    ("-2^64", "-18446744073709551616"),
    ("2^-1 * 4", "2"),
    ("2^3 * 2", "16"),
    ("4^0.5", "2"),
    ("2^0.5", "1.4142135623731"),
    ("8^(1/3)", "2"),
    ("2.5^2", "6.25"),
    ("(-8)^3.0", "-512"),
    ("2^10000 / 2^9999", "2"),
    ("3^-1000", "0"),
];

const FACTORIAL: &[(&str, &str)] = &[
    ("0!", "1"),
    ("1!", "1"),
    ("5!", "120"),
    ("10!", "3628800"),
    ("20!", "2432902008176640000"),
    ("21!", "51090942171709440000"),
    ("25!", "15511210043330985984000000"),
    ("3!!", "720"),
    ("-3!", "-6"),
    ("(-3)^2!", "9"),
    ("2^3!", "64"),
    ("(1+2)!", "6"),
    ("3! + 4!", "30"),
    ("3!*2", "12"),
    ("5.0!", "120"),
    ("(2^3)!", "40320"),
];

const FLOATS: &[(&str, &str)] = &[
    ("3.14", "3.14"),
    (".5", "0.5"),
    ("0.5", "0.5"),
    ("5.", "5"),
    ("1e3", "1000"),
    ("1E3", "1000"),
    ("2.5e-3", "0.0025"),
    ("1e+3", "1000"),
    ("1.5e20", "1.5e+20"),
    ("1e15", "1e+15"),
    ("1e14", "100000000000000"),
    ("999999999999999.0", "999999999999999"),
    ("1e-6", "0.000001"),
    ("1e-7", "1e-7"),
    ("1_000.5", "1000.5"),
    ("0.1 + 0.2", "0.3"),
    ("0.1 * 3", "0.3"),
    ("1.0", "1"),
    ("1.0 + 1", "2"),
    ("3.0 * 2", "6"),
    ("2.5 * 2", "5"),
    ("10.0 / 4", "2.5"),
    ("1 / 3.0", "0.333333333333333"),
    ("-0.0", "0"),
    ("-1.5", "-1.5"),
    ("1e308", "1e+308"),
    ("1.7976931348623157e308", "1.79769313486232e+308"),
    ("1e-400", "0"),
    ("2^53 + 0.0", "9.00719925474099e+15"),
    ("123456.789", "123456.789"),
    ("1/7", "0.142857142857143"),
    ("100000000000000 * 1.0", "100000000000000"),
    ("1.5e-10", "1.5e-10"),
    ("-2.5e30", "-2.5e+30"),
];

const CONSTANTS_AND_FUNCTIONS: &[(&str, &str)] = &[
    ("pi", "3.14159265358979"),
    ("e", "2.71828182845905"),
    ("tau", "6.28318530717959"),
    ("2 * pi", "6.28318530717959"),
    ("tau / pi", "2"),
    ("sqrt(16)", "4"),
    ("sqrt(2)", "1.4142135623731"),
    ("sqrt(2)^2", "2"),
    ("sqrt(0)", "0"),
    ("sqrt(2.25)", "1.5"),
    ("sqrt(10^40)", "100000000000000000000"),
    ("sqrt(10^41)", "3.16227766016838e+20"),
    ("log(sqrt(10^400))", "200"),
    ("sqrt(10^401)", "3.16227766016838e+200"),
    ("cbrt(27)", "3"),
    ("cbrt(-27)", "-3"),
    ("cbrt(2)", "1.25992104989487"),
    ("cbrt(-8.0)", "-2"),
    ("abs(-5)", "5"),
    ("abs(5)", "5"),
    ("abs(-2.5)", "2.5"),
    ("abs(-10^30)", "1000000000000000000000000000000"),
    ("exp(0)", "1"),
    ("exp(1)", "2.71828182845905"),
    ("exp(-1000)", "0"),
    ("ln(1)", "0"),
    ("ln(e)", "1"),
    ("ln(10^400)", "921.034037197618"),
    ("log(1000)", "3"),
    ("log(100)", "2"),
    ("log(0.001)", "-3"),
    ("log(10^400)", "400"),
    ("log(8, 2)", "3"),
    ("log(1024, 2)", "10"),
    ("log(81, 3)", "4"),
    ("log(100, 10)", "2"),
    ("log(2, 4)", "0.5"),
    ("floor(3.7)", "3"),
    ("floor(-3.2)", "-4"),
    ("floor(5)", "5"),
    ("ceil(3.2)", "4"),
    ("ceil(-3.7)", "-3"),
    ("round(2.5)", "3"),
    ("round(-2.5)", "-3"),
    ("round(2.4)", "2"),
    ("trunc(-3.7)", "-3"),
    ("trunc(3.7)", "3"),
    ("floor(1e20)", "100000000000000000000"),
    ("floor(1.5e300) > 0", ""),
    ("sin(0)", "0"),
    ("sin(pi/2)", "1"),
    ("cos(0)", "1"),
    ("cos(pi)", "-1"),
    ("tan(0)", "0"),
    ("tan(pi/4)", "1"),
    ("asin(1)", "1.5707963267949"),
    ("acos(1)", "0"),
    ("atan(1) * 4", "3.14159265358979"),
    ("min(3, 1, 2)", "1"),
    ("max(3, 1, 2)", "3"),
    ("min(5)", "5"),
    ("max(1, 2.5)", "2.5"),
    ("min(1, 2.5)", "1"),
    ("max(10^30, 1e29)", "1000000000000000000000000000000"),
    ("min(-1, -1.5)", "-1.5"),
    ("max(2, 2.0)", "2"),
    ("sqrt(sqrt(256))", "4"),
    ("max(1, min(5, 3), 2)", "3"),
    ("abs(-3)!", "6"),
    ("sqrt(16) + abs(-4)", "8"),
    ("-sqrt(4)", "-2"),
    ("2^sqrt(4)", "4"),
    ("sqrt ( 16 )", "4"),
    ("log(1000, 10)", "3"),
];

const MISC: &[(&str, &str)] = &[
    ("", ""),
    ("   ", ""),
    ("# just a comment", ""),
    ("   # indented comment", ""),
    ("1 + 2 # trailing comment", "3"),
    ("1 + 2# no space", "3"),
    ("x = 5", ""),
    ("x = 5 # comment", ""),
    ("exit", "<exit>"),
    ("quit", "<exit>"),
    ("  exit  ", "<exit>"),
    ("exit # bye", "<exit>"),
    ("(1 +\n 2)", "3"),
    ("sqrt(16 # first line\n)", "4"),
    ("1\t+\t2", "3"),
    ("1\r", "1"),
];

#[test]
fn integers() {
    check_table(INTEGERS, false);
}

#[test]
fn arithmetic() {
    check_table(ARITHMETIC, false);
}

#[test]
fn unary_and_power() {
    check_table(UNARY_AND_POWER, false);
}

#[test]
fn factorial() {
    check_table(FACTORIAL, false);
}

#[test]
fn floats() {
    check_table(FLOATS, false);
}

#[test]
fn constants_and_functions() {
    let cases: Vec<(&str, &str)> = CONSTANTS_AND_FUNCTIONS
        .iter()
        .copied()
        .filter(|(input, _)| !input.contains('>'))
        .collect();
    check_table(&cases, false);
}

#[test]
fn blank_comment_exit_and_continuations() {
    check_table(MISC, false);
}

const ERRORS: &[(&str, &str)] = &[
    // Division and remainder by zero.
    ("1 / 0", "division by zero"),
    ("1 / 0.0", "division by zero"),
    ("1.5 / 0", "division by zero"),
    ("0 / 0", "division by zero"),
    ("5 % 0", "division by zero"),
    ("5.5 % 0.0", "division by zero"),
    ("0^-1", "division by zero"),
    ("0.0^-1", "division by zero"),
    ("1 / (2 - 2)", "division by zero"),
    // Domain errors.
    ("sqrt(-1)", "negative"),
    ("sqrt(-0.5)", "negative"),
    ("ln(0)", "positive"),
    ("ln(-1)", "positive"),
    ("log(-5)", "positive"),
    ("log(0)", "positive"),
    ("log(8, 1)", "base"),
    ("log(8, 0)", "base"),
    ("log(8, -2)", "base"),
    ("log(8, 1.0)", "base"),
    ("asin(2)", "between -1 and 1"),
    ("acos(-1.5)", "between -1 and 1"),
    ("(-1)!", "non-negative integer"),
    ("2.5!", "non-negative integer"),
    ("(-2.0)!", "non-negative integer"),
    ("(-8)^(1/3)", "fractional power"),
    // Overflow.
    ("1e308 * 10", "overflow"),
    ("exp(1000)", "overflow"),
    ("1e400", "too large"),
    ("10.0^400", "overflow"),
    ("2.0^2000", "overflow"),
    ("10^400 * 1.5", "too large"),
    ("sin(10^400)", "too large"),
    ("-1e308 - 1e308", "overflow"),
    // The digit limit.
    ("2^1000000000", "digits"),
    ("9^9^9", "digits"),
    ("(2^64)!", "digits"),
    ("10^99999 * 10^2", "digits"),
    ("10^100000", "digits"),
    ("100000!", "digits"),
    ("30000!", "digits"),
    ("2^2^2^2^2^2", "digits"),
    ("(10^50000)^3", "digits"),
    ("10^(10^20)", "digits"),
    ("3!!!!", "digits"),
    // Names.
    ("foo", "unknown name 'foo'"),
    ("x + 1", "unknown name 'x'"),
    ("foo(1)", "unknown function 'foo'"),
    ("ans", "no value yet"),
    ("sqrt", "is a function"),
    ("sqrt + 1", "is a function"),
    ("pi(2)", "is a constant, not a function"),
    ("exit + 1", "is a command"),
    ("quit()", "unknown function"),
    // Arity.
    ("sqrt()", "takes 1 argument, but was given 0"),
    ("sqrt(1, 2)", "takes 1 argument, but was given 2"),
    ("log(1, 2, 3)", "takes 1 or 2 arguments, but was given 3"),
    ("log()", "takes 1 or 2 arguments"),
    ("min()", "takes at least 1 argument"),
    ("max()", "takes at least 1 argument"),
    ("abs(1, 2)", "takes 1 argument"),
    // Assignment.
    ("pi = 3", "cannot assign to 'pi'"),
    ("e = 3", "built-in constant"),
    ("sqrt = 3", "built-in function"),
    ("ans = 3", "cannot assign to 'ans'"),
    ("exit = 1", "cannot assign to 'exit'"),
    ("x =", "expected a value after '='"),
    ("x = = 1", "expected a value"),
    ("1 = 2", "unexpected '='"),
    ("x + 1 = 2", "unexpected '='"),
    ("x == 1", "expected a value"),
    ("x = y", "unknown name 'y'"),
    // No implicit multiplication.
    ("2 pi", "missing operator before 'pi'"),
    ("1 2", "missing operator before '2'"),
    ("2(3)", "missing operator before '('"),
    ("(1)(2)", "missing operator"),
    ("2x", "missing operator before 'x'"),
    ("3 sqrt(4)", "missing operator"),
    ("1.2.3", "missing operator"),
    // Syntax.
    ("1 +", "expected a value after '+'"),
    ("* 2", "expected a value, found '*'"),
    ("1 * * 2", "expected a value after '*', found '*'"),
    ("1 ^ ^ 2", "expected a value"),
    ("2 ** * 3", "expected a value"),
    ("()", "expected a value"),
    ("(", "expected a value"),
    ("(1", "never closed"),
    ("((1)", "never closed"),
    ("sqrt(4", "never closed"),
    ("1)", "without a matching '('"),
    ("(1))", "without a matching '('"),
    (")", "expected a value"),
    ("1, 2", "outside a function call"),
    ("(1, 2)", "outside a function call"),
    ("min(1,)", "expected a value after ','"),
    ("min(,1)", "expected a value after '('"),
    ("!", "expected a value"),
    ("!3", "expected a value"),
    ("-", "expected a value after '-'"),
    ("1 +* 2", "expected a value"),
    // Lexical.
    ("1 @ 2", "unexpected character '@'"),
    ("$", "unexpected character"),
    ("1 & 2", "unexpected character"),
    ("\0", "unexpected character '\\0'"),
    ("1 \u{1b}[31m", "unexpected character"),
    ("3 × 4", "unexpected character '×'"),
    ("'", "unexpected character"),
    ("0x", "at least one digit"),
    ("0b", "at least one digit"),
    ("0b102", "invalid digit '2' in a binary number"),
    ("0xfg", "invalid digit 'g'"),
    ("0o8", "invalid digit '8'"),
    ("1__000", "'_'"),
    ("1_", "'_'"),
    ("0x_ff", "'_'"),
    ("1._5", "'_'"),
    // Commands.
    (":nope", "unknown command ':nope'"),
    (":", "unknown command"),
];

#[test]
fn errors() {
    check_table(ERRORS, true);
}

#[test]
fn number_literal_over_the_limit_is_refused() {
    let line = "9".repeat(100_001);
    assert!(eval(&line).unwrap_err().contains("digits"));
    let line = "9".repeat(100_000);
    assert_eq!(eval(&line).unwrap(), line);
}

#[test]
fn limit_is_exact_at_the_edge() {
    let ok = eval("10^99999").unwrap();
    assert_eq!(ok.len(), 100_000);
    assert_eq!(eval("10^99999 * 9").unwrap().len(), 100_000);
    assert!(eval("10^99999 * 10").unwrap_err().contains("digits"));
    assert!(eval("(10^99999 - 1) * 10 + 9").is_ok());
    assert!(
        eval("10^99999 * 5 + 10^99999 * 5")
            .unwrap_err()
            .contains("digits")
    );
}

#[test]
fn factorials_up_to_some_thousands_are_exact() {
    let f1000 = eval("1000!").unwrap();
    assert_eq!(f1000.len(), 2568);
    assert!(f1000.starts_with("402387260077"));
    assert!(eval("5000! / 4999!").unwrap() == "5000");
    assert_eq!(eval("25000!").unwrap().len(), 99094);
}

// ---- Sessions: variables, ans, commands ----

fn run(lines: &[&str]) -> Vec<Result<String, String>> {
    let mut s = Session::new();
    lines.iter().map(|l| eval_in(&mut s, l)).collect()
}

#[test]
fn variables() {
    let out = run(&[
        "x = 5",
        "x * 2",
        "y = x + 1",
        "y",
        "x = 10",
        "x + y",
        "long_name_2 = 3",
        "long_name_2",
    ]);
    assert_eq!(
        out,
        vec![
            Ok("".into()),
            Ok("10".into()),
            Ok("".into()),
            Ok("6".into()),
            Ok("".into()),
            Ok("16".into()),
            Ok("".into()),
            Ok("3".into())
        ]
    );
}

#[test]
fn variables_hold_any_kind_of_number() {
    let out = run(&[
        "big = 2^200",
        "big / 2^199",
        "half = 1/2",
        "half * 4",
        "_x1 = -3",
        "_x1^2",
    ]);
    assert_eq!(out[1], Ok("2".into()));
    assert_eq!(out[3], Ok("2".into()));
    assert_eq!(out[5], Ok("9".into()));
}

#[test]
fn unicode_names_work() {
    let out = run(&["größe = 3", "größe * 2"]);
    assert_eq!(out[1], Ok("6".into()));
}

#[test]
fn ans_is_the_last_printed_result() {
    let out = run(&[
        "ans", "2 + 3", "ans * 2", "ans", "x = 100", "ans", "ans + x", "1 / 0", "ans",
    ]);
    assert!(out[0].as_ref().unwrap_err().contains("no value yet"));
    assert_eq!(out[1], Ok("5".into()));
    assert_eq!(out[2], Ok("10".into()));
    assert_eq!(out[3], Ok("10".into()));
    // An assignment prints nothing, so it leaves ans alone.
    assert_eq!(out[5], Ok("10".into()));
    assert_eq!(out[6], Ok("110".into()));
    // A failed line leaves ans alone too.
    assert_eq!(out[8], Ok("110".into()));
}

#[test]
fn assignment_can_use_ans_and_itself() {
    let out = run(&["7", "x = ans * 6", "x", "x = x + 1", "x"]);
    assert_eq!(out[2], Ok("42".into()));
    assert_eq!(out[4], Ok("43".into()));
}

#[test]
fn failed_assignment_changes_nothing() {
    let out = run(&["x = 1", "x = 1 / 0", "x", "y = sqrt(-1)", "y"]);
    assert_eq!(out[2], Ok("1".into()));
    assert!(out[4].as_ref().unwrap_err().contains("unknown name 'y'"));
}

#[test]
fn builtins_cannot_be_reassigned() {
    for b in BUILTINS {
        let mut s = Session::new();
        let err = s.eval_line(&format!("{} = 1", b.name)).unwrap_err();
        assert!(
            err.message()
                .contains(&format!("cannot assign to '{}'", b.name)),
            "{}",
            b.name
        );
        assert_eq!(
            err.span(),
            Some(Span {
                start: 0,
                end: b.name.chars().count()
            })
        );
        assert!(s.variable_names().is_empty());
    }
}

#[test]
fn variable_used_as_function_is_explained() {
    let out = run(&["x = 2", "x(3)"]);
    assert!(
        out[1]
            .as_ref()
            .unwrap_err()
            .contains("'x' is a variable, not a function")
    );
}

#[test]
fn variable_names_are_sorted_and_include_ans_once_set() {
    let mut s = Session::new();
    assert!(s.variable_names().is_empty());
    s.eval_line("zeta = 1").unwrap();
    s.eval_line("alpha = 2").unwrap();
    assert_eq!(s.variable_names(), ["alpha", "zeta"]);
    s.eval_line("alpha + zeta").unwrap();
    assert_eq!(s.variable_names(), ["alpha", "ans", "zeta"]);
    s.eval_line("alpha = 5").unwrap();
    assert_eq!(s.variable_names(), ["alpha", "ans", "zeta"]);
}

#[test]
fn vars_command() {
    let mut s = Session::new();
    let Outcome::Text(empty) = s.eval_line(":vars").unwrap() else {
        panic!()
    };
    assert!(empty.contains("no variables"));
    s.eval_line("b = 2").unwrap();
    s.eval_line("a = 1/4").unwrap();
    s.eval_line("a + b").unwrap();
    let Outcome::Text(text) = s.eval_line(":vars").unwrap() else {
        panic!()
    };
    assert_eq!(text, "a = 0.25\nans = 2.25\nb = 2");
    // Commands may be surrounded by blanks and followed by a comment.
    assert_eq!(s.eval_line("  :vars  # list").unwrap(), Outcome::Text(text));
}

#[test]
fn help_lists_every_builtin_operator_and_command() {
    let Outcome::Text(help) = Session::new().eval_line(":help").unwrap() else {
        panic!()
    };
    for b in BUILTINS {
        let line = help
            .lines()
            .find(|l| l.trim_start().starts_with(&format!("{} ", b.signature())))
            .unwrap_or_else(|| panic!("{} missing from :help", b.name));
        assert!(line.contains(b.summary), "{line}");
        if let Kind::Function { .. } = b.kind {
            assert!(line.contains("argument"), "{line}");
        }
    }
    for word in [
        "+", "-", "*", "/", "%", "^", "**", "!", "ans", "exit", "quit", ":vars", "#",
    ] {
        assert!(help.contains(word), "{word} missing from :help");
    }
}

#[test]
fn builtins_table_is_complete() {
    let names: Vec<&str> = BUILTINS.iter().map(|b| b.name).collect();
    for name in [
        "pi", "e", "tau", "sqrt", "cbrt", "abs", "exp", "ln", "log", "floor", "ceil", "round",
        "trunc", "sin", "cos", "tan", "asin", "acos", "atan", "min", "max",
    ] {
        assert!(names.contains(&name), "{name}");
    }
    // Every function in the table can be called with its minimum arity.
    for b in BUILTINS {
        if let Kind::Function { min_args, max_args } = b.kind {
            let args = vec!["0.5"; min_args.max(1)].join(", ");
            let result = eval(&format!("{}({args})", b.name));
            assert!(result.is_ok(), "{}: {result:?}", b.name);
            if let Some(max) = max_args {
                let args = vec!["1"; max + 1].join(", ");
                assert!(eval(&format!("{}({args})", b.name)).is_err(), "{}", b.name);
            }
        }
    }
}

#[test]
fn exit_outcome() {
    assert_eq!(Session::new().eval_line("quit").unwrap(), Outcome::Exit);
    assert_eq!(Session::new().eval_line("").unwrap(), Outcome::Silent);
}

#[test]
fn is_incomplete_counts_parentheses_outside_comments() {
    assert!(calculator::is_incomplete("sqrt(2"));
    assert!(calculator::is_incomplete("((1)"));
    assert!(!calculator::is_incomplete("(1)"));
    assert!(!calculator::is_incomplete("1)"));
    assert!(!calculator::is_incomplete("1 # ("));
    assert!(calculator::is_incomplete("( # )"));
    assert!(!calculator::is_incomplete("(1 # comment\n)"));
    assert!(!calculator::is_incomplete(""));
}

// ---- Error reports and spans ----

fn report(line: &str) -> String {
    Session::new().eval_line(line).unwrap_err().report(line)
}

#[test]
fn reports_point_at_the_problem() {
    let cases: &[(&str, &str)] = &[
        ("1 / 0", "error: division by zero\n  1 / 0\n    ^\n"),
        (
            "2 pi",
            "error: missing operator before 'pi' (write * to multiply)\n  2 pi\n    ^^\n",
        ),
        (
            "1 2",
            "error: missing operator before '2' (write * to multiply)\n  1 2\n    ^\n",
        ),
        ("1 +", "error: expected a value after '+'\n  1 +\n     ^\n"),
        ("foo + 1", "error: unknown name 'foo'\n  foo + 1\n  ^^^\n"),
        (
            "1 + sqrt(1, 2)",
            "error: sqrt takes 1 argument, but was given 2 arguments\n  1 + sqrt(1, 2)\n      ^^^^\n",
        ),
        ("(1 + 2", "error: '(' is never closed\n  (1 + 2\n  ^\n"),
        (
            "1 + 2)",
            "error: ')' without a matching '('\n  1 + 2)\n       ^\n",
        ),
        (
            "2 ^ 0x",
            "error: a hexadecimal number needs at least one digit\n  2 ^ 0x\n      ^^\n",
        ),
        (
            "5 % 0",
            "error: remainder of a division by zero\n  5 % 0\n    ^\n",
        ),
        (
            "(-1)!",
            "error: factorial needs a non-negative integer\n  (-1)!\n      ^\n",
        ),
        (
            "pi = 3",
            "error: cannot assign to 'pi': it is a built-in constant\n  pi = 3\n  ^^\n",
        ),
        (
            ":what",
            "error: unknown command ':what' (the commands are :help and :vars)\n  :what\n  ^^^^^\n",
        ),
    ];
    for (line, expected) in cases {
        assert_eq!(&report(line), expected, "for {line:?}");
    }
}

#[test]
fn spans_count_characters_not_bytes() {
    let line = "größe + 1 @";
    let err = Session::new().eval_line(line).unwrap_err();
    assert_eq!(err.span(), Some(Span { start: 10, end: 11 }));
    assert_eq!(
        err.report(line),
        "error: unexpected character '@'\n  größe + 1 @\n            ^\n"
    );
}

#[test]
fn tabs_do_not_shift_the_caret() {
    let line = "\t1 +\t*";
    let text = report(line);
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 3);
    assert!(!lines[1].contains('\t'));
    assert_eq!(lines[2].find('^'), lines[1].find('*'), "{text}");
}

#[test]
fn control_characters_are_escaped_in_reports() {
    let line = "1 + \u{1b}[2J";
    let text = report(line);
    assert!(!text.contains('\u{1b}'), "{text:?}");
    assert!(text.ends_with('\n'));
    let line = "\0\0 2 3";
    let text = report(line);
    assert!(!text.contains('\0'));
}

#[test]
fn every_report_ends_in_a_newline() {
    for (line, _) in ERRORS {
        let r = report(line);
        assert!(
            r.starts_with("error: ") && r.ends_with('\n'),
            "{line:?}: {r:?}"
        );
        assert!(
            r.lines().count() == 1 || r.lines().count() == 3,
            "{line:?}: {r:?}"
        );
    }
}

// ---- Robustness: long and deep input ----

/// Runs `f` on a thread with a small stack, to prove no input recurses on the call stack.
fn on_small_stack<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> T {
    std::thread::Builder::new()
        .stack_size(256 * 1024)
        .spawn(f)
        .unwrap()
        .join()
        .unwrap()
}

#[test]
fn long_sum_is_fast() {
    let line = vec!["1"; 300_000].join("+");
    let start = std::time::Instant::now();
    let result = on_small_stack(move || eval(&line));
    assert_eq!(result, Ok("300000".into()));
    assert!(
        start.elapsed().as_secs_f64() < 5.0,
        "took {:?}",
        start.elapsed()
    );
}

#[test]
fn long_mixed_chains() {
    let line = vec!["2*3-5"; 100_000].join("+");
    assert_eq!(on_small_stack(move || eval(&line)), Ok("100000".into()));
    let line = format!("1{}", "*1".repeat(200_000));
    assert_eq!(on_small_stack(move || eval(&line)), Ok("1".into()));
}

#[test]
fn deep_parentheses() {
    let n = 1_000_000;
    let line = format!("{}1{}", "(".repeat(n), ")".repeat(n));
    assert_eq!(on_small_stack(move || eval(&line)), Ok("1".into()));
    let line = format!("{}1", "(".repeat(n));
    assert!(
        on_small_stack(move || eval(&line))
            .unwrap_err()
            .contains("never closed")
    );
    let line = format!("1{}", ")".repeat(n));
    assert!(on_small_stack(move || eval(&line)).is_err());
    let line = format!("{}1+{}2", "(1+".repeat(100_000), ")".repeat(100_000));
    assert!(on_small_stack(move || eval(&line)).is_err());
}

#[test]
fn deep_function_calls() {
    let n = 200_000;
    let line = format!("{}16{}", "abs(".repeat(n), ")".repeat(n));
    assert_eq!(on_small_stack(move || eval(&line)), Ok("16".into()));
    let line = format!("{}1{}", "max(0,".repeat(n), ")".repeat(n));
    assert_eq!(on_small_stack(move || eval(&line)), Ok("1".into()));
}

#[test]
fn long_unary_runs() {
    let line = format!("{}1", "-".repeat(1_000_000));
    assert_eq!(on_small_stack(move || eval(&line)), Ok("1".into()));
    let line = format!("{}1", "-".repeat(999_999));
    assert_eq!(on_small_stack(move || eval(&line)), Ok("-1".into()));
    let line = format!("{}1", "+".repeat(1_000_000));
    assert_eq!(on_small_stack(move || eval(&line)), Ok("1".into()));
    let line = format!("{}1", "-+".repeat(500_000));
    assert!(on_small_stack(move || eval(&line)).is_ok());
}

#[test]
fn long_power_towers() {
    let line = format!("2{}", "^2".repeat(100_000));
    assert!(
        on_small_stack(move || eval(&line))
            .unwrap_err()
            .contains("digits")
    );
    let line = format!("1{}", "^1".repeat(100_000));
    assert_eq!(on_small_stack(move || eval(&line)), Ok("1".into()));
    let line = format!("2{}", "**-1".repeat(100_000));
    assert!(on_small_stack(move || eval(&line)).is_ok());
}

#[test]
fn long_factorial_runs() {
    let line = format!("3{}", "!".repeat(100_000));
    assert!(
        on_small_stack(move || eval(&line))
            .unwrap_err()
            .contains("digits")
    );
    let line = format!("1{}", "!".repeat(100_000));
    assert_eq!(on_small_stack(move || eval(&line)), Ok("1".into()));
}

#[test]
fn long_garbage_lines_fail_cleanly() {
    for line in [
        "(".repeat(500_000),
        ")".repeat(500_000),
        "*".repeat(500_000),
        "!".repeat(500_000),
        "1 ".repeat(500_000),
        ",".repeat(500_000),
        "sqrt(".repeat(200_000),
        "=".repeat(500_000),
    ] {
        let result = on_small_stack(move || {
            let r = Session::new().eval_line(&line);
            r.map(|_| ()).map_err(|e| e.report(&line))
        });
        if let Err(report) = result {
            assert!(
                report.len() < 400,
                "report too long: {} bytes",
                report.len()
            );
        }
    }
}
