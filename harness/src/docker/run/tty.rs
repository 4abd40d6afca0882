//! An interactive session on a pseudo-terminal, like `docker run -it IMAGE`: the REPL's line
//! editing and prompts as a person at a terminal sees them.

use std::pin::Pin;
use std::time::{Duration, Instant};

use bollard::Docker;
use bollard::models::ContainerCreateBody;
use bollard::query_parameters::ResizeContainerTTYOptionsBuilder;
use futures_util::{Stream, StreamExt};
use tokio::io::AsyncWrite;

use super::{RunError, connect, wait_exit};
use crate::docker::attach::{attach_then_start, attached_body, write_stdin};
use crate::docker::container::{ContainerGuard, create};

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
    pub(crate) screen: Vec<u8>,
    consumed: usize,
}

impl TtySession {
    /// Starts `image` on a TTY (80x24) with stdin open.
    pub async fn start(image: &str) -> Result<TtySession, RunError> {
        let docker = connect(image)?;
        let body = ContainerCreateBody {
            env: Some(vec!["TERM=xterm".to_string()]),
            ..attached_body(image, true)
        };
        let guard = create(&docker, body)
            .await
            .map_err(RunError::engine("creating a TTY container", image))?;
        let attach = attach_then_start(&docker, guard.id())
            .await
            .map_err(RunError::engine("attaching and starting", image))?;
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
        write_stdin(&mut self.input, keys.as_bytes())
            .await
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
            .map_err(|e| e.for_run(&self.image, timeout, &self.screen))?;
        self.guard.remove(&self.docker).await;
        Ok(code)
    }
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack
        .windows(needle.len().max(1))
        .position(|w| w == needle)
}
