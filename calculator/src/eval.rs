//! Runs a postfix program on a stack of numbers.

use std::collections::BTreeMap;

use crate::builtins::{self, Imp, Kind};
use crate::error::{Error, Span};
use crate::number::{self, Number};
use crate::parser::{BinOp, Instr};

/// The names a program can read besides the built-ins.
pub(crate) struct Env<'a> {
    pub vars: &'a BTreeMap<String, Number>,
    pub ans: Option<&'a Number>,
}

/// Words that end the session; they are not values.
pub(crate) const COMMAND_WORDS: [&str; 2] = ["exit", "quit"];

impl Env<'_> {
    fn load(&self, name: &str, span: Span) -> Result<Number, Error> {
        if let Some(v) = self.vars.get(name) {
            return Ok(v.clone());
        }
        if name == "ans" {
            return self.ans.cloned().ok_or_else(|| {
                Error::at("'ans' has no value yet: it holds the last result", span)
            });
        }
        match builtins::lookup(name) {
            Some(b) => match b.imp {
                Imp::Value(x) => Number::float(x).map_err(|m| Error::at(m, span)),
                Imp::Func(_) => Err(Error::at(
                    format!("'{name}' is a function: call it as {}", b.signature()),
                    span,
                )),
            },
            None if COMMAND_WORDS.contains(&name) => Err(Error::at(
                format!("'{name}' is a command: write it alone on a line"),
                span,
            )),
            None => Err(Error::at(format!("unknown name '{name}'"), span)),
        }
    }

    /// Checks a call's name and arity before anything is computed, so a typo is reported
    /// at once rather than after evaluating expensive arguments.
    fn check_call(&self, name: &str, argc: usize, span: Span) -> Result<(), Error> {
        let name_span = Span::new(span.start, span.start + name.chars().count());
        match builtins::lookup(name) {
            Some(b) if b.kind == Kind::Constant => Err(Error::at(
                format!("'{name}' is a constant, not a function"),
                name_span,
            )),
            Some(b) if !b.accepts(argc) => {
                let plural = if argc == 1 { "" } else { "s" };
                Err(Error::at(
                    format!(
                        "{name} {}, but was given {argc} argument{plural}",
                        b.arity()
                    ),
                    name_span,
                ))
            }
            Some(_) => Ok(()),
            None if self.vars.contains_key(name) || name == "ans" => Err(Error::at(
                format!("'{name}' is a variable, not a function (write * to multiply)"),
                name_span,
            )),
            None => Err(Error::at(format!("unknown function '{name}'"), name_span)),
        }
    }
}

pub(crate) fn run(program: Vec<Instr>, env: &Env<'_>) -> Result<Number, Error> {
    for instr in &program {
        match instr {
            Instr::Load(name, span) => {
                env.load(name, *span)?;
            }
            Instr::Call { name, argc, span } => env.check_call(name, *argc, *span)?,
            _ => {}
        }
    }

    let mut stack: Vec<Number> = Vec::new();
    let underflow = || Error::new("internal error: malformed expression");
    for instr in program {
        match instr {
            Instr::Push(n) => stack.push(n),
            Instr::Load(name, span) => stack.push(env.load(&name, span)?),
            Instr::Neg => {
                let a = stack.pop().ok_or_else(underflow)?;
                stack.push(number::neg(a));
            }
            Instr::Factorial(span) => {
                let a = stack.pop().ok_or_else(underflow)?;
                stack.push(number::factorial(a).map_err(|m| Error::at(m, span))?);
            }
            Instr::Binary(op, span) => {
                let b = stack.pop().ok_or_else(underflow)?;
                let a = stack.pop().ok_or_else(underflow)?;
                let f = match op {
                    BinOp::Add => number::add,
                    BinOp::Sub => number::sub,
                    BinOp::Mul => number::mul,
                    BinOp::Div => number::div,
                    BinOp::Rem => number::rem,
                    BinOp::Pow => number::pow,
                };
                stack.push(f(a, b).map_err(|m| Error::at(m, span))?);
            }
            Instr::Call { name, argc, span } => {
                let at = stack.len().checked_sub(argc).ok_or_else(underflow)?;
                let args = stack.split_off(at);
                let b = builtins::lookup(&name).ok_or_else(underflow)?;
                let Imp::Func(f) = b.imp else {
                    return Err(underflow());
                };
                let name_span = Span::new(span.start, span.start + name.chars().count());
                stack.push(f(args).map_err(|m| Error::at(m, name_span))?);
            }
        }
    }
    match (stack.pop(), stack.is_empty()) {
        (Some(result), true) => Ok(result),
        _ => Err(underflow()),
    }
}
