//! calc-kit's calculator: exact big-integer arithmetic with a small, clear grammar.
//!
//! The library holds every rule of the language; the `calculator` binary only picks a mode
//! (REPL, arguments, script, piped stdin) and prints what [`Session::eval_line`] returns:
//! an [`Outcome::Value`] with its `Display`, an [`Outcome::Text`] as it is, an [`Error`]
//! with [`Error::report`] on stderr.
//!
//! ```
//! use calculator::{Outcome, Session};
//!
//! let mut session = Session::new();
//! assert_eq!(session.eval_line("x = 2^100").unwrap(), Outcome::Silent);
//! let Outcome::Value(v) = session.eval_line("x + 1").unwrap() else { panic!() };
//! assert_eq!(v.to_string(), "1267650600228229401496703205377");
//! let err = session.eval_line("1 / 0").unwrap_err();
//! assert_eq!(err.report("1 / 0"), "error: division by zero\n  1 / 0\n    ^\n");
//! ```
//!
//! # The language
//!
//! - Numbers: `42`, `1_000_000`, `0xff`, `0b1010`, `0o17`; `3.14`, `.5`, `1e3`, `2.5e-3`.
//!   Constants `pi`, `e`, `tau`, and the functions in [`builtins::BUILTINS`].
//! - Operators, loosest first: `+ -`; `* / %`; unary `- +`; `^` or `**` (right-associative);
//!   postfix `!`. `%` keeps the sign of the dividend. There is no implicit
//!   multiplication: `2 pi` is an error pointing at `pi`.
//! - `name = expression` stores a variable and prints nothing. Names are letters, digits and
//!   `_`, not starting with a digit; built-in names, `ans`, `exit` and `quit` are reserved.
//! - `ans` is the last printed result. Assignments do not change it (as bc's `last`),
//!   so `x = 5` followed by `ans` still gives the result before the assignment.
//! - `#` starts a comment; blank lines do nothing; `:help`, `:vars`, `exit`, `quit`.
//!
//! # Numbers
//!
//! Integers are exact at any size. `/` of integers stays an integer when it divides
//! evenly and gives a float otherwise; anything written with a point or an exponent is a
//! float. `floor`, `ceil`, `round` and `trunc` turn a float into an exact integer; `abs`,
//! `min`, `max` keep integers exact, and `sqrt`/`cbrt` of a perfect square/cube stays exact.
//! A float never becomes infinite or NaN: division by zero, domain errors and overflow are
//! errors instead. Float output is described in the `format` module: at most 15 significant
//! digits, positional from 1e-6 to below 1e15, otherwise `1.5e+20` / `1e-7`.
//!
//! # Limits
//!
//! An integer result may have at most [`MAX_DIGITS`] decimal digits. Powers, products and
//! factorials are refused from an estimate before any work is done (`9^9^9`, `(2^64)!`),
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
