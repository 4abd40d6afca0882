//! calc-kit's calculator: exact big-integer arithmetic with a small, clear grammar.
//!
//! The library holds every rule of the language; the `calculator` binary only picks a mode
//! (REPL, arguments, script, piped stdin) and prints what [`Session::eval_line`] returns.
//!
//! API CONTRACT (kept stable for the binary; the implementation behind it may change):
//!
//! - `Session::new()`, `Session::eval_line(&mut self, line: &str) -> Result<Outcome, Error>`
//! - `Session::variable_names(&self) -> Vec<String>` (sorted; includes `ans` once set)
//! - `Outcome::{Value(Number), Silent, Text(String), Exit}`; `Number: Display`
//! - `Error::new(msg)`, `Error::message()`, `Error::span() -> Option<Span>` (char columns),
//!   `Error::report(&self, line: &str) -> String` (full stderr text, ends with '\n')
//! - `builtins::BUILTINS: &[Builtin]` with `name`, `kind`, `summary`
//! - `is_incomplete(line: &str) -> bool` (an unclosed parenthesis: read another line)

mod stub;
pub use stub::*;
