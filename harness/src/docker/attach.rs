//! Containers attached to before they start, so that not a byte of their output is missed:
//! what `docker run -i` and `docker run -it` do, done with bollard because testcontainers has
//! no stdin API beyond holding it open.

use bollard::Docker;
use bollard::models::ContainerCreateBody;
use bollard::query_parameters::AttachContainerOptionsBuilder;
use tokio::io::{AsyncWrite, AsyncWriteExt};

/// The create body of a container of `image` to attach to: stdin held open until the first
/// attach closes it (`docker run -i`), stdout and stderr attached, on a pseudo-terminal when
/// `tty` (`docker run -it`). Labelled when created through [`crate::docker::container::create`].
pub(crate) fn attached_body(image: &str, tty: bool) -> ContainerCreateBody {
    ContainerCreateBody {
        image: Some(image.to_string()),
        open_stdin: Some(true),
        stdin_once: Some(true),
        attach_stdin: Some(true),
        attach_stdout: Some(true),
        attach_stderr: Some(true),
        tty: Some(tty),
        ..Default::default()
    }
}

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

/// Writes `bytes` to an attached container's stdin and flushes them, so the program sees them
/// now and not when the stream closes.
pub(crate) async fn write_stdin<W>(input: &mut W, bytes: &[u8]) -> std::io::Result<()>
where
    W: AsyncWrite + Unpin + ?Sized,
{
    input.write_all(bytes).await?;
    input.flush().await
}
