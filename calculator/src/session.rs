//! A session: variables and `ans` carried from one line to the next, and the commands.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use crate::builtins::{self, BUILTINS, Kind};
use crate::error::{Error, Span};
use crate::eval::{self, COMMAND_WORDS, Env};
use crate::format::{self, Style};
use crate::lexer::{self, Tok, Token};
use crate::number::{self, MAX_DIGITS};
use crate::parser;
use crate::value::{Answer, Value};

/// What a line produced, so the caller decides how to show it.
#[derive(Debug, Clone, PartialEq)]
pub enum Outcome {
    /// An expression's value with its text, to be printed with `Display`.
    Value(Answer),
    /// Nothing to print: an assignment, a blank line or a comment.
    Silent,
    /// The text of `:help` or `:vars`, without a trailing newline.
    Text(String),
    /// `exit` or `quit`: the caller should end the session.
    Exit,
}

/// The state that outlives one line: user variables, the last printed result, and how
/// results are printed.
#[derive(Debug, Clone, Default)]
pub struct Session {
    vars: BTreeMap<String, Value>,
    ans: Option<Value>,
    style: Style,
}

/// The largest `:digits` / `--digits` setting: every printed result stays within the
/// digit limit's order of magnitude.
pub const MAX_SETTING: usize = MAX_DIGITS;

impl Session {
    /// A session with no variables and no `ans` yet, printing in the default style.
    pub fn new() -> Self {
        Session::default()
    }

    /// A session printing in `style` (the command line's `--digits` and `--fraction`).
    pub fn with_style(style: Style) -> Self {
        Session {
            style,
            ..Session::default()
        }
    }

    /// How results are printed now; `:digits` and `:fraction` change it.
    pub fn style(&self) -> Style {
        self.style
    }

    /// Evaluates one input line (which may span several physical lines when the caller
    /// joined a continuation after an unclosed parenthesis).
    ///
    /// An expression's value becomes `ans`; an assignment stores the variable but leaves
    /// `ans` alone, as in bc, where `last` is the last number printed. A failed line
    /// changes nothing.
    pub fn eval_line(&mut self, line: &str) -> Result<Outcome, Error> {
        let chars: Vec<char> = line.chars().collect();
        let tokens = lexer::lex(&chars);
        let code = strip_comments(line);
        let code = code.trim();
        if code.is_empty() {
            return tokens.map(|_| Outcome::Silent);
        }
        if let Some(command) = code.strip_prefix(':') {
            return self.command(command.trim(), &chars);
        }
        if COMMAND_WORDS.contains(&code) {
            return Ok(Outcome::Exit);
        }
        let mut tokens = tokens?;
        check_not_a_definition(&tokens)?;
        let base = output_base(&mut tokens)?;

        if let [first, second, rest @ ..] = tokens.as_mut_slice() {
            if let (Tok::Ident(name), Tok::Assign) = (&first.tok, &second.tok) {
                check_assignable(name, first.span)?;
                if rest.is_empty() {
                    let end = chars.len();
                    return Err(Error::at("expected a value after '='", Span::new(end, end)));
                }
                if let Some((_, span)) = base {
                    return Err(Error::at(
                        "'to' converts a printed result; an assignment prints nothing",
                        span,
                    ));
                }
                let whole = span_of(rest);
                let program = parser::parse(rest, &chars)?;
                let value = eval::run(program, &self.env())?;
                check_printable(&value, whole)?;
                self.vars.insert(name.clone(), value);
                return Ok(Outcome::Silent);
            }
        }

        let whole = span_of(&tokens);
        let program = parser::parse(&mut tokens, &chars)?;
        let value = eval::run(program, &self.env())?;
        check_printable(&value, whole)?;
        let (text, exact) = match base {
            Some((radix, span)) => (in_base(&value, radix, self.style, span)?, true),
            None => value.render(self.style),
        };
        self.ans = Some(value.clone());
        Ok(Outcome::Value(Answer { value, text, exact }))
    }

    /// User variables, plus `ans` once a result has been printed, sorted; for completion.
    pub fn variable_names(&self) -> Vec<String> {
        // The map's keys are already sorted: `ans` goes into its place (a full sort would
        // add a sort routine for strings to the binary, about 4 KB).
        let mut names: Vec<String> = self.vars.keys().cloned().collect();
        if self.ans.is_some() {
            let at = names.partition_point(|name| name.as_str() < "ans");
            names.insert(at, "ans".to_string());
        }
        names
    }

    fn env(&self) -> Env<'_> {
        Env {
            vars: &self.vars,
            ans: self.ans.as_ref(),
        }
    }

    fn command(&mut self, command: &str, chars: &[char]) -> Result<Outcome, Error> {
        let start = chars.iter().position(|&c| c == ':').unwrap_or(0);
        let whole = Span::new(start, start + 1 + command.chars().count());
        let (name, argument) = match command.split_once(char::is_whitespace) {
            Some((name, argument)) => (name, Some(argument.trim())),
            None => (command, None),
        };
        match (name, argument) {
            ("help", None) => Ok(Outcome::Text(help())),
            ("vars", None) => Ok(Outcome::Text(self.vars_text())),
            ("digits", None) => Ok(Outcome::Text(self.digits_text())),
            ("digits", Some(n)) => match parse_digits(n) {
                Ok(n) => {
                    self.style = self.style.with_digits(n);
                    Ok(Outcome::Silent)
                }
                Err(message) => Err(Error::at(message, whole)),
            },
            ("fraction", None) => {
                self.style.fraction = !self.style.fraction;
                Ok(Outcome::Text(self.fraction_text()))
            }
            ("fraction", Some("on" | "off")) => {
                self.style.fraction = argument == Some("on");
                Ok(Outcome::Silent)
            }
            ("help" | "vars" | "fraction", Some(_)) => Err(Error::at(
                format!(
                    "':{name}' takes no argument{}",
                    if name == "fraction" {
                        " but on or off"
                    } else {
                        ""
                    }
                ),
                whole,
            )),
            _ => Err(Error::at(
                format!(
                    "unknown command ':{name}' (the commands are :help, :vars, :digits and :fraction)"
                ),
                Span::new(start, start + 1 + name.chars().count()),
            )),
        }
    }

    fn digits_text(&self) -> String {
        format!(
            "digits {}: {} decimals for a fraction whose expansion does not end, {} significant digits for a float",
            self.style.decimals, self.style.decimals, self.style.significant
        )
    }

    fn fraction_text(&self) -> String {
        if self.style.fraction {
            "fraction on: exact non-integers print as p/q".to_string()
        } else {
            "fraction off: exact non-integers print as decimals".to_string()
        }
    }

    fn vars_text(&self) -> String {
        // In the map's order, which is also the order of the lines: a space sorts before
        // every character a name can hold. `ans` goes into its place without a sort.
        let mut lines: Vec<String> = self
            .vars
            .iter()
            .map(|(name, value)| format!("{name} = {}", value.render(self.style).0))
            .collect();
        if let Some(ans) = &self.ans {
            let line = format!("ans = {}", ans.render(self.style).0);
            let at = lines.partition_point(|l| *l < line);
            lines.insert(at, line);
        }
        if lines.is_empty() {
            "no variables yet (assign one with: name = expression)".to_string()
        } else {
            lines.join("\n")
        }
    }
}

/// The columns from the first token to the last.
fn span_of(tokens: &[Token]) -> Span {
    match (tokens.first(), tokens.last()) {
        (Some(first), Some(last)) => first.span.to(last.span),
        _ => Span::new(0, 0),
    }
}

/// A value a line ends with must be printable within the digit limit, whether it is
/// printed now or stored in a variable for later.
fn check_printable(value: &Value, whole: Span) -> Result<(), Error> {
    match value {
        Value::Number(n) => number::check_printable(n).map_err(|m| Error::at(m, whole)),
        Value::Bool(_) => Ok(()),
    }
}

/// The `--digits` / `:digits` setting in `text`, or why it is not one.
pub fn parse_digits(text: &str) -> Result<usize, String> {
    match text.parse::<usize>() {
        Ok(n) if (1..=MAX_SETTING).contains(&n) => Ok(n),
        _ => Err(format!(
            "digits must be a whole number from 1 to {MAX_SETTING}, not '{text}'"
        )),
    }
}

/// `f(x) = x^2` is refused with a message that says what is missing, rather than a
/// syntax error about the `=`.
fn check_not_a_definition(tokens: &[Token]) -> Result<(), Error> {
    if let [first, second, ..] = tokens
        && matches!(first.tok, Tok::Ident(_))
        && second.tok == Tok::LParen
        && let Some(assign) = tokens.iter().position(|t| t.tok == Tok::Assign)
    {
        let span = first.span.to(tokens[assign].span);
        return Err(Error::at(
            "user-defined functions are not supported (store a value with `name = expression`)",
            span,
        ));
    }
    Ok(())
}

/// Removes a trailing `to hex`, `to bin`, `to oct` or `to dec` and returns its base (10
/// for `dec`) and span. `to` and the base names are words only in that position, so a
/// variable may still be called `hex`.
fn output_base(tokens: &mut Vec<Token>) -> Result<Option<(u32, Span)>, Error> {
    let [.., to, base] = tokens.as_slice() else {
        return Ok(None);
    };
    let (Tok::Ident(to_word), Tok::Ident(base_word)) = (&to.tok, &base.tok) else {
        return Ok(None);
    };
    let radix = match base_word.as_str() {
        "hex" => 16,
        "oct" => 8,
        "bin" => 2,
        "dec" => 10,
        _ => return Ok(None),
    };
    if to_word != "to" {
        return Ok(None);
    }
    let span = to.span.to(base.span);
    if tokens.len() == 2 {
        return Err(Error::at(
            format!("expected a value before 'to {base_word}'"),
            span,
        ));
    }
    tokens.truncate(tokens.len() - 2);
    Ok(Some((radix, span)))
}

/// The value in base 2, 8 or 16 (an exact integer only), or in plain decimals for 10.
fn in_base(value: &Value, radix: u32, style: Style, span: Span) -> Result<String, Error> {
    let name = match radix {
        16 => "hexadecimal",
        8 => "octal",
        2 => "binary",
        _ => {
            let decimal = Style {
                fraction: false,
                ..style
            };
            return Ok(value.render(decimal).0);
        }
    };
    let Value::Number(n) = value else {
        return Err(Error::at(
            format!("only an exact integer can be shown in {name}, not a boolean"),
            span,
        ));
    };
    let Some(i) = number::as_integer(n) else {
        return Err(Error::at(
            format!(
                "only an exact integer can be shown in {name}; {} is not one",
                value.render(style).0
            ),
            span,
        ));
    };
    format::in_base(i, radix).map_err(|m| Error::at(m, span))
}

fn check_assignable(name: &str, span: Span) -> Result<(), Error> {
    let reason = match builtins::lookup(name).map(|b| b.kind) {
        Some(Kind::Constant) => "it is a built-in constant",
        Some(Kind::Function { .. }) => "it is a built-in function",
        None if name == "ans" => "it always holds the last result",
        None if COMMAND_WORDS.contains(&name) => "it is a command",
        None => return Ok(()),
    };
    Err(Error::at(
        format!("cannot assign to '{name}': {reason}"),
        span,
    ))
}

/// The line with every `#` comment removed (a comment ends at a newline).
fn strip_comments(line: &str) -> String {
    line.split('\n')
        .map(|l| l.split('#').next().unwrap_or(""))
        .collect::<Vec<_>>()
        .join("\n")
}

/// The `:help` text, generated from [`BUILTINS`] so it can never miss a function.
pub(crate) fn help() -> String {
    let mut s = String::new();
    s.push_str("Type an expression and press Enter; `name = expression` stores a variable.\n");
    s.push_str("\nOperators, loosest first:\n");
    for (ops, what) in [
        (
            "< <= > >= == !=",
            "compare: true or false (one comparison at a time)",
        ),
        ("+ -", "add, subtract"),
        (
            "* / % mod",
            "multiply, divide, remainder (% has the dividend's sign, mod is never negative)",
        ),
        ("-x +x √x", "negate, unary plus, square root (-2^2 is -4)"),
        ("^ **", "power, right-associative (2^3^2 is 512)"),
        ("x!", "factorial of a non-negative integer"),
        ("( )", "grouping"),
        ("... to hex", "print an integer as 0x.., also bin, oct, dec"),
    ] {
        let _ = writeln!(s, "  {ops:<15} {what}");
    }
    s.push_str("\nFunctions (angles in radians):\n");
    for b in BUILTINS
        .iter()
        .filter(|b| matches!(b.kind, Kind::Function { .. }))
    {
        let _ = writeln!(s, "  {:<15} {}; {}", b.signature(), b.summary, b.arity());
    }
    s.push_str("\nConstants:\n");
    for b in BUILTINS.iter().filter(|b| b.kind == Kind::Constant) {
        let _ = writeln!(s, "  {:<15} {}", b.name, b.summary);
    }
    s.push_str("\nVariables and commands:\n");
    for (name, what) in [
        (
            "ans",
            "the last printed result (assignments leave it unchanged)",
        ),
        (":vars", "list the variables"),
        (
            ":digits N",
            "decimals of fractions that do not end, significant digits of floats",
        ),
        (
            ":fraction",
            "switch between 0.75 and 3/4 for exact non-integers",
        ),
        (":help", "show this help"),
        ("exit, quit", "end the session"),
        ("# ...", "a comment, ignored"),
    ] {
        let _ = writeln!(s, "  {name:<15} {what}");
    }
    let _ = write!(
        s,
        "
Numbers, and how they print:
  exact integer    2^100, 25!, 6/3        every digit (up to {MAX_DIGITS})
  exact fraction   7/2, 0.1, 1e-3, 2^-2   every digit when the decimals end (3.5);
                   1/3, 10/7              else {} decimals, rounded (≈ marks it)
  float            sqrt(2), pi, sin(1),   {} significant digits, exponent from 1e15
                   2^0.5, anything mixed  and below 1e-15 (≈ marks it)",
        Style::DEFAULT.decimals,
        Style::DEFAULT.significant
    );
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_vars_are_sorted_with_ans_in_place() {
        let mut session = Session::new();
        for line in [
            "b = 1", "A = 2", "anz = 3", "an = 4", "_a = 5", "a_ = 6", "7",
        ] {
            session.eval_line(line).unwrap();
        }
        let mut sorted = session.variable_names();
        sorted.sort();
        assert_eq!(session.variable_names(), sorted);
        assert!(sorted.contains(&"ans".to_string()));
        let text = session.vars_text();
        let mut lines: Vec<&str> = text.lines().collect();
        lines.sort();
        assert_eq!(text.lines().collect::<Vec<_>>(), lines);
        assert!(text.contains("\nans = 7\n"));
    }
}
