//! The calculator on the host: start-to-result, and a long script against `bc`.

use std::fmt::Write as _;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use super::page::HostResult;
use super::stats::Timing;
use super::{BenchEvent, BenchOptions, SCRIPT_LINES};
use crate::render::format::group_digits;

/// Which program a generated script is written for: the same expressions, in the calculator's
/// syntax or in `bc`'s.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Dialect {
    Calculator,
    Bc,
}

/// The script raced against `bc`: [`SCRIPT_LINES`] lines that mix integer arithmetic,
/// remainders, 46-digit products, powers, small factorials, exact divisions and inexact
/// ones, on numbers that grow with the line number. Line `i` depends on `i` alone, so every
/// run on every machine gets the same script. By `i % 10`:
///
/// | k | line | kind |
/// |---|---|---|
/// | 0 | `i*i+7` | integer |
/// | 1 | `(i+3)*(i-2)` | integer |
/// | 2 | `i%97` (bc: `m(i, 97)`) | remainder |
/// | 3 | `c*c*c-i`, `c = i^3` | 46-digit integers |
/// | 4 | `(i%50+2)^(i%40+10)` | power, up to 84 digits |
/// | 5 | `(i%20+1)!` (bc: `f(i%20+1)`) | small factorial |
/// | 6 | `(i*i*i+i)/i` | exact division, an integer |
/// | 7 | `(13*i+1)/(i%9+3)` | inexact division, mostly a decimal that does not end |
/// | 8 | `i-i*i` | negative integer |
/// | 9 | `i/8` | a division whose decimals end |
///
/// The `bc` dialect starts with three lines that print nothing: `scale=20`, so divisions
/// keep 20 decimals as the calculator shows them; `f(n)`, a factorial, since `bc` has no
/// `!`; and `m(a, b)`, a remainder at scale 0, since `bc`'s `%` at scale 20 is not the
/// integer remainder.
pub fn script(lines: usize, dialect: Dialect) -> String {
    let bc = dialect == Dialect::Bc;
    let mut out = String::with_capacity(lines * 28);
    if bc {
        out.push_str("scale=20\n");
        out.push_str(
            "define f(n) { auto r; r = 1; while (n > 1) { r *= n; n -= 1; }; return (r); }\n",
        );
        out.push_str(
            "define m(a, b) { auto s; s = scale; scale = 0; a %= b; scale = s; return (a); }\n",
        );
    }
    for i in 1..=lines as u64 {
        let _ = match i % 10 {
            0 => writeln!(out, "{i}*{i}+7"),
            1 => writeln!(out, "({i}+3)*({i}-2)"),
            2 if bc => writeln!(out, "m({i}, 97)"),
            2 => writeln!(out, "{i}%97"),
            3 => {
                let c = u128::from(i) * u128::from(i) * u128::from(i);
                writeln!(out, "{c}*{c}*{c}-{i}")
            }
            4 => writeln!(out, "{}^{}", i % 50 + 2, i % 40 + 10),
            5 if bc => writeln!(out, "f({})", i % 20 + 1),
            5 => writeln!(out, "{}!", i % 20 + 1),
            6 => writeln!(out, "({i}*{i}*{i}+{i})/{i}"),
            7 => writeln!(out, "(13*{i}+1)/{}", i % 9 + 3),
            8 => writeln!(out, "{i}-{i}*{i}"),
            _ => writeln!(out, "{i}/8"),
        };
    }
    out
}

/// How two outputs of the script compare, line by line.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Comparison {
    /// Lines printed alike.
    pub same_text: usize,
    /// Lines printed differently whose values agree to one unit in the 20th decimal:
    /// `bc` truncates its last decimal and writes `.125` where the calculator rounds and
    /// writes `0.125`.
    pub numerically_equal: usize,
    /// Lines whose values differ, or that only one output has.
    pub differing: usize,
}

/// Compares the calculator's output with `bc`'s as numbers, exactly (no floating point):
/// each line becomes the digit string of its value times 10^20.
pub(crate) fn compare_numerically(calculator: &str, bc: &str) -> Comparison {
    let (a, b): (Vec<&str>, Vec<&str>) = (calculator.lines().collect(), bc.lines().collect());
    let mut c = Comparison {
        differing: a.len().abs_diff(b.len()),
        ..Comparison::default()
    };
    for (x, y) in a.iter().zip(&b) {
        if x == y {
            c.same_text += 1;
        } else if within_one_unit(scaled(x), scaled(y)) {
            c.numerically_equal += 1;
        } else {
            c.differing += 1;
        }
    }
    c
}

/// Decimals compared: the calculator shows 20 after the point, `bc` at `scale=20` too.
const COMPARED_DECIMALS: usize = 20;

/// A decimal number's sign and the digits of its value times 10^20, without leading zeros
/// (`None`: not a plain decimal, or more decimals than compared).
fn scaled(text: &str) -> Option<(bool, String)> {
    let (negative, digits) = match text.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, text),
    };
    let (whole, fraction) = digits.split_once('.').unwrap_or((digits, ""));
    let plain = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
    if (whole.is_empty() && fraction.is_empty())
        || !plain(whole)
        || !plain(fraction)
        || fraction.len() > COMPARED_DECIMALS
    {
        return None;
    }
    let mut value = format!("{whole}{fraction:0<COMPARED_DECIMALS$}");
    let zeros = value.bytes().take_while(|&b| b == b'0').count();
    value.drain(..zeros);
    if value.is_empty() {
        return Some((false, "0".into()));
    }
    Some((negative, value))
}

/// Whether two scaled values are equal or one unit apart.
fn within_one_unit(a: Option<(bool, String)>, b: Option<(bool, String)>) -> bool {
    let (Some((na, a)), Some((nb, b))) = (a, b) else {
        return false;
    };
    if a == "0" || b == "0" {
        // Zero against one unit, of either sign.
        return (a == "0" && (b == "0" || b == "1")) || (b == "0" && a == "1");
    }
    na == nb && (a == b || increment(&a) == b || increment(&b) == a)
}

/// A digit string plus one.
fn increment(digits: &str) -> String {
    let mut out: Vec<u8> = digits.bytes().collect();
    for d in out.iter_mut().rev() {
        if *d == b'9' {
            *d = b'0';
        } else {
            *d += 1;
            return String::from_utf8(out).unwrap_or_default();
        }
    }
    let mut carried = String::from("1");
    carried.push_str(&String::from_utf8(out).unwrap_or_default());
    carried
}

/// A timed program that did not give its output.
#[derive(Debug, thiserror::Error)]
enum TimedError {
    /// The input file could not be opened.
    #[error("cannot open {}: {source}", path.display())]
    Input {
        path: std::path::PathBuf,
        source: std::io::Error,
    },
    /// The program could not be started.
    #[error("cannot run {program}: {source}")]
    Spawn {
        program: String,
        source: std::io::Error,
    },
    /// The program ran and failed.
    #[error("exit {code:?}: {stderr}")]
    Failed { code: Option<i32>, stderr: String },
}

/// Runs `cmd` with `input` on stdin; returns stdout and the wall time from spawn to exit.
fn timed(cmd: &mut Command, input: Option<&Path>) -> Result<(String, Duration), TimedError> {
    let stdin = match input {
        Some(p) => Stdio::from(std::fs::File::open(p).map_err(|source| TimedError::Input {
            path: p.to_path_buf(),
            source,
        })?),
        None => Stdio::null(),
    };
    let started = Instant::now();
    let out = cmd
        .stdin(stdin)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .output()
        .map_err(|source| TimedError::Spawn {
            program: cmd.get_program().to_string_lossy().into_owned(),
            source,
        })?;
    let elapsed = started.elapsed();
    if !out.status.success() {
        return Err(TimedError::Failed {
            code: out.status.code(),
            stderr: String::from_utf8_lossy(&out.stderr).trim().to_string(),
        });
    }
    Ok((String::from_utf8_lossy(&out.stdout).into_owned(), elapsed))
}

pub(super) fn measure_host(
    root: &Path,
    options: &BenchOptions,
    events: &mut dyn FnMut(BenchEvent),
) -> HostResult {
    let mut host = HostResult::default();
    events(BenchEvent::Stage(
        "host: building the calculator's release binary".into(),
    ));
    let binary = match crate::host::build_release_calculator(root) {
        Ok(b) => b,
        Err(e) => {
            host.errors.push(e.to_string());
            return host;
        }
    };
    host.binary_size = std::fs::metadata(&binary).ok().map(|m| m.len());
    events(BenchEvent::Stage(format!(
        "host: calculator 6 '*' 7, {} runs",
        options.host_runs
    )));
    let mut samples = Vec::new();
    for _ in 0..options.host_runs {
        match timed(Command::new(&binary).args(["6", "*", "7"]), None) {
            Ok((out, t)) if out == "42\n" => samples.push(t),
            Ok((out, _)) => {
                host.errors
                    .push(format!("calculator 6 '*' 7 printed {out:?}"));
                break;
            }
            Err(e) => {
                host.errors.push(e.to_string());
                break;
            }
        }
    }
    if !samples.is_empty() {
        host.start = Some(Timing::of(&samples));
    }

    let dir = match tempfile::tempdir() {
        Ok(d) => d,
        Err(e) => {
            host.errors.push(e.to_string());
            return host;
        }
    };
    let script_path = dir.path().join("bench.calc");
    let bc_script_path = dir.path().join("bench.bc");
    for (path, dialect) in [
        (&script_path, Dialect::Calculator),
        (&bc_script_path, Dialect::Bc),
    ] {
        if let Err(e) = std::fs::write(path, script(SCRIPT_LINES, dialect)) {
            host.errors.push(format!("{}: {e}", path.display()));
            return host;
        }
    }
    let bc_present = Command::new("bc")
        .arg("--version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    events(BenchEvent::Stage(format!(
        "host: {} lines through the calculator{}, {} runs each",
        group_digits(SCRIPT_LINES as u64),
        if bc_present { " and bc" } else { "" },
        options.runs
    )));
    let (mut calc_samples, mut bc_samples) = (Vec::new(), Vec::new());
    let (mut calc_out, mut bc_out) = (String::new(), String::new());
    // Alternate the two so that a change in machine load affects both alike.
    for _ in 0..options.runs {
        match timed(&mut Command::new(&binary), Some(&script_path)) {
            Ok((out, t)) => {
                calc_samples.push(t);
                calc_out = out;
            }
            Err(e) => {
                host.errors.push(format!("calculator on the script: {e}"));
                break;
            }
        }
        if bc_present {
            match timed(
                Command::new("bc").arg("-q").env("BC_LINE_LENGTH", "0"),
                Some(&bc_script_path),
            ) {
                Ok((out, t)) => {
                    bc_samples.push(t);
                    bc_out = out;
                }
                Err(e) => {
                    host.errors.push(format!("bc on the script: {e}"));
                    break;
                }
            }
        }
    }
    if !calc_samples.is_empty() {
        host.script = Some(Timing::of(&calc_samples));
    }
    if !bc_samples.is_empty() {
        host.bc = Some(Timing::of(&bc_samples));
        host.comparison = compare_numerically(&calc_out, &bc_out);
    }
    host
}

pub(super) fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .ok()
        .and_then(|t| t.split_whitespace().next().map(String::from))
        .unwrap_or_else(|| "?".into())
}

pub(super) fn host_description() -> String {
    let name = std::fs::read_to_string("/proc/sys/kernel/hostname")
        .map(|s| s.trim().to_string())
        .unwrap_or_else(|_| "unknown host".into());
    let cpu = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|t| {
            t.lines()
                .find(|l| l.starts_with("model name"))
                .and_then(|l| l.split_once(':'))
                .map(|(_, v)| v.trim().to_string())
        })
        .unwrap_or_else(|| "unknown CPU".into());
    format!("{name} ({cpu}, {})", std::env::consts::ARCH)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_script_in_both_dialects() {
        let calc = script(10, Dialect::Calculator);
        assert_eq!(
            calc,
            "(1+3)*(1-2)\n2%97\n27*27*27-3\n6^14\n6!\n(6*6*6+6)/6\n\
             (13*7+1)/10\n8-8*8\n9/8\n10*10+7\n"
        );
        let bc = script(10, Dialect::Bc);
        let bc_lines: Vec<&str> = bc.lines().collect();
        assert_eq!(bc_lines[0], "scale=20");
        assert_eq!(bc_lines[3 + 1], "m(2, 97)");
        assert_eq!(bc_lines[3 + 4], "f(6)");
        assert_eq!(bc_lines.len(), 3 + 10);
        assert_eq!(
            script(SCRIPT_LINES, Dialect::Calculator).lines().count(),
            SCRIPT_LINES
        );
    }

    #[test]
    fn outputs_compare_as_numbers() {
        // bc truncates and drops the leading zero; the calculator rounds.
        let c = compare_numerically(
            "0.66666666666666666667\n0.125\n42\n-0.5\n7\n",
            ".66666666666666666666\n.12500000000000000000\n42\n-.50000000000000000000\n8\n",
        );
        assert_eq!(
            c,
            Comparison {
                same_text: 1,
                numerically_equal: 3,
                differing: 1
            }
        );
        // Two units apart, opposite signs, text that is no number, a missing line.
        let c = compare_numerically("0.3\n1\nerror\n5\n", "0.29999999999999999998\n-1\nerror2\n");
        assert_eq!(c.differing, 4);
        assert_eq!(c.numerically_equal, 0);
        // One unit of the 20th decimal either side of zero, and a carry through nines.
        assert_eq!(
            compare_numerically(
                "0\n1000\n",
                "-.00000000000000000001\n999.99999999999999999999\n"
            )
            .numerically_equal,
            2
        );
    }
}
