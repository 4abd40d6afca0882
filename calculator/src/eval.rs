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

    let mut stack = Stack::default();
    let underflow = || Error::new("internal error: malformed expression");
    for instr in program {
        match instr {
            Instr::Push(n) => stack.items.push(Value::Number(n)),
            Instr::Load(name, span) => stack.items.push(env.load(&name, span)?),
            Instr::Neg(span) => {
                let a = number(stack.pop()?.ok_or_else(underflow)?, "'-'", span)?;
                stack.items.push(Value::Number(number::neg(a)));
            }
            Instr::Root(span) => {
                let a = number(stack.pop()?.ok_or_else(underflow)?, "'√'", span)?;
                let root = builtins::sqrt(vec![a]).map_err(|m| Error::at(m, span))?;
                stack.items.push(Value::Number(root));
            }
            Instr::Factorial(span) => {
                let a = number(stack.pop()?.ok_or_else(underflow)?, "'!'", span)?;
                let n = number::factorial(a).map_err(|m| Error::at(m, span))?;
                stack.items.push(Value::Number(n));
            }
            Instr::Binary(op, span) => {
                let b = stack.pop()?.ok_or_else(underflow)?;
                let b = match stack.defer(op, b, span)? {
                    Some(b) => b,
                    None => continue,
                };
                let a = stack.pop()?.ok_or_else(underflow)?;
                stack.items.push(binary(op, a, b, span)?);
            }
            Instr::Call { name, argc, span } => {
                let at = stack.items.len().checked_sub(argc).ok_or_else(underflow)?;
                stack.settle_from(at)?;
                let name_span = Span::new(span.start, span.start + name.chars().count());
                let args = stack
                    .items
                    .split_off(at)
                    .into_iter()
                    .map(|v| number(v, &name, name_span))
                    .collect::<Result<Vec<_>, _>>()?;
                let b = builtins::lookup(&name).ok_or_else(underflow)?;
                let Imp::Func(f) = b.imp else {
                    return Err(underflow());
                };
                let n = f(args).map_err(|m| Error::at(m, name_span))?;
                stack.items.push(Value::Number(n));
            }
        }
    }
    match (stack.pop()?, stack.items.is_empty()) {
        (Some(result), true) => Ok(result),
        _ => Err(underflow()),
    }
}

/// Bit lengths for deferred arithmetic: a number takes part once its numerator or
/// denominator has `DEFER_FROM` bits, and the operands gathered for it stay within
/// `DEFER_BITS` bits.
const DEFER_FROM: u64 = 2048;
const DEFER_BITS: u64 = 4096;

/// The operand stack, with at most one slot whose pending operations are still to apply.
///
/// A long chain such as `x * (2/3) * (2/3) * ...` or `x + 1/3 + 1/3 + ...` on a large exact
/// `x` would pass over all of x's words at every step, several times, to keep it in lowest
/// terms. Instead the short operands are combined among themselves (also exactly and in
/// lowest terms) and applied to x in one step when they would grow past `DEFER_BITS` bits,
/// or when x is needed. Rational arithmetic is associative and distributive, so the value
/// is the same. The
/// digit limit is still judged on every partial result of the chain: each one is x·m + c,
/// for the operands combined so far into m and c, whose numerator and denominator in lowest
/// terms are at most those of the unreduced form, and an operand is taken only while those
/// bounds stay under the limit. What does not fit, a float, a long operand, a bound
/// over the limit, runs step by step as written, where the limit is judged exactly.
#[derive(Default)]
struct Stack {
    items: Vec<Value>,
    pending: Option<Pending>,
}

struct Pending {
    /// The slot the operations apply to.
    index: usize,
    /// What the operations amount to, x·scale + shift for the slot's x: a chain mixing
    /// `+` and `*`, such as `(...(x * (2/3) + 1/3) * (2/3) + 1/3 ...)`, defers too.
    scale: Number,
    shift: Number,
    /// log2 of the slot's |numerator| and denominator.
    sizes: (f64, f64),
    /// The last operator, where an error would be reported.
    span: Span,
}

impl Stack {
    /// Pops the top value, with its pending operations applied.
    fn pop(&mut self) -> Result<Option<Value>, Error> {
        self.settle_from(self.items.len().saturating_sub(1))?;
        Ok(self.items.pop())
    }

    /// Applies the pending operations if they belong to a slot at or above `at`.
    fn settle_from(&mut self, at: usize) -> Result<(), Error> {
        if self.pending.as_ref().is_some_and(|p| p.index >= at) {
            self.settle()?;
        }
        Ok(())
    }

    fn settle(&mut self) -> Result<(), Error> {
        let Some(p) = self.pending.take() else {
            return Ok(());
        };
        let slot = &mut self.items[p.index];
        let Value::Number(x) = std::mem::replace(slot, Value::Bool(false)) else {
            unreachable!("only numbers take pending operations")
        };
        let one = Number::from(1);
        let result = match (p.scale == one, number::is_zero(&p.shift)) {
            (true, _) => number::add(x, p.shift),
            (false, true) => number::mul(x, p.scale),
            (false, false) => number::mul(x, p.scale).and_then(|x| number::add(x, p.shift)),
        };
        *slot = Value::Number(result.map_err(|m| Error::at(m, p.span))?);
        Ok(())
    }

    /// Takes `b` into the pending operations of the top slot when `op` can be deferred
    /// there (None: done); otherwise settles and gives `b` back for the usual step.
    fn defer(&mut self, op: BinOp, b: Value, span: Span) -> Result<Option<Value>, Error> {
        let additive = match op {
            BinOp::Add | BinOp::Sub => true,
            BinOp::Mul | BinOp::Div => false,
            _ => return Ok(Some(b)),
        };
        let Value::Number(n) = &b else {
            return Ok(Some(b));
        };
        let short = number::exact_bits(n).is_some_and(|bits| bits <= DEFER_BITS);
        if !short || (op == BinOp::Div && number::is_zero(n)) {
            return Ok(Some(b));
        }
        // Only a long number on top qualifies, and only if no other slot has pending
        // operations: the everyday line on short numbers stops here.
        let long = |a: &Value| match a {
            Value::Number(a) => number::exact_bits(a).is_some_and(|bits| bits >= DEFER_FROM),
            Value::Bool(_) => false,
        };
        let top = match self.items.last() {
            Some(a) if long(a) => self.items.len() - 1,
            _ => return Ok(Some(b)),
        };
        if self.pending.as_ref().is_some_and(|p| p.index != top) {
            return Ok(Some(b));
        }
        // What `a op b` does to a: the term or factor it contributes.
        let operand = match op {
            BinOp::Sub => number::neg(n.clone()),
            BinOp::Div => {
                number::div(Number::from(1), n.clone()).map_err(|m| Error::at(m, span))?
            }
            _ => n.clone(),
        };
        // The pending map followed by this operation, or this operation alone.
        let (scale, shift) = match self.pending.as_ref().filter(|p| p.index == top) {
            Some(p) => (p.scale.clone(), p.shift.clone()),
            None => (Number::from(1), Number::from(0)),
        };
        let next = if additive {
            number::add(shift, operand).map(|shift| (scale, shift))
        } else {
            number::mul(scale, operand.clone())
                .and_then(|scale| Ok((scale, number::mul(shift, operand)?)))
        };
        let sizes = match self.pending.as_ref() {
            Some(p) => Some(p.sizes),
            None => match &self.items[top] {
                Value::Number(a) => number::log2_parts(a),
                Value::Bool(_) => None,
            },
        };
        if let (Ok((scale, shift)), Some(sizes)) = (next, sizes) {
            if fits(sizes, &scale, &shift) {
                self.pending = Some(Pending {
                    index: top,
                    scale,
                    shift,
                    sizes,
                    span,
                });
                return Ok(None);
            }
        }
        // Too long to defer: what is pending is applied, and this operation runs as written.
        self.settle()?;
        Ok(Some(b))
    }
}

/// Whether the map x·scale + shift is short enough to stay deferred on a slot x = p/q of
/// the given log2 sizes, and its value is certain to be within the digit limit: with scale
/// m/n and shift c/d, its parts are at most |p·m·d| + |c·q·n| and q·n·d.
fn fits((p, q): (f64, f64), scale: &Number, shift: &Number) -> bool {
    let (Some((m, n)), Some((c, d))) = (number::log2_parts(scale), number::log2_parts(shift))
    else {
        return false;
    };
    let both = if c.is_finite() { 1.0 } else { 0.0 };
    let numerator = (p + m + d).max(c + q + n) + both;
    [m, n, c, d].iter().all(|&bits| bits < DEFER_BITS as f64)
        && numerator < number::LIMIT_LOG2
        && q + n + d < number::LIMIT_LOG2
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
