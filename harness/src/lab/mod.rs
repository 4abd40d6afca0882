//! The graded lab: numbered exercises, each a Dockerfile the learner writes, graded with the
//! harness's own checks. Modelled on rustlings: one manifest (`docker/lab/exercises.toml`)
//! says what each exercise asks, which reference variant solves it and which checks grade
//! it; the learner sees one line per exercise and one hint, for the first failure.
//!
//! Before the lab is started (no learner Dockerfile exists), grading runs every exercise's
//! checks against its reference solution from the catalogue, which is how CI proves that the
//! reference Dockerfiles pass every exercise.

pub(crate) mod cache;
pub(crate) mod checks;
pub(crate) mod exercises;
pub(crate) mod files;
pub(crate) mod grade;
pub(crate) mod report;
pub mod solution;
pub(crate) mod verdicts;
pub mod watch;

use std::path::PathBuf;

use crate::render::format::human_size;

pub use checks::Check;
pub use exercises::{Exercise, Lab, LabError};
pub use files::{FileAction, Reset, init, reset};
pub use grade::{Grader, TRANSCRIPT, TRANSCRIPT_PATH};
pub use report::{Sheet, score_line};

/// Whose Dockerfiles are graded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// The learner's once the lab is started, the reference solutions before.
    Auto,
    /// The learner's Dockerfiles.
    Learner,
    /// The catalogue's reference solutions.
    Reference,
}

/// The first failed check of an exercise.
#[derive(Debug, Clone, PartialEq)]
pub struct Failure {
    /// Which check.
    pub check: Check,
    /// What was measured, in the learner's terms: one line.
    pub verdict: String,
    /// What to do about it.
    pub advice: String,
}

impl Failure {
    /// The full hint: what was measured, then what to do.
    pub fn hint(&self) -> String {
        format!("{}: {}", self.verdict, self.advice)
    }
}

/// How one exercise went.
#[derive(Debug, Clone)]
pub struct Outcome {
    /// The exercise.
    pub(crate) exercise: Exercise,
    /// The Dockerfile graded (learner's or reference), relative to the root.
    pub(crate) dockerfile: PathBuf,
    /// Checks passed, in order, up to the first failure.
    pub(crate) passed: Vec<Check>,
    /// The first failure, if any (later checks were not run).
    pub failure: Option<Failure>,
    /// The image size, when it was measured.
    pub(crate) size: Option<u64>,
}

impl Outcome {
    /// Whether every check passed.
    pub fn ok(&self) -> bool {
        self.failure.is_none()
    }

    /// The exercise's line: mark, label, short verdict.
    pub fn line(&self) -> String {
        match &self.failure {
            None => {
                let size = self
                    .size
                    .map(|s| format!(", {}", human_size(s)))
                    .unwrap_or_default();
                format!(
                    "✓ {:<24} {} checks pass{size}",
                    self.exercise.label(),
                    self.passed.len()
                )
            }
            Some(f) => format!("✗ {:<24} {}: {}", self.exercise.label(), f.check, f.verdict),
        }
    }
}

#[cfg(test)]
pub(crate) mod fixtures {
    use std::path::Path;

    use crate::lab::{Lab, LabError};
    use crate::manifest::catalogue::Catalogue;

    /// The check of the table named `name`.
    pub(crate) fn check(name: &str) -> crate::lab::Check {
        crate::lab::Check::named(name).expect("a check of the table")
    }

    pub(crate) fn catalogue() -> Catalogue {
        Catalogue::load().unwrap()
    }

    pub(crate) const GOOD: &str = r#"
skeletons = "docker/lab/skeletons"
repository = "calc-kit/lab"

[[exercise]]
number = 5
name = "scratch"
dockerfile = "docker/lab/05-scratch.Dockerfile"
solution = "scratch"
chapter = "docs/src/variants/scratch.md"
asks = "Ship only the static binary, FROM scratch."
checks = ["final-base", "builds", "size"]
hints = { size = "does the last FROM start from scratch?" }
"#;

    pub(crate) fn parse(text: &str) -> Result<Lab, LabError> {
        Lab::parse(
            text,
            Path::new("/r"),
            Path::new("/r/docker/lab/exercises.toml"),
            &catalogue(),
        )
    }
}
