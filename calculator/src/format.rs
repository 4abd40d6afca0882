//! How numbers are printed.
//!
//! Integers print in full. Floats print with at most 15 significant digits, which every
//! f64 holds reliably, so `0.1 + 0.2` prints `0.3` rather than exposing binary rounding.
//! Floats from 1e-6 up to, not including, 1e15 print in positional form, and an integral
//! one without a decimal point (`sqrt(2)^2` prints `2`). Outside that range the form is
//! scientific with an explicit exponent sign: `1.5e+20`, `1e-7`. The upper switch sits at
//! 1e15 because a float that large can no longer show all its integer digits faithfully, and
//! printing them would pass off an approximation as exact.

use std::ffi::CStr;
use std::fmt;

use crate::number::{Number, Repr};

/// Significant digits shown for a float.
const SIGNIFICANT: usize = 15;

impl fmt::Display for Number {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.0 {
            Repr::Int(n) => write!(f, "{n}"),
            Repr::Float(x) => f.write_str(&format_float(*x)),
        }
    }
}

pub(crate) fn format_float(x: f64) -> String {
    if x == 0.0 || !x.is_finite() {
        // Non-finite floats never reach here; zero covers -0 too.
        return "0".to_string();
    }
    let sign = if x < 0.0 { "-" } else { "" };
    let scientific = printf(c"%.*e", SIGNIFICANT - 1, x.abs());
    let (mantissa, exponent) = scientific.split_once('e').unwrap_or((&scientific, "0"));
    let exponent: i32 = exponent.parse().unwrap_or(0);
    let digits: String = mantissa.chars().filter(char::is_ascii_digit).collect();
    let digits = digits.trim_end_matches('0');
    let digits = if digits.is_empty() { "0" } else { digits };

    if !(-6..15).contains(&exponent) {
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
    use super::format_float as f;

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
        assert_eq!(f(1e-7), "1e-7");
        assert_eq!(f(2.5e-10), "2.5e-10");
        assert_eq!(f(f64::MAX), "1.79769313486232e+308");
        assert_eq!(f(5e-324), "4.94065645841247e-324");
        assert_eq!(f(100.0), "100");
        assert_eq!(f(0.001), "0.001");
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
