//! What an expression evaluates to: a number, or the `true`/`false` of a comparison.

use std::fmt;

use crate::format::{self, Style};
use crate::number::Number;

/// A result: a number, or the boolean a comparison gives.
///
/// Booleans are values of their own so that `ans` can hold one, but no arithmetic takes
/// them: `(1 < 2) + 1` is an error rather than a silent 2.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Number(Number),
    Bool(bool),
}

impl Value {
    /// The text of the value in `style`, and whether that text is exactly the value
    /// (false for a rounded fraction and for any float).
    pub fn render(&self, style: Style) -> (String, bool) {
        match self {
            Value::Number(n) => format::render(n, style),
            Value::Bool(b) => (b.to_string(), true),
        }
    }
}

impl fmt::Display for Value {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.render(Style::DEFAULT).0)
    }
}

/// A printed result: the value, its text under the session's style, and whether the text
/// is exactly the value, so an interactive front end can mark approximations.
#[derive(Debug, Clone, PartialEq)]
pub struct Answer {
    pub(crate) value: Value,
    pub(crate) text: String,
    pub(crate) exact: bool,
}

impl Answer {
    /// The value itself, as `ans` now holds it.
    pub fn value(&self) -> &Value {
        &self.value
    }

    /// The text to print: a plain number (or `true`/`false`) that other programs parse.
    pub fn text(&self) -> &str {
        &self.text
    }

    /// Whether the text is exactly the value; false for a rounded fraction (`1/3`) and for
    /// every float, even one that prints as `2`.
    pub fn is_exact(&self) -> bool {
        self.exact
    }
}

impl fmt::Display for Answer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}
