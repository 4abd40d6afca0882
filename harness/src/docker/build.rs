//! Building a variant: context, bases, the engine's build with live progress, and a
//! diagnosis when it fails. One build at a time per process (2 cores do not build two Rust
//! images faster than one after the other).

use std::path::Path;
use std::time::{Duration, Instant};

use bollard::Docker;
use bollard::query_parameters::BuildImageOptionsBuilder;
use futures_util::StreamExt;

use crate::docker::bases::{BasesError, ensure_bases};
use crate::docker::context::build_context;
use crate::docker::engine::short_reason;
use crate::manifest::catalogue::{Catalogue, Variant};

/// Serialises builds in this process, whoever asks (tests, demo, bench).
static BUILD_LOCK: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

/// How many lines of build log a failure shows.
pub const TAIL_LINES: usize = 30;

/// What a build reports while it runs, for progress bars and logs.
#[derive(Debug, Clone, PartialEq)]
pub enum BuildEvent {
    /// A line from the base-image recipes or the build context step.
    Preparing(String),
    /// The builder started instruction `step` of `total` (`Step 3/12 : RUN ...`).
    Step {
        /// 1-based step number.
        step: usize,
        /// Number of steps in the Dockerfile.
        total: usize,
        /// The instruction as the builder echoes it.
        instruction: String,
    },
    /// The current step was answered from the layer cache.
    Cached,
    /// Any other line of build output.
    Output(String),
}

/// A successful build.
#[derive(Debug, Clone)]
pub struct Built {
    /// The tag, `<repository>:<variant>`.
    pub image: String,
    /// The image id the engine reported.
    pub id: String,
    /// Wall time of the engine's build (context upload included, base images excluded).
    pub duration: Duration,
    /// Steps in the Dockerfile.
    pub steps: usize,
    /// Steps answered from cache (all of them on a warm rebuild).
    pub cached_steps: usize,
    /// Size of the context sent, in bytes.
    pub context_bytes: usize,
    /// Base images that had to be made before the build.
    pub bases_made: Vec<String>,
    /// The whole build log.
    pub log: String,
}

/// What probably went wrong, so a failure says what to do rather than only what happened.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LikelyCause {
    /// A FROM image is neither present nor pullable.
    MissingBaseImage,
    /// cargo could not fetch crates (no network, or a TLS-intercepting proxy whose CA the
    /// builder image does not trust).
    CratesUnreachable,
    /// Cargo.lock does not match the manifests and the build uses `--locked`.
    StaleLockfile,
    /// The Rust code does not compile.
    CompileError,
    /// The Dockerfile uses BuildKit-only syntax.
    BuildKitOnlySyntax,
    /// A COPY source is not in the build context (missing, or excluded by .dockerignore).
    MissingContextFile,
    /// The disk is full.
    NoSpace,
    /// Nothing recognisable.
    Unknown,
}

impl LikelyCause {
    /// Classifies a failed build from its error and log.
    pub fn diagnose(error: &str, log: &str) -> LikelyCause {
        let all = format!("{log}\n{error}");
        let has = |needles: &[&str]| needles.iter().any(|n| all.contains(n));
        if has(&["no space left on device"]) {
            LikelyCause::NoSpace
        } else if has(&[
            "pull access denied",
            "manifest unknown",
            "repository does not exist",
            "failed to resolve reference",
            "not found: manifest",
        ]) || (error.contains("no such host") && !log.contains("cargo"))
        {
            LikelyCause::MissingBaseImage
        } else if has(&[
            "requires BuildKit",
            "Unknown flag: mount",
            "Unknown flag: chmod",
            "Unknown flag: link",
        ]) {
            LikelyCause::BuildKitOnlySyntax
        } else if has(&[
            "SSL certificate problem",
            "certificate verify failed",
            "invalid peer certificate",
            "failed to download from",
            "Couldn't resolve host",
            "Could not resolve host",
            "failed to get `",
            "failed to query replaced source registry",
            "download of config.json failed",
        ]) {
            LikelyCause::CratesUnreachable
        } else if has(&[
            "needs to be updated but --locked",
            "lock file",
            "--locked was passed",
        ]) {
            LikelyCause::StaleLockfile
        } else if has(&["error[E", "could not compile", "error: aborting due to"]) {
            LikelyCause::CompileError
        } else if has(&["COPY failed", "ADD failed", "no such file or directory"]) {
            LikelyCause::MissingContextFile
        } else {
            LikelyCause::Unknown
        }
    }

    /// What to do about it.
    pub fn advice(self) -> &'static str {
        match self {
            LikelyCause::MissingBaseImage => {
                "a base image is missing and cannot be pulled: run `just bases` (docker/bases/build-bases.sh) to pull it or build a local stand-in"
            }
            LikelyCause::CratesUnreachable => {
                "cargo inside the build cannot fetch crates: check the network, and behind a TLS-intercepting proxy make sure the builder image trusts its CA (the stand-in recipes copy /usr/local/share/ca-certificates/*.crt into it; rebuild with `docker/bases/build-bases.sh --force`)"
            }
            LikelyCause::StaleLockfile => {
                "Cargo.lock is out of date for --locked: run `cargo build` on the host and commit Cargo.lock"
            }
            LikelyCause::CompileError => {
                "the calculator does not compile: run `cargo build -p calculator` on the host to see the error with full context"
            }
            LikelyCause::BuildKitOnlySyntax => {
                "the Dockerfile uses BuildKit-only syntax that the legacy builder rejects: run `harness lint` (rule CK008)"
            }
            LikelyCause::MissingContextFile => {
                "a COPY source is missing from the build context: check the path and that .dockerignore does not exclude it"
            }
            LikelyCause::NoSpace => {
                "the disk is full: `docker system prune` frees unused images and build cache"
            }
            LikelyCause::Unknown => "see the build log above",
        }
    }
}

/// A failed build: which, why, the end of the log and what to do.
#[derive(Debug, Clone, thiserror::Error)]
#[error("building {image} from {dockerfile} failed: {error}\n--- last lines of the build log ---\n{tail}\n--- likely cause: {advice}", advice = cause.advice())]
pub struct BuildError {
    /// The tag that was being built.
    pub image: String,
    /// The Dockerfile.
    pub dockerfile: String,
    /// The engine's (or the preparation's) error message.
    pub error: String,
    /// The last [`TAIL_LINES`] lines of the log.
    pub tail: String,
    /// The diagnosis.
    pub cause: LikelyCause,
}

impl BuildError {
    fn new(image: &str, dockerfile: &Path, error: String, log: &str) -> BuildError {
        let lines: Vec<&str> = log.lines().collect();
        let tail = lines[lines.len().saturating_sub(TAIL_LINES)..].join("\n");
        BuildError {
            image: image.to_string(),
            dockerfile: dockerfile.display().to_string(),
            cause: LikelyCause::diagnose(&error, log),
            error,
            tail,
        }
    }
}

/// Builds `variant` of `catalogue` and tags it `<repository>:<name>`, calling `progress` for
/// every step and line. Missing base images are made first (see [`crate::docker::bases`]).
pub async fn build_variant(
    docker: &Docker,
    catalogue: &Catalogue,
    variant: &Variant,
    progress: &mut (dyn FnMut(BuildEvent) + Send),
) -> Result<Built, BuildError> {
    let image = catalogue.image(variant);
    build_dockerfile(docker, catalogue, &variant.dockerfile, &image, progress).await
}

/// Builds any Dockerfile (relative to the catalogue's root, which is the context) into
/// `image`; the lab uses this for learners' Dockerfiles that are not in the catalogue.
pub async fn build_dockerfile(
    docker: &Docker,
    catalogue: &Catalogue,
    dockerfile: &Path,
    image: &str,
    progress: &mut (dyn FnMut(BuildEvent) + Send),
) -> Result<Built, BuildError> {
    build_dockerfile_with(
        docker,
        catalogue,
        dockerfile,
        image,
        BuildOptions::default(),
        progress,
    )
    .await
}

/// Less common ways to build, for measurements: the bench times cold builds and rebuilds
/// after an edit without touching the user's tree.
#[derive(Debug, Clone, Default)]
pub struct BuildOptions {
    /// Ignore the layer cache (`docker build --no-cache`); base images are still used as
    /// present, never pulled.
    pub no_cache: bool,
    /// Send this context tar instead of assembling one from `root` (which still names where
    /// the Dockerfile and its base-image recipes are read from).
    pub context: Option<Vec<u8>>,
}

/// [`build_dockerfile`] with [`BuildOptions`].
pub async fn build_dockerfile_with(
    docker: &Docker,
    catalogue: &Catalogue,
    dockerfile: &Path,
    image: &str,
    options: BuildOptions,
    progress: &mut (dyn FnMut(BuildEvent) + Send),
) -> Result<Built, BuildError> {
    let root = catalogue.root.as_path();
    let _one_at_a_time = BUILD_LOCK.lock().await;
    if !root.join(dockerfile).is_file() {
        return Err(BuildError::new(
            image,
            dockerfile,
            format!("{} does not exist", root.join(dockerfile).display()),
            "",
        ));
    }
    let bases_made = ensure_bases(docker, &catalogue.bases, root, dockerfile, &mut |line| {
        progress(BuildEvent::Preparing(line.to_string()))
    })
    .await
    .map_err(|e: BasesError| {
        let mut err = BuildError::new(image, dockerfile, e.to_string(), "");
        err.cause = LikelyCause::MissingBaseImage;
        err
    })?;

    let context = match options.context {
        Some(tar) => tar,
        None => {
            let (root, file) = (root.to_path_buf(), dockerfile.to_path_buf());
            let context = tokio::task::spawn_blocking(move || build_context(&root, &file))
                .await
                .expect("context task does not panic")
                .map_err(|e| BuildError::new(image, dockerfile, e.to_string(), ""))?;
            progress(BuildEvent::Preparing(format!(
                "build context: {} files, {}",
                context.files.len(),
                crate::render::format::human_size(context.tar.len() as u64)
            )));
            context.tar
        }
    };
    let context_bytes = context.len();

    let dockerfile_name = dockerfile.to_string_lossy().replace('\\', "/");
    let options = BuildImageOptionsBuilder::new()
        .dockerfile(&dockerfile_name)
        .t(image)
        .rm(true)
        .forcerm(true)
        .nocache(options.no_cache)
        .version(bollard::query_parameters::BuilderVersion::BuilderV1)
        .build();
    let started = Instant::now();
    let mut stream = docker.build_image(options, None, Some(bollard::body_full(context.into())));
    let mut log = String::new();
    let mut steps = 0;
    let mut cached_steps = 0;
    let mut id = String::new();
    let mut pending = String::new();
    while let Some(item) = stream.next().await {
        let info = match item {
            Ok(info) => info,
            Err(e) => {
                let message = match &e {
                    bollard::errors::Error::DockerStreamError { error } => error.clone(),
                    other => short_reason(other),
                };
                return Err(BuildError::new(image, dockerfile, message, &log));
            }
        };
        if let Some(detail) = info.error_detail.and_then(|d| d.message) {
            return Err(BuildError::new(image, dockerfile, detail, &log));
        }
        if let Some(bollard::models::BuildInfoAux::Default(aux)) = info.aux
            && let Some(aux_id) = aux.id
        {
            id = aux_id;
        }
        let Some(text) = info.stream.or(info.status) else {
            continue;
        };
        log.push_str(&text);
        pending.push_str(&text);
        while let Some(nl) = pending.find('\n') {
            let line: String = pending.drain(..=nl).collect();
            let line = line.trim_end();
            if let Some((step, total, instruction)) = parse_step(line) {
                steps = total;
                progress(BuildEvent::Step {
                    step,
                    total,
                    instruction,
                });
            } else if line.trim() == "---> Using cache" {
                cached_steps += 1;
                progress(BuildEvent::Cached);
            } else if !line.is_empty() {
                progress(BuildEvent::Output(line.to_string()));
            }
        }
    }
    let duration = started.elapsed();
    if id.is_empty() {
        // Older engines only print "Successfully built <id>".
        id = docker
            .inspect_image(image)
            .await
            .ok()
            .and_then(|i| i.id)
            .unwrap_or_default();
    }
    Ok(Built {
        image: image.to_string(),
        id,
        duration,
        steps,
        cached_steps,
        context_bytes,
        bases_made,
        log,
    })
}

/// Parses the legacy builder's `Step 3/12 : RUN cargo build` line.
pub fn parse_step(line: &str) -> Option<(usize, usize, String)> {
    let rest = line.trim().strip_prefix("Step ")?;
    let (counts, instruction) = rest.split_once(" : ")?;
    let (n, m) = counts.split_once('/')?;
    Some((
        n.parse().ok()?,
        m.parse().ok()?,
        instruction.trim().to_string(),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn steps_are_parsed() {
        assert_eq!(
            parse_step("Step 3/12 : RUN cargo build --release"),
            Some((3, 12, "RUN cargo build --release".to_string()))
        );
        assert_eq!(parse_step(" ---> Using cache"), None);
    }

    #[test]
    fn causes_are_recognised() {
        use LikelyCause::*;
        let d = LikelyCause::diagnose;
        assert_eq!(
            d("pull access denied for rust, repository does not exist", ""),
            MissingBaseImage
        );
        assert_eq!(
            d(
                "The command '/bin/sh -c cargo build' returned a non-zero code: 101",
                "error: failed to get `lexopt` as a dependency\nCaused by: [60] SSL peer certificate or SSH remote key was not OK (SSL certificate problem: unable to get local issuer certificate)"
            ),
            CratesUnreachable
        );
        assert_eq!(
            d(
                "returned a non-zero code: 101",
                "error[E0425]: cannot find value `x`\nerror: could not compile `calculator`"
            ),
            CompileError
        );
        assert_eq!(
            d(
                "returned a non-zero code: 101",
                "error: the lock file /src/Cargo.lock needs to be updated but --locked was passed to prevent this"
            ),
            StaleLockfile
        );
        assert_eq!(
            d("the --mount option requires BuildKit", ""),
            BuildKitOnlySyntax
        );
        assert_eq!(
            d("COPY failed: file not found in build context", ""),
            MissingContextFile
        );
        assert_eq!(d("something else", ""), Unknown);
    }

    #[test]
    fn errors_show_the_tail_and_the_advice() {
        let log: String = (1..=100).map(|i| format!("line {i}\n")).collect();
        let e = BuildError::new(
            "x:y",
            Path::new("d.Dockerfile"),
            "could not compile".into(),
            &log,
        );
        let text = e.to_string();
        assert!(
            text.contains("line 100") && text.contains("line 71") && !text.contains("line 70\n")
        );
        assert!(text.contains("likely cause: the calculator does not compile"));
    }
}
