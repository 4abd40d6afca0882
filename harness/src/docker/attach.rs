//! Containers attached to before they start, so that not a byte of their output is missed:
//! what `docker run -i` and `docker run -it` do, done with bollard because testcontainers has
//! no stdin API beyond holding it open.

use bollard::Docker;
use bollard::query_parameters::AttachContainerOptionsBuilder;

/// Attaches to stdin, stdout and stderr of a created container, then starts it: attached
/// first, not a byte of its output is missed.
pub(crate) async fn attach_then_start(
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
