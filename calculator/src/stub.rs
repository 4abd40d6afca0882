//! Temporary stand-in implementation of the contract in lib.rs (to be replaced).
use std::fmt;

/// A column range in characters within the input line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Span {
    pub start: usize,
    pub end: usize,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Error {
    message: String,
    span: Option<Span>,
}

impl Error {
    pub fn new(message: impl Into<String>) -> Self {
        Error { message: message.into(), span: None }
    }
    pub fn message(&self) -> &str {
        &self.message
    }
    pub fn span(&self) -> Option<Span> {
        self.span
    }
    pub fn report(&self, _line: &str) -> String {
        format!("error: {}\n", self.message)
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Number(i128);

impl fmt::Display for Number {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

#[derive(Debug, Clone, PartialEq)]
pub enum Outcome {
    Value(Number),
    Silent,
    Text(String),
    Exit,
}

#[derive(Default)]
pub struct Session {}

impl Session {
    pub fn new() -> Self {
        Session {}
    }
    pub fn eval_line(&mut self, line: &str) -> Result<Outcome, Error> {
        let t = line.trim();
        if t.is_empty() || t.starts_with('#') {
            return Ok(Outcome::Silent);
        }
        if t == "exit" || t == "quit" {
            return Ok(Outcome::Exit);
        }
        t.parse::<i128>().map(|n| Outcome::Value(Number(n))).map_err(|_| Error::new("stub"))
    }
    pub fn variable_names(&self) -> Vec<String> {
        Vec::new()
    }
}

pub fn is_incomplete(line: &str) -> bool {
    line.matches('(').count() > line.matches(')').count()
}

pub mod builtins {
    #[derive(Debug, Clone, Copy, PartialEq, Eq)]
    pub enum Kind {
        Constant,
        Function { min_args: usize, max_args: Option<usize> },
    }
    pub struct Builtin {
        pub name: &'static str,
        pub kind: Kind,
        pub summary: &'static str,
    }
    pub static BUILTINS: &[Builtin] = &[Builtin { name: "pi", kind: Kind::Constant, summary: "π" }];
}
