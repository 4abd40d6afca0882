//! The exercise manifest (`docker/lab/exercises.toml`): what each exercise asks, which
//! reference variant solves it and which checks grade it, validated against the catalogue.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::lab::checks::{BUILDS, CONTEXT, Check};
use crate::lab::solution;
use crate::manifest::catalogue::Catalogue;

/// Where the manifest lives, relative to the workspace root.
pub(crate) const MANIFEST_PATH: &str = "docker/lab/exercises.toml";

/// One exercise of the manifest.
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Exercise {
    /// Its number; exercises are done in this order.
    pub number: u32,
    /// Short kebab-case name, shown next to the number.
    pub(crate) name: String,
    /// The Dockerfile the learner edits, relative to the workspace root.
    pub dockerfile: PathBuf,
    /// The catalogue variant whose Dockerfile solves the exercise.
    pub(crate) solution: String,
    /// The chapter of the walkthrough that explains it.
    pub chapter: String,
    /// What the exercise asks, in one or two sentences.
    pub asks: String,
    /// The checks that grade it, in the order they run.
    pub checks: Vec<Check>,
    /// An upper size bound in decimal MB instead of the solution's (a looser one for an
    /// exercise that is not about size yet).
    #[serde(default)]
    pub(crate) max_size_mb: Option<f64>,
    /// A build context of the exercise's own: a directory (relative to the root) whose
    /// `.dockerignore` filters the workspace in place of the root's, for the `context`
    /// check and the build. The legacy builder reads only the context root's ignore file.
    #[serde(default)]
    pub context: Option<PathBuf>,
    /// The `context` check's upper bound on the files sent, in decimal MB.
    #[serde(default)]
    pub(crate) max_context_mb: Option<f64>,
    /// Advice per check in this exercise's terms, shown after what was measured.
    #[serde(default)]
    pub(crate) hints: BTreeMap<Check, String>,
}

impl Exercise {
    /// `01 multi-stage`.
    pub fn label(&self) -> String {
        format!("{:02} {}", self.number, self.name)
    }

    /// The advice for a failed `check`: the manifest's, or the check's default.
    pub fn advice(&self, check: Check) -> &str {
        self.hints
            .get(&check)
            .map(String::as_str)
            .unwrap_or_else(|| check.default_advice())
    }
}

/// A manifest that cannot be used, with the file and what to fix.
#[derive(Debug, thiserror::Error)]
pub enum LabError {
    /// The manifest cannot be read, is not valid TOML, or a key is missing or of the wrong
    /// type.
    #[error(transparent)]
    File(#[from] crate::manifest::TomlError),
    /// A value parses but makes no sense.
    #[error("{path}: exercise {exercise}: {message}")]
    Invalid {
        /// The file.
        path: PathBuf,
        /// The exercise's label.
        exercise: String,
        /// What is wrong.
        message: String,
    },
    /// An exercise named on the command line is not in the manifest.
    #[error("no exercise `{which}` in {} (it has: {})", path.display(), known.join(", "))]
    UnknownExercise {
        /// The manifest.
        path: PathBuf,
        /// The name or number asked for.
        which: String,
        /// The labels of the exercises it has.
        known: Vec<String>,
    },
    /// A learner's or reference file cannot be read.
    #[error("cannot read {}: {source}", path.display())]
    Read {
        /// The file, as the learner knows it (relative to the root).
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// Copying a skeleton failed.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawLab {
    skeletons: PathBuf,
    repository: String,
    #[serde(rename = "exercise")]
    exercises: Vec<Exercise>,
}

/// The whole lab: the manifest plus where it came from.
#[derive(Debug, Clone)]
pub struct Lab {
    /// The folder of the committed skeletons, relative to the root.
    pub(crate) skeletons: PathBuf,
    /// Image repository the learner's exercises are tagged into: `<repository>:<NN-name>`.
    pub repository: String,
    /// The exercises, in order.
    pub exercises: Vec<Exercise>,
    /// The workspace root.
    pub root: PathBuf,
    /// The manifest file, for messages.
    pub(crate) path: PathBuf,
}

impl Lab {
    /// Loads the manifest of the workspace at `root`, checking it against `catalogue`.
    pub fn load(root: &Path, catalogue: &Catalogue) -> Result<Lab, LabError> {
        let path = root.join(MANIFEST_PATH);
        let text = crate::manifest::read(&path)?;
        Lab::parse(&text, root, &path, catalogue)
    }

    /// Parses manifest text; `path` names the file in errors.
    pub fn parse(
        text: &str,
        root: &Path,
        path: &Path,
        catalogue: &Catalogue,
    ) -> Result<Lab, LabError> {
        let raw: RawLab = crate::manifest::parse(text, path)?;
        let lab = Lab {
            skeletons: raw.skeletons,
            repository: raw.repository,
            exercises: raw.exercises,
            root: root.to_path_buf(),
            path: path.to_path_buf(),
        };
        lab.validate(catalogue)?;
        Ok(lab)
    }

    fn validate(&self, catalogue: &Catalogue) -> Result<(), LabError> {
        let invalid = |e: &Exercise, message: String| LabError::Invalid {
            path: self.path.clone(),
            exercise: e.label(),
            message,
        };
        if self.exercises.is_empty() {
            return Err(LabError::from(crate::manifest::TomlError::Parse {
                path: self.path.clone(),
                message: "no [[exercise]] tables".into(),
            }));
        }
        let mut previous = 0;
        let mut files = std::collections::HashSet::new();
        for e in &self.exercises {
            if e.number <= previous {
                return Err(invalid(
                    e,
                    format!("numbers must increase (after {previous})"),
                ));
            }
            previous = e.number;
            let name_ok = !e.name.is_empty()
                && e.name
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
            if !name_ok {
                return Err(invalid(
                    e,
                    "`name` must be lowercase letters, digits and `-`".into(),
                ));
            }
            if catalogue.get(&e.solution).is_none() {
                let known: Vec<_> = catalogue.variants.iter().map(|v| v.name.as_str()).collect();
                return Err(invalid(
                    e,
                    format!(
                        "`solution = \"{}\"` is not a catalogue variant ({})",
                        e.solution,
                        known.join(", ")
                    ),
                ));
            }
            if !e.dockerfile.to_string_lossy().ends_with(".Dockerfile") {
                return Err(invalid(e, "`dockerfile` must end in .Dockerfile".into()));
            }
            if !files.insert(e.dockerfile.clone()) {
                return Err(invalid(e, "`dockerfile` is used twice".into()));
            }
            if e.checks.is_empty() {
                return Err(invalid(e, "`checks` is empty".into()));
            }
            let builds = Check::named(BUILDS);
            let builds_at = e.checks.iter().position(|c| Some(*c) == builds);
            for (i, c) in e.checks.iter().enumerate() {
                if c.needs_image() && builds_at.is_none_or(|b| b > i) {
                    return Err(invalid(
                        e,
                        format!("check `{c}` needs the image: list `builds` before it"),
                    ));
                }
            }
            let context = Check::named(CONTEXT).is_some_and(|c| e.checks.contains(&c));
            if context != e.context.is_some() {
                return Err(invalid(
                    e,
                    "the `context` check and a `context` directory go together".into(),
                ));
            }
            if e.context.is_some() && e.max_context_mb.is_none_or(|m| m <= 0.0) {
                return Err(invalid(
                    e,
                    "a `context` needs `max_context_mb`, above 0".into(),
                ));
            }
            for c in e.hints.keys() {
                if !e.checks.contains(c) {
                    return Err(invalid(
                        e,
                        format!("a hint for `{c}`, which is not among its checks"),
                    ));
                }
            }
            if let Some(max) = e.max_size_mb {
                let v = catalogue.get(&e.solution).expect("checked above");
                if max <= v.min_size_mb {
                    return Err(invalid(
                        e,
                        format!(
                            "`max_size_mb = {max}` is below the solution's minimum {} MB",
                            v.min_size_mb
                        ),
                    ));
                }
            }
        }
        Ok(())
    }

    /// The committed skeleton of `exercise`.
    pub fn skeleton(&self, exercise: &Exercise) -> PathBuf {
        let name = exercise.dockerfile.file_name().unwrap_or_default();
        self.root.join(&self.skeletons).join(name)
    }

    /// The committed skeleton of the `.dockerignore` of `exercise`'s own context, if it has
    /// one: `<skeletons>/<context folder name>/.dockerignore`.
    pub(crate) fn context_skeleton(&self, exercise: &Exercise) -> Option<PathBuf> {
        let name = exercise.context.as_ref()?.file_name()?;
        Some(
            self.root
                .join(&self.skeletons)
                .join(name)
                .join(".dockerignore"),
        )
    }

    /// The `.dockerignore` that filters `exercise`'s own context, if it has one: the
    /// learner's in the context folder, or the reference solution's under
    /// `docker/lab/solutions/<context folder name>/`.
    pub(crate) fn context_ignore(&self, exercise: &Exercise, reference: bool) -> Option<PathBuf> {
        let context = exercise.context.as_ref()?;
        Some(if reference {
            self.root
                .join(solution::SOLUTIONS_DIR)
                .join(context.file_name()?)
                .join(".dockerignore")
        } else {
            self.root.join(context).join(".dockerignore")
        })
    }

    /// Whether the lab has been started: any learner Dockerfile exists.
    pub fn started(&self) -> bool {
        self.exercises
            .iter()
            .any(|e| self.root.join(&e.dockerfile).exists())
    }

    /// Exercises selected by number or name (`1`, `01`, `multi-stage`); none means all.
    pub fn select(&self, which: &[String]) -> Result<Vec<&Exercise>, LabError> {
        if which.is_empty() {
            return Ok(self.exercises.iter().collect());
        }
        let mut out = Vec::new();
        for w in which {
            let found = self.exercises.iter().find(|e| {
                e.name == *w || w.parse::<u32>().is_ok_and(|n| n == e.number) || e.label() == *w
            });
            match found {
                Some(e) => out.push(e),
                None => {
                    return Err(LabError::UnknownExercise {
                        path: self.path.clone(),
                        which: w.clone(),
                        known: self.exercises.iter().map(Exercise::label).collect(),
                    });
                }
            }
        }
        Ok(out)
    }

    /// The image a learner's exercise is built into.
    pub(crate) fn image(&self, exercise: &Exercise) -> String {
        format!(
            "{}:{:02}-{}",
            self.repository, exercise.number, exercise.name
        )
    }
}
#[cfg(test)]
mod tests {
    use super::*;
    use crate::lab::fixtures::check;
    use crate::lab::fixtures::{GOOD, catalogue, parse};

    #[test]
    fn a_manifest_parses() {
        let lab = parse(GOOD).unwrap();
        let e = &lab.exercises[0];
        assert_eq!(e.label(), "05 scratch");
        assert_eq!(
            e.checks,
            [check("final-base"), check("builds"), check("size")]
        );
        assert_eq!(
            e.advice(check("size")),
            "does the last FROM start from scratch?"
        );
        assert_eq!(e.advice(check("builds")), check("builds").default_advice());
        assert_eq!(lab.image(e), "calc-kit/lab:05-scratch");
        assert_eq!(
            lab.skeleton(e),
            Path::new("/r/docker/lab/skeletons/05-scratch.Dockerfile")
        );
        assert_eq!(lab.select(&["5".into()]).unwrap().len(), 1);
        assert_eq!(lab.select(&["scratch".into()]).unwrap().len(), 1);
        assert!(
            lab.select(&["9".into()])
                .unwrap_err()
                .to_string()
                .contains("05 scratch")
        );
    }

    #[test]
    fn the_real_manifest_loads_and_its_skeletons_exist() {
        let c = catalogue();
        let lab = Lab::load(&c.root, &c).unwrap();
        assert!(lab.exercises.len() >= 6);
        for e in &lab.exercises {
            assert!(lab.skeleton(e).is_file(), "{}", lab.skeleton(e).display());
            assert!(c.root.join(&e.chapter).is_file(), "{}", e.chapter);
            let text = std::fs::read_to_string(lab.skeleton(e)).unwrap();
            assert!(text.contains("TODO"), "{} has no TODO", e.label());
            if let Some(skeleton) = lab.context_skeleton(e) {
                let text = std::fs::read_to_string(&skeleton).unwrap();
                assert!(text.contains("TODO"), "{} has no TODO", skeleton.display());
                let solution = lab.context_ignore(e, true).unwrap();
                assert!(solution.is_file(), "{}", solution.display());
            }
        }
    }

    #[test]
    fn mistakes_in_the_manifest_are_named() {
        let bad = |from: &str, to: &str, expect: &str| {
            let text = GOOD.replace(from, to);
            let err = parse(&text).unwrap_err().to_string();
            assert!(err.contains(expect), "{err}");
        };
        bad(
            "solution = \"scratch\"",
            "solution = \"alpine\"",
            "not a catalogue variant",
        );
        bad(
            "\"final-base\", \"builds\", \"size\"",
            "\"size\", \"builds\"",
            "list `builds` before it",
        );
        bad(
            "\"final-base\", \"builds\"",
            "\"final-base\", \"bilds\"",
            "unknown variant `bilds`",
        );
        bad("hints = { size", "hints = { lint", "not among its checks");
        bad("number = 5", "number = 0", "numbers must increase");
        bad("name = \"scratch\"", "name = \"Scratch!\"", "`name`");
        bad("chapter =", "chapterz =", "unknown field `chapterz`");
    }
}
