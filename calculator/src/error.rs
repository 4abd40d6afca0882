//! Errors that point at the part of the line that caused them.

use std::fmt;

/// A range of character columns in one input line: `start` inclusive, `end` exclusive.
///
/// Columns count `char`s rather than bytes so that a caret lands under the right symbol
/// even when the line holds non-ASCII text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Span {
    /// Column of the first character in the span, counted from 0.
    pub start: usize,
    /// Column just past the span; equal to `start` for a position between characters,
    /// such as the end of the line when more input was expected.
    pub end: usize,
}

impl Span {
    /// A span from `start` up to, not including, `end`.
    pub fn new(start: usize, end: usize) -> Span {
        Span { start, end }
    }

    /// The smallest span covering both, so a whole construct can be underlined.
    pub(crate) fn to(self, other: Span) -> Span {
        Span::new(self.start.min(other.start), self.end.max(other.end))
    }
}

/// Why a line could not be evaluated, and where, so the user can fix it at a glance.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Error {
    message: String,
    span: Option<Span>,
}

/// Echoed lines longer than this many characters are cut to a window around the span,
/// so that one bad term in a huge generated expression does not flood the terminal.
const WINDOW: usize = 80;

/// Tab stops for the echoed line; tabs are expanded so the caret line stays aligned
/// whatever the terminal's own tab width is.
const TAB_STOP: usize = 8;

impl Error {
    /// An error that concerns the line as a whole.
    pub fn new(message: impl Into<String>) -> Self {
        Error {
            message: message.into(),
            span: None,
        }
    }

    /// An error about the characters in `span`, shown with a caret under them.
    pub fn at(message: impl Into<String>, span: Span) -> Self {
        Error {
            message: message.into(),
            span: Some(span),
        }
    }

    /// Attaches a position to an error that was raised without one.
    pub fn with_span(mut self, span: Span) -> Self {
        self.span = Some(span);
        self
    }

    /// The message alone, without the `error: ` prefix, for callers that format their own.
    pub fn message(&self) -> &str {
        &self.message
    }

    /// Where in the line the problem is, when the problem has a place.
    pub fn span(&self) -> Option<Span> {
        self.span
    }

    /// The complete text to print on stderr, ending in a newline.
    ///
    /// The first line is `error: <message>`. When the error has a span, the input line
    /// follows, indented two spaces, then a caret line marking the span. Control characters
    /// are shown escaped and tabs expanded, so the caret always sits under the right column
    /// and nothing in the input can drive the terminal.
    pub fn report(&self, line: &str) -> String {
        let mut out = format!("error: {}\n", self.message);
        let Some(span) = self.span else {
            return out;
        };
        let chars: Vec<char> = line.chars().collect();
        let n = chars.len();
        let start = span.start.min(n);
        let end = span.end.clamp(start, n);

        let (lo, hi) = if n <= WINDOW {
            (0, n)
        } else {
            let lo = start.saturating_sub(WINDOW / 2);
            let hi = (lo + WINDOW).min(n);
            (hi.saturating_sub(WINDOW).min(lo), hi)
        };

        let mut echo = String::from("  ");
        let mut caret = String::from("  ");
        if lo > 0 {
            echo.push_str("...");
            caret.push_str("   ");
        }
        let mut column = 0;
        for (i, &c) in chars.iter().enumerate().take(hi).skip(lo) {
            let shown = render(c, column);
            let width = shown.chars().count();
            column += width;
            echo.push_str(&shown);
            let mark = if i < start {
                ' '
            } else if i < end {
                '^'
            } else {
                continue;
            };
            caret.extend(std::iter::repeat_n(mark, width));
        }
        if start == end || start >= hi {
            caret.push('^');
        }
        if hi < n {
            echo.push_str("...");
        }
        out.push_str(echo.trim_end_matches(' '));
        out.push('\n');
        out.push_str(&caret);
        out.push('\n');
        out
    }
}

/// How one input character is shown in an error report, given the column it starts at.
fn render(c: char, column: usize) -> String {
    match c {
        '\t' => " ".repeat(TAB_STOP - column % TAB_STOP),
        '\n' | '\r' => " ".to_string(),
        c if c.is_control() => c.escape_debug().to_string(),
        c => c.to_string(),
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Error {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn caret_under_span() {
        let e = Error::at("bad", Span::new(4, 5));
        assert_eq!(e.report("1 + * 2"), "error: bad\n  1 + * 2\n      ^\n");
    }

    #[test]
    fn caret_at_end_of_line() {
        let e = Error::at("more", Span::new(3, 3));
        assert_eq!(e.report("1 +"), "error: more\n  1 +\n     ^\n");
    }

    #[test]
    fn no_span_is_one_line() {
        assert_eq!(Error::new("x").report("abc"), "error: x\n");
    }

    #[test]
    fn tabs_and_controls_keep_alignment() {
        let e = Error::at("bad", Span::new(3, 4));
        let r = e.report("\t\0 @");
        let lines: Vec<&str> = r.lines().collect();
        assert_eq!(lines[1], "          \\0 @");
        assert_eq!(lines[2].find('^'), lines[1].find('@'));
    }

    #[test]
    fn long_lines_are_windowed() {
        let line = format!("{}@{}", "1+".repeat(1000), "1+".repeat(1000));
        let e = Error::at("bad", Span::new(2000, 2001));
        let r = e.report(&line);
        let lines: Vec<&str> = r.lines().collect();
        assert!(lines[1].len() < 100);
        assert_eq!(lines[2].find('^'), lines[1].find('@'));
    }
}
