//! Reaching a Docker engine, and saying in one line what to do when none answers.

pub use bollard::Docker;

/// Set to `1` to skip every test that needs a Docker engine (loudly, never silently).
pub const SKIP_VAR: &str = "CALC_KIT_SKIP_DOCKER";

/// The engine this process talks to.
#[derive(Debug, Clone)]
pub struct Engine {
    /// The client; cheap to clone, but bound to the tokio runtime it was first used on.
    pub docker: Docker,
    /// Where it answered (`DOCKER_HOST` or the default socket).
    pub(crate) host: String,
    /// The engine's version, e.g. `20.10.24+dfsg1`.
    pub(crate) version: String,
    /// The engine's API version, e.g. `1.41`.
    pub(crate) api_version: String,
}

impl Engine {
    /// The line every harness run prints first, so a log says which engine produced it.
    pub fn describe(&self) -> String {
        format!(
            "Docker engine {} (API {}) at {}",
            self.version, self.api_version, self.host
        )
    }
}

/// No engine answered.
#[derive(Debug, thiserror::Error)]
#[error(
    "no Docker engine answers at {host} ({reason}): start one (`sudo systemctl start docker`, or `sudo dockerd &` on a machine without systemd; `bash .ci/run` installs and starts it), point DOCKER_HOST at a running engine, or set {SKIP_VAR}=1 to skip the container tests"
)]
pub struct EngineError {
    /// Where we looked.
    pub(crate) host: String,
    /// The short reason (connection refused, no such socket, timeout).
    pub(crate) reason: String,
}

/// Where the client will connect: `DOCKER_HOST` when set, else the default socket.
pub(crate) fn docker_host() -> String {
    std::env::var("DOCKER_HOST").unwrap_or_else(|_| "unix:///var/run/docker.sock".to_string())
}

/// Whether the user asked to skip everything that needs an engine.
pub fn skip_requested() -> bool {
    std::env::var(SKIP_VAR).is_ok_and(|v| v == "1" || v.eq_ignore_ascii_case("true"))
}

/// Connects (honouring `DOCKER_HOST`) and asks the engine for its version, within a few
/// seconds, so a dead socket fails fast with [`EngineError`] instead of hanging a test run.
///
/// It also arms the cleanup on signals and parent death ([`crate::docker::cleanup::install`]):
/// whoever talks to the engine may start containers and builds that must not outlive it.
pub async fn connect() -> Result<Engine, EngineError> {
    crate::docker::cleanup::install();
    let host = docker_host();
    let fail = |reason: String| EngineError {
        host: host.clone(),
        reason,
    };
    let docker = Docker::connect_with_defaults().map_err(|e| fail(short_reason(&e)))?;
    let version = tokio::time::timeout(std::time::Duration::from_secs(10), docker.version())
        .await
        .map_err(|_| fail("no answer within 10 s".into()))?
        .map_err(|e| fail(short_reason(&e)))?;
    Ok(Engine {
        docker,
        host: host.clone(),
        version: version.version.unwrap_or_else(|| "unknown".into()),
        api_version: version.api_version.unwrap_or_else(|| "unknown".into()),
    })
}

/// The innermost cause of a client error, without the chain of wrappers: the one part a user
/// can act on.
pub(crate) fn short_reason(e: &dyn std::error::Error) -> String {
    let mut cause: &dyn std::error::Error = e;
    while let Some(next) = cause.source() {
        cause = next;
    }
    let text = cause.to_string();
    if text.is_empty() { e.to_string() } else { text }
}

/// Whether a bollard error is the engine's 404 (no such image or container).
pub(crate) fn is_not_found(e: &bollard::errors::Error) -> bool {
    matches!(
        e,
        bollard::errors::Error::DockerResponseServerError {
            status_code: 404,
            ..
        }
    )
}
