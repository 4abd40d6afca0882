//! Property tests: the evaluator never panics, and arithmetic on integers and fractions
//! is exact.

use calculator::{Outcome, Session, Style};
use num_bigint::BigInt;
use num_traits::{One, Signed, Zero};
use proptest::prelude::*;

fn value(session: &mut Session, line: &str) -> String {
    match session.eval_line(line) {
        Ok(Outcome::Value(v)) => v.to_string(),
        other => panic!("{line:?} gave {other:?}"),
    }
}

fn eval(line: &str) -> String {
    value(&mut Session::new(), line)
}

/// Integers of up to 60 digits, either sign, as text.
fn big() -> impl Strategy<Value = String> {
    ("-?", "[1-9][0-9]{0,59}|0").prop_map(|(sign, digits)| {
        if digits == "0" {
            digits
        } else {
            format!("{sign}{digits}")
        }
    })
}

fn nonzero() -> impl Strategy<Value = String> {
    big().prop_filter("non-zero", |s| s != "0")
}

/// A fraction p/q of integers up to 30 digits, written as the calculator reads it.
fn fraction() -> impl Strategy<Value = String> {
    ("-?[0-9]{1,30}", "[1-9][0-9]{0,29}").prop_map(|(p, q)| format!("({p}/{q})"))
}

fn nonzero_fraction() -> impl Strategy<Value = String> {
    ("-?[1-9][0-9]{0,29}", "[1-9][0-9]{0,29}").prop_map(|(p, q)| format!("({p}/{q})"))
}

/// The value printed in fraction mode: p/q, or an integer.
fn as_fraction(line: &str) -> String {
    let style = Style {
        fraction: true,
        ..Style::DEFAULT
    };
    value(&mut Session::with_style(style), line)
}

/// The exact value of a printed decimal such as `-12.5`, `0.333` or `1.25e-30`, as
/// numerator and denominator, and half a unit in its last printed place (as a fraction
/// of the same denominator): the most that rounding to that place may move a value.
fn printed_value(shown: &str) -> (BigInt, BigInt) {
    let (mantissa, exponent) = match shown.split_once('e') {
        Some((m, e)) => (m, e.parse::<i64>().unwrap()),
        None => (shown, 0),
    };
    let (whole, decimals) = mantissa.split_once('.').unwrap_or((mantissa, ""));
    let digits: BigInt = format!("{whole}{decimals}").parse().unwrap();
    let scale = exponent - decimals.len() as i64;
    let ten = BigInt::from(10);
    if scale >= 0 {
        (digits * ten.pow(scale as u32), BigInt::one())
    } else {
        (digits, ten.pow((-scale) as u32))
    }
}

/// A fragment of the language, so generated lines get past the lexer and exercise the
/// parser and evaluator rather than failing on the first character.
fn token() -> impl Strategy<Value = String> {
    prop_oneof![
        "[0-9]{1,4}",
        "[0-9]{1,3}\\.[0-9]{0,3}",
        "[0-9]e-?[0-9]{1,3}",
        "0x[0-9a-f]{1,4}",
        Just("99999999999999999999".to_string()),
        prop::sample::select(vec![
            "+",
            "-",
            "*",
            "/",
            "%",
            "^",
            "**",
            "!",
            "(",
            ")",
            ",",
            "=",
            " ",
            "#",
            "pi",
            "e",
            "tau",
            "ans",
            "x",
            "y",
            "sqrt(",
            "log(",
            "min(",
            "max(",
            "exp(",
            "floor(",
            "ln(",
            "asin(",
            "cbrt(",
            "round(",
            "exit",
            ":vars",
            ":help",
            "\t",
            "\n",
            "_",
            "<",
            "<=",
            "==",
            "!=",
            ">",
            " mod ",
            " to hex",
            " to bin",
            "to",
            "hex",
            "√",
            "×",
            "÷",
            "−",
            "π",
            "gcd(",
            "lcm(",
            ":digits 3",
            ":fraction",
            "1/3",
            "0.1",
            "1e-30",
        ])
        .prop_map(str::to_string),
    ]
}

proptest! {
    #[test]
    fn never_panics_on_arbitrary_text(line in "\\PC{0,60}") {
        let mut session = Session::new();
        if let Err(e) = session.eval_line(&line) {
            let report = e.report(&line);
            prop_assert!(report.starts_with("error: ") && report.ends_with('\n'));
        }
    }

    #[test]
    fn never_panics_on_any_characters(line in any::<String>()) {
        let _ = Session::new().eval_line(&line).map_err(|e| e.report(&line));
    }

    #[test]
    fn never_panics_on_language_fragments(
        lines in prop::collection::vec(prop::collection::vec(token(), 0..16), 1..4)
    ) {
        let mut session = Session::new();
        for parts in lines {
            let line = parts.concat();
            match session.eval_line(&line) {
                Ok(Outcome::Value(v)) => {
                    let shown = v.to_string();
                    prop_assert!(!shown.contains("inf") && !shown.contains("NaN"), "{line:?} -> {shown}");
                }
                Ok(_) => {}
                Err(e) => {
                    let report = e.report(&line);
                    prop_assert!(report.ends_with('\n'));
                    if let Some(span) = e.span() {
                        prop_assert!(span.start <= span.end);
                        prop_assert!(span.start <= line.chars().count());
                    }
                }
            }
            let _ = calculator::is_incomplete(&line);
        }
    }

    #[test]
    fn addition_matches_big_integers(a in big(), b in big()) {
        let expected = a.parse::<BigInt>().unwrap() + b.parse::<BigInt>().unwrap();
        prop_assert_eq!(eval(&format!("{a} + ({b})")), expected.to_string());
    }

    #[test]
    fn multiplication_matches_big_integers(a in big(), b in big()) {
        let expected = a.parse::<BigInt>().unwrap() * b.parse::<BigInt>().unwrap();
        prop_assert_eq!(eval(&format!("({a}) * ({b})")), expected.to_string());
    }

    #[test]
    fn subtraction_undoes_addition(a in big(), b in big()) {
        prop_assert_eq!(eval(&format!("(({a}) + ({b})) - ({b})")), eval(&a));
    }

    #[test]
    fn multiplication_commutes(a in big(), b in big()) {
        prop_assert_eq!(eval(&format!("({a}) * ({b})")), eval(&format!("({b}) * ({a})")));
    }

    #[test]
    fn exact_division_undoes_multiplication(a in big(), b in nonzero()) {
        prop_assert_eq!(eval(&format!("({a}) * ({b}) / ({b})")), eval(&a));
    }

    #[test]
    fn remainder_follows_the_dividend(a in big(), b in nonzero()) {
        let r: BigInt = eval(&format!("({a}) % ({b})")).parse().unwrap();
        let a: BigInt = a.parse().unwrap();
        let b: BigInt = b.parse().unwrap();
        prop_assert!(r == BigInt::from(0) || r.sign() == a.sign());
        prop_assert!(r.magnitude() < b.magnitude());
        prop_assert_eq!(r, &a % &b);
    }

    #[test]
    fn division_and_remainder_rebuild_the_dividend(a in big(), b in nonzero()) {
        let mut s = Session::new();
        s.eval_line(&format!("a = {a}")).unwrap();
        s.eval_line(&format!("b = {b}")).unwrap();
        prop_assert_eq!(value(&mut s, "(a - a % b) / b * b + a % b"), eval(&a));
    }

    #[test]
    fn division_prints_the_exact_quotient_rounded_in_its_last_place(a in big(), b in nonzero()) {
        let (x, y): (BigInt, BigInt) = (a.parse().unwrap(), b.parse().unwrap());
        let shown = eval(&format!("({a}) / ({b})"));
        if (&x % &y).is_zero() {
            prop_assert_eq!(shown, (&x / &y).to_string());
        } else {
            // |shown - x/y| <= half a unit in the last printed place, exactly:
            // |p/d - x/y| <= 1/(2d)  <=>  2·|p·y - x·d| <= |y|.
            let (p, d) = printed_value(&shown);
            let gap = (&p * &y - &x * &d).abs() * 2u32;
            prop_assert!(gap <= y.abs(), "{}/{} printed {}", a, b, shown);
        }
    }

    #[test]
    fn division_then_multiplication_gives_back_the_dividend(a in fraction(), b in nonzero_fraction()) {
        prop_assert_eq!(eval(&format!("{a} / {b} * {b}")), eval(&format!("{a} * 1")));
        prop_assert_eq!(eval(&format!("{a} / {b} * {b} == {a}")), "true");
    }

    #[test]
    fn subtraction_undoes_addition_of_fractions(a in fraction(), b in fraction()) {
        prop_assert_eq!(eval(&format!("({a} + {b}) - {b} == {a}")), "true");
        prop_assert_eq!(as_fraction(&format!("({a} + {b}) - {b}")), as_fraction(a.as_str()));
    }

    #[test]
    fn results_are_in_lowest_terms(a in fraction(), b in nonzero_fraction(), op in prop::sample::select(vec!["+", "-", "*", "/", "%", "mod"])) {
        let shown = as_fraction(&format!("{a} {op} {b}"));
        if let Some((p, q)) = shown.split_once('/') {
            let (p, q): (BigInt, BigInt) = (p.parse().unwrap(), q.parse().unwrap());
            prop_assert!(q > BigInt::one(), "{}", shown);
            let (mut x, mut y) = (p.abs(), q.clone());
            while !y.is_zero() {
                let r = &x % &y;
                x = y;
                y = r;
            }
            prop_assert!(x.is_one(), "{} {} {} gave {}, not in lowest terms", a, op, b, shown);
        }
    }

    #[test]
    fn fractions_compare_as_their_cross_products(a in fraction(), b in fraction()) {
        let parse = |f: &str| {
            let (p, q) = f.trim_matches(|c| c == '(' || c == ')').split_once('/').unwrap();
            (p.parse::<BigInt>().unwrap(), q.parse::<BigInt>().unwrap())
        };
        let ((p, q), (r, s)) = (parse(&a), parse(&b));
        let less = p * s < r * q;
        prop_assert_eq!(eval(&format!("{a} < {b}")), less.to_string());
    }

    #[test]
    fn powers_match_repeated_multiplication(a in "-?[1-9][0-9]{0,5}", n in 0u32..12) {
        let expected = a.parse::<BigInt>().unwrap().pow(n);
        prop_assert_eq!(eval(&format!("({a})^{n}")), expected.to_string());
    }

    #[test]
    fn integer_literals_print_back_unchanged(a in big()) {
        prop_assert_eq!(eval(&a), a.parse::<BigInt>().unwrap().to_string());
    }

    #[test]
    fn floats_print_at_most_15_significant_digits(x in -1e300f64..1e300) {
        // `pi/pi` is the float 1: a decimal literal alone is an exact fraction.
        let shown = eval(&format!("{x:e} * (pi/pi)"));
        let mantissa = shown.split('e').next().unwrap();
        let digits = mantissa.chars().filter(char::is_ascii_digit).collect::<String>();
        prop_assert!(digits.trim_start_matches('0').trim_end_matches('0').len() <= 15, "{}", shown);
        let back: f64 = shown.parse().unwrap();
        prop_assert!(x == 0.0 || ((back - x) / x).abs() < 1e-14, "{} -> {}", x, shown);
    }
}
