//! Which tools an intruder reaches for can really be run in an image: each one is started in
//! a container of its own (`docker run --entrypoint TOOL IMAGE --version`, no network), and
//! either the runtime finds it or it answers `executable file not found`, as it does for
//! every tool in a scratch image. Reading the files says what is there; this says what runs.

use bollard::Docker;
use bollard::models::{ContainerCreateBody, HostConfig};

use crate::docker::container::create;
use crate::docker::engine::short_reason;

/// A probe that failed for a reason other than the tool being absent.
#[derive(Debug, thiserror::Error)]
#[error("cannot probe `{tool}` in {image}: {reason}")]
pub struct ProbeError {
    /// The image.
    pub(crate) image: String,
    /// The tool.
    pub(crate) tool: String,
    /// Why.
    pub(crate) reason: String,
}

/// Whether the engine's start error says the program is not in the image.
pub(crate) fn means_absent(message: &str) -> bool {
    let m = message.to_ascii_lowercase();
    m.contains("executable file not found") || m.contains("no such file or directory")
}

/// Starts `tool --version` in `image` and says whether the runtime could execute it. The
/// container is removed whatever happens.
pub(crate) async fn runs(docker: &Docker, image: &str, tool: &str) -> Result<bool, ProbeError> {
    let fail = |reason: String| ProbeError {
        image: image.to_string(),
        tool: tool.to_string(),
        reason,
    };
    let body = ContainerCreateBody {
        image: Some(image.to_string()),
        entrypoint: Some(vec![tool.to_string()]),
        cmd: Some(vec!["--version".to_string()]),
        attach_stdin: Some(false),
        attach_stdout: Some(false),
        attach_stderr: Some(false),
        host_config: Some(HostConfig {
            network_mode: Some("none".into()),
            ..Default::default()
        }),
        ..Default::default()
    };
    let guard = create(docker, body)
        .await
        .map_err(|e| fail(short_reason(&e)))?;
    let outcome = match docker.start_container(guard.id(), None).await {
        Ok(()) => Ok(true),
        Err(e) if means_absent(&e.to_string()) => Ok(false),
        Err(e) => Err(fail(short_reason(&e))),
    };
    guard.remove(docker).await;
    outcome
}

/// The tools of `tools` that run in `image`, in the order given.
pub async fn present(
    docker: &Docker,
    image: &str,
    tools: &[String],
) -> Result<Vec<String>, ProbeError> {
    let mut found = Vec::new();
    for tool in tools {
        if runs(docker, image, tool).await? {
            found.push(tool.clone());
        }
    }
    Ok(found)
}
