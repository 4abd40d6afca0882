//! The calculator on the host: start-to-result, and a long script against `bc`.

use std::fmt::Write as _;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use super::page::HostResult;
use super::stats::Timing;
use super::{BenchEvent, BenchOptions, SCRIPT_LINES};
use crate::render::format::group_digits;

/// The generated script: [`SCRIPT_LINES`] lines of integer arithmetic that the calculator
/// and `bc` both evaluate exactly, on growing integers.
pub fn script(lines: usize) -> String {
    let mut out = String::with_capacity(lines * 24);
    for i in 1..=lines as u64 {
        let _ = match i % 4 {
            0 => writeln!(out, "{i}*{i}+7"),
            1 => writeln!(out, "({i}+3)*({i}-2)"),
            2 => writeln!(out, "{i}%97"),
            _ => {
                let cube = u128::from(i) * u128::from(i) * u128::from(i);
                writeln!(out, "{cube}*{cube}*{cube}-{i}")
            }
        };
    }
    out
}

/// Lines that differ between two outputs (a missing line counts as differing).
pub fn differing_lines(a: &str, b: &str) -> usize {
    let (la, lb): (Vec<&str>, Vec<&str>) = (a.lines().collect(), b.lines().collect());
    let common = la.iter().zip(&lb).filter(|(x, y)| x != y).count();
    common + la.len().abs_diff(lb.len())
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
    if let Err(e) = std::fs::write(&script_path, script(SCRIPT_LINES)) {
        host.errors.push(e.to_string());
        return host;
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
                Some(&script_path),
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
        host.differing_lines = differing_lines(&calc_out, &bc_out);
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
    fn the_script() {
        let s = script(8);
        assert_eq!(
            s,
            "(1+3)*(1-2)\n2%97\n27*27*27-3\n4*4+7\n(5+3)*(5-2)\n6%97\n343*343*343-7\n8*8+7\n"
        );
        assert_eq!(script(SCRIPT_LINES).lines().count(), SCRIPT_LINES);
        assert_eq!(differing_lines("1\n2\n3\n", "1\n5\n3\n4\n"), 2);
        assert_eq!(differing_lines("a\n", "a\n"), 0);
    }
}
