//! The built-in constants and functions.
//!
//! [`BUILTINS`] is the single list of them: evaluation looks names up here, `:help` is
//! generated from it, and the REPL completes from it, so adding an entry is all it takes
//! to add a function everywhere.

use std::cmp::Ordering;

use num_bigint::BigInt;
use num_traits::{Signed, ToPrimitive, Zero};

use crate::number::{self, Calc, Number, Rounding};

/// Whether a built-in is a value or a function, and for a function how many arguments
/// it accepts, so arity errors and help text come from the same place.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// A fixed value, read by name (`pi`); it cannot be called or reassigned.
    Constant,
    /// Called with parentheses; `max_args` is `None` when any number from `min_args` up
    /// is accepted (`min`, `max`).
    Function {
        min_args: usize,
        max_args: Option<usize>,
    },
}

/// One built-in name with what it does.
#[derive(Debug, Clone, Copy)]
pub struct Builtin {
    pub name: &'static str,
    pub kind: Kind,
    /// One line for `:help` and completion hints.
    pub summary: &'static str,
    pub(crate) imp: Imp,
}

/// How a built-in produces its value; kept beside the name so nothing can drift apart.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Imp {
    Value(f64),
    Func(fn(Vec<Number>) -> Calc<Number>),
}

impl Builtin {
    /// How a call is written, e.g. `sqrt(x)`, `log(x[, base])`, `min(x, ...)`; a constant's
    /// name alone.
    pub fn signature(&self) -> String {
        const NAMES: [&str; 3] = ["x", "y", "z"];
        match self.kind {
            Kind::Constant => self.name.to_string(),
            Kind::Function { min_args, max_args } => {
                let mut s = format!("{}(", self.name);
                let required: Vec<&str> = (0..min_args).map(|i| NAMES[i.min(2)]).collect();
                s.push_str(&required.join(", "));
                match max_args {
                    None => s.push_str(", ..."),
                    Some(max) if max > min_args => {
                        for _ in min_args..max {
                            s.push_str(if self.name == "log" {
                                "[, base]"
                            } else {
                                "[, y]"
                            });
                        }
                    }
                    Some(_) => {}
                }
                s.push(')');
                s
            }
        }
    }

    /// Whether a call with `argc` arguments is allowed.
    pub fn accepts(&self, argc: usize) -> bool {
        match self.kind {
            Kind::Constant => false,
            Kind::Function { min_args, max_args } => {
                argc >= min_args && max_args.is_none_or(|max| argc <= max)
            }
        }
    }

    /// The arity part of an error message: "takes 1 argument", "takes 1 or 2 arguments"…
    pub(crate) fn arity(&self) -> String {
        let plural = |n: usize| if n == 1 { "argument" } else { "arguments" };
        match self.kind {
            Kind::Constant => "is a constant".to_string(),
            Kind::Function {
                min_args,
                max_args: None,
            } => {
                format!("takes at least {min_args} {}", plural(min_args))
            }
            Kind::Function {
                min_args,
                max_args: Some(max),
            } if max == min_args => {
                format!("takes {min_args} {}", plural(min_args))
            }
            Kind::Function {
                min_args,
                max_args: Some(max),
            } => format!("takes {min_args} to {max} arguments").replace(
                &format!("{min_args} to {}", min_args + 1),
                &format!("{min_args} or {}", min_args + 1),
            ),
        }
    }
}

/// Looks a built-in up by name.
pub fn lookup(name: &str) -> Option<&'static Builtin> {
    BUILTINS.iter().find(|b| b.name == name)
}

const fn constant(name: &'static str, value: f64, summary: &'static str) -> Builtin {
    Builtin {
        name,
        kind: Kind::Constant,
        summary,
        imp: Imp::Value(value),
    }
}

const fn function(
    name: &'static str,
    min_args: usize,
    max_args: Option<usize>,
    summary: &'static str,
    f: fn(Vec<Number>) -> Calc<Number>,
) -> Builtin {
    Builtin {
        name,
        kind: Kind::Function { min_args, max_args },
        summary,
        imp: Imp::Func(f),
    }
}

/// Every built-in constant and function, in the order `:help` lists them.
pub static BUILTINS: &[Builtin] = &[
    constant(
        "pi",
        std::f64::consts::PI,
        "π, the ratio of a circle's circumference to its diameter",
    ),
    constant(
        "e",
        std::f64::consts::E,
        "Euler's number, the base of the natural logarithm",
    ),
    constant(
        "tau",
        std::f64::consts::TAU,
        "τ = 2π, one full turn in radians",
    ),
    function(
        "sqrt",
        1,
        Some(1),
        "square root (exact for perfect squares)",
        sqrt,
    ),
    function(
        "cbrt",
        1,
        Some(1),
        "cube root (exact for perfect cubes)",
        cbrt,
    ),
    function("abs", 1, Some(1), "absolute value", |a| {
        Ok(number::abs(one(a)))
    }),
    function("exp", 1, Some(1), "e raised to the power x", |a| {
        float(a, libm::exp, (0, 1))
    }),
    function("ln", 1, Some(1), "natural logarithm", ln),
    function(
        "log",
        1,
        Some(2),
        "logarithm, base 10 unless a base is given",
        log,
    ),
    function("floor", 1, Some(1), "largest integer not above x", |a| {
        number::to_integer(one(a), Rounding::Floor)
    }),
    function("ceil", 1, Some(1), "smallest integer not below x", |a| {
        number::to_integer(one(a), Rounding::Ceil)
    }),
    function(
        "round",
        1,
        Some(1),
        "nearest integer, halves away from zero",
        |a| number::to_integer(one(a), Rounding::Round),
    ),
    function(
        "trunc",
        1,
        Some(1),
        "integer part, rounding toward zero",
        |a| number::to_integer(one(a), Rounding::Trunc),
    ),
    function("sin", 1, Some(1), "sine of an angle in radians", |a| {
        float(a, libm::sin, (0, 0))
    }),
    function("cos", 1, Some(1), "cosine of an angle in radians", |a| {
        float(a, libm::cos, (0, 1))
    }),
    function("tan", 1, Some(1), "tangent of an angle in radians", |a| {
        float(a, libm::tan, (0, 0))
    }),
    function(
        "asin",
        1,
        Some(1),
        "arcsine in radians, for -1 <= x <= 1",
        |a| unit_interval(a, "asin", libm::asin, (0, 0)),
    ),
    function(
        "acos",
        1,
        Some(1),
        "arccosine in radians, for -1 <= x <= 1",
        |a| unit_interval(a, "acos", libm::acos, (1, 0)),
    ),
    function("atan", 1, Some(1), "arctangent in radians", |a| {
        float(a, libm::atan, (0, 0))
    }),
    function("min", 1, None, "smallest of the arguments", |a| {
        pick(a, Ordering::Less)
    }),
    function("max", 1, None, "largest of the arguments", |a| {
        pick(a, Ordering::Greater)
    }),
    function("gcd", 2, None, "greatest common divisor of integers", gcd),
    function("lcm", 2, None, "least common multiple of integers", lcm),
];

/// The single argument of a one-argument function; arity is checked before the call.
fn one(args: Vec<Number>) -> Number {
    args.into_iter().next().unwrap_or_else(|| Number::from(0))
}

/// f(x) as a float, except at the one point `(at, value)` where the answer is a simple
/// exact number: `sin(0)` is exactly 0, so `sin(0) == 0` holds.
fn float(args: Vec<Number>, f: fn(f64) -> f64, (at, value): (i64, i64)) -> Calc<Number> {
    let x = one(args);
    if x == Number::from(at) {
        return Ok(Number::from(value));
    }
    Number::float(f(x.as_f64()?))
}

fn unit_interval(
    args: Vec<Number>,
    name: &str,
    f: fn(f64) -> f64,
    exact: (i64, i64),
) -> Calc<Number> {
    let x = one(args);
    let y = x.as_f64()?;
    if !(-1.0..=1.0).contains(&y) {
        return Err(format!("{name} needs a value between -1 and 1"));
    }
    float(vec![x], f, exact)
}

/// The square root, exact for perfect squares of integers and fractions (`sqrt(1/4)` is
/// 0.5); also the `√` prefix.
pub(crate) fn sqrt(args: Vec<Number>) -> Calc<Number> {
    root(one(args), 2)
}

fn cbrt(args: Vec<Number>) -> Calc<Number> {
    root(one(args), 3)
}

fn root(x: Number, degree: u32) -> Calc<Number> {
    if degree == 2 && x.is_negative() {
        return Err("square root of a negative number".into());
    }
    if let Some(exact) = number::exact_root(&x, degree) {
        return Ok(exact);
    }
    let f = match x.as_f64() {
        Ok(f) => f,
        Err(_) => return Number::float(number::big_root(&x, degree)?),
    };
    Number::float(if degree == 2 { f.sqrt() } else { f.cbrt() })
}

fn positive(x: &Number, name: &str) -> Calc<()> {
    if x.is_negative() || number::is_zero(x) {
        Err(format!("{name} is defined only for positive numbers"))
    } else {
        Ok(())
    }
}

fn ln(args: Vec<Number>) -> Calc<Number> {
    let x = one(args);
    positive(&x, "ln")?;
    if x == Number::from(1) {
        return Ok(Number::from(0));
    }
    Number::float(number::ln(&x))
}

fn log(args: Vec<Number>) -> Calc<Number> {
    let mut args = args.into_iter();
    let x = args.next().unwrap_or_else(|| Number::from(1));
    positive(&x, "log")?;
    let base = args.next().unwrap_or_else(|| Number::from(10));
    if base.is_negative() || number::is_zero(&base) || base == Number::from(1) {
        return Err("log base must be positive and not 1".into());
    }
    if let Some(k) = exact_log(&x, &base) {
        return Ok(k);
    }
    if base == Number::from(10) {
        return Number::float(number::log10(&x));
    }
    let ratio = number::log2(&x) / number::log2(&base);
    if !ratio.is_finite() {
        return Err("log base must be positive and not 1".into());
    }
    Number::float(ratio)
}

/// k when x is exactly base^k for integers x, base and k (`log(1000)` is exactly 3).
fn exact_log(x: &Number, base: &Number) -> Option<Number> {
    let (n, b) = (number::as_integer(x)?, number::as_integer(base)?);
    let k = (number::log2_abs(n) / number::log2_abs(b)).round();
    // x has at most MAX_DIGITS digits, so k is at most about 332,000.
    let k = u32::try_from(k.to_u64()?).ok()?;
    (b.pow(k) == *n).then(|| Number::from(i64::from(k)))
}

/// The arguments as exact integers, for the functions defined on integers only.
fn integers(args: Vec<Number>, name: &str) -> Calc<Vec<BigInt>> {
    args.iter()
        .map(|a| number::as_integer(a).cloned())
        .collect::<Option<Vec<_>>>()
        .ok_or_else(|| format!("{name} is defined for integers only"))
}

fn gcd(args: Vec<Number>) -> Calc<Number> {
    let mut args = integers(args, "gcd")?.into_iter();
    let first = args.next().unwrap_or_default().abs();
    Ok(Number::int(args.fold(first, |g, n| {
        if g.is_zero() {
            n.abs()
        } else {
            number::gcd(&g, &n)
        }
    })))
}

fn lcm(args: Vec<Number>) -> Calc<Number> {
    let mut result = BigInt::from(1);
    for n in integers(args, "lcm")? {
        if n.is_zero() {
            return Ok(Number::from(0));
        }
        let g = number::gcd(&result, &n);
        let step = number::mul(Number::int(result / g), Number::int(n.abs()))?;
        result = number::as_integer(&step).cloned().unwrap_or_default();
    }
    Ok(Number::int(result))
}

fn pick(args: Vec<Number>, wanted: Ordering) -> Calc<Number> {
    let mut args = args.into_iter();
    let mut best = args.next().ok_or("needs at least one argument")?;
    for x in args {
        if number::compare(&x, &best) == wanted {
            best = x;
        }
    }
    Ok(best)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_unique_and_kinds_match_implementations() {
        for (i, b) in BUILTINS.iter().enumerate() {
            assert!(
                BUILTINS[..i].iter().all(|o| o.name != b.name),
                "{} twice",
                b.name
            );
            match (b.kind, b.imp) {
                (Kind::Constant, Imp::Value(_)) | (Kind::Function { .. }, Imp::Func(_)) => {}
                _ => panic!(
                    "{} has a kind that does not match its implementation",
                    b.name
                ),
            }
        }
    }

    #[test]
    fn signatures_and_arity() {
        assert_eq!(lookup("sqrt").unwrap().signature(), "sqrt(x)");
        assert_eq!(lookup("log").unwrap().signature(), "log(x[, base])");
        assert_eq!(lookup("min").unwrap().signature(), "min(x, ...)");
        assert_eq!(lookup("log").unwrap().arity(), "takes 1 or 2 arguments");
        assert_eq!(lookup("sqrt").unwrap().arity(), "takes 1 argument");
        assert_eq!(lookup("max").unwrap().arity(), "takes at least 1 argument");
    }
}
