//! A real container registry on this machine, for the "smaller" claim as a registry sees it:
//! Debian's `docker-registry` (the CNCF Distribution registry) on a loopback port, its data in
//! a temporary directory, started and stopped by the harness.
//!
//! An image goes in with the engine's own push (under a temporary tag that is removed again:
//! an untag only, so the kit's images and their build cache are never touched). What the
//! registry stores is read from its manifest (the layer sizes are the compressed bytes). A
//! pull is timed through the registry's HTTP API, without a second engine: the manifest, then
//! every blob, each layer gunzipped and unpacked into a temporary directory, which is what a
//! pull does (download and extraction). A second engine in the host's network namespace
//! disturbs the main engine's bridge, and removing an image from the main engine would
//! remove the legacy builder's cached parents with it.
//!
//! Everything started here is stopped on drop: the registry process, its data, the temporary
//! tags, the unpacked layers.

mod unpack;

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

use crate::docker::cleanup::ExitJob;
use std::time::{Duration, Instant};

use bollard::Docker;
use bollard::query_parameters::{
    PushImageOptionsBuilder, RemoveImageOptionsBuilder, TagImageOptionsBuilder,
};
use futures_util::StreamExt;
use serde::Deserialize;

use unpack::{Counted, unpack_layer};

use crate::docker::engine::short_reason;

/// The registry program Debian's `docker-registry` package installs.
pub(crate) const REGISTRY_PROGRAM: &str = "docker-registry";

/// The repository images are pushed under, inside the temporary registry.
pub const PUSH_REPOSITORY: &str = "calc-kit-claims";

/// The manifest type the engine pushes and the registry serves.
const MANIFEST_V2: &str = "application/vnd.docker.distribution.manifest.v2+json";

/// Something about the registry went wrong.
#[derive(Debug, thiserror::Error)]
pub enum RegistryError {
    /// The registry program is not installed.
    #[error(
        "`{REGISTRY_PROGRAM}` is not installed: `sudo apt-get install --no-install-recommends docker-registry` (Debian's CNCF Distribution registry; it is started on a loopback port only while the harness measures)"
    )]
    NotInstalled,
    /// It could not be started or did not answer.
    #[error("the registry did not start: {0}")]
    Start(String),
    /// Tagging, pushing or untagging through the engine failed.
    #[error("cannot push {image} to the registry: {reason}")]
    Push {
        /// The local image.
        image: String,
        /// Why.
        reason: String,
    },
    /// An HTTP request to the registry failed, or its answer made no sense.
    #[error("registry request {what} failed: {reason}")]
    Http {
        /// The request.
        what: String,
        /// Why.
        reason: String,
    },
    /// Writing a pulled layer failed.
    #[error("cannot unpack {what}: {reason}")]
    Unpack {
        /// The blob.
        what: String,
        /// Why.
        reason: String,
    },
}

/// A running registry; dropping it stops the process and removes its data.
#[derive(Debug)]
pub struct Registry {
    child: Option<Child>,
    port: u16,
    dir: Option<tempfile::TempDir>,
    /// The same stop, should the process exit on a signal (which runs no destructor).
    on_signal: Option<ExitJob>,
}

/// One blob of a manifest: a layer or the configuration.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct Descriptor {
    /// Its media type.
    #[serde(rename = "mediaType")]
    pub(crate) media_type: String,
    /// Its size in bytes, as stored (compressed, for a layer).
    pub size: u64,
    /// Its content digest.
    pub(crate) digest: String,
}

/// An image as the registry stores it.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct Manifest {
    /// The configuration blob.
    pub(crate) config: Descriptor,
    /// The layer blobs, base first.
    pub layers: Vec<Descriptor>,
}

impl Manifest {
    /// The bytes the registry stores for the image: every layer plus the configuration.
    pub fn stored_bytes(&self) -> u64 {
        self.config.size + self.layers.iter().map(|l| l.size).sum::<u64>()
    }
}

/// What a timed pull moved.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Pull {
    /// From the manifest request to the last layer unpacked.
    pub(crate) elapsed: Duration,
    /// Bytes downloaded (manifest, configuration and layers).
    pub bytes: u64,
}

/// Whether the registry program is on `PATH`.
pub(crate) fn installed() -> bool {
    std::env::var_os("PATH").is_some_and(|paths| {
        std::env::split_paths(&paths).any(|p| p.join(REGISTRY_PROGRAM).is_file())
    })
}

fn free_port() -> Result<u16, RegistryError> {
    let listener =
        TcpListener::bind("127.0.0.1:0").map_err(|e| RegistryError::Start(e.to_string()))?;
    listener
        .local_addr()
        .map(|a| a.port())
        .map_err(|e| RegistryError::Start(e.to_string()))
}

fn agent() -> ureq::Agent {
    ureq::Agent::config_builder()
        .timeout_global(Some(Duration::from_secs(600)))
        .http_status_as_error(false)
        .build()
        .into()
}

impl Registry {
    /// Starts a registry on a free loopback port with its data in a new temporary directory,
    /// and waits (up to 10 s) until it answers `/v2/`.
    pub fn start() -> Result<Registry, RegistryError> {
        if !installed() {
            return Err(RegistryError::NotInstalled);
        }
        let dir = tempfile::Builder::new()
            .prefix("calc-kit-registry-")
            .tempdir()
            .map_err(|e| RegistryError::Start(e.to_string()))?;
        let port = free_port()?;
        let data = dir.path().join("data");
        let config = dir.path().join("config.yml");
        let text = format!(
            "version: 0.1\nlog:\n  level: warn\nstorage:\n  filesystem:\n    rootdirectory: {}\n  delete:\n    enabled: true\nhttp:\n  addr: 127.0.0.1:{port}\n",
            data.display()
        );
        std::fs::write(&config, text).map_err(|e| RegistryError::Start(e.to_string()))?;
        let log = std::fs::File::create(dir.path().join("registry.log"))
            .map_err(|e| RegistryError::Start(e.to_string()))?;
        let log2 = log
            .try_clone()
            .map_err(|e| RegistryError::Start(e.to_string()))?;
        let child = Command::new(REGISTRY_PROGRAM)
            .arg("serve")
            .arg(&config)
            .stdin(Stdio::null())
            .stdout(log)
            .stderr(log2)
            .spawn()
            .map_err(|e| RegistryError::Start(format!("{REGISTRY_PROGRAM}: {e}")))?;
        let (pid, path) = (child.id(), dir.path().to_path_buf());
        let on_signal = ExitJob::new(move || {
            // SAFETY: kill(2) with a pid this process spawned and has not reaped (the
            // `Child` is still held), and a signal number.
            unsafe {
                libc::kill(pid as libc::pid_t, libc::SIGKILL);
            }
            let _ = std::fs::remove_dir_all(&path);
        });
        let mut registry = Registry {
            child: Some(child),
            port,
            dir: Some(dir),
            on_signal: Some(on_signal),
        };
        registry.wait_ready(Duration::from_secs(10))?;
        Ok(registry)
    }

    fn wait_ready(&mut self, limit: Duration) -> Result<(), RegistryError> {
        let deadline = Instant::now() + limit;
        let url = format!("{}/v2/", self.url());
        let agent = ureq::Agent::config_builder()
            .timeout_global(Some(Duration::from_secs(1)))
            .http_status_as_error(false)
            .build()
            .new_agent();
        loop {
            if let Some(Ok(Some(status))) = self.child.as_mut().map(|c| c.try_wait()) {
                return Err(RegistryError::Start(format!(
                    "{REGISTRY_PROGRAM} exited with {status}: {}",
                    self.log().trim()
                )));
            }
            if let Ok(r) = agent.get(&url).call()
                && r.status() == 200
            {
                return Ok(());
            }
            if Instant::now() >= deadline {
                return Err(RegistryError::Start(format!(
                    "no answer on {url} within {} s: {}",
                    limit.as_secs(),
                    self.log().trim()
                )));
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// The registry's log so far (warnings and errors only).
    pub(crate) fn log(&self) -> String {
        self.dir
            .as_ref()
            .and_then(|d| std::fs::read_to_string(d.path().join("registry.log")).ok())
            .unwrap_or_default()
    }

    /// The loopback port it listens on.
    pub(crate) fn port(&self) -> u16 {
        self.port
    }

    /// `127.0.0.1:PORT`, as an image reference's registry part.
    pub fn host(&self) -> String {
        format!("127.0.0.1:{}", self.port)
    }

    /// Its base URL.
    pub(crate) fn url(&self) -> String {
        format!("http://{}", self.host())
    }

    /// The registry's process id while it runs, for the tests that prove it is gone.
    pub fn pid(&self) -> Option<u32> {
        self.child.as_ref().map(Child::id)
    }

    /// Its data directory, for the tests that prove it is removed.
    pub fn data_dir(&self) -> Option<PathBuf> {
        self.dir.as_ref().map(|d| d.path().to_path_buf())
    }

    /// Pushes local `image` as `PUSH_REPOSITORY/name:1` through the engine and returns the
    /// manifest the registry stored. The temporary tag is removed again on every path.
    pub async fn push(
        &self,
        docker: &Docker,
        image: &str,
        name: &str,
    ) -> Result<Manifest, RegistryError> {
        let repo = format!("{}/{PUSH_REPOSITORY}/{name}", self.host());
        let fail = |reason: String| RegistryError::Push {
            image: image.to_string(),
            reason,
        };
        docker
            .tag_image(
                image,
                Some(TagImageOptionsBuilder::new().repo(&repo).tag("1").build()),
            )
            .await
            .map_err(|e| fail(format!("tagging as {repo}:1: {}", short_reason(&e))))?;
        let tag = TemporaryTag::new(format!("{repo}:1"));
        let mut stream = docker.push_image(
            &repo,
            Some(PushImageOptionsBuilder::new().tag("1").build()),
            None,
        );
        let mut outcome = Ok(());
        while let Some(item) = stream.next().await {
            match item {
                Ok(info) => {
                    if let Some(e) = info.error_detail.and_then(|d| d.message) {
                        outcome = Err(fail(e));
                    }
                }
                Err(e) => {
                    outcome = Err(fail(short_reason(&e)));
                    break;
                }
            }
        }
        tag.remove(docker).await;
        outcome?;
        let name = format!("{PUSH_REPOSITORY}/{name}");
        tokio::task::block_in_place(|| self.manifest(&name, "1"))
    }

    /// The stored manifest of `name:tag`.
    pub(crate) fn manifest(&self, name: &str, tag: &str) -> Result<Manifest, RegistryError> {
        let (manifest, _) = self.manifest_with_size(&agent(), name, tag)?;
        Ok(manifest)
    }

    fn manifest_with_size(
        &self,
        agent: &ureq::Agent,
        name: &str,
        tag: &str,
    ) -> Result<(Manifest, u64), RegistryError> {
        let url = format!("{}/v2/{name}/manifests/{tag}", self.url());
        let http = |reason: String| RegistryError::Http {
            what: format!("GET {url}"),
            reason,
        };
        let mut response = agent
            .get(&url)
            .header("Accept", MANIFEST_V2)
            .call()
            .map_err(|e| http(e.to_string()))?;
        if response.status() != 200 {
            return Err(http(format!("HTTP {}", response.status())));
        }
        let body = response
            .body_mut()
            .read_to_vec()
            .map_err(|e| http(e.to_string()))?;
        let manifest = serde_json::from_slice(&body).map_err(|e| http(e.to_string()))?;
        Ok((manifest, body.len() as u64))
    }

    /// Pulls `name:tag` through the HTTP API into `dest` and times it: the manifest, the
    /// configuration, then every layer downloaded, gunzipped and unpacked in order, as a
    /// pull does. Blocking: call it from a blocking thread.
    pub fn timed_pull(&self, name: &str, tag: &str, dest: &Path) -> Result<Pull, RegistryError> {
        let agent = agent();
        let started = Instant::now();
        let (manifest, mut bytes) = self.manifest_with_size(&agent, name, tag)?;
        let blob = |d: &Descriptor| -> Result<ureq::http::Response<ureq::Body>, RegistryError> {
            let url = format!("{}/v2/{name}/blobs/{}", self.url(), d.digest);
            let response = agent.get(&url).call().map_err(|e| RegistryError::Http {
                what: format!("GET {url}"),
                reason: e.to_string(),
            })?;
            if response.status() != 200 {
                return Err(RegistryError::Http {
                    what: format!("GET {url}"),
                    reason: format!("HTTP {}", response.status()),
                });
            }
            Ok(response)
        };
        let mut config = blob(&manifest.config)?;
        bytes += config
            .body_mut()
            .with_config()
            .limit(64 * 1024 * 1024)
            .read_to_vec()
            .map_err(|e| RegistryError::Http {
                what: "the image configuration".into(),
                reason: e.to_string(),
            })?
            .len() as u64;
        for layer in &manifest.layers {
            let mut response = blob(layer)?;
            let mut counted = Counted {
                inner: response.body_mut().with_config().limit(u64::MAX).reader(),
                count: 0,
            };
            unpack_layer(&mut counted, dest).map_err(|e| RegistryError::Unpack {
                what: layer.digest.clone(),
                reason: e.to_string(),
            })?;
            // Whatever follows the tar's end marker is downloaded too.
            std::io::copy(&mut counted, &mut std::io::sink()).map_err(|e| {
                RegistryError::Unpack {
                    what: layer.digest.clone(),
                    reason: e.to_string(),
                }
            })?;
            bytes += counted.count;
        }
        Ok(Pull {
            elapsed: started.elapsed(),
            bytes,
        })
    }

    /// Stops the registry and removes its data now (also done on drop).
    pub fn stop(&mut self) {
        self.on_signal.take();
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
        if let Some(dir) = self.dir.take() {
            let _ = dir.close();
        }
    }
}

impl Drop for Registry {
    fn drop(&mut self) {
        self.stop();
    }
}

/// A tag the harness added to the main engine; removed (an untag only, never the image) on
/// drop if not before, through the same helper-thread cleanup as a
/// [`crate::docker::container::ContainerGuard`], and by the cleanup on a signal exit.
struct TemporaryTag {
    tag: Option<String>,
    /// Held for its drop: the job is forgotten once the tag is gone.
    _on_signal: ExitJob,
}

impl TemporaryTag {
    fn new(tag: String) -> TemporaryTag {
        let on_signal = tag.clone();
        TemporaryTag {
            tag: Some(tag),
            _on_signal: ExitJob::new(move || {
                crate::docker::cleanup::on_own_runtime(move |docker| async move {
                    untag(&docker, &on_signal).await
                })
            }),
        }
    }
}

/// Removes `tag` only: never the image it names, nor the untagged parents the build cache
/// holds.
async fn untag(docker: &Docker, tag: &str) {
    let options = RemoveImageOptionsBuilder::new()
        .force(false)
        .noprune(true)
        .build();
    let _ = docker.remove_image(tag, Some(options), None).await;
}

impl TemporaryTag {
    async fn remove(mut self, docker: &Docker) {
        if let Some(tag) = self.tag.take() {
            untag(docker, &tag).await;
        }
    }
}

impl Drop for TemporaryTag {
    fn drop(&mut self) {
        if let Some(tag) = self.tag.take() {
            crate::docker::cleanup::on_own_runtime(move |docker| async move {
                untag(&docker, &tag).await
            });
        }
    }
}
