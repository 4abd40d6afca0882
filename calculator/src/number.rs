//! The number model: exact rationals of any size, and 64-bit floats that are always finite.
//!
//! Integers, decimal literals and the results of `+ - * / % mod` and of powers with an
//! integer exponent are exact: an integer, or a fraction in lowest terms. Only what
//! mathematics cannot give exactly (irrational roots, trigonometry, logarithms, non-integer
//! powers, the constants) is a float, and a float stays a float through later arithmetic.
//!
//! Every operation here either returns a number that can be printed as it is, or a message
//! saying why not. Results that would be too large are refused from an estimate made before
//! the work starts wherever the size is known in advance, so no input can make the
//! calculator compute for minutes or exhaust memory.

use std::cmp::Ordering;
use std::sync::OnceLock;

use num_bigint::{BigInt, BigUint, Sign};
use num_traits::{FromPrimitive, One, Signed, ToPrimitive, Zero};

/// The largest number of decimal digits a result may have: in its numerator, in its
/// denominator, and in its printed decimal expansion when that expansion ends.
pub const MAX_DIGITS: usize = 100_000;

/// The outcome of an operation before it is tied to a place in the line.
pub(crate) type Calc<T> = Result<T, String>;

/// A value the calculator computes with: an exact rational or a finite 64-bit float.
///
/// A float never holds infinity or NaN: the operation that would produce one fails instead.
#[derive(Debug, Clone, PartialEq)]
pub struct Number(pub(crate) Repr);

#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Repr {
    /// An exact integer.
    Int(BigInt),
    /// An exact fraction: numerator and denominator in lowest terms, the denominator
    /// above 1 (a fraction that reduces to an integer is an `Int`). Boxed, so that a
    /// number, and every token and stack slot holding one, stays as small as an integer.
    Ratio(Box<(BigInt, BigInt)>),
    Float(f64),
}

use Repr::{Float, Int, Ratio};

/// How `floor`, `ceil`, `round` and `trunc` pick an integer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Rounding {
    Floor,
    Ceil,
    /// Halves away from zero.
    Round,
    Trunc,
}

impl Number {
    pub(crate) fn int(n: BigInt) -> Number {
        Number(Int(n))
    }

    /// A float result, refused when it is not finite.
    pub(crate) fn float(x: f64) -> Calc<Number> {
        if x.is_finite() {
            Ok(Number(Float(x)))
        } else if x.is_nan() {
            Err("the result is not a real number".into())
        } else {
            Err(overflow())
        }
    }

    /// Whether the value is an exact integer (`6/3` is; `7/2` and `sqrt(2)^2` are not).
    pub fn is_integer(&self) -> bool {
        matches!(self.0, Int(_))
    }

    /// Whether the value is exact: an integer or a fraction, not a float.
    pub fn is_exact(&self) -> bool {
        !matches!(self.0, Float(_))
    }

    /// The nearest 64-bit float, for callers that only need an approximation.
    /// Values beyond the float range give an infinity of their sign.
    pub fn to_f64(&self) -> f64 {
        match &self.0 {
            Int(n) => n.to_f64().unwrap_or(f64::NAN),
            Ratio(f) => ratio_to_f64(&f.0, &f.1).unwrap_or(if f.0.is_negative() {
                f64::NEG_INFINITY
            } else {
                f64::INFINITY
            }),
            Float(x) => *x,
        }
    }

    /// The value as a float for arithmetic, refused when it is beyond the float range.
    pub(crate) fn as_f64(&self) -> Calc<f64> {
        match &self.0 {
            Int(n) => int_to_f64(n),
            Ratio(f) => ratio_to_f64(&f.0, &f.1),
            Float(x) => Ok(*x),
        }
    }

    pub(crate) fn is_negative(&self) -> bool {
        match &self.0 {
            Int(n) => n.is_negative(),
            Ratio(f) => f.0.is_negative(),
            Float(x) => *x < 0.0,
        }
    }
}

impl From<i64> for Number {
    fn from(n: i64) -> Number {
        Number::int(BigInt::from(n))
    }
}

pub(crate) fn overflow() -> String {
    "float overflow: the result is beyond the 64-bit float range (about 1.8e308)".into()
}

pub(crate) fn int_to_f64(n: &BigInt) -> Calc<f64> {
    match n.to_f64() {
        Some(x) if x.is_finite() => Ok(x),
        _ => Err("number too large for floating-point arithmetic (beyond about 1.8e308)".into()),
    }
}

/// The message for a result refused by the digit limit; `digits` is an estimate.
pub(crate) fn too_large(digits: f64) -> String {
    if digits.is_finite() && digits < 1e12 {
        let digits = crate::format::printf(c"%.*f", 0, digits);
        format!("result too large: about {digits} digits (the limit is {MAX_DIGITS} digits)")
    } else {
        format!("result too large: far more than {MAX_DIGITS} digits (the limit)")
    }
}

/// log2 of |n| for n != 0, accurate for integers of any size.
pub(crate) fn log2_abs(n: &BigInt) -> f64 {
    let bits = n.bits();
    if bits <= 1000 {
        n.to_f64().unwrap_or(0.0).abs().log2()
    } else {
        let top = n.magnitude() >> (bits - 64);
        top.to_f64().unwrap_or(1.0).log2() + (bits - 64) as f64
    }
}

pub(crate) fn log10_abs(n: &BigInt) -> f64 {
    log2_abs(n) * std::f64::consts::LOG10_2
}

/// Estimated decimal digits of |n|, 0 for zero; within one of the truth.
fn digits_of(n: &BigInt) -> f64 {
    if n.is_zero() {
        0.0
    } else {
        log10_abs(n).floor() + 1.0
    }
}

/// 10^MAX_DIGITS, the smallest integer that is over the limit; built on first need.
fn limit_power() -> &'static BigUint {
    static POWER: OnceLock<BigUint> = OnceLock::new();
    POWER.get_or_init(|| BigUint::from(10u32).pow(MAX_DIGITS as u32))
}

/// Whether |n| has more than MAX_DIGITS decimal digits; exact, and cheap away from the edge.
fn exceeds_limit(n: &BigInt) -> bool {
    let bits = n.bits() as f64;
    let limit = MAX_DIGITS as f64;
    if bits * std::f64::consts::LOG10_2 < limit - 0.5 {
        false
    } else if (bits - 1.0) * std::f64::consts::LOG10_2 > limit + 0.5 {
        true
    } else {
        n.magnitude() >= limit_power()
    }
}

/// log2 of 10^MAX_DIGITS, less a margin far above the error of [`log2_abs`]: a number
/// whose log2 is below it is within the digit limit.
pub(crate) const LIMIT_LOG2: f64 = MAX_DIGITS as f64 * std::f64::consts::LOG2_10 - 1e-6;

/// log2 of an exact number's |numerator| and of its denominator; None for a float.
pub(crate) fn log2_parts(a: &Number) -> Option<(f64, f64)> {
    match &a.0 {
        Int(n) => Some((log2_abs(n), 0.0)),
        Ratio(f) => Some((log2_abs(&f.0), log2_abs(&f.1))),
        Float(_) => None,
    }
}

/// The larger bit length of an exact number's numerator and denominator; None for a float.
pub(crate) fn exact_bits(a: &Number) -> Option<u64> {
    match &a.0 {
        Int(n) => Some(n.bits()),
        Ratio(f) => Some(f.0.bits().max(f.1.bits())),
        Float(_) => None,
    }
}

/// An integer result, refused when it breaks the digit limit.
pub(crate) fn int_result(n: BigInt) -> Calc<Number> {
    if exceeds_limit(&n) {
        Err(too_large(log10_abs(&n).floor() + 1.0))
    } else {
        Ok(Number::int(n))
    }
}

/// An exact result from a numerator and denominator already in lowest terms (d > 0),
/// refused when either part breaks the digit limit. (The length of the decimals it would
/// print is checked once per line, on the value the line ends with: [`check_printable`].)
fn exact_result(n: BigInt, d: BigInt) -> Calc<Number> {
    if d.is_one() {
        return int_result(n);
    }
    if exceeds_limit(&n) {
        return Err(too_large(digits_of(&n)));
    }
    if exceeds_limit(&d) {
        return Err(format!(
            "result too large: its denominator has about {} digits (the limit is {MAX_DIGITS} digits)",
            crate::format::printf(c"%.*f", 0, digits_of(&d))
        ));
    }
    Ok(Number(Ratio(Box::new((n, d)))))
}

/// Refuses a fraction whose decimal expansion ends but would print more than the digit
/// limit (`1/2^300000` has 300,000 decimals). Checked on a line's final value rather than
/// after every operation: finding the factors of the denominator is a pass over all its
/// words, and a 300,000-factor product would pay it 300,000 times.
pub(crate) fn check_printable(a: &Number) -> Calc<()> {
    let Ratio(f) = &a.0 else {
        return Ok(());
    };
    let (n, d) = &**f;
    if let Some((twos, fives)) = decimal_factors(d) {
        let decimals = twos.max(fives);
        let whole = (log10_abs(n) - log10_abs(d)).floor().max(-1.0) + 1.0;
        if decimals as f64 + whole > MAX_DIGITS as f64 {
            return Err(format!(
                "result too large: its decimal expansion has {decimals} digits after the point (the limit is {MAX_DIGITS} digits)"
            ));
        }
    }
    Ok(())
}

/// n/d reduced to lowest terms (d != 0), then checked as [`exact_result`] does.
pub(crate) fn ratio(n: BigInt, d: BigInt) -> Calc<Number> {
    if d.is_zero() {
        return Err("division by zero".into());
    }
    let (n, d) = if d.is_negative() { (-n, -d) } else { (n, d) };
    let (n, d) = cancel(n, d);
    exact_result(n, d)
}

/// When d's only prime factors are 2 and 5, so a fraction over d has a decimal expansion
/// that ends: the exponents of 2 and 5 in d. The expansion has max(twos, fives) decimals.
pub(crate) fn decimal_factors(d: &BigInt) -> Option<(u64, u64)> {
    let twos = d.trailing_zeros().unwrap_or(0);
    let rest = d.magnitude() >> twos;
    if rest.is_one() {
        return Some((twos, 0));
    }
    if rest.bits() <= 64 {
        let mut r = rest.to_u64()?;
        let mut fives = 0;
        while r % 5 == 0 {
            r /= 5;
            fives += 1;
        }
        return (r == 1).then_some((twos, fives));
    }
    // A power of five this large is a multiple of 5^27, the largest that fits a word:
    // that test is one pass over the words, and only then is the power built to compare.
    const FIVE_27: u64 = 7_450_580_596_923_828_125;
    if !(&rest % FIVE_27).is_zero() {
        return None;
    }
    let fives = (log2_abs(&BigInt::from(rest.clone())) / 5f64.log2()).round() as u64;
    let power = BigUint::from(5u32).pow(u32::try_from(fives).ok()?);
    (power == rest).then_some((twos, fives))
}

/// Refuses ahead of time a result whose estimated digit count is clearly over the limit;
/// results near the edge are computed and checked exactly afterwards.
fn precheck(digits: f64) -> Calc<()> {
    if digits.is_nan() || digits > MAX_DIGITS as f64 + 2.0 {
        Err(too_large(digits))
    } else {
        Ok(())
    }
}

/// Greatest common divisor of |a| and |b|.
pub(crate) fn gcd(a: &BigInt, b: &BigInt) -> BigInt {
    let (a, b) = (a.magnitude(), b.magnitude());
    let small = |n: &BigUint| (n.bits() <= 64).then(|| low_word(n));
    let g = match (small(a), small(b)) {
        (Some(0), _) => return BigInt::from(b.clone()),
        (_, Some(0)) => return BigInt::from(a.clone()),
        (Some(1), _) | (_, Some(1)) => 1,
        (Some(x), Some(y)) => gcd_words(x, y),
        // One word against many, the usual case of a fraction times a small number: one
        // pass for the remainder, then machine words.
        (Some(x), None) => gcd_words(x, remainder_by_word(b, x)),
        (None, Some(y)) => gcd_words(y, remainder_by_word(a, y)),
        (None, None) => return BigInt::from(gcd_magnitudes(a, b)),
    };
    BigInt::from(g)
}

fn low_word(n: &BigUint) -> u64 {
    n.iter_u64_digits().next().unwrap_or(0)
}

fn gcd_words(mut x: u64, mut y: u64) -> u64 {
    while y != 0 {
        (x, y) = (y, x % y);
    }
    x
}

/// n mod m for a word m > 0, in one pass and without copying n. A division per word is
/// the slow part of multiplying a long fraction by a short one, so a power of two (the 2
/// of `(2/3)*(2/3)*...`) is read off the low bits instead.
fn remainder_by_word(n: &BigUint, m: u64) -> u64 {
    if m.is_power_of_two() {
        return low_word(n) & (m - 1);
    }
    n.iter_u64_digits().rev().fold(0u64, |r, word| {
        ((u128::from(r) << 64 | u128::from(word)) % u128::from(m)) as u64
    })
}

/// Lehmer's gcd (Knuth, TAOCP vol. 2, 4.5.2, algorithm L): most steps of Euclid's algorithm
/// are taken on the leading 62 bits alone, and each run of them is applied to the full
/// numbers in one pass over their words, about 30 bits at a time. num-bigint's own gcd
/// (binary, one bit per pass) takes 1.6 s on two 100,000-digit numbers.
fn gcd_magnitudes(a: &BigUint, b: &BigUint) -> BigUint {
    let (big, small) = if a >= b { (a, b) } else { (b, a) };
    let (mut u, mut v) = (big.to_u64_digits(), small.to_u64_digits());
    loop {
        let (Some(&top_u), Some(&top_v)) = (u.last(), v.last()) else {
            return from_words(&u);
        };
        if u.len() == 1 {
            return BigUint::from(gcd_words(top_u, top_v));
        }
        let shift = 64 * u.len() as u64 - u64::from(top_u.leading_zeros()) - 62;
        let mut x = i128::from(bits_at(&u, shift));
        let mut y = i128::from(bits_at(&v, shift));
        let (mut a, mut b, mut c, mut d) = (1i128, 0i128, 0i128, 1i128);
        while y + c != 0 && y + d != 0 {
            let q = (x + a) / (y + c);
            if q != (x + b) / (y + d) {
                break;
            }
            (a, c) = (c, a - q * c);
            (b, d) = (d, b - q * d);
            (x, y) = (y, x - q * y);
        }
        if b == 0 {
            // The leading bits could not decide a single quotient: one full division.
            let r = from_words(&u) % from_words(&v);
            u = std::mem::replace(&mut v, r.to_u64_digits());
        } else {
            (u, v) = combine(&u, &v, [a, b, c, d]);
        }
    }
}

/// The 64 bits of `n` (little-endian words) from bit `shift` up.
fn bits_at(n: &[u64], shift: u64) -> u64 {
    let (word, offset) = ((shift / 64) as usize, shift % 64);
    let low = n.get(word).map_or(0, |w| w >> offset);
    let high = match (offset, n.get(word + 1)) {
        (0, _) | (_, None) => 0,
        (_, Some(w)) => w << (64 - offset),
    };
    low | high
}

/// (a·u + b·v, c·u + d·v) for Lehmer's cofactors, in one pass over the words. Each result
/// is a non-negative remainder of Euclid's algorithm, and |cofactor| < 2^62 keeps every
/// intermediate sum within an i128.
fn combine(u: &[u64], v: &[u64], [a, b, c, d]: [i128; 4]) -> (Vec<u64>, Vec<u64>) {
    let mut next = (Vec::with_capacity(u.len()), Vec::with_capacity(u.len()));
    let (mut carry_u, mut carry_v) = (0i128, 0i128);
    for (i, &x) in u.iter().enumerate() {
        let (x, y) = (i128::from(x), i128::from(v.get(i).copied().unwrap_or(0)));
        let s = a * x + b * y + carry_u;
        let t = c * x + d * y + carry_v;
        // Two's complement: the low word, and the rest (an arithmetic shift) carried on.
        next.0.push(s as u64);
        next.1.push(t as u64);
        carry_u = s >> 64;
        carry_v = t >> 64;
    }
    for words in [&mut next.0, &mut next.1] {
        while words.last() == Some(&0) {
            words.pop();
        }
    }
    next
}

fn from_words(words: &[u64]) -> BigUint {
    BigUint::new(
        words
            .iter()
            .flat_map(|&w| [w as u32, (w >> 32) as u32])
            .collect(),
    )
}

/// The exact value as numerator and denominator (the denominator positive, 1 for an
/// integer), or the float.
fn exact_parts(r: Repr) -> Result<(BigInt, BigInt), f64> {
    match r {
        Int(n) => Ok((n, BigInt::one())),
        Ratio(f) => Ok(*f),
        Float(x) => Err(x),
    }
}

/// Both operands as floats when either is a float; None when both are exact.
fn both_floats(a: &Number, b: &Number) -> Option<Calc<(f64, f64)>> {
    if a.is_exact() && b.is_exact() {
        return None;
    }
    Some(a.as_f64().and_then(|x| Ok((x, b.as_f64()?))))
}

pub(crate) fn neg(a: Number) -> Number {
    match a.0 {
        Int(n) => Number::int(-n),
        Ratio(mut f) => {
            f.0 = -f.0;
            Number(Ratio(f))
        }
        Float(x) => Number(Float(-x)),
    }
}

pub(crate) fn add(a: Number, b: Number) -> Calc<Number> {
    // By value, so the sum of two integers reuses an operand's digits.
    let (a, b) = match (a.0, b.0) {
        (Int(x), Int(y)) => return int_result(x + y),
        (x, y) => (Number(x), Number(y)),
    };
    if let Some(pair) = both_floats(&a, &b) {
        let (x, y) = pair?;
        return Number::float(x + y);
    }
    let (Ok((p, q)), Ok((r, s))) = (exact_parts(a.0), exact_parts(b.0)) else {
        unreachable!("both operands are exact here")
    };
    // p/q + r/s with one gcd of the denominators and one of a smaller pair (Knuth, 4.5.1),
    // so no gcd ever runs on numbers larger than the operands.
    let g = gcd(&q, &s);
    if g.is_one() {
        precheck(digits_of(&q) + digits_of(&s) - 1.0)?;
        return exact_result(p * &s + r * &q, q * s);
    }
    let (q_g, s_g) = (&q / &g, &s / &g);
    let t = p * &s_g + r * &q_g;
    let g2 = gcd(&t, &g);
    if g2.is_one() {
        exact_result(t, q_g * s)
    } else {
        exact_result(t / &g2, q_g * (s / g2))
    }
}

pub(crate) fn sub(a: Number, b: Number) -> Calc<Number> {
    add(a, neg(b))
}

pub(crate) fn mul(a: Number, b: Number) -> Calc<Number> {
    let (a, b) = match (a.0, b.0) {
        (Int(x), Int(y)) => {
            if x.is_zero() || y.is_zero() {
                return Ok(Number::from(0));
            }
            precheck(log10_abs(&x) + log10_abs(&y))?;
            return int_result(x * y);
        }
        (x, y) => (Number(x), Number(y)),
    };
    if let Some(pair) = both_floats(&a, &b) {
        let (x, y) = pair?;
        return Number::float(x * y);
    }
    let (Ok((p, q)), Ok((r, s))) = (exact_parts(a.0), exact_parts(b.0)) else {
        unreachable!("both operands are exact here")
    };
    if p.is_zero() || r.is_zero() {
        return Ok(Number::from(0));
    }
    // Cancelling across first keeps the result in lowest terms without a gcd of the
    // (larger) products.
    let (p, s) = cancel(p, s);
    let (r, q) = cancel(r, q);
    precheck(log10_abs(&p) + log10_abs(&r))?;
    precheck(log10_abs(&q) + log10_abs(&s))?;
    exact_result(p * r, q * s)
}

/// x and y divided by their gcd; nothing is divided when it is 1, the common case.
fn cancel(x: BigInt, y: BigInt) -> (BigInt, BigInt) {
    let g = gcd(&x, &y);
    if g.is_one() { (x, y) } else { (x / &g, y / g) }
}

pub(crate) fn div(a: Number, b: Number) -> Calc<Number> {
    if let (Int(x), Int(y)) = (&a.0, &b.0) {
        if y.is_zero() {
            return Err("division by zero".into());
        }
        return if (x % y).is_zero() {
            Ok(Number::int(x / y))
        } else {
            ratio(x.clone(), y.clone())
        };
    }
    if let Some(pair) = both_floats(&a, &b) {
        let (x, y) = pair?;
        if y == 0.0 {
            return Err("division by zero".into());
        }
        return Number::float(x / y);
    }
    mul(a, reciprocal(b)?)
}

/// 1/b for an exact b.
fn reciprocal(b: Number) -> Calc<Number> {
    match b.0 {
        Int(n) if n.is_zero() => Err("division by zero".into()),
        Int(n) if n.is_negative() => exact_result(-BigInt::one(), -n),
        Int(n) => exact_result(BigInt::one(), n),
        Ratio(f) if f.0.is_negative() => exact_result(-f.1, -f.0),
        Ratio(f) => exact_result(f.1, f.0),
        Float(x) => Number::float(1.0 / x),
    }
}

/// `%`: the remainder of a division truncated toward zero, with the sign of the dividend.
pub(crate) fn rem(a: Number, b: Number) -> Calc<Number> {
    remainder(a, b, false)
}

/// `mod`: the mathematical remainder, from 0 up to |b| (`-7 mod 3` is 2).
pub(crate) fn modulo(a: Number, b: Number) -> Calc<Number> {
    remainder(a, b, true)
}

fn remainder(a: Number, b: Number, non_negative: bool) -> Calc<Number> {
    const MSG: &str = "remainder of a division by zero";
    if let Some(pair) = both_floats(&a, &b) {
        let (x, y) = pair?;
        if y == 0.0 {
            return Err(MSG.into());
        }
        let r = x % y;
        return Number::float(if non_negative && r < 0.0 {
            r + y.abs()
        } else {
            r
        });
    }
    if is_zero(&b) {
        return Err(MSG.into());
    }
    if let (Int(x), Int(y)) = (&a.0, &b.0) {
        let mut m = x % y;
        if non_negative && m.is_negative() {
            m += y.abs();
        }
        return Ok(Number::int(m));
    }
    // a - b·k for the integer k = trunc(a/b): from the operands, so that no gcd ever runs
    // on their (twice as long) cross products.
    let k = {
        let ((p, q), (r, s)) = (fraction_of(&a.0), fraction_of(&b.0));
        (p * s) / (q * r)
    };
    let m = sub(a, mul(b.clone(), Number::int(k))?)?;
    if non_negative && m.is_negative() {
        add(m, abs(b))
    } else {
        Ok(m)
    }
}

/// x / y as the nearest float, for integers of any size (y != 0).
///
/// Dividing after a shift keeps 64 significant bits in the quotient whatever the sizes
/// of x and y, so `(10^400 + 1) / 10^399` is 10 and not infinity over infinity.
pub(crate) fn ratio_to_f64(x: &BigInt, y: &BigInt) -> Calc<f64> {
    if x.is_zero() {
        return Ok(0.0);
    }
    let negative = (x.sign() == Sign::Minus) != (y.sign() == Sign::Minus);
    let (a, b) = (x.magnitude(), y.magnitude());
    let shift = (b.bits() as i64 - a.bits() as i64 + 65).max(0) as u64;
    let q = (a << shift) / b;
    let mut f = q.to_f64().unwrap_or(f64::INFINITY);
    if !f.is_finite() {
        return Err(overflow());
    }
    let mut k = shift;
    while k > 0 {
        let step = k.min(1000);
        f *= 2f64.powi(-(step as i32));
        k -= step;
    }
    Ok(if negative { -f } else { f })
}

pub(crate) fn pow(a: Number, b: Number) -> Calc<Number> {
    if let (true, Int(y)) = (a.is_exact(), &b.0) {
        let y = y.clone();
        let Ok((n, d)) = exact_parts(a.0) else {
            unreachable!("the base is exact here")
        };
        return exact_pow(n, d, y);
    }
    let (x, y) = (a.as_f64()?, b.as_f64()?);
    if x == 0.0 && y < 0.0 {
        return Err("division by zero (zero to a negative power)".into());
    }
    if x < 0.0 && y.fract() != 0.0 {
        return Err("a negative number to a fractional power has no real value".into());
    }
    Number::float(libm::pow(x, y))
}

/// (n/d)^y for an exact base in lowest terms and an integer exponent.
fn exact_pow(n: BigInt, d: BigInt, y: BigInt) -> Calc<Number> {
    let odd = (&y % 2u32) != BigInt::zero();
    if n.is_zero() {
        return match y.sign() {
            Sign::Minus => Err("division by zero (zero to a negative power)".into()),
            Sign::NoSign => Ok(Number::from(1)),
            Sign::Plus => Ok(Number::from(0)),
        };
    }
    // A negative exponent turns the base over.
    let (n, d, y) = if y.is_negative() {
        if n.is_negative() {
            (-d, -n, -y)
        } else {
            (d, n, -y)
        }
    } else {
        (n, d, y)
    };
    if d.is_one() && n.magnitude().is_one() {
        let minus = n.is_negative() && odd;
        return Ok(Number::from(if minus { -1 } else { 1 }));
    }
    let Some(e) = y.to_u32() else {
        return Err(too_large(f64::INFINITY));
    };
    precheck(f64::from(e) * log10_abs(&n))?;
    precheck(f64::from(e) * log10_abs(&d))?;
    // A power of a fraction in lowest terms is in lowest terms.
    exact_result(n.pow(e), d.pow(e))
}

/// n! for a non-negative integer n; refuses n whose factorial breaks the digit limit.
pub(crate) fn factorial(a: Number) -> Calc<Number> {
    const DOMAIN: &str = "factorial needs a non-negative integer";
    let n = match a.0 {
        Int(n) => n,
        Float(x) if x >= 0.0 && x.fract() == 0.0 => BigInt::from_f64(x).ok_or(DOMAIN)?,
        _ => return Err(DOMAIN.into()),
    };
    if n.is_negative() {
        return Err(DOMAIN.into());
    }
    let Some(n) = n.to_u64() else {
        return Err(too_large(f64::INFINITY));
    };
    precheck(factorial_digits(n))?;
    int_result(BigInt::from(factorial_u64(n)))
}

/// Stirling's estimate of the number of decimal digits of n!.
fn factorial_digits(n: u64) -> f64 {
    if n < 2 {
        return 1.0;
    }
    let x = n as f64;
    let ln = x * libm::log(x) - x + 0.5 * libm::log(std::f64::consts::TAU * x) + 1.0 / (12.0 * x);
    ln / std::f64::consts::LN_10 + 1.0
}

/// n! by packing consecutive factors into machine words, then multiplying the words
/// pairwise, so large factorials use the fast big-number multiplication.
fn factorial_u64(n: u64) -> BigUint {
    let mut words = Vec::new();
    let mut acc: u64 = 1;
    for k in 2..=n {
        match acc.checked_mul(k) {
            Some(v) => acc = v,
            None => {
                words.push(BigUint::from(acc));
                acc = k;
            }
        }
    }
    words.push(BigUint::from(acc));
    while words.len() > 1 {
        words = words
            .chunks(2)
            .map(|pair| match pair {
                [a, b] => a * b,
                [a] => a.clone(),
                _ => unreachable!("chunks(2) yields one or two items"),
            })
            .collect();
    }
    words.pop().unwrap_or_else(BigUint::one)
}

/// The exact value of a finite float, as numerator and a power-of-two denominator.
fn float_parts(x: f64) -> (BigInt, BigInt) {
    let bits = x.to_bits();
    let exponent = ((bits >> 52) & 0x7ff) as i64;
    let fraction = bits & ((1 << 52) - 1);
    let (mantissa, exponent) = if exponent == 0 {
        (fraction, -1074)
    } else {
        (fraction | (1 << 52), exponent - 1075)
    };
    let mut n = BigInt::from(mantissa);
    if x < 0.0 {
        n = -n;
    }
    if exponent >= 0 {
        (n << exponent as u64, BigInt::one())
    } else {
        (n, BigInt::one() << (-exponent) as u64)
    }
}

/// Orders two numbers exactly: a float is compared by the exact value it holds, so an
/// integer beyond the float range or a fraction such as 1/3 is never rounded first.
pub(crate) fn compare(a: &Number, b: &Number) -> Ordering {
    match (&a.0, &b.0) {
        (Int(x), Int(y)) => x.cmp(y),
        (Float(x), Float(y)) => x.partial_cmp(y).unwrap_or(Ordering::Equal),
        _ => {
            let ((p, q), (r, s)) = (fraction_of(&a.0), fraction_of(&b.0));
            (p * s).cmp(&(r * q))
        }
    }
}

/// The exact value as numerator and positive denominator, a float's included.
fn fraction_of(r: &Repr) -> (BigInt, BigInt) {
    match r {
        Int(n) => (n.clone(), BigInt::one()),
        Ratio(f) => (**f).clone(),
        Float(x) => float_parts(*x),
    }
}

/// The exact integer `op` picks for the value.
pub(crate) fn to_integer(a: Number, op: Rounding) -> Calc<Number> {
    match a.0 {
        Int(n) => Ok(Number::int(n)),
        Ratio(f) => {
            let (n, d) = *f;
            let q = &n / &d;
            let above = !n.is_negative();
            Ok(Number::int(match op {
                Rounding::Trunc => q,
                Rounding::Floor if above => q,
                Rounding::Floor => q - 1,
                Rounding::Ceil if above => q + 1,
                Rounding::Ceil => q,
                Rounding::Round => {
                    let r = (n.magnitude() * 2u32 + d.magnitude()) / (d.magnitude() * 2u32);
                    let r = BigInt::from(r);
                    if above { r } else { -r }
                }
            }))
        }
        Float(x) => {
            let r = match op {
                Rounding::Floor => x.floor(),
                Rounding::Ceil => x.ceil(),
                Rounding::Round => x.round(),
                Rounding::Trunc => x.trunc(),
            };
            BigInt::from_f64(r)
                .map(Number::int)
                .ok_or_else(|| "the result is not a real number".into())
        }
    }
}

/// The exact square or cube root when `a` is an exact perfect power (of a fraction too:
/// `sqrt(1/4)` is 1/2), for `sqrt` and `cbrt`.
pub(crate) fn exact_root(a: &Number, degree: u32) -> Option<Number> {
    let root = |n: &BigInt| {
        let r = if degree == 2 { n.sqrt() } else { n.cbrt() };
        (r.pow(degree) == *n).then_some(r)
    };
    if degree == 2 && a.is_negative() {
        return None;
    }
    match &a.0 {
        Int(n) => root(n).map(Number::int),
        Ratio(f) => Some(Number(Ratio(Box::new((root(&f.0)?, root(&f.1)?))))),
        Float(_) => None,
    }
}

/// sqrt or cbrt of an exact number too large for a float conversion, as a float.
pub(crate) fn big_root(a: &Number, degree: u32) -> Calc<f64> {
    let n = match &a.0 {
        Int(n) => n.clone(),
        Ratio(f) => &f.0 / &f.1,
        Float(x) => return Ok(if degree == 2 { x.sqrt() } else { x.cbrt() }),
    };
    let r = if degree == 2 { n.sqrt() } else { n.cbrt() };
    int_to_f64(&r).map_err(|_| overflow())
}

/// log2 of a positive number, accurate for exact values of any size.
fn log2_of(a: &Number) -> f64 {
    match &a.0 {
        Int(n) => log2_abs(n),
        Ratio(f) => match ratio_to_f64(&f.0, &f.1) {
            Ok(x) if x.is_normal() => x.log2(),
            _ => log2_abs(&f.0) - log2_abs(&f.1),
        },
        Float(x) => x.log2(),
    }
}

/// Natural logarithm of a positive number, for values beyond the float range too.
pub(crate) fn ln(a: &Number) -> f64 {
    match a.as_f64() {
        Ok(x) if x.is_normal() => libm::log(x),
        _ => log2_of(a) * std::f64::consts::LN_2,
    }
}

/// Base-10 logarithm of a positive number, exact for powers of ten that fit a float.
pub(crate) fn log10(a: &Number) -> f64 {
    match a.as_f64() {
        Ok(x) if x.is_normal() => libm::log10(x),
        _ => log2_of(a) * std::f64::consts::LOG10_2,
    }
}

/// Base-2 logarithm of a positive number.
pub(crate) fn log2(a: &Number) -> f64 {
    log2_of(a)
}

pub(crate) fn abs(a: Number) -> Number {
    match a.0 {
        Int(n) => Number::int(n.abs()),
        Ratio(mut f) => {
            f.0 = f.0.abs();
            Number(Ratio(f))
        }
        Float(x) => Number(Float(x.abs())),
    }
}

pub(crate) fn is_zero(a: &Number) -> bool {
    match &a.0 {
        Int(n) => n.is_zero(),
        Ratio(..) => false,
        Float(x) => *x == 0.0,
    }
}

/// The exact integer a number holds, for functions defined on integers only.
pub(crate) fn as_integer(a: &Number) -> Option<&BigInt> {
    match &a.0 {
        Int(n) => Some(n),
        _ => None,
    }
}

/// Parses an integer literal's digits (underscores already removed) in `radix`.
pub(crate) fn parse_int(digits: &str, radix: u32) -> Calc<Number> {
    if radix == 10 && digits.len() > MAX_DIGITS + 1 {
        return Err(format!(
            "number has more than {MAX_DIGITS} digits (the limit)"
        ));
    }
    let n = BigInt::parse_bytes(digits.as_bytes(), radix).ok_or("malformed number")?;
    if exceeds_limit(&n) {
        return Err(format!(
            "number has more than {MAX_DIGITS} digits (the limit)"
        ));
    }
    Ok(Number::int(n))
}

/// The exact value of a decimal literal: its integer digits, its fraction digits and its
/// exponent (signed, without `e`; empty for none), underscores already removed. `0.1` is
/// 1/10 and `1e-3` is 1/1000.
pub(crate) fn parse_decimal(whole: &str, fraction: &str, exponent: &str) -> Calc<Number> {
    let exponent: i64 = if exponent.is_empty() {
        0
    } else {
        // An exponent too long for 64 bits is far beyond the limit either way.
        exponent.parse().unwrap_or(if exponent.starts_with('-') {
            i64::MIN / 2
        } else {
            i64::MAX / 2
        })
    };
    let digits = format!("{whole}{fraction}");
    let digits = digits.trim_start_matches('0');
    let significant = digits.trim_end_matches('0');
    if significant.is_empty() {
        return Ok(Number::from(0));
    }
    // value = significant × 10^scale
    let scale = exponent - fraction.len() as i64 + (digits.len() - significant.len()) as i64;
    let length = significant.len() as i64;
    if scale >= 0 && length.saturating_add(scale) > MAX_DIGITS as i64 {
        return Err(format!(
            "number has more than {MAX_DIGITS} digits (the limit)"
        ));
    }
    if scale < 0 && scale.unsigned_abs() > MAX_DIGITS as u64 {
        return Err(format!(
            "number has more than {MAX_DIGITS} digits after the point (the limit)"
        ));
    }
    let n = BigInt::parse_bytes(significant.as_bytes(), 10).ok_or("malformed number")?;
    let power = BigInt::from(10u32).pow(scale.unsigned_abs() as u32);
    if scale >= 0 {
        int_result(n * power)
    } else {
        ratio(n, power)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn int(s: &str) -> BigInt {
        s.parse().unwrap()
    }

    /// Euclid's algorithm with full divisions, as a reference for Lehmer's.
    fn euclid(mut a: BigInt, mut b: BigInt) -> BigInt {
        while !b.is_zero() {
            let r = &a % &b;
            a = b;
            b = r;
        }
        a.abs()
    }

    #[test]
    fn lehmer_gcd_matches_euclid() {
        let three = BigInt::from(3);
        let cases = [
            (int("0"), int("5")),
            (int("12"), int("18")),
            (three.pow(500) * 7, three.pow(300) * 11),
            (BigInt::from(2).pow(700) - 1, BigInt::from(2).pow(350) - 1),
            (BigInt::from(10).pow(200) + 7, BigInt::from(7).pow(200) + 10),
            (three.pow(1000), BigInt::from(5).pow(2)),
            (int("-48"), int("36")),
        ];
        for (a, b) in cases {
            assert_eq!(gcd(&a, &b), euclid(a.clone(), b.clone()), "{a} {b}");
        }
        let (x, y) = (three.pow(4000) + 1, BigInt::from(7).pow(2300) + 3);
        assert_eq!(gcd(&x, &y), euclid(x.clone(), y.clone()));
        let common = BigInt::from(11).pow(900) + 2;
        let (x, y) = (&x * &common, &y * &common);
        assert_eq!(gcd(&x, &y), euclid(x.clone(), y.clone()));
        // Fibonacci neighbours: the worst case for Euclid, every quotient 1.
        let (mut f, mut g) = (BigInt::one(), BigInt::one());
        for _ in 0..3000 {
            (f, g) = (g.clone(), f + g);
        }
        assert!(gcd(&f, &g).is_one());
    }

    #[test]
    fn ratio_of_huge_integers_is_finite() {
        let x = int(&format!("1{}1", "0".repeat(399)));
        let y = int(&format!("1{}", "0".repeat(399)));
        assert_eq!(ratio_to_f64(&x, &y).unwrap(), 10.0);
        assert_eq!(ratio_to_f64(&BigInt::one(), &y).unwrap(), 0.0);
        assert_eq!(ratio_to_f64(&int("-7"), &int("2")).unwrap(), -3.5);
        assert_eq!(ratio_to_f64(&int("1"), &int("3")).unwrap(), 1.0 / 3.0);
    }

    #[test]
    fn decimal_factors_find_ending_expansions() {
        assert_eq!(decimal_factors(&int("8")), Some((3, 0)));
        assert_eq!(decimal_factors(&int("250")), Some((1, 3)));
        assert_eq!(decimal_factors(&int("3")), None);
        assert_eq!(decimal_factors(&int("30")), None);
        let big = BigInt::from(5).pow(400) << 7u32;
        assert_eq!(decimal_factors(&big), Some((7, 400)));
        assert_eq!(decimal_factors(&(BigInt::from(5).pow(400) * 3)), None);
    }

    #[test]
    fn factorial_digit_estimate_is_close() {
        for n in [10u64, 100, 1000, 5000] {
            let exact = factorial_u64(n).to_string().len() as f64;
            assert!((factorial_digits(n) - exact).abs() < 1.0, "{n}");
        }
    }

    #[test]
    fn limit_is_exact_at_the_edge() {
        let ten = BigInt::from(10);
        assert!(!exceeds_limit(&ten.pow(MAX_DIGITS as u32 - 1)));
        assert!(exceeds_limit(&ten.pow(MAX_DIGITS as u32)));
        assert!(!exceeds_limit(&(ten.pow(MAX_DIGITS as u32) - 1)));
    }

    #[test]
    fn mixed_comparison_is_exact() {
        let big = Number::int(int("9007199254740993"));
        let f = Number(Float(9007199254740992.0));
        assert_eq!(compare(&big, &f), Ordering::Greater);
        assert_eq!(
            compare(&Number::from(2), &Number(Float(2.5))),
            Ordering::Less
        );
        assert_eq!(
            compare(&Number(Float(2.0)), &Number::from(2)),
            Ordering::Equal
        );
        let third = ratio(int("1"), int("3")).unwrap();
        assert_eq!(
            compare(&third, &Number(Float(1.0 / 3.0))),
            Ordering::Greater
        );
    }
}
