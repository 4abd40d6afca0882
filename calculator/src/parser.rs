//! Turns tokens into a flat postfix program.
//!
//! The parser is an operator-precedence (shunting-yard) loop with an explicit stack, and
//! its output is a flat list of instructions rather than a tree. Nothing in parsing,
//! evaluation or clean-up recurses, so a 300,000-term sum, a million nested parentheses
//! or a long run of `!` cost memory in proportion to the input and never the call stack.
//!
//! Precedence, loosest first: comparisons (which do not chain); `+ -`; `* / % mod`;
//! unary `-`/`+` and `√`; `^`/`**` (right-associative); postfix `!`. So `-2^2` is -4,
//! `2^-1` is 0.5, `-3!` is -6 and `√4^2` is 4.

use crate::error::{Error, Span};
use crate::lexer::{Tok, Token};
use crate::number::Number;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum BinOp {
    Add,
    Sub,
    Mul,
    Div,
    Rem,
    Mod,
    Pow,
    Less,
    LessEq,
    Greater,
    GreaterEq,
    Equal,
    NotEqual,
}

impl BinOp {
    fn precedence(self) -> u8 {
        match self {
            _ if self.is_comparison() => 0,
            BinOp::Add | BinOp::Sub => 1,
            BinOp::Mul | BinOp::Div | BinOp::Rem | BinOp::Mod => 2,
            _ => 4,
        }
    }

    pub(crate) fn is_comparison(self) -> bool {
        matches!(
            self,
            BinOp::Less
                | BinOp::LessEq
                | BinOp::Greater
                | BinOp::GreaterEq
                | BinOp::Equal
                | BinOp::NotEqual
        )
    }
}

/// Unary minus and `√` sit between the multiplicative operators and power.
const NEG_PRECEDENCE: u8 = 3;

/// One step of a postfix program, run against a stack of numbers.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Instr {
    Push(Number),
    Load(String, Span),
    Neg(Span),
    /// `√x`, the square root of the operand.
    Root(Span),
    Binary(BinOp, Span),
    Factorial(Span),
    Call {
        name: String,
        argc: usize,
        span: Span,
    },
}

/// An operator waiting on the stack for its right-hand side.
enum Pending {
    Binary(BinOp, Span),
    Neg(Span),
    Root(Span),
    Paren(Span),
    Call {
        name: String,
        name_span: Span,
        paren: Span,
        argc: usize,
    },
}

/// Source text of a token, quoted for a message; long literals are shortened.
fn quote(chars: &[char], span: Span) -> String {
    let end = span.end.min(chars.len());
    let text: String = chars[span.start.min(end)..end].iter().collect();
    if text.chars().count() > 20 {
        format!("'{}…'", text.chars().take(20).collect::<String>())
    } else {
        format!("'{text}'")
    }
}

/// Parses a whole expression. `chars` is the line, for quoting tokens in messages.
pub(crate) fn parse(tokens: &mut [Token], chars: &[char]) -> Result<Vec<Instr>, Error> {
    let mut out = Vec::with_capacity(tokens.len());
    let mut stack: Vec<Pending> = Vec::new();
    let mut expect_operand = true;
    let mut just_opened_call = false;
    let end_of_line = chars.len();
    let mut i = 0;

    while i < tokens.len() {
        let span = tokens[i].span;
        // Taken rather than cloned: only the spans of earlier tokens are read again.
        let tok = std::mem::replace(&mut tokens[i].tok, Tok::Comma);
        let opened_call = std::mem::take(&mut just_opened_call);
        i += 1;
        if expect_operand {
            match tok {
                Tok::Num(n) => {
                    out.push(Instr::Push(n));
                    expect_operand = false;
                }
                Tok::Ident(name) => {
                    if tokens.get(i).is_some_and(|t| t.tok == Tok::LParen) {
                        stack.push(Pending::Call {
                            name,
                            name_span: span,
                            paren: tokens[i].span,
                            argc: 0,
                        });
                        i += 1;
                        just_opened_call = true;
                    } else {
                        out.push(Instr::Load(name, span));
                        expect_operand = false;
                    }
                }
                Tok::LParen => stack.push(Pending::Paren(span)),
                Tok::Minus => {
                    // Two minus signs in a row cancel, which keeps `------1` cheap.
                    if matches!(stack.last(), Some(Pending::Neg(_))) {
                        stack.pop();
                    } else {
                        stack.push(Pending::Neg(span));
                    }
                }
                Tok::Plus => {}
                Tok::Root => stack.push(Pending::Root(span)),
                Tok::RParen if opened_call => {
                    if let Some(Pending::Call {
                        name, name_span, ..
                    }) = stack.pop()
                    {
                        out.push(Instr::Call {
                            name,
                            argc: 0,
                            span: name_span.to(span),
                        });
                    }
                    expect_operand = false;
                }
                _ => {
                    let found = quote(chars, span);
                    let message = if i >= 2 {
                        let before = quote(chars, tokens[i - 2].span);
                        format!("expected a value after {before}, found {found}")
                    } else {
                        format!("expected a value, found {found}")
                    };
                    return Err(Error::at(message, span));
                }
            }
        } else {
            let op = match tok {
                Tok::Plus => Some(BinOp::Add),
                Tok::Minus => Some(BinOp::Sub),
                Tok::Star => Some(BinOp::Mul),
                Tok::Slash => Some(BinOp::Div),
                Tok::Percent => Some(BinOp::Rem),
                Tok::Pow => Some(BinOp::Pow),
                Tok::Ident(ref word) if word == "mod" => Some(BinOp::Mod),
                Tok::Less => Some(BinOp::Less),
                Tok::LessEq => Some(BinOp::LessEq),
                Tok::Greater => Some(BinOp::Greater),
                Tok::GreaterEq => Some(BinOp::GreaterEq),
                Tok::Equal => Some(BinOp::Equal),
                Tok::NotEqual => Some(BinOp::NotEqual),
                _ => None,
            };
            if let Some(op) = op {
                let p = op.precedence();
                let right = op == BinOp::Pow;
                while let Some(top) = stack.last() {
                    let pops = match top {
                        // Comparisons are the loosest operators, so an earlier one in the
                        // same parentheses is met here, after everything tighter is out.
                        Pending::Binary(t, _) if t.is_comparison() && op.is_comparison() => {
                            return Err(Error::at(
                                "comparisons do not chain: compare two values at a time",
                                span,
                            ));
                        }
                        Pending::Binary(t, _) => {
                            t.precedence() > p || (t.precedence() == p && !right)
                        }
                        Pending::Neg(_) | Pending::Root(_) => NEG_PRECEDENCE > p,
                        _ => false,
                    };
                    if !pops {
                        break;
                    }
                    emit(stack.pop(), &mut out);
                }
                stack.push(Pending::Binary(op, span));
                expect_operand = true;
                continue;
            }
            match tok {
                Tok::Bang => out.push(Instr::Factorial(span)),
                Tok::RParen | Tok::Comma => {
                    while matches!(
                        stack.last(),
                        Some(Pending::Binary(..) | Pending::Neg(_) | Pending::Root(_))
                    ) {
                        emit(stack.pop(), &mut out);
                    }
                    match (stack.pop(), tok) {
                        (Some(Pending::Paren(_)), Tok::RParen) => {}
                        (
                            Some(Pending::Call {
                                name,
                                name_span,
                                argc,
                                ..
                            }),
                            Tok::RParen,
                        ) => {
                            out.push(Instr::Call {
                                name,
                                argc: argc + 1,
                                span: name_span.to(span),
                            });
                        }
                        (
                            Some(Pending::Call {
                                name,
                                name_span,
                                paren,
                                argc,
                            }),
                            _,
                        ) => {
                            stack.push(Pending::Call {
                                name,
                                name_span,
                                paren,
                                argc: argc + 1,
                            });
                            expect_operand = true;
                        }
                        (_, Tok::RParen) => {
                            return Err(Error::at("')' without a matching '('", span));
                        }
                        _ => {
                            return Err(Error::at(
                                "',' outside a function call's parentheses",
                                span,
                            ));
                        }
                    }
                }
                Tok::Ident(ref word) if word == "to" => {
                    return Err(Error::at(
                        "'to' converts a whole result: write it last, as in `255 to hex`",
                        span,
                    ));
                }
                Tok::Num(_) | Tok::Ident(_) | Tok::LParen | Tok::Root => {
                    return Err(Error::at(
                        format!(
                            "missing operator before {} (write * to multiply)",
                            quote(chars, span)
                        ),
                        span,
                    ));
                }
                Tok::Assign => {
                    return Err(Error::at(
                        "unexpected '=': assign with `name = expression` at the start of a line",
                        span,
                    ));
                }
                _ => unreachable!("binary operators are handled above"),
            }
        }
    }

    if expect_operand {
        let at_end = Span::new(end_of_line, end_of_line);
        let message = match tokens.last() {
            Some(t) => format!("expected a value after {}", quote(chars, t.span)),
            None => "expected a value".to_string(),
        };
        return Err(Error::at(message, at_end));
    }
    while let Some(pending) = stack.pop() {
        match pending {
            Pending::Paren(span) | Pending::Call { paren: span, .. } => {
                return Err(Error::at("'(' is never closed", span));
            }
            other => emit(Some(other), &mut out),
        }
    }
    Ok(out)
}

fn emit(pending: Option<Pending>, out: &mut Vec<Instr>) {
    match pending {
        Some(Pending::Binary(op, span)) => out.push(Instr::Binary(op, span)),
        Some(Pending::Neg(span)) => out.push(Instr::Neg(span)),
        Some(Pending::Root(span)) => out.push(Instr::Root(span)),
        _ => {}
    }
}
