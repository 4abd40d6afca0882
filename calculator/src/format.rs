//! How numbers are printed, so that a printed value never claims more than it holds.
//!
//! - An exact integer prints every digit.
//! - An exact fraction whose decimal expansion ends prints every digit (`0.25`,
//!   `123456789.123456789`); one whose expansion does not end prints its integer part in
//!   full and [`Style::decimals`] decimals (20 by default), the last one rounded, or below
//!   10^-decimals in magnitude, where those decimals would all be zeros, the same number of
//!   significant digits in exponent form (`1.4285714285714285714e-21`). With
//!   [`Style::fraction`] every non-integer exact value prints as `p/q` instead.
//! - A float prints at most [`Style::significant`] significant digits, 15 by default, so
//!   `0.1 * sqrt(2)^2` does not expose binary rounding noise. It is positional from 1e-15
//!   up to, not including, 10^significant, and scientific with an explicit exponent sign
//!   outside that range (`1.5e+20`, `1e-16`): a float that large could not show its integer
//!   digits faithfully, and printing them would pass an approximation off as exact.
//!
//! Each rendering says whether it is exactly the value, so the interactive session can
//! mark the others.

use std::ffi::CStr;
use std::fmt;

use num_bigint::BigInt;
use num_traits::Signed;

use crate::number::{self, Number, Repr};

/// How results are printed: the settings of `--digits`, `--fraction`, `:digits` and
/// `:fraction`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Style {
    /// Decimals shown for an exact fraction whose expansion does not end.
    pub decimals: usize,
    /// Significant digits shown for a float.
    pub significant: usize,
    /// Print non-integer exact results as `p/q`.
    pub fraction: bool,
}

impl Style {
    /// 20 decimals, 15 significant digits for floats, decimal output.
    pub const DEFAULT: Style = Style {
        decimals: 20,
        significant: 15,
        fraction: false,
    };

    /// The most significant digits a float can show: 17 round-trip every 64-bit float,
    /// and more would only print the binary expansion's noise.
    pub const FLOAT_DIGITS: usize = 17;

    /// The style with `n` decimals for fractions and `n` significant digits for floats
    /// (at most [`Style::FLOAT_DIGITS`]), as bc's `scale` sets both.
    pub fn with_digits(self, n: usize) -> Style {
        Style {
            decimals: n,
            significant: n.clamp(1, Style::FLOAT_DIGITS),
            ..self
        }
    }
}

impl Default for Style {
    fn default() -> Self {
        Style::DEFAULT
    }
}

impl fmt::Display for Number {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&render(self, Style::DEFAULT).0)
    }
}

/// The text of `n` in `style`, and whether that text is exactly the value.
pub(crate) fn render(n: &Number, style: Style) -> (String, bool) {
    match &n.0 {
        Repr::Int(i) => (i.to_str_radix(10), true),
        Repr::Ratio(f) if style.fraction => (format!("{}/{}", f.0, f.1), true),
        Repr::Ratio(f) => render_ratio(&f.0, &f.1, style.decimals.max(1)),
        Repr::Float(x) => (format_float(*x, style.significant.max(1)), false),
    }
}

fn ten_to(k: usize) -> BigInt {
    BigInt::from(10u32).pow(k as u32)
}

/// `digits` as a decimal with `decimals` of them after the point.
fn with_point(sign: &str, digits: &str, decimals: usize) -> String {
    let digits = if digits.len() <= decimals {
        format!("{}{digits}", "0".repeat(decimals + 1 - digits.len()))
    } else {
        digits.to_string()
    };
    let (whole, fraction) = digits.split_at(digits.len() - decimals);
    if fraction.is_empty() {
        format!("{sign}{whole}")
    } else {
        format!("{sign}{whole}.{fraction}")
    }
}

/// round(a / b) for positive a and b, halves up.
fn rounded_quotient(a: BigInt, b: &BigInt) -> BigInt {
    (a * 2u32 + b) / (b * 2u32)
}

fn render_ratio(p: &BigInt, q: &BigInt, decimals: usize) -> (String, bool) {
    let sign = if p.is_negative() { "-" } else { "" };
    let p = p.abs();
    if let Some((twos, fives)) = number::decimal_factors(q) {
        // p/q = p·2^(k-twos)·5^(k-fives) / 10^k, with no division at all.
        let k = twos.max(fives);
        let scaled = (p * BigInt::from(5u32).pow((k - fives) as u32)) << (k - twos);
        return (with_point(sign, &scaled.to_string(), k as usize), true);
    }
    let scaled = &p * ten_to(decimals);
    if &scaled >= q {
        let digits = rounded_quotient(scaled, q).to_string();
        return (with_point(sign, &digits, decimals), false);
    }
    // Below 10^-decimals: `decimals` significant digits and an exponent.
    let mut exponent = (number::log10_abs(&p) - number::log10_abs(q)).floor() as i64;
    // 10^exponent <= p/q < 10^(exponent+1), made exact (the estimate is off by one at most).
    let at_least = |e: i64| &p * ten_to((-e) as usize) >= *q;
    while !at_least(exponent) {
        exponent -= 1;
    }
    while at_least(exponent + 1) {
        exponent += 1;
    }
    let shift = decimals as i64 - 1 - exponent;
    let mut mantissa = rounded_quotient(&p * ten_to(shift as usize), q);
    if mantissa >= ten_to(decimals) {
        mantissa = rounded_quotient(mantissa, &BigInt::from(10u32));
        exponent += 1;
    }
    let digits = mantissa.to_string();
    let (first, rest) = digits.split_at(1);
    let point = if rest.is_empty() { "" } else { "." };
    (format!("{sign}{first}{point}{rest}e-{}", -exponent), false)
}

/// `x` with at most `significant` digits, trailing zeros dropped.
pub(crate) fn format_float(x: f64, significant: usize) -> String {
    if x == 0.0 || !x.is_finite() {
        // Non-finite floats never reach here; zero covers -0 too.
        return "0".to_string();
    }
    let sign = if x < 0.0 { "-" } else { "" };
    let scientific = printf(c"%.*e", significant - 1, x.abs());
    let (mantissa, exponent) = scientific.split_once('e').unwrap_or((&scientific, "0"));
    let exponent: i32 = exponent.parse().unwrap_or(0);
    let digits: String = mantissa.chars().filter(char::is_ascii_digit).collect();
    let digits = digits.trim_end_matches('0');
    let digits = if digits.is_empty() { "0" } else { digits };

    if !(-15..significant as i32).contains(&exponent) {
        let (first, rest) = digits.split_at(1);
        let point = if rest.is_empty() { "" } else { "." };
        let exp_sign = if exponent < 0 { '-' } else { '+' };
        format!("{sign}{first}{point}{rest}e{exp_sign}{}", exponent.abs())
    } else if exponent >= 0 {
        let whole = exponent as usize + 1;
        if digits.len() <= whole {
            format!("{sign}{digits}{}", "0".repeat(whole - digits.len()))
        } else {
            format!("{sign}{}.{}", &digits[..whole], &digits[whole..])
        }
    } else {
        let zeros = "0".repeat((-exponent - 1) as usize);
        format!("{sign}0.{zeros}{digits}")
    }
}

/// An exact integer in base 2, 8 or 16 with its prefix (`-0xff`), refused past the digit
/// limit like any other printed result.
pub(crate) fn in_base(n: &BigInt, radix: u32) -> Result<String, String> {
    let prefix = match radix {
        2 => "0b",
        8 => "0o",
        _ => "0x",
    };
    let bits_per_digit = u64::from(radix.trailing_zeros());
    let length = n.bits().div_ceil(bits_per_digit).max(1);
    if length > number::MAX_DIGITS as u64 {
        return Err(format!(
            "result too large: it has {length} digits in base {radix} (the limit is {} digits)",
            number::MAX_DIGITS
        ));
    }
    let sign = if n.is_negative() { "-" } else { "" };
    // Read off the bits directly: num-bigint's general radix conversion would add about
    // 2 KB to the static binary for what is a bit-by-bit job in a power-of-two base.
    let bit = |i: u64| u32::from(n.magnitude().bit(i));
    let digits: String = (0..length)
        .rev()
        .map(|d| {
            let value = (0..bits_per_digit)
                .rev()
                .fold(0, |acc, b| acc * 2 + bit(d * bits_per_digit + b));
            char::from_digit(value, radix).unwrap_or('?')
        })
        .collect();
    Ok(format!("{sign}{prefix}{digits}"))
}

/// `x` formatted by the C library's printf with `format`, one `%.*` conversion of a
/// double (`%.*e`, `%.*f`) that fits in a few dozen bytes.
///
/// glibc's printf is in every static binary in any case (its start-up code reports failed
/// assertions with it), and it is exact: correctly rounded, ties to even, the same digits
/// as Rust's `{:.N}` and `{:.Ne}` (compared on 28 million doubles, exact ties included).
/// Rust's own float formatting code would add about 20 KB to the static binary
/// (docs/src/binary-size.md).
pub(crate) fn printf(format: &CStr, precision: usize, x: f64) -> String {
    let mut buf = [0u8; 64];
    let precision = libc::c_int::try_from(precision).unwrap_or(17);
    // SAFETY: the buffer's length is passed along, so snprintf never writes past it, and
    // the format takes exactly the two arguments given: an int precision and a double.
    let written = unsafe {
        libc::snprintf(
            buf.as_mut_ptr().cast(),
            buf.len(),
            format.as_ptr(),
            precision,
            x,
        )
    };
    let len = usize::try_from(written).unwrap_or(0).min(buf.len() - 1);
    String::from_utf8_lossy(&buf[..len]).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;
    use num_traits::One;

    fn f(x: f64) -> String {
        format_float(x, 15)
    }

    fn r(p: i64, q: i64) -> (String, bool) {
        rs(&p.to_string(), &q.to_string())
    }

    fn rs(p: &str, q: &str) -> (String, bool) {
        let n = number::ratio(p.parse().unwrap(), q.parse().unwrap()).unwrap();
        render(&n, Style::DEFAULT)
    }

    #[test]
    fn floats() {
        assert_eq!(f(0.1 + 0.2), "0.3");
        assert_eq!(f(4.0), "4");
        assert_eq!(f(-3.5), "-3.5");
        assert_eq!(f(-0.0), "0");
        assert_eq!(f(1.0 / 3.0), "0.333333333333333");
        assert_eq!(f(2.0 / 3.0), "0.666666666666667");
        assert_eq!(f(1.5e20), "1.5e+20");
        assert_eq!(f(1e15), "1e+15");
        assert_eq!(f(999999999999999.0), "999999999999999");
        assert_eq!(f(123456.789), "123456.789");
        assert_eq!(f(1e-6), "0.000001");
        assert_eq!(f(1e-15), "0.000000000000001");
        assert_eq!(f(1e-16), "1e-16");
        assert_eq!(f(2.5e-20), "2.5e-20");
        assert_eq!(f(f64::MAX), "1.79769313486232e+308");
        assert_eq!(f(5e-324), "4.94065645841247e-324");
        assert_eq!(f(100.0), "100");
        assert_eq!(f(0.001), "0.001");
        assert_eq!(format_float(1.0 / 3.0, 5), "0.33333");
        assert_eq!(format_float(123456.0, 5), "1.2346e+5");
        assert_eq!(format_float(0.1, 17), "0.10000000000000001");
    }

    #[test]
    fn fractions() {
        assert_eq!(r(1, 4), ("0.25".into(), true));
        assert_eq!(r(-1, 8), ("-0.125".into(), true));
        assert_eq!(r(1, 3), ("0.33333333333333333333".into(), false));
        assert_eq!(r(2, 3), ("0.66666666666666666667".into(), false));
        assert_eq!(r(-200, 3), ("-66.66666666666666666667".into(), false));
        assert_eq!(
            r(1, 7 * 10i64.pow(15)),
            ("0.00000000000000014286".into(), false)
        );
        // At 1e-20 and above, 20 decimals; below, 20 significant digits.
        assert_eq!(
            r(1, 7 * 10i64.pow(18)),
            ("0.00000000000000000014".into(), false)
        );
        assert_eq!(
            rs("1", "70000000000000000000"),
            ("0.00000000000000000001".into(), false)
        );
        assert_eq!(
            rs("1", "700000000000000000000"),
            ("1.4285714285714285714e-21".into(), false)
        );
        assert_eq!(
            rs("-1", "3000000000000000000000"),
            ("-3.3333333333333333333e-22".into(), false)
        );
        // A mantissa that rounds up to the next power of ten moves the exponent.
        let n = number::ratio(
            BigInt::from(10).pow(21) - 1u32,
            BigInt::from(10).pow(42) + 7u32,
        )
        .unwrap();
        assert_eq!(render(&n, Style::DEFAULT).0, "1.0000000000000000000e-21");
        let style = Style {
            fraction: true,
            ..Style::DEFAULT
        };
        let third = number::ratio(BigInt::from(-1), BigInt::from(3)).unwrap();
        assert_eq!(render(&third, style), ("-1/3".into(), true));
    }

    #[test]
    fn bases() {
        assert_eq!(in_base(&BigInt::from(255), 16).unwrap(), "0xff");
        assert_eq!(in_base(&BigInt::from(-255), 16).unwrap(), "-0xff");
        assert_eq!(in_base(&BigInt::from(10), 2).unwrap(), "0b1010");
        assert_eq!(in_base(&BigInt::from(8), 8).unwrap(), "0o10");
        assert_eq!(in_base(&BigInt::from(0), 2).unwrap(), "0b0");
        assert!(in_base(&(BigInt::one() << 100_000u32), 2).is_err());
    }

    #[test]
    fn printf_matches_rust_formatting() {
        let exponent = |s: &str| {
            s.split_once('e')
                .map(|(m, e)| (m.to_string(), e.parse::<i32>()))
        };
        for x in [
            0.0,
            0.5,
            1.5,
            2.5,
            1e-7,
            0.1 + 0.2,
            123456.789,
            1e22,
            f64::MAX,
            5e-324,
        ] {
            let c = super::printf(c"%.*e", 14, x);
            assert_eq!(exponent(&c), exponent(&format!("{x:.14e}")), "{x:e}");
            if x < 1e15 {
                assert_eq!(super::printf(c"%.*f", 0, x), format!("{x:.0}"), "{x:e}");
            }
        }
    }
}
