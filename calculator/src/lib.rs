//! calc-kit's calculator: exact arithmetic on integers and fractions of any size, with a
//! small, clear grammar.
//!
//! The library holds every rule of the language; the `calculator` binary only picks a mode
//! (REPL, arguments, script, piped stdin) and prints what [`Session::eval_line`] returns:
//! an [`Outcome::Value`] with its `Display` (the [`Answer`] also says whether the text is
//! exactly the value), an [`Outcome::Text`] as it is, an [`Error`] with [`Error::report`]
//! on stderr.
//!
//! ```
//! use calculator::{Outcome, Session};
//!
//! let mut session = Session::new();
//! assert_eq!(session.eval_line("x = 2^100").unwrap(), Outcome::Silent);
//! let Outcome::Value(v) = session.eval_line("x + 1").unwrap() else { panic!() };
//! assert_eq!(v.to_string(), "1267650600228229401496703205377");
//! let Outcome::Value(third) = session.eval_line("1/3").unwrap() else { panic!() };
//! assert_eq!(third.text(), "0.33333333333333333333");
//! assert!(!third.is_exact());
//! let err = session.eval_line("1 / 0").unwrap_err();
//! assert_eq!(err.report("1 / 0"), "error: division by zero\n  1 / 0\n    ^\n");
//! ```
//!
//! # The language
//!
//! - Numbers: `42`, `1_000_000`, `0xff`, `0b1010`, `0o17`; `3.14`, `.5`, `1e3`, `2.5e-3`.
//!   Constants `pi` (or `π`), `e`, `tau`, and the functions in [`builtins::BUILTINS`].
//! - Operators, loosest first: comparisons `< <= > >= == !=` (true or false; they do not
//!   chain); `+ -`; `* / % mod`; unary `- +` and `√`; `^` or `**` (right-associative);
//!   postfix `!`. `%` keeps the sign of the dividend, `mod` is never negative. `×`, `÷`
//!   and `−` are read as `*`, `/` and `-`. There is no implicit multiplication: `2 pi` is
//!   an error pointing at `pi`.
//! - `... to hex` (or `bin`, `oct`, `dec`) at the end of a line prints an integer result in
//!   that base; `to` and the base names are words only there, so `hex = 1` still works.
//! - `name = expression` stores a variable and prints nothing. Names are letters, digits and
//!   `_`, not starting with a digit; built-in names, `ans`, `exit` and `quit` are reserved.
//!   `f(x) = ...` is refused: there are no user-defined functions.
//! - `ans` is the last printed result, a number or a boolean. Assignments do not change it
//!   (as bc's `last`), so `x = 5` followed by `ans` still gives the result before it.
//! - `#` starts a comment; blank lines do nothing; `:help`, `:vars`, `:digits N`,
//!   `:fraction`, `exit`, `quit`.
//!
//! # Numbers
//!
//! Integers, decimal literals (`0.1` is 1/10) and the results of `+ - * / % mod` and of
//! integer powers are exact: an integer, or a fraction in lowest terms. `floor`, `ceil`,
//! `round`, `trunc`, `abs`, `min`, `max`, `gcd` and `lcm` keep them exact, and `sqrt` and
//! `cbrt` of a perfect square or cube (`sqrt(1/4)` is 0.5) stay exact. Roots that are not,
//! trigonometry, `exp`, logarithms (except exact powers: `log(1000)` is 3), non-integer
//! powers and the constants are 64-bit floats, and a float stays a float through later
//! arithmetic. A float never becomes infinite or NaN: division by zero, domain errors and
//! overflow are errors instead. How each kind prints is described in the `format` module
//! and chosen with [`Style`].
//!
//! # Limits
//!
//! A result may have at most [`MAX_DIGITS`] decimal digits in its numerator, in its
//! denominator, and in the decimal expansion it prints when that expansion ends (so
//! `1/2^300000`, 300,000 decimals, is refused). Powers, products and factorials are
//! refused from an estimate before any work is done (`9^9^9`, `(2^64)!`, `(1/3)^1000000`),
//! so no line can run for minutes or exhaust memory. Parsing and evaluation use explicit
//! stacks instead of recursion: any length and any nesting depth is handled without
//! touching the call stack.

pub mod builtins;
mod error;
mod eval;
mod format;
mod lexer;
mod number;
mod parser;
mod session;
mod value;

pub use error::{Error, Span};
pub use format::Style;
pub use number::{MAX_DIGITS, Number};
pub use session::{Outcome, Session, parse_digits};
pub use value::{Answer, Value};

/// Whether `line` opens more parentheses than it closes (comments ignored), so an
/// interactive reader should ask for a continuation line before evaluating.
pub fn is_incomplete(line: &str) -> bool {
    lexer::is_incomplete(line)
}
