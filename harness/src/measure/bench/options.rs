//! What `harness bench` is asked to do, and the command line that says so.

use std::fmt::Write as _;

/// What `harness bench` was asked to do.
#[derive(Debug, Clone)]
pub struct BenchOptions {
    /// Repeats of every container and script timing (the median is reported).
    pub runs: usize,
    /// Repeats of the host start-to-result timing (cheap, so many).
    pub host_runs: usize,
    /// Repeats of each cold build and each warm rebuild.
    pub build_runs: usize,
    /// Reuse the cold build times of an earlier run instead of measuring them again.
    pub skip_cold: bool,
    /// Variants to measure (all when empty).
    pub variants: Vec<String>,
    /// Also measure the cargo-chef variant of the scratch Dockerfile.
    pub chef: bool,
    /// Write [`PAGE`] (only done when every catalogue variant was measured).
    pub write_page: bool,
}

impl BenchOptions {
    /// The `harness bench` command line that gives these options.
    pub fn command_line(&self) -> String {
        let mut c = format!("harness bench --runs {}", self.runs);
        if self.build_runs != 1 {
            let _ = write!(c, " --build-runs {}", self.build_runs);
        }
        if self.skip_cold {
            c.push_str(" --skip-cold");
        }
        if self.chef {
            c.push_str(" --chef");
        }
        for v in &self.variants {
            let _ = write!(c, " --variants {v}");
        }
        c
    }
}
