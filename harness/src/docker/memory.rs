//! Peak memory and the calculator's own time for a script, in a container kept alive for the
//! measurement. These machines use cgroup v1, which has no `memory.peak`: the engine's stats
//! report `max_usage`, the high-water mark of the container's cgroup, but only while the
//! container exists. So the script goes in on stdin and stdin stays open; once every result
//! line has come back (the calculator flushes before a read would block) the stats are read,
//! and only then is stdin closed and the container removed.

use std::time::{Duration, Instant};

use bollard::Docker;
use bollard::query_parameters::StatsOptionsBuilder;
use futures_util::StreamExt;
use tokio::io::AsyncWriteExt;

use crate::docker::attach::{attach_then_start, attached_body, write_stdin};
use crate::docker::container::create;
use crate::docker::engine::short_reason;

/// The measurement failed.
#[derive(Debug, thiserror::Error)]
#[error("cannot measure the script in {image}: {reason}")]
pub struct MemoryError {
    /// The image.
    pub(crate) image: String,
    /// Why.
    pub(crate) reason: String,
}

/// What one script run gave.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct ScriptRun {
    /// From the first byte written to the last expected result line read: the calculator's
    /// own time, without the container's start.
    pub(crate) elapsed: Duration,
    /// The cgroup's `max_usage`, in bytes.
    pub(crate) max_usage: u64,
}

/// Feeds `script` to `image`'s calculator, waits for `lines` result lines, reads the peak,
/// then lets the container go.
pub(crate) async fn script_run(
    docker: &Docker,
    image: &str,
    script: &[u8],
    lines: usize,
    timeout: Duration,
) -> Result<ScriptRun, MemoryError> {
    let fail = |reason: String| MemoryError {
        image: image.to_string(),
        reason,
    };
    let guard = create(docker, attached_body(image, false))
        .await
        .map_err(|e| fail(short_reason(&e)))?;
    let result = async {
        let attach = attach_then_start(docker, guard.id())
            .await
            .map_err(|e| fail(short_reason(&e)))?;
        let mut writer = attach.input;
        let mut output = attach.output;
        let started = Instant::now();
        let feed = async {
            write_stdin(&mut writer, script)
                .await
                .map_err(|e| fail(format!("writing the script: {e}")))
        };
        let read = async {
            let mut seen = 0usize;
            let mut stderr = Vec::new();
            while seen < lines {
                match output.next().await {
                    Some(Ok(bollard::container::LogOutput::StdOut { message })) => {
                        seen += message.iter().filter(|b| **b == b'\n').count();
                    }
                    Some(Ok(bollard::container::LogOutput::StdErr { message })) => {
                        stderr.extend_from_slice(&message);
                    }
                    Some(Ok(_)) => {}
                    Some(Err(e)) => return Err(fail(short_reason(&e))),
                    None => {
                        return Err(fail(format!(
                            "the output ended after {seen} of {lines} lines: {}",
                            String::from_utf8_lossy(&stderr).trim()
                        )));
                    }
                }
            }
            Ok(started.elapsed())
        };
        let (fed, elapsed) = tokio::time::timeout(timeout, async { tokio::join!(feed, read) })
            .await
            .map_err(|_| fail(format!("no {lines} result lines within {} s", timeout.as_secs())))?;
        fed?;
        let elapsed = elapsed?;
        let stats = docker
            .stats(
                guard.id(),
                Some(StatsOptionsBuilder::new().stream(false).one_shot(true).build()),
            )
            .next()
            .await
            .ok_or_else(|| fail("no stats".into()))?
            .map_err(|e| fail(short_reason(&e)))?;
        let _ = writer.shutdown().await;
        let max_usage = stats
            .memory_stats
            .and_then(|m| m.max_usage)
            .ok_or_else(|| {
                fail("the engine's stats have no max_usage (cgroup v2 reports no peak through the engine)".into())
            })?;
        Ok(ScriptRun { elapsed, max_usage })
    }
    .await;
    guard.remove(docker).await;
    result
}
