//! Runs a postfix program on a stack of values.

use std::cmp::Ordering;
use std::collections::BTreeMap;

use crate::builtins::{self, Imp, Kind};
use crate::error::{Error, Span};
use crate::number::{self, Number};
use crate::parser::{BinOp, Instr};
use crate::value::Value;

/// The names a program can read besides the built-ins.
pub(crate) struct Env<'a> {
    pub vars: &'a BTreeMap<String, Value>,
    pub ans: Option<&'a Value>,
}

/// The number a value holds; a boolean is refused where `what` needs a number.
fn number(value: Value, what: &str, span: Span) -> Result<Number, Error> {
    match value {
        Value::Number(n) => Ok(n),
        Value::Bool(b) => Err(Error::at(
            format!("{what} needs a number, not the boolean '{b}'"),
            span,
        )),
    }
}

/// Words that end the session; they are not values.
pub(crate) const COMMAND_WORDS: [&str; 2] = ["exit", "quit"];

impl Env<'_> {
    fn load(&self, name: &str, span: Span) -> Result<Value, Error> {
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
                Imp::Value(x) => Number::float(x)
                    .map(Value::Number)
                    .map_err(|m| Error::at(m, span)),
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

pub(crate) fn run(program: Vec<Instr>, env: &Env<'_>) -> Result<Value, Error> {
    for instr in &program {
        match instr {
            Instr::Load(name, span) => {
                env.load(name, *span)?;
            }
            Instr::Call { name, argc, span } => env.check_call(name, *argc, *span)?,
            _ => {}
        }
    }

    let mut stack: Vec<Value> = Vec::new();
    let underflow = || Error::new("internal error: malformed expression");
    for instr in program {
        match instr {
            Instr::Push(n) => stack.push(Value::Number(n)),
            Instr::Load(name, span) => stack.push(env.load(&name, span)?),
            Instr::Neg(span) => {
                let a = number(stack.pop().ok_or_else(underflow)?, "'-'", span)?;
                stack.push(Value::Number(number::neg(a)));
            }
            Instr::Root(span) => {
                let a = number(stack.pop().ok_or_else(underflow)?, "'√'", span)?;
                let root = builtins::sqrt(vec![a]).map_err(|m| Error::at(m, span))?;
                stack.push(Value::Number(root));
            }
            Instr::Factorial(span) => {
                let a = number(stack.pop().ok_or_else(underflow)?, "'!'", span)?;
                let n = number::factorial(a).map_err(|m| Error::at(m, span))?;
                stack.push(Value::Number(n));
            }
            Instr::Binary(op, span) => {
                let b = stack.pop().ok_or_else(underflow)?;
                let a = stack.pop().ok_or_else(underflow)?;
                stack.push(binary(op, a, b, span)?);
            }
            Instr::Call { name, argc, span } => {
                let at = stack.len().checked_sub(argc).ok_or_else(underflow)?;
                let name_span = Span::new(span.start, span.start + name.chars().count());
                let args = stack
                    .split_off(at)
                    .into_iter()
                    .map(|v| number(v, &name, name_span))
                    .collect::<Result<Vec<_>, _>>()?;
                let b = builtins::lookup(&name).ok_or_else(underflow)?;
                let Imp::Func(f) = b.imp else {
                    return Err(underflow());
                };
                let n = f(args).map_err(|m| Error::at(m, name_span))?;
                stack.push(Value::Number(n));
            }
        }
    }
    match (stack.pop(), stack.is_empty()) {
        (Some(result), true) => Ok(result),
        _ => Err(underflow()),
    }
}

fn binary(op: BinOp, a: Value, b: Value, span: Span) -> Result<Value, Error> {
    let symbol = match op {
        BinOp::Add => "'+'",
        BinOp::Sub => "'-'",
        BinOp::Mul => "'*'",
        BinOp::Div => "'/'",
        BinOp::Rem => "'%'",
        BinOp::Mod => "'mod'",
        BinOp::Pow => "'^'",
        _ => "a comparison",
    };
    let (a, b) = (number(a, symbol, span)?, number(b, symbol, span)?);
    let at = |m| Error::at(m, span);
    let ordering = || number::compare(&a, &b);
    let result = match op {
        BinOp::Add => number::add(a, b).map_err(at)?,
        BinOp::Sub => number::sub(a, b).map_err(at)?,
        BinOp::Mul => number::mul(a, b).map_err(at)?,
        BinOp::Div => number::div(a, b).map_err(at)?,
        BinOp::Rem => number::rem(a, b).map_err(at)?,
        BinOp::Mod => number::modulo(a, b).map_err(at)?,
        BinOp::Pow => number::pow(a, b).map_err(at)?,
        BinOp::Less => return Ok(Value::Bool(ordering() == Ordering::Less)),
        BinOp::LessEq => return Ok(Value::Bool(ordering() != Ordering::Greater)),
        BinOp::Greater => return Ok(Value::Bool(ordering() == Ordering::Greater)),
        BinOp::GreaterEq => return Ok(Value::Bool(ordering() != Ordering::Less)),
        BinOp::Equal => return Ok(Value::Bool(ordering() == Ordering::Equal)),
        BinOp::NotEqual => return Ok(Value::Bool(ordering() != Ordering::Equal)),
    };
    Ok(Value::Number(result))
}
