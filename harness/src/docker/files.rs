//! Files into and out of containers, as tars through the engine's archive API: files copied
//! into a created container before it starts, and one file read out of an image from a
//! container that never starts.

use bollard::Docker;
use bollard::models::ContainerCreateBody;
use bollard::query_parameters::DownloadFromContainerOptionsBuilder;
use futures_util::StreamExt;

use crate::docker::container::create;
use crate::docker::run::RunError;

/// Copies `files` (path, content; mode 0644) into created container `id`, as one tar.
pub(crate) async fn upload_files(
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
        ..Default::default()
    };
    let guard = create(docker, body)
        .await
        .map_err(RunError::engine("creating a container", image))?;
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
