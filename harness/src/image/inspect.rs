//! Image facts from the engine: its view of the image (size, configuration, layers) plus one
//! walk of the image's saved layers ([`super::analysis`]). The demo, the report, the bench
//! and the structure tests all read these, so each is computed once, here.

use bollard::Docker;

pub use super::analysis::LayerAnalysis;
pub(crate) use super::analysis::analyse_saved_image;
pub use super::facts::{ImageConfig, ImageFacts, REQUIRED_LABELS};
pub use super::filesystem::{Filesystem, Node};
use super::layers::SavedImageError;
use crate::docker::engine::short_reason;
use crate::docker::save::{SaveError, save_to_temp};
use crate::manifest::catalogue::{Catalogue, Variant};

/// Inspection failed.
#[derive(Debug, thiserror::Error)]
pub enum InspectError {
    /// The engine failed or the image is missing.
    #[error("cannot inspect {image}: {reason}")]
    Engine {
        /// The image.
        image: String,
        /// Why.
        reason: String,
    },
    /// The layer walk stopped before it finished.
    #[error("cannot read the layers of {image}: {reason}")]
    Archive {
        /// The image.
        image: String,
        /// Why.
        reason: String,
    },
    /// The image could not be saved.
    #[error(transparent)]
    Save(#[from] SaveError),
    /// The saved image could not be read.
    #[error("cannot read the layers of {image}: {source}")]
    Layers {
        /// The image.
        image: String,
        /// What failed, with the archive's path.
        source: SavedImageError,
    },
}

/// Facts about a variant: its image plus which of its bases are stand-ins.
#[derive(Debug, Clone)]
pub struct VariantFacts {
    /// The image facts.
    pub image: ImageFacts,
    /// `(base as the Dockerfile names it, upstream it stands in for)` for every stand-in base.
    pub stand_ins: Vec<(String, String)>,
}

/// Inspects a built variant, including which base images were stand-ins; `compressed` also
/// measures the compressed size.
pub(crate) async fn inspect_variant(
    docker: &Docker,
    catalogue: &Catalogue,
    variant: &Variant,
    compressed: bool,
) -> Result<VariantFacts, InspectError> {
    let image = inspect_image(docker, &catalogue.image(variant), compressed).await?;
    let text = std::fs::read_to_string(catalogue.dockerfile_path(variant)).unwrap_or_default();
    let stand_ins = crate::docker::bases::stand_ins(docker, &catalogue.bases.label, &text).await;
    Ok(VariantFacts { image, stand_ins })
}

/// Inspects any local image: the engine's view plus a walk of its saved layers; `compressed`
/// also gzips every layer to measure what a registry would transfer.
pub async fn inspect_image(
    docker: &Docker,
    image: &str,
    compressed: bool,
) -> Result<ImageFacts, InspectError> {
    let info = docker
        .inspect_image(image)
        .await
        .map_err(|e| InspectError::Engine {
            image: image.to_string(),
            reason: short_reason(&e),
        })?;
    let config = info.config.clone().unwrap_or_default();

    // Saved to a temporary file: the naive image is over a gigabyte.
    let saved = save_to_temp(docker, image).await?;
    let path = saved.path().to_path_buf();
    let layers = tokio::task::spawn_blocking(move || analyse_saved_image(&path, compressed))
        .await
        .map_err(|e| InspectError::Archive {
            image: image.to_string(),
            reason: e.to_string(),
        })?
        .map_err(|source| InspectError::Layers {
            image: image.to_string(),
            source,
        })?;
    drop(saved);

    let layer_count = info.root_fs.and_then(|r| r.layers).map(|l| l.len());
    Ok(ImageFacts::assemble(
        image,
        info.id.unwrap_or_default(),
        info.size.unwrap_or(0).max(0) as u64,
        layer_count,
        compressed,
        ImageConfig {
            user: config.user.unwrap_or_default(),
            entrypoint: config.entrypoint,
            cmd: config.cmd,
            labels: config.labels.map(|l| l.into_iter().collect()),
        },
        layers,
    ))
}
