//! `docker save` of one image into a temporary file (the naive image is over a gigabyte, so
//! never into memory); the file is removed when the handle is dropped.

use bollard::Docker;
use futures_util::StreamExt;
use tokio::io::AsyncWriteExt;

use crate::docker::engine::short_reason;

/// Saving failed.
#[derive(Debug, thiserror::Error)]
#[error("cannot save {image}: {reason}")]
pub struct SaveError {
    /// The image.
    pub(crate) image: String,
    /// Why.
    pub(crate) reason: String,
}

/// Saves `image` (the engine's legacy archive: `manifest.json` and one tar per layer).
pub async fn save_to_temp(
    docker: &Docker,
    image: &str,
) -> Result<tempfile::NamedTempFile, SaveError> {
    let fail = |reason: String| SaveError {
        image: image.to_string(),
        reason,
    };
    let tmp = tempfile::Builder::new()
        .prefix("calc-kit-save-")
        .suffix(".tar")
        .tempfile()
        .map_err(|e| fail(e.to_string()))?;
    let mut file = tokio::fs::File::create(tmp.path())
        .await
        .map_err(|e| fail(e.to_string()))?;
    let mut stream = docker.export_image(image);
    while let Some(chunk) = stream.next().await {
        let chunk = chunk.map_err(|e| fail(short_reason(&e)))?;
        file.write_all(&chunk)
            .await
            .map_err(|e| fail(e.to_string()))?;
    }
    file.flush().await.map_err(|e| fail(e.to_string()))?;
    Ok(tmp)
}
