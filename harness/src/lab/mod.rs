//! The graded lab: numbered exercises, each a Dockerfile the learner writes, graded with the
//! harness's own checks. Modelled on rustlings: one manifest (`docker/lab/exercises.toml`)
//! says what each exercise asks, which reference variant solves it and which checks grade
//! it; the learner sees one line per exercise and one hint, for the first failure.
//!
//! Before the lab is started (no learner Dockerfile exists), grading runs every exercise's
//! checks against its reference solution from the catalogue, which is how CI proves that the
//! reference Dockerfiles pass every exercise.

pub mod solution;
pub mod watch;

use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};
use std::time::{SystemTime, UNIX_EPOCH};

use bollard::Docker;
use serde::Deserialize;

use crate::docker::build::{BuildEvent, BuildOptions, build_dockerfile_with};
use crate::docker::engine::short_reason;
use crate::docker::run::{Run, read_image_file};
use crate::dockerfile::Dockerfile;
use crate::dockerfile::lint::{LintOptions, lint_file};
use crate::image::elf::elf_interpreter;
use crate::image::inspect::{Filesystem, inspect_image};
use crate::manifest::catalogue::{Catalogue, Variant};
use crate::render::format::human_size;

/// Where the manifest lives, relative to the workspace root.
pub const MANIFEST_PATH: &str = "docker/lab/exercises.toml";

/// The transcript the `transcript` check pipes in, relative to the workspace root (the same
/// fixture the container tests use).
pub const TRANSCRIPT_PATH: &str = "harness/tests/fixtures/transcript.calc";

/// The source file the `dependency-cache` check changes by one line, in memory only.
pub const PROBE_SOURCE: &str = "calculator/src/main.rs";

/// One thing an exercise requires. The manifest names them in kebab-case; they run in the
/// manifest's order and grading of an exercise stops at the first that fails.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Check {
    /// The Dockerfile has a build stage and a separate final stage that copies from it.
    MultiStage,
    /// The last FROM is the base the exercise is about (the solution's, tag aside).
    FinalBase,
    /// The harness's lint rules find nothing.
    Lint,
    /// The image builds.
    Builds,
    /// The calculator's binary has no ELF interpreter: it is statically linked.
    Static,
    /// `docker run IMAGE 6 '*' 7` prints 42 and exits 0.
    Answers,
    /// The transcript piped in gives the same stdout, stderr and status as on the host.
    Transcript,
    /// The image size is within the exercise's bounds.
    Size,
    /// The container does not run as root.
    NonRoot,
    /// The image has no /bin/sh.
    NoShell,
    /// After a one-line change in the calculator's sources, a `cargo` step of the rebuild is
    /// answered from the layer cache.
    DependencyCache,
    /// The exercise's own build context (the workspace filtered by the learner's
    /// `.dockerignore`) holds no `target/` or `.git` and stays under its size bound.
    Context,
    /// `docker build --target debug` builds, and in that image `busybox sh -c 'echo ok'`
    /// prints `ok`: a debug stage with a shell beside the shell-less default.
    DebugTarget,
}

impl Check {
    /// The manifest's name for the check.
    pub fn name(self) -> &'static str {
        match self {
            Check::MultiStage => "multi-stage",
            Check::FinalBase => "final-base",
            Check::Lint => "lint",
            Check::Builds => "builds",
            Check::Static => "static",
            Check::Answers => "answers",
            Check::Transcript => "transcript",
            Check::Size => "size",
            Check::NonRoot => "non-root",
            Check::NoShell => "no-shell",
            Check::DependencyCache => "dependency-cache",
            Check::Context => "context",
            Check::DebugTarget => "debug-target",
        }
    }

    /// Whether the check needs the built image (and so an earlier `builds`).
    pub fn needs_image(self) -> bool {
        !matches!(
            self,
            Check::MultiStage | Check::FinalBase | Check::Lint | Check::Builds | Check::Context
        )
    }

    /// What to do when the check fails, when the manifest has no hint of its own for it.
    pub fn default_advice(self) -> &'static str {
        match self {
            Check::MultiStage => {
                "start a second stage with another FROM for the runtime, and COPY --from=<build stage> only what runs"
            }
            Check::FinalBase => "the last FROM decides what the image is made of",
            Check::Lint => "fix that line; `harness lint FILE` checks again without building",
            Check::Builds => "`docker build -f FILE .` shows the whole log",
            Check::Static => {
                "set ENV RUSTFLAGS=\"-C target-feature=+crt-static\" before the dependency step and build with --target \"$(rustc -vV | sed -n 's/^host: //p')\""
            }
            Check::Answers => {
                "is the ENTRYPOINT the calculator's path, in exec form (a JSON list)?"
            }
            Check::Transcript => {
                "the image must run the same calculator as `cargo run -p calculator`: build it from calculator/src, in release mode"
            }
            Check::Size => "what else does the last stage copy or install?",
            Check::NonRoot => {
                "add a numeric USER (for example USER 65532:65532) at the end of the last stage"
            }
            Check::NoShell => "the last FROM must be an image without a shell",
            Check::DependencyCache => {
                "COPY only Cargo.toml, Cargo.lock and each member's Cargo.toml first, build the dependencies against placeholder sources, and only then COPY calculator/src"
            }
            Check::Context => {
                "list in the context's .dockerignore what no COPY needs: target/, .git, the docs, the lab"
            }
            Check::DebugTarget => {
                "add a stage `FROM <your final stage> AS debug` that copies a static busybox in (COPY --from=<a stage that installed busybox-static> /bin/busybox /bin/busybox), and keep a shell-less stage last"
            }
        }
    }
}

impl fmt::Display for Check {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// One exercise of the manifest.
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Exercise {
    /// Its number; exercises are done in this order.
    pub number: u32,
    /// Short kebab-case name, shown next to the number.
    pub name: String,
    /// The Dockerfile the learner edits, relative to the workspace root.
    pub dockerfile: PathBuf,
    /// The catalogue variant whose Dockerfile solves the exercise.
    pub solution: String,
    /// The chapter of the walkthrough that explains it.
    pub chapter: String,
    /// What the exercise asks, in one or two sentences.
    pub asks: String,
    /// The checks that grade it, in the order they run.
    pub checks: Vec<Check>,
    /// An upper size bound in decimal MB instead of the solution's (a looser one for an
    /// exercise that is not about size yet).
    #[serde(default)]
    pub max_size_mb: Option<f64>,
    /// A build context of the exercise's own: a directory (relative to the root) whose
    /// `.dockerignore` filters the workspace in place of the root's, for the `context`
    /// check and the build. The legacy builder reads only the context root's ignore file.
    #[serde(default)]
    pub context: Option<PathBuf>,
    /// The `context` check's upper bound on the files sent, in decimal MB.
    #[serde(default)]
    pub max_context_mb: Option<f64>,
    /// Advice per check in this exercise's terms, shown after what was measured.
    #[serde(default)]
    pub hints: BTreeMap<Check, String>,
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
    pub skeletons: PathBuf,
    /// Image repository the learner's exercises are tagged into: `<repository>:<NN-name>`.
    pub repository: String,
    /// The exercises, in order.
    pub exercises: Vec<Exercise>,
    /// The workspace root.
    pub root: PathBuf,
    /// The manifest file, for messages.
    pub path: PathBuf,
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
            let builds_at = e.checks.iter().position(|c| *c == Check::Builds);
            for (i, c) in e.checks.iter().enumerate() {
                if c.needs_image() && builds_at.is_none_or(|b| b > i) {
                    return Err(invalid(
                        e,
                        format!("check `{c}` needs the image: list `builds` before it"),
                    ));
                }
            }
            if e.checks.contains(&Check::Context) != e.context.is_some() {
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
    pub fn context_skeleton(&self, exercise: &Exercise) -> Option<PathBuf> {
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
    pub fn context_ignore(&self, exercise: &Exercise, reference: bool) -> Option<PathBuf> {
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
    pub fn select(&self, which: &[String]) -> Result<Vec<&Exercise>, String> {
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
                    let known: Vec<_> = self.exercises.iter().map(Exercise::label).collect();
                    return Err(format!(
                        "no exercise `{w}` in {} (it has: {})",
                        self.path.display(),
                        known.join(", ")
                    ));
                }
            }
        }
        Ok(out)
    }

    /// The image a learner's exercise is built into.
    pub fn image(&self, exercise: &Exercise) -> String {
        format!(
            "{}:{:02}-{}",
            self.repository, exercise.number, exercise.name
        )
    }
}

// ---- init and reset ------------------------------------------------------------------------

/// What `init` or `reset` did with one exercise's file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FileAction {
    /// The skeleton was copied in: the file did not exist.
    Created,
    /// The file exists and was left alone.
    Kept,
    /// The file still equals its skeleton: nothing to do.
    Unchanged,
    /// The learner's file was replaced by the skeleton (only with the explicit flag) and kept
    /// as the backup named here, beside it.
    Restored(PathBuf),
}

fn copy_skeleton(lab: &Lab, e: &Exercise) -> Result<(), LabError> {
    let from = lab.skeleton(e);
    let to = lab.root.join(&e.dockerfile);
    if let Some(dir) = to.parent() {
        std::fs::create_dir_all(dir).map_err(|source| LabError::Io {
            path: dir.to_path_buf(),
            source,
        })?;
    }
    std::fs::copy(&from, &to)
        .map(|_| ())
        .map_err(|source| LabError::Io { path: from, source })
}

/// Copies the skeleton of an exercise's own context ignore file into place when it is
/// missing; an existing one is the learner's and is left alone.
fn copy_context_skeleton(lab: &Lab, e: &Exercise) -> Result<(), LabError> {
    let (Some(from), Some(to)) = (lab.context_skeleton(e), lab.context_ignore(e, false)) else {
        return Ok(());
    };
    if to.exists() {
        return Ok(());
    }
    let io = |path: &Path| {
        let path = path.to_path_buf();
        move |source| LabError::Io { path, source }
    };
    if let Some(dir) = to.parent() {
        std::fs::create_dir_all(dir).map_err(io(dir))?;
    }
    std::fs::copy(&from, &to).map(|_| ()).map_err(io(&from))
}

/// Starts the lab: copies each missing exercise's skeleton into place, never overwriting a
/// file that exists (safe to repeat, for example after pulling a new exercise).
pub fn init(lab: &Lab) -> Result<Vec<(&Exercise, FileAction)>, LabError> {
    let mut out = Vec::new();
    for e in &lab.exercises {
        copy_context_skeleton(lab, e)?;
        if lab.root.join(&e.dockerfile).exists() {
            out.push((e, FileAction::Kept));
        } else {
            copy_skeleton(lab, e)?;
            out.push((e, FileAction::Created));
        }
    }
    Ok(out)
}

/// Puts the skeleton back for `exercises`. A file that differs from its skeleton is the
/// learner's work: it is replaced only when `discard_my_work` is set, and kept otherwise.
pub fn reset<'a>(
    lab: &Lab,
    exercises: &[&'a Exercise],
    discard_my_work: bool,
) -> Result<Vec<(&'a Exercise, FileAction)>, LabError> {
    let mut out = Vec::new();
    for &e in exercises {
        let path = lab.root.join(&e.dockerfile);
        let action = match std::fs::read(&path) {
            Err(_) => {
                copy_skeleton(lab, e)?;
                FileAction::Created
            }
            Ok(current) => {
                let skeleton = std::fs::read(lab.skeleton(e)).map_err(|source| LabError::Io {
                    path: lab.skeleton(e),
                    source,
                })?;
                if current == skeleton {
                    FileAction::Unchanged
                } else if discard_my_work {
                    // The learner's file is kept beside the new skeleton, never lost.
                    let stamp = SystemTime::now()
                        .duration_since(UNIX_EPOCH)
                        .map(|d| d.as_secs())
                        .unwrap_or_default();
                    let backup = path.with_file_name(format!(
                        "{}.{stamp}.bak",
                        path.file_name().unwrap_or_default().to_string_lossy()
                    ));
                    std::fs::write(&backup, &current).map_err(|source| LabError::Io {
                        path: backup.clone(),
                        source,
                    })?;
                    copy_skeleton(lab, e)?;
                    FileAction::Restored(backup)
                } else {
                    FileAction::Kept
                }
            }
        };
        out.push((e, action));
    }
    Ok(out)
}

// ---- grading -------------------------------------------------------------------------------

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
    pub exercise: Exercise,
    /// The Dockerfile graded (learner's or reference), relative to the root.
    pub dockerfile: PathBuf,
    /// Checks passed, in order, up to the first failure.
    pub passed: Vec<Check>,
    /// The first failure, if any (later checks were not run).
    pub failure: Option<Failure>,
    /// The image size, when it was measured.
    pub size: Option<u64>,
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

/// The score line: `lab: 2/6 exercises pass`.
pub fn score_line(outcomes: &[Outcome]) -> String {
    let passed = outcomes.iter().filter(|o| o.ok()).count();
    format!("lab: {passed}/{} exercises pass", outcomes.len())
}

/// The whole report as the learner reads it: one line per exercise, the hint for the first
/// failure only, and the score line last.
pub fn report(outcomes: &[Outcome], reference: bool, started: bool) -> String {
    let mut out = String::new();
    if reference && started {
        out.push_str(
            "lab: started; grading the reference solutions in docker/ (asked with --reference), not your Dockerfiles in docker/lab/\n",
        );
    } else if reference {
        out.push_str(
            "lab: not started (`just lab` starts it); grading the reference solutions in docker/\n",
        );
    } else {
        out.push_str("lab: grading your Dockerfiles in docker/lab/\n");
    }
    for o in outcomes {
        out.push_str("  ");
        out.push_str(&o.line());
        out.push('\n');
    }
    if let Some(o) = outcomes.iter().find(|o| !o.ok()) {
        let f = o.failure.as_ref().expect("not ok");
        out.push_str(&format!(
            "\nhint for {} ({}, check `{}`):\n  {}\n  (what the exercise asks: {} The chapter: {})\n\n",
            o.exercise.label(),
            o.dockerfile.display(),
            f.check,
            f.hint(),
            o.exercise.asks,
            o.exercise.chapter
        ));
    }
    out.push_str(&score_line(outcomes));
    out.push('\n');
    out
}

/// The report as Markdown, for a CI run's summary page (`$GITHUB_STEP_SUMMARY`).
pub fn report_markdown(outcomes: &[Outcome], reference: bool, started: bool) -> String {
    let mut out = String::from("### calc-kit lab\n\n");
    if reference && started {
        out.push_str("The reference solutions were graded, as asked (the lab is started).\n\n");
    } else if reference {
        out.push_str("The lab is not started: the reference solutions were graded.\n\n");
    }
    out.push_str("| | exercise | verdict |\n|---|---|---|\n");
    for o in outcomes {
        let (mark, verdict) = match &o.failure {
            None => ("✓", format!("{} checks pass", o.passed.len())),
            Some(f) => ("✗", format!("{}: {}", f.check, f.verdict)),
        };
        out.push_str(&format!(
            "| {mark} | {} | {} |\n",
            o.exercise.label(),
            verdict.replace('|', "\\|")
        ));
    }
    if let Some(o) = outcomes.iter().find(|o| !o.ok()) {
        let f = o.failure.as_ref().expect("not ok");
        out.push_str(&format!(
            "\n**Hint for {}** (`{}`): {}\n",
            o.exercise.label(),
            o.dockerfile.display(),
            f.hint()
        ));
    }
    out.push_str(&format!("\n**{}**\n", score_line(outcomes)));
    out
}

/// What the grader needs besides the engine.
pub struct Grader<'a> {
    /// The engine.
    pub docker: &'a Docker,
    /// The variant catalogue (reference solutions, bounds).
    pub catalogue: &'a Catalogue,
    /// The manifest.
    pub lab: &'a Lab,
    /// Where the host calculator is built for the transcript check (its own target
    /// directory, so an outer `cargo test` holding the lock on the main one does not block).
    pub host_target_dir: PathBuf,
    /// The time limit of each build; `None` reads `CALC_KIT_BUILD_TIMEOUT`.
    pub build_timeout: Option<std::time::Duration>,
    host: Option<Result<PathBuf, String>>,
}

/// Intermediate result of one check.
type CheckResult = Result<(), (String, Option<String>)>;

fn fail(verdict: impl Into<String>) -> CheckResult {
    Err((verdict.into(), None))
}

impl<'a> Grader<'a> {
    /// A grader that builds the host calculator under `host_target_dir` when a transcript
    /// check first needs it.
    pub fn new(
        docker: &'a Docker,
        catalogue: &'a Catalogue,
        lab: &'a Lab,
        host_target_dir: PathBuf,
    ) -> Grader<'a> {
        Grader {
            docker,
            catalogue,
            lab,
            host_target_dir,
            build_timeout: None,
            host: None,
        }
    }

    /// Whether `mode` grades the reference solutions here.
    pub fn grades_references(&self, mode: Mode) -> bool {
        match mode {
            Mode::Auto => !self.lab.started(),
            Mode::Learner => false,
            Mode::Reference => true,
        }
    }

    /// Grades `exercises`, one after the other; `progress` hears what is happening (builds
    /// take minutes when nothing is cached).
    pub async fn grade(
        &mut self,
        exercises: &[&Exercise],
        mode: Mode,
        progress: &mut (dyn FnMut(String) + Send),
    ) -> Vec<Outcome> {
        let reference = self.grades_references(mode);
        let mut out = Vec::new();
        for &e in exercises {
            progress(format!("grading {}", e.label()));
            out.push(self.grade_one(e, reference, progress).await);
        }
        out
    }

    async fn grade_one(
        &mut self,
        e: &Exercise,
        reference: bool,
        progress: &mut (dyn FnMut(String) + Send),
    ) -> Outcome {
        let solution = self
            .catalogue
            .get(&e.solution)
            .expect("validated against the catalogue")
            .clone();
        let (dockerfile, image) = if reference {
            // An exercise with a solution of its own is graded on it, not on the variant.
            match solution::own_solution(self.lab, e) {
                Some(own) => (own, solution::own_solution_image(self.lab, e)),
                None => (solution.dockerfile.clone(), self.catalogue.image(&solution)),
            }
        } else {
            (e.dockerfile.clone(), self.lab.image(e))
        };
        let mut outcome = Outcome {
            exercise: e.clone(),
            dockerfile: dockerfile.clone(),
            passed: Vec::new(),
            failure: None,
            size: None,
        };
        let path = self.lab.root.join(&dockerfile);
        if !path.is_file() {
            outcome.failure = Some(Failure {
                check: e.checks[0],
                verdict: format!("{} does not exist", dockerfile.display()),
                advice: "run `just lab` to create it from its skeleton".into(),
            });
            return outcome;
        }
        let text = std::fs::read_to_string(&path).unwrap_or_default();
        let parsed = Dockerfile::parse(&text);
        let ignore = self.lab.context_ignore(e, reference);
        for &check in &e.checks {
            let result = match check {
                Check::MultiStage => multi_stage(&parsed),
                Check::FinalBase => final_base(&parsed, &solution),
                Check::Lint => lint_check(&path),
                Check::Builds => {
                    self.builds(&dockerfile, &image, ignore.as_deref(), None, progress)
                        .await
                }
                Check::DebugTarget => {
                    self.debug_target(&dockerfile, &image, ignore.as_deref(), progress)
                        .await
                }
                Check::Context => self.context(e, ignore.as_deref()).await,
                Check::Static => self.static_binary(&image).await,
                Check::Answers => answers(&image).await,
                Check::Transcript => self.transcript(&image).await,
                Check::Size => self.size(&image, e, &solution, &mut outcome.size).await,
                Check::NonRoot => self.non_root(&image, &parsed).await,
                Check::NoShell => self.no_shell(&image).await,
                Check::DependencyCache => self.dependency_cache(&dockerfile, progress).await,
            };
            match result {
                Ok(()) => outcome.passed.push(check),
                Err((verdict, advice)) => {
                    outcome.failure = Some(Failure {
                        check,
                        verdict,
                        advice: advice.unwrap_or_else(|| e.advice(check).to_string()),
                    });
                    break;
                }
            }
        }
        outcome
    }

    /// The `context` check: what the exercise's own context would send, measured from file
    /// metadata before anything is read or sent.
    async fn context(&self, e: &Exercise, ignore: Option<&Path>) -> CheckResult {
        let Some(file) = ignore.map(Path::to_path_buf) else {
            return fail("this exercise has no context folder in the manifest");
        };
        let root = self.lab.root.clone();
        let max_mb = e.max_context_mb.unwrap_or(0.0);
        tokio::task::spawn_blocking(move || context_verdict(&root, &file, max_mb))
            .await
            .expect("context task does not panic")
    }

    async fn builds(
        &self,
        dockerfile: &Path,
        image: &str,
        ignore: Option<&Path>,
        target: Option<&str>,
        progress: &mut (dyn FnMut(String) + Send),
    ) -> CheckResult {
        let context = match ignore {
            Some(file) => Some(self.own_context(dockerfile, file).await?),
            None => None,
        };
        let mut show = |event: BuildEvent| {
            if let BuildEvent::Step {
                step,
                total,
                instruction,
            } = event
            {
                let short: String = instruction.chars().take(80).collect();
                progress(format!("    [build {step}/{total}] {short}"));
            }
        };
        match build_dockerfile_with(
            self.docker,
            self.catalogue,
            dockerfile,
            image,
            BuildOptions {
                timeout: self.build_timeout,
                context,
                target: target.map(str::to_string),
                ..BuildOptions::default()
            },
            &mut show,
        )
        .await
        {
            Ok(_) => Ok(()),
            Err(e) => {
                let last: Vec<&str> = e.tail.lines().rev().take(6).collect();
                let tail: Vec<&str> = last.into_iter().rev().collect();
                Err((
                    format!(
                        "the image does not build: {}",
                        e.error.lines().next().unwrap_or_default()
                    ),
                    Some(format!(
                        "{}\n  last lines of the build log:\n    {}",
                        e.cause.advice(),
                        tail.join("\n    ")
                    )),
                ))
            }
        }
    }

    /// The context tar of an exercise with a context of its own: the workspace filtered by
    /// `ignore`, which is also sent as the context's `.dockerignore`.
    async fn own_context(
        &self,
        dockerfile: &Path,
        ignore: &Path,
    ) -> Result<Vec<u8>, (String, Option<String>)> {
        let text = std::fs::read(ignore)
            .map_err(|e| (format!("cannot read {}: {e}", ignore.display()), None))?;
        let parsed =
            crate::docker::context::DockerIgnore::parse(&String::from_utf8_lossy(&text), ignore)
                .map_err(|e| (e.to_string(), None))?;
        let root = self.lab.root.clone();
        let file = dockerfile.to_path_buf();
        let context = tokio::task::spawn_blocking(move || {
            crate::docker::context::build_context_ignoring(
                &root,
                &file,
                &parsed,
                &[(".dockerignore".to_string(), text)],
            )
        })
        .await
        .expect("context task does not panic")
        .map_err(|e| (e.to_string(), None))?;
        Ok(context.tar)
    }

    /// The `debug-target` check: builds the stage named `debug` into `<image>-debug` and runs
    /// `busybox sh -c 'echo ok'` in it.
    async fn debug_target(
        &self,
        dockerfile: &Path,
        image: &str,
        ignore: Option<&Path>,
        progress: &mut (dyn FnMut(String) + Send),
    ) -> CheckResult {
        let debug = format!("{image}-debug");
        progress(format!("    building --target {DEBUG_STAGE} into {debug}"));
        if let Err((verdict, advice)) = self
            .builds(dockerfile, &debug, ignore, Some(DEBUG_STAGE), progress)
            .await
        {
            let verdict = verdict.replacen(
                "the image does not build",
                &format!("`docker build --target {DEBUG_STAGE}` does not build"),
                1,
            );
            return Err((verdict, advice));
        }
        let out = Run::new(&debug)
            .entrypoint("busybox")
            .args(["sh", "-c", "echo ok"])
            .output()
            .await;
        debug_shell_verdict(&debug, out)
    }

    async fn config(&self, image: &str) -> Result<bollard::models::ImageInspect, String> {
        self.docker
            .inspect_image(image)
            .await
            .map_err(|e| format!("cannot inspect {image}: {}", short_reason(&e)))
    }

    async fn size(
        &self,
        image: &str,
        e: &Exercise,
        solution: &Variant,
        measured: &mut Option<u64>,
    ) -> CheckResult {
        let info = self.config(image).await.map_err(|m| (m, None))?;
        let size = info.size.unwrap_or(0).max(0) as u64;
        *measured = Some(size);
        size_verdict(
            size,
            solution.min_size_mb,
            e.max_size_mb.unwrap_or(solution.max_size_mb),
        )
    }

    async fn non_root(&self, image: &str, parsed: &Dockerfile) -> CheckResult {
        let info = self.config(image).await.map_err(|m| (m, None))?;
        let user = info.config.and_then(|c| c.user).unwrap_or_default();
        user_verdict(&user, parsed)
    }

    async fn no_shell(&self, image: &str) -> CheckResult {
        let facts = inspect_image(self.docker, image, false)
            .await
            .map_err(|e| (e.to_string(), None))?;
        no_shell_verdict(&facts.filesystem)
    }

    async fn static_binary(&self, image: &str) -> CheckResult {
        let info = self.config(image).await.map_err(|m| (m, None))?;
        let entrypoint = info.config.and_then(|c| c.entrypoint).unwrap_or_default();
        let Some(program) = entrypoint.first().filter(|p| p.starts_with('/')) else {
            return Err((
                format!(
                    "the ENTRYPOINT {entrypoint:?} does not name the calculator by its absolute path"
                ),
                Some("write ENTRYPOINT [\"/path/to/calculator\"]".into()),
            ));
        };
        // The program headers sit in the first few kilobytes of an ELF file.
        let file = read_image_file(self.docker, image, program, 1 << 16)
            .await
            .map_err(|e| (e.to_string(), None))?;
        match file {
            None => fail(format!("{program} (the ENTRYPOINT) is not in the image")),
            Some((true, _)) => fail(format!(
                "{program} is a symbolic link: point the ENTRYPOINT at the file itself"
            )),
            Some((false, bytes)) => match elf_interpreter(&bytes) {
                Ok(None) => Ok(()),
                Ok(Some(interp)) => fail(format!(
                    "{program} is dynamically linked: it needs the loader {interp} and glibc at run time"
                )),
                Err(why) => fail(format!(
                    "{program} is not a program the kit can read: {why}"
                )),
            },
        }
    }

    fn host_calculator(&mut self) -> Result<PathBuf, String> {
        if self.host.is_none() {
            self.host = Some(crate::host::build_calculator(
                &self.lab.root,
                &self.host_target_dir,
            ));
        }
        self.host.clone().expect("just set")
    }

    async fn transcript(&mut self, image: &str) -> CheckResult {
        let host = self
            .host_calculator()
            .map_err(|m| (m, Some("fix the host build first".to_string())))?;
        let text = std::fs::read(self.lab.root.join(TRANSCRIPT_PATH))
            .map_err(|e| (format!("cannot read {TRANSCRIPT_PATH}: {e}"), None))?;
        let expected = crate::host::run_calculator(&host, &[], &text).map_err(|m| (m, None))?;
        let got = Run::new(image)
            .stdin(text)
            .output()
            .await
            .map_err(|e| (format!("the container did not run: {e}"), None))?;
        transcript_verdict(&expected, &got)
    }

    async fn dependency_cache(
        &self,
        dockerfile: &Path,
        progress: &mut (dyn FnMut(String) + Send),
    ) -> CheckResult {
        let root = self.lab.root.clone();
        let source = root.join(PROBE_SOURCE);
        let mut changed = std::fs::read(&source)
            .map_err(|e| (format!("cannot read {PROBE_SOURCE}: {e}"), None))?;
        // A new line every time, so the change is never itself in the cache.
        let nonce = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or_default();
        changed.extend_from_slice(format!("\n// lab cache probe {nonce}\n").as_bytes());
        let file = dockerfile.to_path_buf();
        let context = tokio::task::spawn_blocking(move || {
            crate::docker::context::build_context_with(
                &root,
                &file,
                &[(PROBE_SOURCE.to_string(), changed)],
            )
        })
        .await
        .expect("context task does not panic")
        .map_err(|e| (e.to_string(), None))?;
        progress(format!(
            "    rebuilding with one line added to {PROBE_SOURCE} (in memory only)"
        ));

        let (tx, rx) = tokio::sync::oneshot::channel();
        let mut watcher = CacheWatcher::default();
        let mut tx = Some(tx);
        let mut on_event = |event: BuildEvent| {
            if let Some(decision) = watcher.event(event)
                && let Some(tx) = tx.take()
            {
                let _ = tx.send(decision);
            }
        };
        let probe = format!("{}:cache-probe", self.lab.repository);
        let build = build_dockerfile_with(
            self.docker,
            self.catalogue,
            dockerfile,
            &probe,
            BuildOptions {
                context: Some(context.tar),
                timeout: self.build_timeout,
                ..BuildOptions::default()
            },
            &mut on_event,
        );
        // The answer is known as soon as the cache breaks or a cargo step is cached: the
        // rest of the rebuild (minutes of compiling) is abandoned.
        let decision = tokio::select! {
            decision = rx => decision.ok(),
            result = build => match result {
                Ok(_) => None,
                Err(e) => return Err((
                    format!("the rebuild failed: {}", e.error.lines().next().unwrap_or_default()),
                    Some(e.cause.advice().to_string()),
                )),
            },
        };
        match decision {
            Some(CacheDecision::CargoCached) => Ok(()),
            Some(CacheDecision::BrokeAt {
                step,
                total,
                instruction,
            }) => fail(format!(
                "after a one-line change to {PROBE_SOURCE}, the cache broke at step {step}/{total} `{}`, before any `cargo` step: every dependency was compiled again",
                shorten(&instruction, 60)
            )),
            None => fail(format!(
                "after a one-line change to {PROBE_SOURCE}, no RUN step that calls cargo was answered from the cache"
            )),
        }
    }
}

async fn answers(image: &str) -> CheckResult {
    let out = Run::new(image)
        .args(["6", "*", "7"])
        .output()
        .await
        .map_err(|e| (format!("the container did not run: {e}"), None))?;
    answer_verdict(&out)
}

/// The stage the `debug-target` check builds.
pub const DEBUG_STAGE: &str = "debug";

/// The `debug-target` verdict for what `busybox sh -c 'echo ok'` did in the image `debug`.
pub fn debug_shell_verdict(
    debug: &str,
    out: Result<crate::docker::run::Output, crate::docker::run::RunError>,
) -> CheckResult {
    match out {
        Err(e) => {
            let reason = e.to_string();
            if reason.contains("executable file not found") || reason.contains("no such file") {
                fail(format!(
                    "in {debug}, `busybox sh -c 'echo ok'` finds no busybox: {}",
                    shorten(&reason, 160)
                ))
            } else {
                fail(format!(
                    "in {debug}, `busybox sh -c 'echo ok'` did not run: {}",
                    shorten(&reason, 160)
                ))
            }
        }
        Ok(out) if out.exit_code == 0 && out.stdout_text().trim() == "ok" => Ok(()),
        Ok(out) => fail(format!(
            "in {debug}, `busybox sh -c 'echo ok'` exited {} and printed {:?} (stderr {:?}), not `ok`",
            out.exit_code,
            shorten(&out.stdout_text(), 60),
            shorten(&out.stderr_text(), 120)
        )),
    }
}

/// Whether `rel` (relative, slash-separated) is or lies under a `target` or `.git` folder,
/// at any depth: what no image build needs and what makes a context huge.
fn never_in_context(rel: &str) -> bool {
    rel.split('/')
        .any(|part| part == "target" || part == ".git")
}

/// The `context` verdict for the workspace at `root` filtered by the ignore file `file`: no
/// `target/` or `.git` entry, and at most `max_mb` decimal MB of files. A failure names the
/// largest top-level entries sent.
pub fn context_verdict(root: &Path, file: &Path, max_mb: f64) -> CheckResult {
    let shown = file
        .strip_prefix(root)
        .unwrap_or(file)
        .display()
        .to_string();
    let text = match std::fs::read_to_string(file) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return Err((
                format!("{shown} does not exist"),
                Some("run `just lab` to create it from its skeleton".into()),
            ));
        }
        Err(e) => return fail(format!("cannot read {shown}: {e}")),
    };
    let ignore = crate::docker::context::DockerIgnore::parse(&text, Path::new(&shown))
        .map_err(|e| (e.to_string(), None))?;
    let files =
        crate::docker::context::context_files(root, &ignore).map_err(|e| (e.to_string(), None))?;
    let mut total = 0u64;
    let mut by_top: BTreeMap<String, u64> = BTreeMap::new();
    for rel in &files {
        let size = std::fs::symlink_metadata(root.join(rel))
            .map(|m| if m.is_file() { m.len() } else { 0 })
            .unwrap_or(0);
        total += size;
        let top = rel.split('/').next().unwrap_or(rel).to_string();
        *by_top.entry(top).or_default() += size;
    }
    let mut largest: Vec<_> = by_top.into_iter().collect();
    largest.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    let largest: Vec<String> = largest
        .iter()
        .take(3)
        .map(|(name, size)| format!("{name} {}", human_size(*size)))
        .collect();
    let summary = format!(
        "the context sends {} entries, {} (largest: {})",
        files.len(),
        human_size(total),
        largest.join(", ")
    );
    // The first build-output entry and the first version-control one, each named.
    let bad: Vec<&str> = ["target", ".git"]
        .iter()
        .filter_map(|name| {
            files
                .iter()
                .find(|rel| never_in_context(rel) && rel.split('/').any(|p| p == *name))
                .map(String::as_str)
        })
        .collect();
    if !bad.is_empty() {
        return fail(format!("{summary}; it includes {}", bad.join(" and ")));
    }
    let max = (max_mb * 1e6) as u64;
    if total > max {
        return fail(format!("{summary}: above the bound of {}", human_size(max)));
    }
    Ok(())
}

fn shorten(text: &str, max: usize) -> String {
    let one_line = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if one_line.chars().count() <= max {
        one_line
    } else {
        let cut: String = one_line.chars().take(max).collect();
        format!("{cut}...")
    }
}

fn multi_stage(d: &Dockerfile) -> CheckResult {
    let Some(last) = d.final_stage() else {
        return fail("your Dockerfile has no FROM");
    };
    if d.stages.len() < 2 {
        return fail(format!(
            "your Dockerfile has one stage (one FROM, line {}): the toolchain and everything it built ship in the image",
            last.line
        ));
    }
    let copies_from = last.instructions.iter().any(|i| {
        i.keyword.eq_ignore_ascii_case("COPY")
            && crate::dockerfile::flag_value(&i.args, "from").is_some()
    });
    if !copies_from {
        return fail(format!(
            "your last stage (line {}) copies nothing from the build stage (no COPY --from=...)",
            last.line
        ));
    }
    Ok(())
}

/// The image name without its tag or digest: `debian:trixie-slim` -> `debian`.
fn repository_of(image: &str) -> &str {
    let image = image.split('@').next().unwrap_or(image);
    let slash = image.rfind('/').map(|i| i + 1).unwrap_or(0);
    match image[slash..].find(':') {
        Some(i) => &image[..slash + i],
        None => image,
    }
}

fn final_base(d: &Dockerfile, solution: &Variant) -> CheckResult {
    let Some(last) = d.final_stage() else {
        return fail("your Dockerfile has no FROM");
    };
    if repository_of(&last.base) == repository_of(&solution.final_base) {
        return Ok(());
    }
    fail(format!(
        "your last FROM (line {}) is `{}`; this exercise ships on `{}`",
        last.line, last.base, solution.final_base
    ))
}

fn lint_check(path: &Path) -> CheckResult {
    let findings = lint_file(path, LintOptions { allow_root: false })
        .map_err(|e| (format!("cannot read {}: {e}", path.display()), None))?;
    match findings.first() {
        None => Ok(()),
        Some(f) => Err((
            format!(
                "{} lint finding(s), the first at line {}: {} {}",
                findings.len(),
                f.line,
                f.rule.id,
                f.rule.name
            ),
            Some(format!("{} (why: {})", f.message, f.rule.why)),
        )),
    }
}

/// The size check's verdict: "your final image is 1.21 GB; the bound is 1.5 MB".
pub fn size_verdict(size: u64, min_mb: f64, max_mb: f64) -> CheckResult {
    let mb = crate::render::format::megabytes(size);
    if mb > max_mb {
        fail(format!(
            "your final image is {}; the bound is {max_mb} MB",
            human_size(size)
        ))
    } else if mb < min_mb {
        Err((
            format!(
                "your final image is {}; it should be at least {min_mb} MB",
                human_size(size)
            ),
            Some("is the calculator really in it? `docker run` it and see".into()),
        ))
    } else {
        Ok(())
    }
}

/// The non-root check's verdict, naming the USER lines (or their absence).
pub fn user_verdict(user: &str, d: &Dockerfile) -> CheckResult {
    let name = user.split(':').next().unwrap_or_default();
    if !(name.is_empty() || name == "root" || name == "0") {
        return Ok(());
    }
    let last_user = d.final_stage().and_then(|s| {
        s.instructions
            .iter()
            .rev()
            .find(|i| i.keyword.eq_ignore_ascii_case("USER"))
    });
    match last_user {
        Some(i) => fail(format!(
            "your image runs as root: the last USER (line {}) is `{}`",
            i.line, i.args
        )),
        None => fail(
            "your image runs as root: its last stage has no USER line (and its base sets none)",
        ),
    }
}

/// The answers check's verdict from the output of `docker run IMAGE 6 '*' 7`.
pub fn answer_verdict(out: &crate::docker::run::Output) -> CheckResult {
    if out.exit_code == 0 && out.stdout == b"42\n" {
        return Ok(());
    }
    let stderr = out.stderr_text();
    let stderr = stderr.trim();
    let said = if stderr.is_empty() {
        String::new()
    } else {
        format!(", stderr {:?}", shorten(stderr, 120))
    };
    let verdict = format!(
        "`docker run IMAGE 6 '*' 7` printed {:?} and exited {}{said}; expected 42 and 0",
        shorten(&out.stdout_text(), 60),
        out.exit_code
    );
    if stderr.contains("no such file or directory") {
        return Err((
            verdict,
            Some("\"no such file or directory\" for a program that is there means its loader is missing: a dynamically linked binary on an image without glibc. Build it static, or ship it on an image that has glibc".into()),
        ));
    }
    fail(verdict)
}

/// The transcript check's verdict: where the container's output first differs from the
/// host's.
pub fn transcript_verdict(
    host: &crate::docker::run::Output,
    container: &crate::docker::run::Output,
) -> CheckResult {
    let first_difference = |a: &str, b: &str| {
        let (a, b): (Vec<&str>, Vec<&str>) = (a.lines().collect(), b.lines().collect());
        (0..a.len().max(b.len()))
            .find(|&i| a.get(i) != b.get(i))
            .map(|i| {
                (
                    i + 1,
                    a.get(i).copied().unwrap_or("(nothing)").to_string(),
                    b.get(i).copied().unwrap_or("(nothing)").to_string(),
                )
            })
    };
    for (stream, h, c) in [
        ("stdout", host.stdout_text(), container.stdout_text()),
        ("stderr", host.stderr_text(), container.stderr_text()),
    ] {
        if let Some((line, a, b)) = first_difference(&h, &c) {
            return fail(format!(
                "with {TRANSCRIPT_PATH} piped in, {stream} line {line} is {:?} in the container but {:?} on the host",
                shorten(&b, 60),
                shorten(&a, 60)
            ));
        }
    }
    if host.exit_code != container.exit_code {
        return fail(format!(
            "with {TRANSCRIPT_PATH} piped in, the container exited {} and the host {}",
            container.exit_code, host.exit_code
        ));
    }
    Ok(())
}

/// The `no-shell` check on an image's final filesystem: one definition of "has a shell" for
/// the lab, the tables and the container tests ([`Filesystem::has_shell`]).
pub fn no_shell_verdict(fs: &Filesystem) -> CheckResult {
    if fs.has_shell() {
        fail("your image has /bin/sh: anyone who gets into the container has a shell")
    } else {
        Ok(())
    }
}

/// What the cache watcher concluded from the rebuild's events.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CacheDecision {
    /// A RUN step that calls cargo was answered from the cache.
    CargoCached,
    /// The first step that ran again, before any cached cargo step.
    BrokeAt {
        /// 1-based step.
        step: usize,
        /// Steps in the Dockerfile.
        total: usize,
        /// The instruction.
        instruction: String,
    },
}

/// Follows the legacy builder's output: after each `Step n/m` line comes either
/// `---> Using cache` (the step was cached) or something else (it ran). FROM steps never say
/// "Using cache" and do not count.
#[derive(Debug, Default)]
pub struct CacheWatcher {
    pending: Option<(usize, usize, String)>,
}

impl CacheWatcher {
    /// Feeds one build event; returns the decision once it is known.
    pub fn event(&mut self, event: BuildEvent) -> Option<CacheDecision> {
        match event {
            BuildEvent::Step {
                step,
                total,
                instruction,
            } => {
                let previous = self.pending.replace((step, total, instruction));
                previous.and_then(Self::ran)
            }
            BuildEvent::Cached => {
                let (_, _, instruction) = self.pending.take()?;
                let upper = instruction.to_ascii_uppercase();
                (upper.starts_with("RUN") && instruction.contains("cargo"))
                    .then_some(CacheDecision::CargoCached)
            }
            BuildEvent::Output(_) => self.pending.take().and_then(Self::ran),
            BuildEvent::Preparing(_) => None,
        }
    }

    fn ran((step, total, instruction): (usize, usize, String)) -> Option<CacheDecision> {
        if instruction.to_ascii_uppercase().starts_with("FROM") {
            return None;
        }
        Some(CacheDecision::BrokeAt {
            step,
            total,
            instruction,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn catalogue() -> Catalogue {
        Catalogue::load().unwrap()
    }

    const GOOD: &str = r#"
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

    fn parse(text: &str) -> Result<Lab, LabError> {
        Lab::parse(
            text,
            Path::new("/r"),
            Path::new("/r/docker/lab/exercises.toml"),
            &catalogue(),
        )
    }

    #[test]
    fn a_discarding_reset_keeps_the_learners_file_as_a_backup() {
        let dir = tempfile::tempdir().unwrap();
        let lab = Lab::parse(
            GOOD,
            dir.path(),
            &dir.path().join("docker/lab/exercises.toml"),
            &catalogue(),
        )
        .unwrap();
        let e = &lab.exercises[0];
        std::fs::create_dir_all(lab.root.join(&lab.skeletons)).unwrap();
        std::fs::write(lab.skeleton(e), "FROM scratch\n").unwrap();
        std::fs::write(lab.root.join(&e.dockerfile), "my work\n").unwrap();
        let kept = reset(&lab, &[e], false).unwrap();
        assert_eq!(kept[0].1, FileAction::Kept);
        let done = reset(&lab, &[e], true).unwrap();
        let FileAction::Restored(backup) = &done[0].1 else {
            panic!("{:?}", done[0].1)
        };
        assert_eq!(std::fs::read_to_string(backup).unwrap(), "my work\n");
        assert_eq!(backup.parent(), lab.root.join(&e.dockerfile).parent());
        assert_eq!(
            std::fs::read_to_string(lab.root.join(&e.dockerfile)).unwrap(),
            "FROM scratch\n"
        );
    }

    #[test]
    fn a_manifest_parses() {
        let lab = parse(GOOD).unwrap();
        let e = &lab.exercises[0];
        assert_eq!(e.label(), "05 scratch");
        assert_eq!(e.checks, [Check::FinalBase, Check::Builds, Check::Size]);
        assert_eq!(
            e.advice(Check::Size),
            "does the last FROM start from scratch?"
        );
        assert_eq!(e.advice(Check::Builds), Check::Builds.default_advice());
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
    fn debug_shell_verdicts_say_what_ran() {
        use crate::docker::run::{Output, RunError};
        let output = |code: i64, stdout: &str| Output {
            stdout: stdout.as_bytes().to_vec(),
            stderr: Vec::new(),
            exit_code: code,
            elapsed: std::time::Duration::ZERO,
        };
        assert_eq!(
            debug_shell_verdict("i-debug", Ok(output(0, "ok\n"))),
            Ok(())
        );
        let (verdict, _) = debug_shell_verdict("i-debug", Ok(output(0, "ko\n"))).unwrap_err();
        assert!(verdict.contains("exited 0 and printed \"ko\""), "{verdict}");
        let (verdict, _) = debug_shell_verdict("i-debug", Ok(output(127, ""))).unwrap_err();
        assert!(verdict.contains("exited 127"), "{verdict}");
        let missing = RunError::Engine {
            action: "start",
            image: "i-debug".into(),
            reason: "exec: \"busybox\": executable file not found in $PATH".into(),
        };
        let (verdict, _) = debug_shell_verdict("i-debug", Err(missing)).unwrap_err();
        assert!(verdict.contains("finds no busybox"), "{verdict}");
    }

    #[test]
    fn the_context_check_measures_what_would_be_sent() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        let write = |rel: &str, bytes: usize| {
            let path = root.join(rel);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, vec![b'x'; bytes]).unwrap();
        };
        write("Cargo.toml", 100);
        write("calculator/src/main.rs", 1000);
        write("calculator/target/debug/calculator", 3_000_000);
        write("docs/book.html", 2_000_000);
        write(".git/HEAD", 10);
        let ignore = root.join("ctx/.dockerignore");
        write("ctx/.dockerignore", 0);

        // Nothing left out: the nested target/ is named.
        let (verdict, _) = context_verdict(root, &ignore, 1.0).unwrap_err();
        assert!(verdict.contains("calculator/target"), "{verdict}");
        assert!(verdict.contains("largest: calculator 3.00 MB"), "{verdict}");

        // A root-only pattern misses the nested build output.
        std::fs::write(&ignore, "target/\n.git\n").unwrap();
        let (verdict, _) = context_verdict(root, &ignore, 1.0).unwrap_err();
        assert!(verdict.contains("calculator/target"), "{verdict}");

        // No target/ or .git, but the docs are above the bound.
        std::fs::write(&ignore, "**/target/\n.git\n").unwrap();
        let (verdict, _) = context_verdict(root, &ignore, 1.0).unwrap_err();
        assert!(verdict.contains("above the bound of 1.00 MB"), "{verdict}");
        assert!(verdict.contains("docs 2.00 MB"), "{verdict}");

        std::fs::write(&ignore, "**/target/\n.git\ndocs/\nctx/\n").unwrap();
        assert_eq!(context_verdict(root, &ignore, 1.0), Ok(()));

        // A missing file sends the learner to `just lab`.
        std::fs::remove_file(&ignore).unwrap();
        let (verdict, advice) = context_verdict(root, &ignore, 1.0).unwrap_err();
        assert!(verdict.contains("does not exist"), "{verdict}");
        assert!(advice.unwrap().contains("just lab"));
    }

    #[test]
    fn the_kits_context_solution_is_within_its_bound_and_the_skeleton_is_not() {
        let c = catalogue();
        let lab = Lab::load(&c.root, &c).unwrap();
        for e in lab.exercises.iter().filter(|e| e.context.is_some()) {
            let max = e.max_context_mb.unwrap();
            let solution = lab.context_ignore(e, true).unwrap();
            assert_eq!(context_verdict(&c.root, &solution, max), Ok(()));
            // The skeleton leaves nothing out; with a build directory present, it fails.
            if c.root.join("target").is_dir() {
                let skeleton = lab.context_skeleton(e).unwrap();
                assert!(context_verdict(&c.root, &skeleton, max).is_err());
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

    #[test]
    fn size_hints_say_what_was_measured_and_the_bound() {
        let (verdict, advice) = size_verdict(1_210_000_000, 0.5, 1.5).unwrap_err();
        assert_eq!(verdict, "your final image is 1.21 GB; the bound is 1.5 MB");
        assert!(advice.is_none());
        let failure = Failure {
            check: Check::Size,
            verdict,
            advice: "does the last FROM start from scratch?".into(),
        };
        assert_eq!(
            failure.hint(),
            "your final image is 1.21 GB; the bound is 1.5 MB: does the last FROM start from scratch?"
        );
        assert!(size_verdict(1_400_000, 0.5, 1.5).is_ok());
        assert!(
            size_verdict(100_000, 0.5, 1.5)
                .unwrap_err()
                .0
                .contains("at least 0.5 MB")
        );
    }

    #[test]
    fn user_hints_name_the_line() {
        let d = Dockerfile::parse("FROM scratch\nUSER root\n");
        let (v, _) = user_verdict("root", &d).unwrap_err();
        assert_eq!(
            v,
            "your image runs as root: the last USER (line 2) is `root`"
        );
        let d = Dockerfile::parse("FROM debian:trixie-slim\n");
        assert!(user_verdict("", &d).unwrap_err().0.contains("no USER line"));
        assert!(user_verdict("0:0", &d).is_err());
        assert!(user_verdict("65532:65532", &d).is_ok());
    }

    #[test]
    fn static_structure_hints() {
        let one = Dockerfile::parse("FROM rust:1.95-trixie\nRUN cargo build\n");
        assert!(
            multi_stage(&one)
                .unwrap_err()
                .0
                .contains("one stage (one FROM, line 1)")
        );
        let two = Dockerfile::parse(
            "FROM rust:1.95-slim-trixie AS build\nFROM debian:trixie-slim\nCOPY --from=build /out/calculator /c\n",
        );
        assert!(multi_stage(&two).is_ok());
        let catalogue = catalogue();
        let slim = catalogue.get("debian-slim").unwrap();
        assert!(final_base(&two, slim).is_ok());
        let scratch = catalogue.get("scratch").unwrap();
        assert_eq!(
            final_base(&two, scratch).unwrap_err().0,
            "your last FROM (line 2) is `debian:trixie-slim`; this exercise ships on `scratch`"
        );
        assert_eq!(
            repository_of("gcr.io/distroless/cc-debian13:nonroot"),
            "gcr.io/distroless/cc-debian13"
        );
        assert_eq!(
            repository_of("localhost:5000/x@sha256:ab"),
            "localhost:5000/x"
        );
    }

    #[test]
    fn answer_hints_explain_a_missing_loader() {
        let out = crate::docker::run::Output {
            stdout: Vec::new(),
            stderr: b"exec /usr/local/bin/calculator: no such file or directory\n".to_vec(),
            exit_code: 1,
            elapsed: std::time::Duration::ZERO,
        };
        let (verdict, advice) = answer_verdict(&out).unwrap_err();
        assert!(verdict.contains("exited 1"), "{verdict}");
        assert!(advice.unwrap().contains("loader is missing"));
    }

    #[test]
    fn elf_interpreters_are_read() {
        let me = std::fs::read(std::env::current_exe().unwrap()).unwrap();
        let interp = elf_interpreter(&me).unwrap();
        // Test binaries are dynamically linked on every platform the kit supports.
        assert!(interp.is_some_and(|i| i.contains("ld-")));
        assert!(elf_interpreter(b"#!/bin/sh\n").is_err());
    }

    #[test]
    fn the_cache_watcher_decides_early() {
        let step = |n: usize, i: &str| BuildEvent::Step {
            step: n,
            total: 9,
            instruction: i.into(),
        };
        let out = |s: &str| BuildEvent::Output(s.into());
        let mut w = CacheWatcher::default();
        assert_eq!(
            w.event(step(1, "FROM rust:1.95-slim-trixie AS build")),
            None
        );
        assert_eq!(w.event(out(" ---> 1234")), None);
        assert_eq!(w.event(step(2, "WORKDIR /src")), None);
        assert_eq!(w.event(BuildEvent::Cached), None);
        assert_eq!(w.event(step(3, "RUN cargo build --release")), None);
        assert_eq!(
            w.event(BuildEvent::Cached),
            Some(CacheDecision::CargoCached)
        );

        let mut w = CacheWatcher::default();
        w.event(step(1, "FROM rust:1.95-slim-trixie"));
        w.event(out(" ---> 1234"));
        w.event(step(2, "COPY . ."));
        assert_eq!(
            w.event(out(" ---> 5678")),
            Some(CacheDecision::BrokeAt {
                step: 2,
                total: 9,
                instruction: "COPY . .".into()
            })
        );
    }

    #[test]
    fn the_report_has_one_line_per_exercise_one_hint_and_a_score() {
        let lab = parse(GOOD).unwrap();
        let e = lab.exercises[0].clone();
        let passed = Outcome {
            exercise: e.clone(),
            dockerfile: "docker/scratch.Dockerfile".into(),
            passed: e.checks.clone(),
            failure: None,
            size: Some(1_432_672),
        };
        let failed = |verdict: &str| Outcome {
            failure: Some(Failure {
                check: Check::Size,
                verdict: verdict.into(),
                advice: "does the last FROM start from scratch?".into(),
            }),
            passed: vec![Check::FinalBase, Check::Builds],
            size: None,
            ..passed.clone()
        };
        let outcomes = [passed.clone(), failed("first"), failed("second")];
        let text = report(&outcomes, false, true);
        assert!(text.contains("✓ 05 scratch"), "{text}");
        assert!(text.contains("3 checks pass, 1.43 MB"), "{text}");
        assert_eq!(text.matches("hint for").count(), 1, "{text}");
        assert!(text.contains("first: does the last FROM"), "{text}");
        assert!(!text.contains("second: does"), "{text}");
        assert!(
            text.trim_end().ends_with("lab: 1/3 exercises pass"),
            "{text}"
        );
        let md = report_markdown(&outcomes, false, true);
        assert!(md.contains("**lab: 1/3 exercises pass**"), "{md}");
        let started_refs = report(&outcomes, true, true);
        assert!(
            started_refs.starts_with("lab: started; grading the reference solutions"),
            "{started_refs}"
        );
        assert!(!started_refs.contains("not started"), "{started_refs}");
        assert!(report(&outcomes, true, false).starts_with("lab: not started"));
        assert!(!report_markdown(&outcomes, true, true).contains("not started"));
        assert!(report_markdown(&outcomes, true, false).contains("not started"));
    }
}
