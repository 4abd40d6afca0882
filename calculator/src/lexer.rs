//! Splits a line into tokens, each with the character columns it came from.

use crate::error::{Error, Span};
use crate::number::{self, Number};

#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Tok {
    Num(Number),
    Ident(String),
    Plus,
    Minus,
    Star,
    Slash,
    Percent,
    /// `^` or `**`.
    Pow,
    Bang,
    LParen,
    RParen,
    Comma,
    Assign,
    /// `<`, `<=`, `>`, `>=`, `==`, `!=` (and `≤ ≥ ≠`).
    Less,
    LessEq,
    Greater,
    GreaterEq,
    Equal,
    NotEqual,
    /// `√`, a prefix square root.
    Root,
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Token {
    pub tok: Tok,
    pub span: Span,
}

/// Whether `c` may start a name; names may also hold digits after the first character.
pub(crate) fn is_name_start(c: char) -> bool {
    c.is_alphabetic() || c == '_'
}

fn is_name_char(c: char) -> bool {
    c.is_alphanumeric() || c == '_'
}

/// The tokens of `chars`. A `#` comment runs to the end of its line, so a line continued
/// after an unclosed parenthesis may carry a comment on each physical line.
pub(crate) fn lex(chars: &[char]) -> Result<Vec<Token>, Error> {
    let mut tokens = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let start = i;
        let single = |tok| Token {
            tok,
            span: Span::new(start, start + 1),
        };
        let next = chars.get(i + 1).copied();
        match c {
            '#' => {
                while i < chars.len() && chars[i] != '\n' {
                    i += 1;
                }
                continue;
            }
            c if c.is_whitespace() => {}
            '0'..='9' | '.' if c != '.' || next.is_some_and(|d| d.is_ascii_digit()) => {
                let (tok, end) = number(chars, start)?;
                tokens.push(Token {
                    tok,
                    span: Span::new(start, end),
                });
                i = end;
                continue;
            }
            c if is_name_start(c) => {
                let mut end = i + 1;
                while end < chars.len() && is_name_char(chars[end]) {
                    end += 1;
                }
                let mut name: String = chars[start..end].iter().collect();
                // The Greek letters people paste are the constants' names.
                match name.as_str() {
                    "π" => name = "pi".to_string(),
                    "τ" => name = "tau".to_string(),
                    _ => {}
                }
                tokens.push(Token {
                    tok: Tok::Ident(name),
                    span: Span::new(start, end),
                });
                i = end;
                continue;
            }
            '*' if next == Some('*') => {
                tokens.push(Token {
                    tok: Tok::Pow,
                    span: Span::new(start, start + 2),
                });
                i += 1;
            }
            '<' | '>' | '=' | '!' if next == Some('=') => {
                let tok = match c {
                    '<' => Tok::LessEq,
                    '>' => Tok::GreaterEq,
                    '=' => Tok::Equal,
                    _ => Tok::NotEqual,
                };
                tokens.push(Token {
                    tok,
                    span: Span::new(start, start + 2),
                });
                i += 1;
            }
            '<' => tokens.push(single(Tok::Less)),
            '>' => tokens.push(single(Tok::Greater)),
            '≤' => tokens.push(single(Tok::LessEq)),
            '≥' => tokens.push(single(Tok::GreaterEq)),
            '≠' => tokens.push(single(Tok::NotEqual)),
            // As people paste them: the multiplication and division signs, the minus sign
            // (U+2212) and the radical.
            '+' => tokens.push(single(Tok::Plus)),
            '-' | '−' => tokens.push(single(Tok::Minus)),
            '*' | '×' => tokens.push(single(Tok::Star)),
            '/' | '÷' => tokens.push(single(Tok::Slash)),
            '√' => tokens.push(single(Tok::Root)),
            '%' => tokens.push(single(Tok::Percent)),
            '^' => tokens.push(single(Tok::Pow)),
            '!' => tokens.push(single(Tok::Bang)),
            '(' => tokens.push(single(Tok::LParen)),
            ')' => tokens.push(single(Tok::RParen)),
            ',' => tokens.push(single(Tok::Comma)),
            '=' => tokens.push(single(Tok::Assign)),
            other => {
                let shown = match other {
                    '\'' => "'\\''".to_string(),
                    _ => format!("'{}'", other.escape_debug()),
                };
                return Err(Error::at(
                    format!("unexpected character {shown}"),
                    Span::new(start, start + 1),
                ));
            }
        }
        i += 1;
    }
    Ok(tokens)
}

/// Reads the number literal starting at `start`; returns it and the column after it.
fn number(chars: &[char], start: usize) -> Result<(Tok, usize), Error> {
    let at = |i: usize| chars.get(i).copied();
    let radix = match (at(start), at(start + 1)) {
        (Some('0'), Some('x' | 'X')) => Some((16, "hexadecimal")),
        (Some('0'), Some('b' | 'B')) => Some((2, "binary")),
        (Some('0'), Some('o' | 'O')) => Some((8, "octal")),
        _ => None,
    };
    if let Some((radix, what)) = radix {
        let mut end = start + 2;
        while at(end).is_some_and(|c| c.is_ascii_alphanumeric() || c == '_') {
            end += 1;
        }
        let span = Span::new(start, end);
        let body = &chars[start + 2..end];
        if let Some(pos) = body.iter().position(|&c| c != '_' && !c.is_digit(radix)) {
            let col = start + 2 + pos;
            return Err(Error::at(
                format!("invalid digit '{}' in a {what} number", body[pos]),
                Span::new(col, col + 1),
            ));
        }
        let digits = digit_group(body, what, span)?;
        let n = number::parse_int(&digits, radix).map_err(|m| Error::at(m, span))?;
        return Ok((Tok::Num(n), end));
    }

    let mut end = start;
    let scan = |mut i: usize| {
        while at(i).is_some_and(|c| c.is_ascii_digit() || c == '_') {
            i += 1;
        }
        i
    };
    end = scan(end);
    let int_end = end;
    let mut is_decimal = false;
    let mut frac = (end, end);
    if at(end) == Some('.') {
        is_decimal = true;
        frac = (end + 1, scan(end + 1));
        end = frac.1;
    }
    let mut exp = None;
    if matches!(at(end), Some('e' | 'E')) {
        let sign = usize::from(matches!(at(end + 1), Some('+' | '-')));
        if at(end + 1 + sign).is_some_and(|c| c.is_ascii_digit()) {
            let digits_start = end + 1 + sign;
            let digits_end = scan(digits_start);
            exp = Some((end, digits_start, digits_end));
            is_decimal = true;
            end = digits_end;
        }
    }
    let span = Span::new(start, end);
    if !is_decimal && end - start <= 18 && chars[start..end].iter().all(char::is_ascii_digit) {
        // The common short literal, without a trip through the big-number parser.
        let value = chars[start..end]
            .iter()
            .fold(0i64, |acc, &c| acc * 10 + i64::from(c as u8 - b'0'));
        return Ok((Tok::Num(Number::from(value)), end));
    }
    let whole = digit_group(&chars[start..int_end], "decimal", span)?;
    if !is_decimal {
        let n = number::parse_int(&whole, 10).map_err(|m| Error::at(m, span))?;
        return Ok((Tok::Num(n), end));
    }
    let fraction = digit_group(&chars[frac.0..frac.1], "decimal", span)?;
    let mut exponent = String::new();
    if let Some((e, digits_start, digits_end)) = exp {
        exponent.extend(&chars[e + 1..digits_start]);
        exponent.push_str(&digit_group(
            &chars[digits_start..digits_end],
            "decimal",
            span,
        )?);
    }
    let n = number::parse_decimal(&whole, &fraction, exponent.trim_start_matches('+'))
        .map_err(|m| Error::at(m, span))?;
    Ok((Tok::Num(n), end))
}

/// The digits of one group with `_` separators removed; a separator must sit between digits.
fn digit_group(group: &[char], what: &str, span: Span) -> Result<String, Error> {
    let misplaced = group.first() == Some(&'_')
        || group.last() == Some(&'_')
        || group.windows(2).any(|w| w == ['_', '_']);
    if misplaced {
        return Err(Error::at(
            "'_' in a number must sit between two digits",
            span,
        ));
    }
    if group.is_empty() && what != "decimal" {
        return Err(Error::at(
            format!("a {what} number needs at least one digit"),
            span,
        ));
    }
    Ok(group.iter().filter(|&&c| c != '_').collect())
}

/// Whether the line opens more parentheses than it closes, comments ignored.
pub(crate) fn is_incomplete(line: &str) -> bool {
    let mut depth: i64 = 0;
    let mut in_comment = false;
    for c in line.chars() {
        match c {
            '\n' => in_comment = false,
            _ if in_comment => {}
            '#' => in_comment = true,
            '(' => depth += 1,
            ')' => depth -= 1,
            _ => {}
        }
    }
    depth > 0
}
