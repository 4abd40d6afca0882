//! Running the calculator in containers, in every way the kit promises it works: with
//! arguments, with piped stdin, with a script file, hardened, detached ([`Run`]), waiting on
//! an open stdin ([`Waiting`]), on a TTY ([`TtySession`]).
//!
//! Every container carries [`CONTAINER_LABEL`], is removed when its handle drops (also when a
//! test panics), and [`sweep`] removes whatever a crash left behind
//! ([`crate::docker::container`]). testcontainers drives the lifecycle where it has an API;
//! bollard does the rest (stdin, TTY).

mod tty;
mod waiting;

use std::time::{Duration, Instant};

use bollard::Docker;
use bollard::models::{ContainerCreateBody, HostConfig};
use futures_util::StreamExt;
use testcontainers::core::{WaitFor, wait::ExitWaitStrategy};
use testcontainers::runners::AsyncRunner;
use testcontainers::{GenericImage, ImageExt};
use tokio::io::AsyncWriteExt;

use crate::CONTAINER_LABEL;
use crate::docker::attach::{attach_then_start, attached_body, write_stdin};
use crate::docker::container::{create, owner};
use crate::docker::engine::short_reason;
use crate::docker::files::upload_files;

pub use crate::docker::container::{list_ours, sweep};
pub use crate::docker::files::read_image_file;
pub use tty::TtySession;
pub use waiting::Waiting;

/// How long a run may take before it is declared hung when `CALC_KIT_RUN_TIMEOUT` is not set
/// (see [`crate::docker::limits`]).
pub(crate) const DEFAULT_TIMEOUT: Duration = crate::docker::limits::DEFAULT_RUN_TIMEOUT;

/// A container run that went wrong (as opposed to a calculator that answered with an error,
/// which is a normal [`Output`] with a non-zero exit code).
#[derive(Debug, thiserror::Error)]
pub enum RunError {
    /// The engine refused or failed an operation.
    #[error("{action} for {image}: {reason}")]
    Engine {
        /// What we were doing.
        action: &'static str,
        /// The image.
        image: String,
        /// The innermost reason.
        reason: String,
    },
    /// The container did not finish in time.
    #[error("{image}: no exit within {timeout:?} ({what}); output so far: {seen}")]
    Timeout {
        /// The image.
        image: String,
        /// The limit.
        timeout: Duration,
        /// What we were waiting for.
        what: String,
        /// What the container had printed.
        seen: String,
    },
    /// A combination Docker cannot do.
    #[error("{0}")]
    Unsupported(String),
}

impl RunError {
    /// The `map_err` of an engine call made while doing `action` for `image`: its innermost
    /// reason as [`RunError::Engine`].
    pub(crate) fn engine<E: std::error::Error>(
        action: &'static str,
        image: &str,
    ) -> impl Fn(E) -> RunError + use<E> {
        let image = image.to_string();
        move |e| RunError::Engine {
            action,
            image: image.clone(),
            reason: short_reason(&e),
        }
    }
}

/// What a finished container printed and returned.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Output {
    /// Its standard output, byte for byte.
    pub stdout: Vec<u8>,
    /// Its standard error, byte for byte.
    pub stderr: Vec<u8>,
    /// Its exit status.
    pub exit_code: i64,
    /// From create to exit: what a user of `docker run` waits.
    pub elapsed: Duration,
}

impl Output {
    /// Standard output as text (lossy), for messages and assertions.
    pub fn stdout_text(&self) -> String {
        String::from_utf8_lossy(&self.stdout).into_owned()
    }

    /// Standard error as text (lossy).
    pub fn stderr_text(&self) -> String {
        String::from_utf8_lossy(&self.stderr).into_owned()
    }
}

/// A container to run: the image plus how to feed it. Build with the methods, then
/// [`Run::output`].
#[derive(Debug, Clone)]
pub struct Run {
    image: String,
    args: Vec<String>,
    entrypoint: Option<String>,
    stdin: Option<Vec<u8>>,
    files: Vec<(String, Vec<u8>)>,
    hardened: bool,
    /// `None`: `CALC_KIT_RUN_TIMEOUT`, else [`DEFAULT_TIMEOUT`].
    timeout: Option<Duration>,
}

/// Splits `repo:tag` for testcontainers, which takes them apart.
pub(crate) fn split_tag(image: &str) -> (String, String) {
    let r = crate::docker::reference::ImageRef::parse(image);
    (r.name.to_string(), r.tag_or_latest().to_string())
}

/// The options `docker run --read-only --cap-drop ALL --security-opt no-new-privileges
/// --network none` set, applied to a host config.
pub(crate) fn harden(host_config: &mut HostConfig) {
    host_config.readonly_rootfs = Some(true);
    host_config.cap_drop = Some(vec!["ALL".to_string()]);
    host_config.security_opt = Some(vec!["no-new-privileges".to_string()]);
    host_config.network_mode = Some("none".to_string());
    host_config.publish_all_ports = Some(false);
    host_config.port_bindings = None;
}

impl Run {
    /// A run of `image` with the image's own entrypoint and no arguments.
    pub fn new(image: impl Into<String>) -> Run {
        Run {
            image: image.into(),
            args: Vec::new(),
            entrypoint: None,
            stdin: None,
            files: Vec::new(),
            hardened: false,
            timeout: None,
        }
    }

    /// Arguments after the entrypoint, like `docker run IMAGE ARGS...`.
    pub fn args<S: Into<String>>(mut self, args: impl IntoIterator<Item = S>) -> Run {
        self.args.extend(args.into_iter().map(Into::into));
        self
    }

    /// Runs `program` instead of the image's entrypoint, like `docker run --entrypoint`.
    /// Only for runs without stdin.
    pub(crate) fn entrypoint(mut self, program: impl Into<String>) -> Run {
        self.entrypoint = Some(program.into());
        self
    }

    /// Feeds `input` on stdin and then closes it, like `printf ... | docker run -i IMAGE`.
    pub fn stdin(mut self, input: impl Into<Vec<u8>>) -> Run {
        self.stdin = Some(input.into());
        self
    }

    /// Copies a file (mode 0644) into the container before it starts. Not possible with a
    /// read-only root filesystem (the engine refuses the upload).
    pub fn file(mut self, path: impl Into<String>, content: impl Into<Vec<u8>>) -> Run {
        self.files.push((path.into(), content.into()));
        self
    }

    /// Runs read-only, with no capabilities, no new privileges and no network.
    pub fn hardened(mut self) -> Run {
        self.hardened = true;
        self
    }

    /// Overrides `CALC_KIT_RUN_TIMEOUT` and [`DEFAULT_TIMEOUT`].
    pub(crate) fn timeout(mut self, timeout: Duration) -> Run {
        self.timeout = Some(timeout);
        self
    }

    /// The limit this run has: its own, else `CALC_KIT_RUN_TIMEOUT`, else the default; an
    /// unreadable variable is an error that says what to write.
    fn limit(&self) -> Result<Duration, RunError> {
        match self.timeout {
            Some(limit) => Ok(limit),
            None => crate::docker::limits::run_timeout()
                .map_err(|e| RunError::Unsupported(e.to_string())),
        }
    }

    /// Runs the container to completion and returns what it printed and its exit status.
    pub async fn output(mut self) -> Result<Output, RunError> {
        self.timeout = Some(self.limit()?);
        if self.hardened && !self.files.is_empty() {
            return Err(RunError::Unsupported(
                "files cannot be copied into a read-only container: run without hardening, or mount a volume".into(),
            ));
        }
        if self.entrypoint.is_some() && self.stdin.is_some() {
            return Err(RunError::Unsupported(
                "a run with its own entrypoint takes no stdin here".into(),
            ));
        }
        match self.stdin.clone() {
            None => self.output_testcontainers().await,
            Some(input) => {
                let docker = connect(&self.image)?;
                self.output_attached(&docker, input).await
            }
        }
    }

    async fn output_testcontainers(self) -> Result<Output, RunError> {
        let (name, tag) = split_tag(&self.image);
        let mut generic = GenericImage::new(name, tag).with_wait_for(WaitFor::exit(
            ExitWaitStrategy::new().with_poll_interval(Duration::from_millis(20)),
        ));
        if let Some(program) = &self.entrypoint {
            generic = generic.with_entrypoint(program);
        }
        let mut request = generic
            .with_label(CONTAINER_LABEL, owner())
            .with_startup_timeout(self.timeout.unwrap_or(DEFAULT_TIMEOUT))
            .with_cmd(self.args.clone());
        for (path, content) in &self.files {
            request = request.with_copy_to(
                testcontainers::CopyTargetOptions::new(path.clone()).with_mode(0o644),
                content.clone(),
            );
        }
        if self.hardened {
            request = request.with_host_config_modifier(harden);
        }
        let started = Instant::now();
        let container = request
            .start()
            .await
            .map_err(RunError::engine("starting a container", &self.image))?;
        let elapsed = started.elapsed();
        let exit_code = container
            .exit_code()
            .await
            .map_err(RunError::engine("reading the exit code", &self.image))?
            .unwrap_or(-1);
        let stdout = container
            .stdout_to_vec()
            .await
            .map_err(RunError::engine("reading stdout", &self.image))?;
        let stderr = container
            .stderr_to_vec()
            .await
            .map_err(RunError::engine("reading stderr", &self.image))?;
        container
            .rm()
            .await
            .map_err(RunError::engine("removing the container", &self.image))?;
        Ok(Output {
            stdout,
            stderr,
            exit_code,
            elapsed,
        })
    }

    async fn output_attached(self, docker: &Docker, input: Vec<u8>) -> Result<Output, RunError> {
        let mut host_config = HostConfig::default();
        if self.hardened {
            harden(&mut host_config);
        }
        let body = ContainerCreateBody {
            cmd: (!self.args.is_empty()).then(|| self.args.clone()),
            host_config: Some(host_config),
            ..attached_body(&self.image, false)
        };
        let started = Instant::now();
        let guard = create(docker, body)
            .await
            .map_err(RunError::engine("creating a container", &self.image))?;
        upload_files(docker, guard.id(), &self.files)
            .await
            .map_err(RunError::engine("copying files in", &self.image))?;
        let attach = attach_then_start(docker, guard.id())
            .await
            .map_err(RunError::engine("attaching and starting", &self.image))?;
        let mut writer = attach.input;
        let mut output = attach.output;
        let feed = async move {
            // A calculator that stops reading early (after `exit`) closes the pipe: that is
            // not an error of the run.
            let _ = write_stdin(&mut writer, &input).await;
            let _ = writer.shutdown().await;
            writer
        };
        let collect = async {
            let mut stdout = Vec::new();
            let mut stderr = Vec::new();
            while let Some(item) = output.next().await {
                match item {
                    Ok(bollard::container::LogOutput::StdOut { message }) => {
                        stdout.extend_from_slice(&message)
                    }
                    Ok(bollard::container::LogOutput::StdErr { message }) => {
                        stderr.extend_from_slice(&message)
                    }
                    Ok(_) => {}
                    Err(_) => break,
                }
            }
            (stdout, stderr)
        };
        let limit = self.timeout.unwrap_or(DEFAULT_TIMEOUT);
        let joined = tokio::time::timeout(limit, async { tokio::join!(feed, collect) }).await;
        let (_writer, (stdout, stderr)) = joined.map_err(|_| RunError::Timeout {
            image: self.image.clone(),
            timeout: limit,
            what: "stdin was closed but the output never ended".into(),
            seen: String::new(),
        })?;
        let exit_code = wait_exit(docker, guard.id(), limit)
            .await
            .map_err(|e| e.for_run(&self.image, limit, &stdout))?;
        let elapsed = started.elapsed();
        guard.remove(docker).await;
        Ok(Output {
            stdout,
            stderr,
            exit_code,
            elapsed,
        })
    }
}

pub(crate) fn connect(image: &str) -> Result<Docker, RunError> {
    Docker::connect_with_defaults().map_err(RunError::engine("connecting to the engine", image))
}

/// Why [`wait_exit`] has no exit status to give.
#[derive(Debug, thiserror::Error)]
pub(super) enum WaitError {
    /// Asking the engine for the container's state failed.
    #[error("inspecting container {container}: {reason}")]
    Inspect {
        /// The container id, short as `docker ps` shows it.
        container: String,
        /// The innermost reason.
        reason: String,
    },
    /// The limit passed and the container was still running.
    #[error("the container {container} was still running")]
    StillRunning {
        /// The container id, short as `docker ps` shows it.
        container: String,
    },
}

impl WaitError {
    /// The run's error for it: a container still running is a [`RunError::Timeout`] that
    /// shows what it printed (`seen`); a failed inspection is an engine error.
    pub(super) fn for_run(self, image: &str, timeout: Duration, seen: &[u8]) -> RunError {
        match self {
            WaitError::StillRunning { .. } => RunError::Timeout {
                image: image.to_string(),
                timeout,
                what: self.to_string(),
                seen: String::from_utf8_lossy(seen).into_owned(),
            },
            WaitError::Inspect { .. } => RunError::Engine {
                action: "waiting for the exit",
                image: image.to_string(),
                reason: self.to_string(),
            },
        }
    }
}

/// The first 12 digits of a container id, as `docker ps` shows it.
fn short_id(id: &str) -> String {
    id.chars().take(12).collect()
}

/// Waits for container `id` to exit and returns its status.
pub(super) async fn wait_exit(
    docker: &Docker,
    id: &str,
    timeout: Duration,
) -> Result<i64, WaitError> {
    let deadline = Instant::now() + timeout;
    loop {
        let state = docker
            .inspect_container(id, None)
            .await
            .map_err(|e| WaitError::Inspect {
                container: short_id(id),
                reason: short_reason(&e),
            })?
            .state
            .unwrap_or_default();
        if !state.running.unwrap_or(false)
            && state.status != Some(bollard::models::ContainerStateStatusEnum::CREATED)
        {
            return Ok(state.exit_code.unwrap_or(-1));
        }
        if Instant::now() >= deadline {
            return Err(WaitError::StillRunning {
                container: short_id(id),
            });
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// A container started like `docker run -d IMAGE`: no stdin at all. The calculator must see
/// end of input and exit 0 at once (the seed's looped forever, flooding its log). Returns the
/// exit code and how long it ran.
pub async fn detached(image: &str, timeout: Duration) -> Result<(i64, Duration), RunError> {
    let out = Run::new(image).timeout(timeout).output().await?;
    Ok((out.exit_code, out.elapsed))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tags_are_split_for_testcontainers() {
        assert_eq!(
            split_tag("calc-kit/calculator:scratch"),
            ("calc-kit/calculator".into(), "scratch".into())
        );
        assert_eq!(
            split_tag("localhost:5000/x"),
            ("localhost:5000/x".into(), "latest".into())
        );
    }

    #[test]
    fn a_wait_that_ends_without_an_exit_says_which_container_and_why() {
        let running = WaitError::StillRunning {
            container: short_id("5f1c0a2b9d3e0123456789abcdef"),
        };
        match running.for_run("x:y", Duration::from_secs(5), b"1 + 2\n") {
            RunError::Timeout { what, seen, .. } => {
                assert_eq!(what, "the container 5f1c0a2b9d3e was still running");
                assert_eq!(seen, "1 + 2\n");
            }
            other => panic!("not a timeout: {other}"),
        }
        let inspect = WaitError::Inspect {
            container: "5f1c0a2b9d3e".into(),
            reason: "No such container".into(),
        };
        assert_eq!(
            inspect
                .for_run("x:y", Duration::from_secs(5), b"")
                .to_string(),
            "waiting for the exit for x:y: inspecting container 5f1c0a2b9d3e: No such container"
        );
    }

    #[test]
    fn hardening_sets_the_four_options() {
        let mut hc = HostConfig::default();
        harden(&mut hc);
        assert_eq!(hc.readonly_rootfs, Some(true));
        assert_eq!(hc.cap_drop, Some(vec!["ALL".to_string()]));
        assert_eq!(hc.security_opt, Some(vec!["no-new-privileges".to_string()]));
        assert_eq!(hc.network_mode.as_deref(), Some("none"));
    }
}
