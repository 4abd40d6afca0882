//! The number model: exact integers of any size, and 64-bit floats that are always finite.
//!
//! Every operation here either returns a number that can be printed as it is, or a message
//! saying why not. Results that would be too large are refused from an estimate made before
//! the work starts, so no input can make the calculator compute for minutes or exhaust memory.

use std::cmp::Ordering;
use std::sync::OnceLock;

use num_bigint::{BigInt, BigUint, Sign};
use num_traits::{FromPrimitive, One, Signed, ToPrimitive, Zero};

/// The largest number of decimal digits an integer result may have.
pub const MAX_DIGITS: usize = 100_000;

/// The outcome of an operation before it is tied to a place in the line.
pub(crate) type Calc<T> = Result<T, String>;

/// A value the calculator computes with: an exact integer or a finite 64-bit float.
///
/// Integers stay exact through `+ - * % ^ !`, through `/` when it divides evenly, and
/// through the functions that cannot leave the integers (`abs`, `min`, `max`, `floor`, …).
/// A float never holds infinity or NaN: the operation that would produce one fails instead.
#[derive(Debug, Clone, PartialEq)]
pub struct Number(pub(crate) Repr);

#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Repr {
    Int(BigInt),
    Float(f64),
}

use Repr::{Float, Int};

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

    /// Whether the value is held exactly as an integer (`6/3` is, `7/2` and `2.0` are not).
    pub fn is_integer(&self) -> bool {
        matches!(self.0, Int(_))
    }

    /// The nearest 64-bit float, for callers that only need an approximation.
    /// Integers beyond the float range give an infinity of their sign.
    pub fn to_f64(&self) -> f64 {
        match &self.0 {
            Int(n) => n.to_f64().unwrap_or(f64::NAN),
            Float(x) => *x,
        }
    }

    /// The value as a float for arithmetic, refused when an integer is beyond its range.
    pub(crate) fn as_f64(&self) -> Calc<f64> {
        match &self.0 {
            Int(n) => int_to_f64(n),
            Float(x) => Ok(*x),
        }
    }

    pub(crate) fn is_negative(&self) -> bool {
        match &self.0 {
            Int(n) => n.is_negative(),
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
        _ => Err("integer too large for floating-point arithmetic (beyond about 1.8e308)".into()),
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

fn log10_abs(n: &BigInt) -> f64 {
    log2_abs(n) * std::f64::consts::LOG10_2
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

/// An integer result, refused when it breaks the digit limit.
pub(crate) fn int_result(n: BigInt) -> Calc<Number> {
    if exceeds_limit(&n) {
        Err(too_large(log10_abs(&n).floor() + 1.0))
    } else {
        Ok(Number::int(n))
    }
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

pub(crate) fn neg(a: Number) -> Number {
    match a.0 {
        Int(n) => Number::int(-n),
        Float(x) => Number(Float(-x)),
    }
}

pub(crate) fn add(a: Number, b: Number) -> Calc<Number> {
    match (a.0, b.0) {
        (Int(x), Int(y)) => int_result(x + y),
        (x, y) => Number::float(Number(x).as_f64()? + Number(y).as_f64()?),
    }
}

pub(crate) fn sub(a: Number, b: Number) -> Calc<Number> {
    match (a.0, b.0) {
        (Int(x), Int(y)) => int_result(x - y),
        (x, y) => Number::float(Number(x).as_f64()? - Number(y).as_f64()?),
    }
}

pub(crate) fn mul(a: Number, b: Number) -> Calc<Number> {
    match (a.0, b.0) {
        (Int(x), Int(y)) => {
            if x.is_zero() || y.is_zero() {
                return Ok(Number::int(BigInt::zero()));
            }
            precheck(log10_abs(&x) + log10_abs(&y))?;
            int_result(x * y)
        }
        (x, y) => Number::float(Number(x).as_f64()? * Number(y).as_f64()?),
    }
}

pub(crate) fn div(a: Number, b: Number) -> Calc<Number> {
    match (a.0, b.0) {
        (Int(x), Int(y)) => {
            if y.is_zero() {
                return Err("division by zero".into());
            }
            if (&x % &y).is_zero() {
                Ok(Number::int(x / y))
            } else {
                Number::float(ratio_to_f64(&x, &y)?)
            }
        }
        (x, y) => {
            let d = Number(y).as_f64()?;
            if d == 0.0 {
                return Err("division by zero".into());
            }
            Number::float(Number(x).as_f64()? / d)
        }
    }
}

pub(crate) fn rem(a: Number, b: Number) -> Calc<Number> {
    const MSG: &str = "remainder of a division by zero";
    match (a.0, b.0) {
        (Int(x), Int(y)) => {
            if y.is_zero() {
                return Err(MSG.into());
            }
            Ok(Number::int(x % y))
        }
        (x, y) => {
            let d = Number(y).as_f64()?;
            if d == 0.0 {
                return Err(MSG.into());
            }
            Number::float(Number(x).as_f64()? % d)
        }
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
    match (a.0, b.0) {
        (Int(x), Int(y)) => int_pow(x, y),
        (x, y) => {
            let (x, y) = (Number(x).as_f64()?, Number(y).as_f64()?);
            if x == 0.0 && y < 0.0 {
                return Err("division by zero (zero to a negative power)".into());
            }
            if x < 0.0 && y.fract() != 0.0 {
                return Err("a negative number to a fractional power has no real value".into());
            }
            Number::float(libm::pow(x, y))
        }
    }
}

fn int_pow(x: BigInt, y: BigInt) -> Calc<Number> {
    let odd = (&y % 2u32) != BigInt::zero();
    if x.is_zero() {
        return match y.sign() {
            Sign::Minus => Err("division by zero (zero to a negative power)".into()),
            Sign::NoSign => Ok(Number::from(1)),
            Sign::Plus => Ok(Number::from(0)),
        };
    }
    if x.is_one() {
        return Ok(Number::from(1));
    }
    if x == BigInt::from(-1) {
        return Ok(Number::from(if odd { -1 } else { 1 }));
    }
    if y.is_negative() {
        // |x| >= 2 here, so the result is a fraction below one; it is a float.
        let magnitude = -y;
        let digits = magnitude.to_f64().unwrap_or(f64::INFINITY) * log10_abs(&x);
        let f = if digits > 400.0 {
            0.0
        } else {
            let e = magnitude.to_u32().unwrap_or(u32::MAX);
            ratio_to_f64(&BigInt::one(), &x.abs().pow(e))?
        };
        return Number::float(if x.is_negative() && odd { -f } else { f });
    }
    let Some(e) = y.to_u32() else {
        return Err(too_large(f64::INFINITY));
    };
    precheck(e as f64 * log10_abs(&x))?;
    int_result(x.pow(e))
}

/// n! for a non-negative integer n; refuses n whose factorial breaks the digit limit.
pub(crate) fn factorial(a: Number) -> Calc<Number> {
    const DOMAIN: &str = "factorial needs a non-negative integer";
    let n = match a.0 {
        Int(n) => n,
        Float(x) if x >= 0.0 && x.fract() == 0.0 => BigInt::from_f64(x).ok_or(DOMAIN)?,
        Float(_) => return Err(DOMAIN.into()),
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

/// Orders two numbers exactly, even an integer beyond the float range against a float.
pub(crate) fn compare(a: &Number, b: &Number) -> Ordering {
    match (&a.0, &b.0) {
        (Int(x), Int(y)) => x.cmp(y),
        (Float(x), Float(y)) => x.partial_cmp(y).unwrap_or(Ordering::Equal),
        (Int(x), Float(y)) => compare_int_float(x, *y),
        (Float(x), Int(y)) => compare_int_float(y, *x).reverse(),
    }
}

fn compare_int_float(x: &BigInt, y: f64) -> Ordering {
    let floor = y.floor();
    let Some(f) = BigInt::from_f64(floor) else {
        return Ordering::Equal;
    };
    match x.cmp(&f) {
        Ordering::Equal if y > floor => Ordering::Less,
        other => other,
    }
}

/// The exact integer a float rounds to with `op` (floor, ceil, round or trunc).
pub(crate) fn to_integer(a: Number, op: fn(f64) -> f64) -> Calc<Number> {
    match a.0 {
        Int(n) => Ok(Number::int(n)),
        Float(x) => {
            let r = op(x);
            BigInt::from_f64(r)
                .map(Number::int)
                .ok_or_else(|| "the result is not a real number".into())
        }
    }
}

/// Integer square or cube root when `a` is an exact perfect power, for `sqrt` and `cbrt`.
pub(crate) fn exact_root(a: &Number, degree: u32) -> Option<Number> {
    let Int(n) = &a.0 else { return None };
    if degree == 2 && n.is_negative() {
        return None;
    }
    let r = if degree == 2 { n.sqrt() } else { n.cbrt() };
    (r.pow(degree) == *n).then(|| Number::int(r))
}

/// sqrt or cbrt of an integer too large for a float conversion, as a float.
pub(crate) fn big_root(n: &BigInt, degree: u32) -> Calc<f64> {
    let r = if degree == 2 { n.sqrt() } else { n.cbrt() };
    int_to_f64(&r).map_err(|_| overflow())
}

/// Natural logarithm of a positive number, for integers beyond the float range too.
pub(crate) fn ln(a: &Number) -> f64 {
    match &a.0 {
        Int(n) => log2_abs(n) * std::f64::consts::LN_2,
        Float(x) => libm::log(*x),
    }
}

/// Base-10 logarithm of a positive number, exact for powers of ten that fit a float.
pub(crate) fn log10(a: &Number) -> f64 {
    match &a.0 {
        Int(n) if n.bits() <= 1000 => libm::log10(n.to_f64().unwrap_or(0.0)),
        Int(n) => log10_abs(n),
        Float(x) => libm::log10(*x),
    }
}

/// Base-2 logarithm of a positive number.
pub(crate) fn log2(a: &Number) -> f64 {
    match &a.0 {
        Int(n) => log2_abs(n),
        Float(x) => x.log2(),
    }
}

pub(crate) fn abs(a: Number) -> Number {
    match a.0 {
        Int(n) => Number::int(n.abs()),
        Float(x) => Number(Float(x.abs())),
    }
}

pub(crate) fn is_zero(a: &Number) -> bool {
    match &a.0 {
        Int(n) => n.is_zero(),
        Float(x) => *x == 0.0,
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

/// Parses a decimal literal with a point or an exponent (underscores already removed).
pub(crate) fn parse_float(text: &str) -> Calc<Number> {
    let x: f64 = text.parse().map_err(|_| "malformed number".to_string())?;
    if x.is_finite() {
        Ok(Number(Float(x)))
    } else {
        Err("number too large for a 64-bit float (beyond about 1.8e308)".into())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn int(s: &str) -> BigInt {
        s.parse().unwrap()
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
    }
}
