//! The grading loop: each exercise's checks in the manifest's order, stopping at the first
//! failure, with the checks that drive the engine (builds, runs, the cache probe).

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};

use bollard::Docker;

use crate::docker::build::{BuildEvent, BuildOptions, build_dockerfile_with};
use crate::docker::run::{Run, RunError, read_image_file};
use crate::dockerfile::Dockerfile;
use crate::host::HostError;
use crate::image::inspect::{ImageFacts, InspectError, inspect_image};
use crate::lab::cache::{CacheDecision, CacheWatcher};
use crate::lab::checks::Kind;
use crate::lab::verdicts::{
    CheckResult, DEBUG_STAGE, Miss, answer_verdict, context_verdict, debug_shell_verdict, fail,
    shorten, transcript_verdict,
};
use crate::lab::{Exercise, Failure, Lab, Mode, Outcome, solution};
use crate::manifest::catalogue::{Catalogue, Variant, target_dir};
use crate::render::progress::started_step;

/// Where the transcript the `transcript` check pipes in lives, relative to the workspace
/// root, for messages. The container tests pipe the same file in (their fixture links to it).
pub const TRANSCRIPT_PATH: &str = "harness/lab/transcript.calc";

/// The transcript itself, built into the library: grading never depends on where the harness
/// runs from.
pub const TRANSCRIPT: &str = include_str!("../../lab/transcript.calc");

/// The source file the `dependency-cache` check changes by one line, in memory only.
pub(crate) const PROBE_SOURCE: &str = "calculator/src/main.rs";

/// Why the facts of a built image could not be read.
#[derive(Debug, thiserror::Error)]
pub(crate) enum ImageError {
    /// Inspecting or saving the image failed.
    #[error(transparent)]
    Inspect(#[from] InspectError),
    /// Reading its ENTRYPOINT's program from a container failed.
    #[error(transparent)]
    Read(#[from] RunError),
}

/// Where the grader's progress lines go.
pub(crate) type Progress<'p> = &'p mut (dyn FnMut(String) + Send);

/// What one exercise's checks look at: the Dockerfile graded (the learner's or the
/// reference), the image it is built into and the exercise's solution and bounds.
pub(crate) struct Subject {
    /// The exercise.
    pub(crate) exercise: Exercise,
    /// Its reference variant (the final base, the size bounds).
    pub(crate) solution: Variant,
    /// The Dockerfile graded, relative to the root.
    pub(crate) dockerfile: PathBuf,
    /// The same, absolute.
    pub(crate) path: PathBuf,
    /// The same, parsed.
    pub(crate) parsed: Dockerfile,
    /// The image it is built into.
    pub(crate) image: String,
    /// The `.dockerignore` of the exercise's own context, if it has one.
    pub(crate) ignore: Option<PathBuf>,
}

/// What the image checks read of a built image, wherever it came from: the engine here, a
/// synthetic `docker save` archive in the unit tests.
pub(crate) struct Built {
    /// The image's facts (size, user, entrypoint, final filesystem).
    pub(crate) facts: ImageFacts,
    /// The ENTRYPOINT's program when that is an absolute path and exists: whether it is a
    /// symbolic link, and its first bytes.
    pub(crate) program: Option<(bool, Vec<u8>)>,
}

/// What a check measured that the sheet shows.
#[derive(Debug, Default)]
pub(crate) struct Measured {
    /// The image size, once the `size` check read it.
    pub(crate) size: Option<u64>,
}

/// What the grader needs besides the engine.
pub struct Grader<'a> {
    /// The engine.
    pub(crate) docker: &'a Docker,
    /// The variant catalogue (reference solutions, bounds).
    pub(crate) catalogue: &'a Catalogue,
    /// The manifest.
    pub(crate) lab: &'a Lab,
    /// Where the host calculator is built for the transcript check (its own target
    /// directory, so an outer `cargo test` holding the lock on the main one does not block).
    pub(crate) host_target_dir: PathBuf,
    /// The time limit of each build; `None` reads `CALC_KIT_BUILD_TIMEOUT`.
    pub build_timeout: Option<std::time::Duration>,
    host: Option<Result<PathBuf, Arc<HostError>>>,
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

    /// The grader `harness lab` uses: the host calculator is built under the workspace's
    /// target directory, in `host-calculator/`.
    pub fn for_workspace(docker: &'a Docker, catalogue: &'a Catalogue, lab: &'a Lab) -> Grader<'a> {
        let host = target_dir(&lab.root).join("host-calculator");
        Grader::new(docker, catalogue, lab, host)
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
        progress: Progress<'_>,
    ) -> Vec<Outcome> {
        let reference = self.grades_references(mode);
        let mut out = Vec::new();
        for &e in exercises {
            progress(format!("grading {}", e.label()));
            out.push(self.grade_one(e, reference, &mut *progress).await);
        }
        out
    }

    async fn grade_one(
        &mut self,
        e: &Exercise,
        reference: bool,
        progress: Progress<'_>,
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
        let subject = Subject {
            exercise: e.clone(),
            parsed: Dockerfile::parse(&text),
            solution,
            ignore: self.lab.context_ignore(e, reference),
            dockerfile,
            path,
            image,
        };
        let mut built: Option<Built> = None;
        let mut measured = Measured::default();
        for &check in &e.checks {
            let result = match &check.def().run {
                Kind::Source(run) => run(&subject),
                Kind::Image(run) => {
                    if built.is_none() {
                        match self.built(&subject.image).await {
                            Ok(b) => built = Some(b),
                            Err(why) => {
                                outcome.failure = Some(Failure {
                                    check,
                                    verdict: why.to_string(),
                                    advice: e.advice(check).to_string(),
                                });
                                break;
                            }
                        }
                    }
                    run(&subject, built.as_ref().expect("just set"), &mut measured)
                }
                Kind::Task(run) => run(self, &subject, &mut *progress).await,
            };
            outcome.size = measured.size;
            match result {
                Ok(()) => outcome.passed.push(check),
                Err(Miss { verdict, advice }) => {
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

    /// The facts of the built `image` that the image checks read: the engine's size and
    /// configuration and the final filesystem (from its saved layers), and the first bytes
    /// of its ENTRYPOINT's program when that is an absolute path.
    async fn built(&self, image: &str) -> Result<Built, ImageError> {
        let facts = inspect_image(self.docker, image, false).await?;
        let program = match facts.entrypoint.first().filter(|p| p.starts_with('/')) {
            // The program headers sit in the first few kilobytes of an ELF file.
            Some(program) => read_image_file(self.docker, image, program, 1 << 16).await?,
            None => None,
        };
        Ok(Built { facts, program })
    }

    /// The `context` check: what the exercise's own context would send, measured from file
    /// metadata before anything is read or sent.
    pub(crate) async fn context(&self, s: &Subject) -> CheckResult {
        let Some(file) = s.ignore.clone() else {
            return fail("this exercise has no context folder in the manifest");
        };
        let root = self.lab.root.clone();
        let max_mb = s.exercise.max_context_mb.unwrap_or(0.0);
        tokio::task::spawn_blocking(move || context_verdict(&root, &file, max_mb))
            .await
            .expect("context task does not panic")
    }

    /// The `builds` check.
    pub(crate) async fn builds(&self, s: &Subject, progress: Progress<'_>) -> CheckResult {
        self.build(s, &s.image, None, progress).await
    }

    async fn build(
        &self,
        s: &Subject,
        image: &str,
        target: Option<&str>,
        progress: Progress<'_>,
    ) -> CheckResult {
        let dockerfile = s.dockerfile.as_path();
        let context = match s.ignore.as_deref() {
            Some(file) => Some(self.own_context(dockerfile, file).await?),
            None => None,
        };
        let mut show = |event: BuildEvent| {
            if let Some((step, total, instruction)) = started_step(&event) {
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
                Err(Miss::advise(
                    format!(
                        "the image does not build: {}",
                        e.error.lines().next().unwrap_or_default()
                    ),
                    format!(
                        "{}\n  last lines of the build log:\n    {}",
                        e.cause.advice(),
                        tail.join("\n    ")
                    ),
                ))
            }
        }
    }

    /// The context tar of an exercise with a context of its own: the workspace filtered by
    /// `ignore`, which is also sent as the context's `.dockerignore`.
    async fn own_context(&self, dockerfile: &Path, ignore: &Path) -> Result<Vec<u8>, Miss> {
        let text = std::fs::read(ignore)
            .map_err(|e| Miss::new(format!("cannot read {}: {e}", ignore.display())))?;
        let parsed =
            crate::docker::context::DockerIgnore::parse(&String::from_utf8_lossy(&text), ignore)
                .map_err(|e| Miss::new(e.to_string()))?;
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
        .map_err(|e| Miss::new(e.to_string()))?;
        Ok(context.tar)
    }

    /// The `debug-target` check: builds the stage named `debug` into `<image>-debug` and runs
    /// `busybox sh -c 'echo ok'` in it.
    pub(crate) async fn debug_target(&self, s: &Subject, progress: Progress<'_>) -> CheckResult {
        let debug = format!("{}-debug", s.image);
        progress(format!("    building --target {DEBUG_STAGE} into {debug}"));
        if let Err(Miss { verdict, advice }) = self
            .build(s, &debug, Some(DEBUG_STAGE), &mut *progress)
            .await
        {
            let verdict = verdict.replacen(
                "the image does not build",
                &format!("`docker build --target {DEBUG_STAGE}` does not build"),
                1,
            );
            return Err(Miss { verdict, advice });
        }
        let out = Run::new(&debug)
            .entrypoint("busybox")
            .args(["sh", "-c", "echo ok"])
            .output()
            .await;
        debug_shell_verdict(&debug, out)
    }

    fn host_calculator(&mut self) -> Result<PathBuf, Arc<HostError>> {
        if self.host.is_none() {
            self.host = Some(
                crate::host::build_calculator(&self.lab.root, &self.host_target_dir)
                    .map_err(Arc::new),
            );
        }
        self.host.clone().expect("just set")
    }

    /// The `transcript` check.
    pub(crate) async fn transcript(&mut self, s: &Subject) -> CheckResult {
        let host = self
            .host_calculator()
            .map_err(|e| Miss::advise(e.to_string(), "fix the host build first"))?;
        let text = TRANSCRIPT.as_bytes();
        let expected =
            crate::host::run_calculator(&host, &[], text).map_err(|e| Miss::new(e.to_string()))?;
        let got = Run::new(&s.image)
            .stdin(text)
            .output()
            .await
            .map_err(|e| Miss::new(format!("the container did not run: {e}")))?;
        transcript_verdict(&expected, &got)
    }

    /// The `dependency-cache` check.
    pub(crate) async fn dependency_cache(
        &self,
        s: &Subject,
        progress: Progress<'_>,
    ) -> CheckResult {
        let dockerfile = s.dockerfile.as_path();
        let root = self.lab.root.clone();
        let source = root.join(PROBE_SOURCE);
        let mut changed = std::fs::read(&source)
            .map_err(|e| Miss::new(format!("cannot read {PROBE_SOURCE}: {e}")))?;
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
        .map_err(|e| Miss::new(e.to_string()))?;
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
                Err(e) => return Err(Miss::advise(
                    format!("the rebuild failed: {}", e.error.lines().next().unwrap_or_default()),
                    e.cause.advice(),
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

/// The `answers` check.
pub(crate) async fn answers(s: &Subject) -> CheckResult {
    let out = Run::new(&s.image)
        .args(["6", "*", "7"])
        .output()
        .await
        .map_err(|e| Miss::new(format!("the container did not run: {e}")))?;
    answer_verdict(&out)
}
