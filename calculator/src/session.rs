//! A session: variables and `ans` carried from one line to the next, and the commands.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use crate::builtins::{self, BUILTINS, Kind};
use crate::error::{Error, Span};
use crate::eval::{self, COMMAND_WORDS, Env};
use crate::lexer::{self, Tok};
use crate::number::{MAX_DIGITS, Number};
use crate::parser;

/// What a line produced, so the caller decides how to show it.
#[derive(Debug, Clone, PartialEq)]
pub enum Outcome {
    /// An expression's value, to be printed with `Display`.
    Value(Number),
    /// Nothing to print: an assignment, a blank line or a comment.
    Silent,
    /// The text of `:help` or `:vars`, without a trailing newline.
    Text(String),
    /// `exit` or `quit`: the caller should end the session.
    Exit,
}

/// The state that outlives one line: user variables and the last printed result.
#[derive(Debug, Clone, Default)]
pub struct Session {
    vars: BTreeMap<String, Number>,
    ans: Option<Number>,
}

impl Session {
    /// A session with no variables and no `ans` yet.
    pub fn new() -> Self {
        Session::default()
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

        if let [first, second, rest @ ..] = tokens.as_mut_slice() {
            if let (Tok::Ident(name), Tok::Assign) = (&first.tok, &second.tok) {
                check_assignable(name, first.span)?;
                if rest.is_empty() {
                    let end = chars.len();
                    return Err(Error::at("expected a value after '='", Span::new(end, end)));
                }
                let program = parser::parse(rest, &chars)?;
                let value = eval::run(program, &self.env())?;
                self.vars.insert(name.clone(), value);
                return Ok(Outcome::Silent);
            }
        }

        let program = parser::parse(&mut tokens, &chars)?;
        let value = eval::run(program, &self.env())?;
        self.ans = Some(value.clone());
        Ok(Outcome::Value(value))
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

    fn command(&self, command: &str, chars: &[char]) -> Result<Outcome, Error> {
        match command {
            "help" => Ok(Outcome::Text(help())),
            "vars" => Ok(Outcome::Text(self.vars_text())),
            _ => {
                let start = chars.iter().position(|&c| c == ':').unwrap_or(0);
                let end = start + 1 + command.chars().count();
                Err(Error::at(
                    format!("unknown command ':{command}' (the commands are :help and :vars)"),
                    Span::new(start, end),
                ))
            }
        }
    }

    fn vars_text(&self) -> String {
        // In the map's order, which is also the order of the lines: a space sorts before
        // every character a name can hold. `ans` goes into its place without a sort.
        let mut lines: Vec<String> = self
            .vars
            .iter()
            .map(|(name, value)| format!("{name} = {value}"))
            .collect();
        if let Some(ans) = &self.ans {
            let line = format!("ans = {ans}");
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
        ("+ -", "add, subtract"),
        (
            "* / %",
            "multiply, divide, remainder (sign of the dividend)",
        ),
        ("-x +x", "negate, unary plus (-2^2 is -4)"),
        ("^ **", "power, right-associative (2^3^2 is 512)"),
        ("x!", "factorial of a non-negative integer"),
        ("( )", "grouping"),
    ] {
        let _ = writeln!(s, "  {ops:<14} {what}");
    }
    s.push_str("\nFunctions (angles in radians):\n");
    for b in BUILTINS
        .iter()
        .filter(|b| matches!(b.kind, Kind::Function { .. }))
    {
        let _ = writeln!(s, "  {:<14} {}; {}", b.signature(), b.summary, b.arity());
    }
    s.push_str("\nConstants:\n");
    for b in BUILTINS.iter().filter(|b| b.kind == Kind::Constant) {
        let _ = writeln!(s, "  {:<14} {}", b.name, b.summary);
    }
    s.push_str("\nVariables and commands:\n");
    for (name, what) in [
        (
            "ans",
            "the last printed result (assignments leave it unchanged)",
        ),
        (":vars", "list the variables"),
        (":help", "show this help"),
        ("exit, quit", "end the session"),
        ("# ...", "a comment, ignored"),
    ] {
        let _ = writeln!(s, "  {name:<14} {what}");
    }
    let _ = write!(
        s,
        "\nIntegers are exact up to {MAX_DIGITS} digits; 7/2 and anything with a point or exponent is a float."
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
