//! Running the calculator in containers, in every way the kit promises it works: with
//! arguments, with piped stdin, with a script file, hardened, detached, on a TTY.
//!
//! Every container carries [`CONTAINER_LABEL`], is removed when its handle drops (also when a
//! test panics), and [`sweep`] removes whatever a crash left behind. testcontainers drives the
//! lifecycle where it has an API; bollard does the rest (stdin, TTY).

use std::pin::Pin;
use std::time::{Duration, Instant};

use bollard::Docker;
use bollard::models::{ContainerCreateBody, HostConfig};
use bollard::query_parameters::{
    AttachContainerOptionsBuilder, CreateContainerOptions, DownloadFromContainerOptionsBuilder,
    ListContainersOptionsBuilder, RemoveContainerOptionsBuilder, ResizeContainerTTYOptionsBuilder,
};
use futures_util::{Stream, StreamExt};
use testcontainers::core::{ExecCommand, WaitFor, wait::ExitWaitStrategy};
use testcontainers::runners::AsyncRunner;
use testcontainers::{ContainerAsync, GenericImage, ImageExt};
use tokio::io::{AsyncWrite, AsyncWriteExt};

use crate::CONTAINER_LABEL;
use crate::docker::engine::short_reason;

/// How long a run may take before it is declared hung when `CALC_KIT_RUN_TIMEOUT` is not set
/// (see [`crate::docker::limits`]).
pub const DEFAULT_TIMEOUT: Duration = crate::docker::limits::DEFAULT_RUN_TIMEOUT;

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
fn split_tag(image: &str) -> (String, String) {
    let r = crate::docker::reference::ImageRef::parse(image);
    (r.name.to_string(), r.tag_or_latest().to_string())
}

/// The options `docker run --read-only --cap-drop ALL --security-opt no-new-privileges
/// --network none` set, applied to a host config.
pub fn harden(host_config: &mut HostConfig) {
    host_config.readonly_rootfs = Some(true);
    host_config.cap_drop = Some(vec!["ALL".to_string()]);
    host_config.security_opt = Some(vec!["no-new-privileges".to_string()]);
    host_config.network_mode = Some("none".to_string());
    host_config.publish_all_ports = Some(false);
    host_config.port_bindings = None;
}

/// Attaches to stdin, stdout and stderr of a created container, then starts it: attached
/// first, not a byte of its output is missed.
async fn attach_then_start(
    docker: &Docker,
    id: &str,
) -> Result<bollard::container::AttachContainerResults, bollard::errors::Error> {
    let attach = docker
        .attach_container(
            id,
            Some(
                AttachContainerOptionsBuilder::new()
                    .stream(true)
                    .stdin(true)
                    .stdout(true)
                    .stderr(true)
                    .build(),
            ),
        )
        .await?;
    docker.start_container(id, None).await?;
    Ok(attach)
}

/// The labels of every container the harness creates: [`CONTAINER_LABEL`] set to [`owner`].
pub fn labels() -> std::collections::HashMap<String, String> {
    [(CONTAINER_LABEL.to_string(), owner())].into()
}

/// The value of [`CONTAINER_LABEL`] on this process's containers: its process id. A sweep
/// then removes what this process or a run that has died left behind, and never the
/// containers of a run going on beside it (a demo during a test, two test runs at once).
pub fn owner() -> String {
    std::process::id().to_string()
}

/// Whether a container labelled `value`, created at `created` (Unix seconds), belongs to
/// nobody still running: this process, a process that has exited, or a label from an older
/// harness. Where process ids cannot be checked (no /proc), two hours of age decide.
fn abandoned(value: &str, created: i64) -> bool {
    if value == owner() {
        return true;
    }
    let Ok(pid) = value.parse::<u32>() else {
        return true;
    };
    let proc = std::path::Path::new("/proc");
    if proc.join("self").exists() {
        return !proc.join(pid.to_string()).exists();
    }
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64);
    now - created > 2 * 60 * 60
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
    pub fn entrypoint(mut self, program: impl Into<String>) -> Run {
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
    pub fn timeout(mut self, timeout: Duration) -> Run {
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
        let image = self.image.clone();
        let engine = |action: &'static str| {
            let image = image.clone();
            move |e: testcontainers::TestcontainersError| RunError::Engine {
                action,
                image: image.clone(),
                reason: short_reason(&e),
            }
        };
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
            .map_err(engine("starting a container"))?;
        let elapsed = started.elapsed();
        let exit_code = container
            .exit_code()
            .await
            .map_err(engine("reading the exit code"))?
            .unwrap_or(-1);
        let stdout = container
            .stdout_to_vec()
            .await
            .map_err(engine("reading stdout"))?;
        let stderr = container
            .stderr_to_vec()
            .await
            .map_err(engine("reading stderr"))?;
        container
            .rm()
            .await
            .map_err(engine("removing the container"))?;
        Ok(Output {
            stdout,
            stderr,
            exit_code,
            elapsed,
        })
    }

    async fn output_attached(self, docker: &Docker, input: Vec<u8>) -> Result<Output, RunError> {
        let image = self.image.clone();
        let engine = |action: &'static str| {
            let image = image.clone();
            move |e: bollard::errors::Error| RunError::Engine {
                action,
                image: image.clone(),
                reason: short_reason(&e),
            }
        };
        let mut host_config = HostConfig::default();
        if self.hardened {
            harden(&mut host_config);
        }
        let body = ContainerCreateBody {
            image: Some(self.image.clone()),
            cmd: (!self.args.is_empty()).then(|| self.args.clone()),
            labels: Some(labels()),
            open_stdin: Some(true),
            stdin_once: Some(true),
            attach_stdin: Some(true),
            attach_stdout: Some(true),
            attach_stderr: Some(true),
            tty: Some(false),
            host_config: Some(host_config),
            ..Default::default()
        };
        let started = Instant::now();
        let created = docker
            .create_container(None::<CreateContainerOptions>, body)
            .await
            .map_err(engine("creating a container"))?;
        let guard = ContainerGuard::new(created.id);
        upload_files(docker, guard.id(), &self.files)
            .await
            .map_err(engine("copying files in"))?;
        let attach = attach_then_start(docker, guard.id())
            .await
            .map_err(engine("attaching and starting"))?;
        let mut writer = attach.input;
        let mut output = attach.output;
        let feed = async move {
            // A calculator that stops reading early (after `exit`) closes the pipe: that is
            // not an error of the run.
            let _ = writer.write_all(&input).await;
            let _ = writer.flush().await;
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
        let exit_code =
            wait_exit(docker, guard.id(), limit)
                .await
                .map_err(|what| RunError::Timeout {
                    image: self.image.clone(),
                    timeout: limit,
                    what,
                    seen: String::from_utf8_lossy(&stdout).into_owned(),
                })?;
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

fn connect(image: &str) -> Result<Docker, RunError> {
    Docker::connect_with_defaults().map_err(|e| RunError::Engine {
        action: "connecting to the engine",
        image: image.to_string(),
        reason: short_reason(&e),
    })
}

async fn upload_files(
    docker: &Docker,
    id: &str,
    files: &[(String, Vec<u8>)],
) -> Result<(), bollard::errors::Error> {
    if files.is_empty() {
        return Ok(());
    }
    let mut builder = tar::Builder::new(Vec::new());
    for (path, content) in files {
        let mut header = tar::Header::new_gnu();
        header.set_size(content.len() as u64);
        header.set_mode(0o644);
        header.set_cksum();
        builder
            .append_data(
                &mut header,
                path.trim_start_matches('/'),
                content.as_slice(),
            )
            .map_err(bollard::errors::Error::from)?;
    }
    let tar = builder.into_inner().map_err(bollard::errors::Error::from)?;
    docker
        .upload_to_container(
            id,
            Some(
                bollard::query_parameters::UploadToContainerOptionsBuilder::new()
                    .path("/")
                    .build(),
            ),
            bollard::body_full(tar.into()),
        )
        .await
}

/// Waits for a container to exit and returns its status; an error names what timed out.
async fn wait_exit(docker: &Docker, id: &str, timeout: Duration) -> Result<i64, String> {
    let deadline = Instant::now() + timeout;
    loop {
        let state = docker
            .inspect_container(id, None)
            .await
            .map_err(|e| short_reason(&e))?
            .state
            .unwrap_or_default();
        if !state.running.unwrap_or(false)
            && state.status != Some(bollard::models::ContainerStateStatusEnum::CREATED)
        {
            return Ok(state.exit_code.unwrap_or(-1));
        }
        if Instant::now() >= deadline {
            return Err("the container was still running".into());
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// Removes container `id` and its anonymous volumes, running or not (`docker rm -fv`). A
/// failure is ignored: the container is gone already, or the next sweep takes it.
pub(crate) async fn remove_container(docker: &Docker, id: &str) {
    let options = RemoveContainerOptionsBuilder::new()
        .force(true)
        .v(true)
        .build();
    let _ = docker.remove_container(id, Some(options)).await;
}

/// Removes a container when dropped, whatever happened (panics included), unless
/// [`ContainerGuard::remove`] already did. Drop cannot await, so it removes from a helper
/// thread with its own runtime and client: that works inside or outside any tokio runtime.
#[derive(Debug)]
pub struct ContainerGuard {
    id: Option<String>,
}

impl ContainerGuard {
    /// Takes charge of container `id`.
    pub fn new(id: String) -> ContainerGuard {
        ContainerGuard { id: Some(id) }
    }

    /// The container id.
    pub fn id(&self) -> &str {
        self.id.as_deref().unwrap_or_default()
    }

    /// Removes the container now (forcefully), the normal path.
    pub async fn remove(mut self, docker: &Docker) {
        if let Some(id) = self.id.take() {
            remove_container(docker, &id).await;
        }
    }
}

impl Drop for ContainerGuard {
    fn drop(&mut self) {
        if let Some(id) = self.id.take() {
            crate::docker::cleanup::on_own_runtime(move |docker| async move {
                remove_container(&docker, &id).await
            });
        }
    }
}

/// The file at `path` in `image`, read from a created (never started) container and at most
/// `limit` bytes of it, with whether it is a symbolic link; `None` when there is no such
/// path. The container is labelled and removed, as every container of the harness is.
pub async fn read_image_file(
    docker: &Docker,
    image: &str,
    path: &str,
    limit: usize,
) -> Result<Option<(bool, Vec<u8>)>, RunError> {
    let body = ContainerCreateBody {
        image: Some(image.to_string()),
        labels: Some(labels()),
        ..Default::default()
    };
    let created = docker
        .create_container(None::<CreateContainerOptions>, body)
        .await
        .map_err(|e| RunError::Engine {
            action: "creating a container",
            image: image.to_string(),
            reason: short_reason(&e),
        })?;
    let guard = ContainerGuard::new(created.id);
    let options = DownloadFromContainerOptionsBuilder::new()
        .path(path)
        .build();
    let mut stream = docker.download_from_container(guard.id(), Some(options));
    let mut tar = Vec::new();
    let mut missing = false;
    while let Some(chunk) = stream.next().await {
        match chunk {
            Ok(chunk) => tar.extend_from_slice(&chunk),
            Err(_) => {
                missing = true;
                break;
            }
        }
        if tar.len() > limit + 4096 {
            break;
        }
    }
    drop(stream);
    guard.remove(docker).await;
    if missing {
        return Ok(None);
    }
    let mut archive = tar::Archive::new(tar.as_slice());
    let Some(Ok(mut entry)) = archive.entries().ok().and_then(|mut e| e.next()) else {
        return Ok(None);
    };
    let is_link = entry.header().entry_type().is_symlink();
    let mut content = Vec::new();
    let _ = std::io::Read::read_to_end(
        &mut std::io::Read::take(&mut entry, limit as u64),
        &mut content,
    );
    Ok(Some((is_link, content)))
}

/// Removes the containers carrying [`CONTAINER_LABEL`] that this process or a finished run
/// left behind, running or not, and returns how many there were. Run before and after a test
/// session so nothing of ours outlives it; another run's live containers are left alone.
pub async fn sweep(docker: &Docker) -> Result<usize, bollard::errors::Error> {
    let leftovers: Vec<String> = list_labelled(docker)
        .await?
        .into_iter()
        .filter(|(_, value, created)| abandoned(value, *created))
        .map(|(id, _, _)| id)
        .collect();
    for id in &leftovers {
        remove_container(docker, id).await;
    }
    Ok(leftovers.len())
}

/// Ids of the containers carrying [`CONTAINER_LABEL`], whichever run made them.
pub async fn list_ours(docker: &Docker) -> Result<Vec<String>, bollard::errors::Error> {
    Ok(list_labelled(docker)
        .await?
        .into_iter()
        .map(|(id, _, _)| id)
        .collect())
}

/// (id, label value, creation time) of every container carrying [`CONTAINER_LABEL`].
async fn list_labelled(
    docker: &Docker,
) -> Result<Vec<(String, String, i64)>, bollard::errors::Error> {
    let filters: std::collections::HashMap<String, Vec<String>> =
        [("label".to_string(), vec![CONTAINER_LABEL.to_string()])].into();
    let list = docker
        .list_containers(Some(
            ListContainersOptionsBuilder::new()
                .all(true)
                .filters(&filters)
                .build(),
        ))
        .await?;
    Ok(list
        .into_iter()
        .filter_map(|c| {
            let value = c
                .labels
                .as_ref()
                .and_then(|l| l.get(CONTAINER_LABEL))
                .cloned()
                .unwrap_or_default();
            Some((c.id?, value, c.created.unwrap_or(0)))
        })
        .collect())
}

/// A container started like `docker run -i IMAGE` with nobody writing: the REPL waits on its
/// open stdin. For `docker stop` latency and for exec probes. Removed on drop.
pub struct Waiting {
    /// The testcontainers handle (removes the container on drop).
    pub container: ContainerAsync<GenericImage>,
}

impl Waiting {
    /// Starts `image` with stdin held open; `hardened` as in [`Run::hardened`].
    pub async fn start(image: &str, hardened: bool) -> Result<Waiting, RunError> {
        let (name, tag) = split_tag(image);
        let mut request = GenericImage::new(name, tag)
            .with_label(CONTAINER_LABEL, owner())
            .with_open_stdin(true);
        if hardened {
            request = request.with_host_config_modifier(harden);
        }
        let container = request.start().await.map_err(|e| RunError::Engine {
            action: "starting a waiting container",
            image: image.to_string(),
            reason: short_reason(&e),
        })?;
        Ok(Waiting { container })
    }

    /// Whether it is still running (it should be: it waits for input).
    pub async fn is_running(&self) -> bool {
        self.container.is_running().await.unwrap_or(false)
    }

    /// `docker stop` (SIGTERM, then SIGKILL after the engine's 10 s grace period) and how
    /// long it took: a calculator that handles SIGTERM as PID 1 stops at once.
    pub async fn stop_latency(&self) -> Result<Duration, RunError> {
        let started = Instant::now();
        self.container.stop().await.map_err(|e| RunError::Engine {
            action: "stopping",
            image: String::new(),
            reason: short_reason(&e),
        })?;
        Ok(started.elapsed())
    }

    /// `docker exec` of `cmd`: its exit code and everything it printed. In a scratch image
    /// `sh` gives 126 and "executable file not found".
    pub async fn exec(&self, cmd: &[&str]) -> Result<(i64, String), RunError> {
        let fail = |e: testcontainers::TestcontainersError| RunError::Engine {
            action: "exec",
            image: String::new(),
            reason: short_reason(&e),
        };
        let mut result = match self
            .container
            .exec(ExecCommand::new(cmd.iter().copied()))
            .await
        {
            Ok(r) => r,
            // Some engines refuse the exec outright: that refusal is the answer.
            Err(e) => return Ok((126, short_reason(&e))),
        };
        let stdout = result.stdout_to_vec().await.map_err(fail)?;
        let stderr = result.stderr_to_vec().await.map_err(fail)?;
        let mut code = None;
        for _ in 0..100 {
            code = result.exit_code().await.map_err(fail)?;
            if code.is_some() {
                break;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        let text = format!(
            "{}{}",
            String::from_utf8_lossy(&stdout),
            String::from_utf8_lossy(&stderr)
        );
        Ok((code.unwrap_or(-1), text))
    }
}

/// A container started like `docker run -d IMAGE`: no stdin at all. The calculator must see
/// end of input and exit 0 at once (the seed's looped forever, flooding its log). Returns the
/// exit code and how long it ran.
pub async fn detached(image: &str, timeout: Duration) -> Result<(i64, Duration), RunError> {
    let out = Run::new(image).timeout(timeout).output().await?;
    Ok((out.exit_code, out.elapsed))
}

/// An interactive session on a pseudo-terminal, like `docker run -it IMAGE`: expect text,
/// send keys, wait for the exit. Removed on drop.
pub struct TtySession {
    docker: Docker,
    guard: ContainerGuard,
    image: String,
    input: Pin<Box<dyn AsyncWrite + Send>>,
    output: Pin<
        Box<
            dyn Stream<Item = Result<bollard::container::LogOutput, bollard::errors::Error>> + Send,
        >,
    >,
    /// Everything the terminal showed so far.
    pub screen: Vec<u8>,
    consumed: usize,
}

impl TtySession {
    /// Starts `image` on a TTY (80x24) with stdin open.
    pub async fn start(image: &str) -> Result<TtySession, RunError> {
        let docker = connect(image)?;
        let engine = |action: &'static str| {
            let image = image.to_string();
            move |e: bollard::errors::Error| RunError::Engine {
                action,
                image: image.clone(),
                reason: short_reason(&e),
            }
        };
        let body = ContainerCreateBody {
            image: Some(image.to_string()),
            labels: Some(labels()),
            tty: Some(true),
            open_stdin: Some(true),
            stdin_once: Some(true),
            attach_stdin: Some(true),
            attach_stdout: Some(true),
            attach_stderr: Some(true),
            env: Some(vec!["TERM=xterm".to_string()]),
            ..Default::default()
        };
        let created = docker
            .create_container(None::<CreateContainerOptions>, body)
            .await
            .map_err(engine("creating a TTY container"))?;
        let guard = ContainerGuard::new(created.id);
        let attach = attach_then_start(&docker, guard.id())
            .await
            .map_err(engine("attaching and starting"))?;
        let _ = docker
            .resize_container_tty(
                guard.id(),
                ResizeContainerTTYOptionsBuilder::new().w(80).h(24).build(),
            )
            .await;
        Ok(TtySession {
            docker,
            guard,
            image: image.to_string(),
            input: attach.input,
            output: attach.output,
            screen: Vec::new(),
            consumed: 0,
        })
    }

    /// Reads until `needle` appears after what earlier expectations matched.
    pub async fn expect(&mut self, needle: &str, timeout: Duration) -> Result<(), RunError> {
        let deadline = Instant::now() + timeout;
        loop {
            if let Some(pos) = find(&self.screen[self.consumed..], needle.as_bytes()) {
                self.consumed += pos + needle.len();
                return Ok(());
            }
            let left = deadline.saturating_duration_since(Instant::now());
            match tokio::time::timeout(left, self.output.next()).await {
                Ok(Some(Ok(chunk))) => self.screen.extend_from_slice(&chunk.into_bytes()),
                Ok(Some(Err(_))) | Ok(None) | Err(_) => {
                    return Err(RunError::Timeout {
                        image: self.image.clone(),
                        timeout,
                        what: format!("waiting for {needle:?} on the terminal"),
                        seen: String::from_utf8_lossy(&self.screen).into_owned(),
                    });
                }
            }
        }
    }

    /// Types `keys` (use `\r` for Enter and `\x04` for Ctrl-D, as a terminal sends them).
    pub async fn send(&mut self, keys: &str) -> Result<(), RunError> {
        self.input
            .write_all(keys.as_bytes())
            .await
            .and(self.input.flush().await)
            .map_err(|e| RunError::Engine {
                action: "typing",
                image: self.image.clone(),
                reason: e.to_string(),
            })
    }

    /// Waits for the program to exit and returns its status; the container is removed.
    pub async fn wait(self, timeout: Duration) -> Result<i64, RunError> {
        let code = wait_exit(&self.docker, self.guard.id(), timeout)
            .await
            .map_err(|what| RunError::Timeout {
                image: self.image.clone(),
                timeout,
                what,
                seen: String::from_utf8_lossy(&self.screen).into_owned(),
            })?;
        self.guard.remove(&self.docker).await;
        Ok(code)
    }
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack
        .windows(needle.len().max(1))
        .position(|w| w == needle)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_sweep_spares_only_containers_of_live_runs() {
        assert!(abandoned(&owner(), 0), "our own leftovers go");
        assert!(abandoned("true", 0), "labels of an older harness go");
        if std::path::Path::new("/proc/self").exists() {
            assert!(
                !abandoned("1", 0),
                "process 1 is alive: its containers stay"
            );
            assert!(
                abandoned("4294967295", 0),
                "no such process: its containers go"
            );
        }
    }

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
    fn hardening_sets_the_four_options() {
        let mut hc = HostConfig::default();
        harden(&mut hc);
        assert_eq!(hc.readonly_rootfs, Some(true));
        assert_eq!(hc.cap_drop, Some(vec!["ALL".to_string()]));
        assert_eq!(hc.security_opt, Some(vec!["no-new-privileges".to_string()]));
        assert_eq!(hc.network_mode.as_deref(), Some("none"));
    }
}
