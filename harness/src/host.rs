//! The calculator built and run on the host: the reference every container must match, for
//! the container tests and for the lab's transcript check alike.

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// One run of the host calculator: the process's own output (status, stdout, stderr) and how
/// long it took, for comparison with a container's.
#[derive(Debug, Clone)]
pub struct HostRun {
    /// What the process printed, and how it exited.
    pub output: std::process::Output,
    /// From start to exit.
    pub elapsed: Duration,
}

impl HostRun {
    /// The exit status as the engine reports a container's: -1 when a signal ended it.
    pub fn exit_code(&self) -> i64 {
        self.output.status.code().map_or(-1, i64::from)
    }
}

/// Builds the host calculator (debug) under `target_dir` and returns its path. A target
/// directory of its own keeps this build from waiting on the outer `cargo test`'s lock.
pub fn build_calculator(root: &Path, target_dir: &Path) -> Result<PathBuf, HostError> {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let out = Command::new(cargo)
        .args([
            "build",
            "--quiet",
            "-p",
            "calculator",
            "--message-format=short",
        ])
        .env("CARGO_TARGET_DIR", target_dir)
        .current_dir(root)
        .output()
        .map_err(HostError::Cargo)?;
    if !out.status.success() {
        return Err(HostError::Build {
            target_dir: target_dir.to_path_buf(),
            messages: String::from_utf8_lossy(&out.stderr).into_owned(),
        });
    }
    Ok(target_dir.join("debug").join("calculator"))
}

/// Runs `program` with `args`, feeds it `stdin` and closes it, and collects what it printed.
/// The input is written from a thread of its own, so a large transcript cannot deadlock
/// against a full output pipe.
pub fn run_calculator(program: &Path, args: &[String], stdin: &[u8]) -> Result<HostRun, HostError> {
    let started = Instant::now();
    let mut child = Command::new(program)
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|source| HostError::Run {
            program: program.to_path_buf(),
            source,
        })?;
    let mut input = child.stdin.take().expect("stdin is piped");
    let bytes = stdin.to_vec();
    let writer = std::thread::spawn(move || {
        let _ = input.write_all(&bytes);
    });
    let out = child.wait_with_output().map_err(|source| HostError::Wait {
        program: program.to_path_buf(),
        source,
    })?;
    let _ = writer.join();
    Ok(HostRun {
        output: out,
        elapsed: started.elapsed(),
    })
}

/// Building or running the host calculator failed.
#[derive(Debug, thiserror::Error)]
pub enum HostError {
    /// cargo could not be started.
    #[error("cannot run cargo to build the host calculator: {0}")]
    Cargo(#[source] std::io::Error),
    /// The debug build under a target directory of its own failed; cargo's messages follow.
    #[error("building the host calculator failed:\n{messages}")]
    Build {
        /// The target directory it was built in.
        target_dir: PathBuf,
        /// What cargo printed on stderr.
        messages: String,
    },
    /// The built calculator could not be started.
    #[error("cannot run the host calculator: {source}")]
    Run {
        /// The program.
        program: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// Its output could not be collected.
    #[error("{source}")]
    Wait {
        /// The program.
        program: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// cargo ran and failed (its messages went to stderr).
    #[error("cargo build --release -p calculator failed")]
    Failed,
    /// cargo succeeded without naming the executable it built.
    #[error("cargo did not report the calculator executable")]
    NoExecutable,
}

/// Builds the calculator's release binary in the workspace's own target directory (cargo's
/// messages go to stderr, as a build the user started would) and returns its path: the host
/// figures of `harness bench` are taken with it.
pub(crate) fn build_release_calculator(root: &Path) -> Result<PathBuf, HostError> {
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let out = Command::new(cargo)
        .current_dir(root)
        .args([
            "build",
            "--release",
            "--locked",
            "-p",
            "calculator",
            "--message-format=json",
        ])
        .stderr(Stdio::inherit())
        .output()
        .map_err(HostError::Cargo)?;
    if !out.status.success() {
        return Err(HostError::Failed);
    }
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter_map(|line| serde_json::from_str::<serde_json::Value>(line).ok())
        .find_map(|msg| {
            (msg["reason"] == "compiler-artifact" && msg["target"]["name"] == "calculator")
                .then(|| msg["executable"].as_str().map(PathBuf::from))
                .flatten()
        })
        .ok_or(HostError::NoExecutable)
}
