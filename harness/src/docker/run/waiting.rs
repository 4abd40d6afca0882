//! A container kept running on an open stdin, like `docker run -i IMAGE` with nobody
//! writing: for `docker stop` latency and for `docker exec` probes.

use std::time::{Duration, Instant};

use testcontainers::core::ExecCommand;
use testcontainers::runners::AsyncRunner;
use testcontainers::{ContainerAsync, GenericImage, ImageExt};

use super::{RunError, harden, split_tag};
use crate::CONTAINER_LABEL;
use crate::docker::container::owner;
use crate::docker::engine::short_reason;

/// A container started like `docker run -i IMAGE` with nobody writing: the REPL waits on its
/// open stdin. For `docker stop` latency and for exec probes. Removed on drop.
pub struct Waiting {
    /// The testcontainers handle (removes the container on drop).
    pub(crate) container: ContainerAsync<GenericImage>,
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
        let container = request
            .start()
            .await
            .map_err(RunError::engine("starting a waiting container", image))?;
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
        self.container
            .stop()
            .await
            .map_err(RunError::engine("stopping", ""))?;
        Ok(started.elapsed())
    }

    /// `docker exec` of `cmd`: its exit code and everything it printed. In a scratch image
    /// `sh` gives 126 and "executable file not found".
    pub async fn exec(&self, cmd: &[&str]) -> Result<(i64, String), RunError> {
        let fail = RunError::engine("exec", "");
        let mut result = match self
            .container
            .exec(ExecCommand::new(cmd.iter().copied()))
            .await
        {
            Ok(r) => r,
            // Some engines refuse the exec outright: that refusal is the answer.
            Err(e) => return Ok((126, short_reason(&e))),
        };
        let stdout = result.stdout_to_vec().await.map_err(&fail)?;
        let stderr = result.stderr_to_vec().await.map_err(&fail)?;
        let mut code = None;
        for _ in 0..100 {
            code = result.exit_code().await.map_err(&fail)?;
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
