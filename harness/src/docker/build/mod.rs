//! Building a variant: context, bases, the engine's build with live progress, and a
//! diagnosis when it fails ([`diagnosis`]). One build at a time per process (2 cores do not build two Rust
//! images faster than one after the other), one build of a tag at a time across processes
//! ([`crate::docker::lock`]), and every build within a time limit
//! ([`crate::docker::limits`]): on expiry, or when the build is dropped half-way, the
//! running step's container is stopped and removed ([`crate::docker::cleanup`]). The log a
//! build keeps is bounded, so a step that prints megabytes cannot exhaust memory.

mod diagnosis;

use std::path::Path;
use std::time::{Duration, Instant};

use bollard::Docker;
use bollard::query_parameters::BuildImageOptionsBuilder;
use futures_util::StreamExt;

use crate::docker::bases::{BasesError, ensure_bases};
use crate::docker::cleanup::StepContainer;
use crate::docker::context::build_context;
use crate::docker::engine::short_reason;
use crate::docker::limits;
use crate::manifest::catalogue::{Catalogue, Variant};

pub use diagnosis::{BuildError, LikelyCause, TAIL_LINES, TIMED_OUT};

/// Serialises builds in this process, whoever asks (tests, demo, bench).
static BUILD_LOCK: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

/// The most build output a build keeps ([`Built::log`], the tail of a failure): beyond it the
/// oldest output is dropped, with a line that says how much.
pub(crate) const LOG_LIMIT: usize = 1 << 20;

/// The longest line the build's line splitter holds; a longer one is cut there.
const LINE_LIMIT: usize = 16 << 10;

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
    /// The whole build log.
    pub log: String,
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
pub(crate) async fn build_dockerfile(
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
    /// The time limit; `None` reads it from `CALC_KIT_BUILD_TIMEOUT`
    /// ([`limits::build_timeout`]).
    pub timeout: Option<Duration>,
    /// Build up to this stage (`docker build --target NAME`) instead of the last.
    pub target: Option<String>,
}

/// The build log as kept: at most [`LOG_LIMIT`] bytes, the newest.
#[derive(Debug, Default)]
struct BoundedLog {
    text: String,
    dropped: usize,
}

impl BoundedLog {
    fn push(&mut self, chunk: &str) {
        self.text.push_str(chunk);
        if self.text.len() > 2 * LOG_LIMIT {
            let mut cut = self.text.len() - LOG_LIMIT;
            while !self.text.is_char_boundary(cut) {
                cut += 1;
            }
            self.dropped += cut;
            self.text.drain(..cut);
        }
    }

    fn finish(self) -> String {
        if self.dropped == 0 {
            self.text
        } else {
            format!(
                "[{} of earlier build output left out]\n{}",
                crate::render::format::human_size(self.dropped as u64),
                self.text
            )
        }
    }
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
    let limit = match options.timeout.map_or_else(limits::build_timeout, Ok) {
        Ok(limit) => limit,
        Err(e) => return Err(BuildError::new(image, dockerfile, e.to_string(), "")),
    };
    let _one_at_a_time = BUILD_LOCK.lock().await;
    let _this_tag = crate::docker::lock::lock_tag(image, limit, &mut |line| {
        progress(BuildEvent::Preparing(line))
    })
    .await
    .map_err(|e| BuildError::new(image, dockerfile, e.to_string(), ""))?;
    if let Ok(info) = docker.info().await
        && let Some(data) = info.docker_root_dir
        && let Some(short) = crate::docker::disk::shortage(Path::new(&data))
    {
        let mut err = BuildError::new(image, dockerfile, short, "");
        err.cause = LikelyCause::NoSpace;
        return Err(err);
    }
    if !root.join(dockerfile).is_file() {
        return Err(BuildError::new(
            image,
            dockerfile,
            format!("{} does not exist", root.join(dockerfile).display()),
            "",
        ));
    }
    ensure_bases(docker, &catalogue.bases, root, dockerfile, &mut |line| {
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

    let dockerfile_name = dockerfile.to_string_lossy().replace('\\', "/");
    let options = BuildImageOptionsBuilder::new()
        .dockerfile(&dockerfile_name)
        .t(image)
        .rm(true)
        .forcerm(true)
        .nocache(options.no_cache)
        .target(options.target.as_deref().unwrap_or_default())
        .version(bollard::query_parameters::BuilderVersion::BuilderV1)
        .build();
    let started = Instant::now();
    let deadline = tokio::time::Instant::now() + limit;
    let mut stream = docker.build_image(options, None, Some(bollard::body_full(context.into())));
    let mut log = BoundedLog::default();
    let mut steps = 0;
    let mut cached_steps = 0;
    let mut id = String::new();
    let mut pending = String::new();
    // Declared after the stream, so it drops first: a build dropped mid-step (a caller that
    // stops waiting) stops its step's container.
    let mut step_container = StepContainer::default();
    let mut running: Option<(usize, usize, String)> = None;
    loop {
        let item = match tokio::time::timeout_at(deadline, stream.next()).await {
            Ok(Some(item)) => item,
            Ok(None) => break,
            Err(_) => {
                drop(stream);
                step_container.cancel(docker).await;
                let step = running.as_ref().map_or_else(
                    || "no step had started".to_string(),
                    |(step, total, instruction)| {
                        let short: String = instruction.chars().take(70).collect();
                        format!("step {step}/{total} `{short}` was running")
                    },
                );
                let message = format!("{TIMED_OUT} {}; {step}", limits::seconds(limit));
                return Err(BuildError::new(image, dockerfile, message, &log.finish()));
            }
        };
        let info = match item {
            Ok(info) => info,
            Err(e) => {
                let message = match &e {
                    bollard::errors::Error::DockerStreamError { error } => error.clone(),
                    other => short_reason(other),
                };
                step_container.finished();
                return Err(BuildError::new(image, dockerfile, message, &log.finish()));
            }
        };
        if let Some(detail) = info.error_detail.and_then(|d| d.message) {
            step_container.finished();
            return Err(BuildError::new(image, dockerfile, detail, &log.finish()));
        }
        if let Some(bollard::models::BuildInfoAux::Default(aux)) = info.aux
            && let Some(aux_id) = aux.id
        {
            id = aux_id;
        }
        let Some(text) = info.stream.or(info.status) else {
            continue;
        };
        log.push(&text);
        pending.push_str(&text);
        while let Some(line) = next_line(&mut pending) {
            let line = line.trim_end();
            if let Some(container) = running_in(line) {
                step_container.started(container);
            } else if line
                .trim_start()
                .starts_with("Removing intermediate container")
            {
                step_container.finished();
            }
            if let Some((step, total, instruction)) = parse_step(line) {
                step_container.finished();
                running = Some((step, total, instruction.clone()));
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
    step_container.finished();
    let duration = started.elapsed();
    let log = log.finish();
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
        log,
    })
}

/// Takes the next whole line out of `pending`; a line longer than [`LINE_LIMIT`] comes out
/// in pieces of that size, so one endless line cannot grow the buffer without bound.
fn next_line(pending: &mut String) -> Option<String> {
    let end = match pending.find('\n') {
        Some(nl) if nl < LINE_LIMIT => nl + 1,
        _ if pending.len() >= LINE_LIMIT => {
            let mut cut = LINE_LIMIT;
            while !pending.is_char_boundary(cut) {
                cut -= 1;
            }
            cut
        }
        _ => return None,
    };
    Some(pending.drain(..end).collect())
}

/// The container id in the legacy builder's `---> Running in 0123abcd` line.
pub(crate) fn running_in(line: &str) -> Option<&str> {
    let id = line.trim().strip_prefix("---> Running in ")?.trim();
    (!id.is_empty() && id.chars().all(|c| c.is_ascii_hexdigit())).then_some(id)
}

/// Parses the legacy builder's `Step 3/12 : RUN cargo build` line.
pub(crate) fn parse_step(line: &str) -> Option<(usize, usize, String)> {
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
        assert_eq!(
            running_in(" ---> Running in 5f1c0a2b9d3e"),
            Some("5f1c0a2b9d3e")
        );
        assert_eq!(running_in(" ---> Running in  "), None);
        assert_eq!(running_in(" ---> 5f1c0a2b9d3e"), None);
    }

    #[test]
    fn endless_lines_come_out_in_pieces() {
        let mut pending = format!("short\n{}\nrest", "x".repeat(LINE_LIMIT + 10));
        assert_eq!(next_line(&mut pending).as_deref(), Some("short\n"));
        assert_eq!(next_line(&mut pending).map(|l| l.len()), Some(LINE_LIMIT));
        assert_eq!(
            next_line(&mut pending).as_deref(),
            Some(&*format!("{}\n", "x".repeat(10)))
        );
        assert_eq!(
            next_line(&mut pending),
            None,
            "an unfinished short line waits"
        );
        assert_eq!(pending, "rest");
    }

    #[test]
    fn the_kept_log_is_bounded_and_says_what_it_left_out() {
        let mut log = BoundedLog::default();
        let line = "y\n".repeat(1000);
        for _ in 0..3000 {
            log.push(&line);
        }
        let text = log.finish();
        assert!(text.len() <= 2 * LOG_LIMIT + 100, "{}", text.len());
        assert!(text.starts_with('[') && text.contains("of earlier build output left out"));
        assert!(text.ends_with("y\n"));
    }
}
