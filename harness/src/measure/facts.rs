//! The image facts the tables show, and the cache that keeps them between runs.
//!
//! Inspecting an image means saving and gzipping every layer (the naive image is well over a
//! gigabyte), so the facts are kept in a small cache keyed by the image id. An image id is
//! the digest of the image's configuration, which names every layer by digest: the same id
//! means the same bytes, and the cached facts are the facts. `--fresh` ignores the cache.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use bollard::Docker;
use serde::{Deserialize, Serialize};

use crate::image::inspect::{ImageFacts, InspectError, inspect_image, inspect_variant};
use crate::image::surface::Surface;
use crate::manifest::catalogue::{Catalogue, Variant};

/// Where the facts cache lives, relative to the workspace root (ignored by git and by
/// `.dockerignore`, and removed by `cargo clean`).
pub const CACHE_FILE: &str = "target/calc-kit/image-facts.json";

/// Bumped whenever what is cached, or how it is measured, changes (2: a toolchain is cargo
/// and rustc both; a shell is an executable /bin/sh; 3: the entrypoint and dive's efficiency,
/// for `harness inspect`; 4: the attack surface, for `harness claims`).
const CACHE_FORMAT: u32 = 4;

/// The image facts the tables show: a small, serialisable extract of [`ImageFacts`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Facts {
    /// Size on disk (uncompressed layers), as `docker images` shows it.
    pub size: u64,
    /// What a registry transfers: every layer gzipped.
    pub compressed_size: u64,
    /// Filesystem layers.
    pub layers: usize,
    /// Non-directory entries in the final filesystem.
    pub files: u64,
    /// Installed Debian packages.
    pub packages: usize,
    /// `/bin/sh` exists.
    pub shell: bool,
    /// apt or dpkg exists.
    pub package_manager: bool,
    /// cargo and rustc both exist.
    pub toolchain: bool,
    /// The user the container runs as (`root` when unset).
    pub user: String,
    /// Bytes that later layers overwrote or removed (dive's count).
    pub wasted_bytes: u64,
    /// The image's ENTRYPOINT.
    pub entrypoint: Vec<String>,
    /// dive's efficiency score (1.0 = no wasted bytes).
    pub efficiency: f64,
}

impl Facts {
    /// The extract of a full inspection (which must have measured the compressed size).
    pub fn from_image(image: &ImageFacts) -> Facts {
        Facts {
            size: image.size,
            compressed_size: image.compressed_size.unwrap_or(0),
            layers: image.layers,
            files: image.files,
            packages: image.packages.len(),
            shell: image.has_shell,
            package_manager: image.has_package_manager,
            toolchain: image.has_toolchain(),
            user: image.effective_user().to_string(),
            wasted_bytes: image.wasted_bytes,
            entrypoint: image.entrypoint.clone(),
            efficiency: image.efficiency,
        }
    }
}

/// A variant's image facts, as [`variant_facts`] gives them.
pub struct VariantFacts {
    /// The image id (empty when the engine did not say).
    pub id: String,
    /// The facts.
    pub facts: Facts,
    /// The stand-in bases its Dockerfile names: (base, upstream).
    pub stand_ins: Vec<(String, String)>,
    /// Taken from the cache.
    pub cached: bool,
}

/// The facts of a variant's current image: from `cache` when its image id is there, else
/// measured (saving and gzipping every layer) and added to `cache`.
pub async fn variant_facts(
    docker: &Docker,
    catalogue: &Catalogue,
    v: &Variant,
    cache: &mut FactsCache,
) -> Result<VariantFacts, InspectError> {
    let id = docker
        .inspect_image(&catalogue.image(v))
        .await
        .ok()
        .and_then(|i| i.id)
        .unwrap_or_default();
    if let Some(facts) = cache.get(&id) {
        let text = std::fs::read_to_string(catalogue.dockerfile_path(v)).unwrap_or_default();
        let stand_ins =
            crate::docker::bases::stand_ins(docker, &catalogue.bases.label, &text).await;
        return Ok(VariantFacts {
            id,
            facts,
            stand_ins,
            cached: true,
        });
    }
    let full = inspect_variant(docker, catalogue, v, true).await?;
    let facts = Facts::from_image(&full.image);
    cache.insert(&full.image.id, facts.clone(), full.image.surface);
    Ok(VariantFacts {
        id,
        facts,
        stand_ins: full.stand_ins,
        cached: false,
    })
}

/// The attack surface of `image` (whose id is `id`): from `cache` when the id is there (the
/// survey walked the same layers), else from one walk of its saved layers, which also adds
/// its facts to `cache`. The flag says it came from the cache.
pub(crate) async fn image_surface(
    docker: &Docker,
    image: &str,
    id: &str,
    cache: &mut FactsCache,
) -> Result<(Surface, bool), InspectError> {
    if let Some(entry) = cache.images.get(id).filter(|_| !id.is_empty()) {
        return Ok((entry.surface.clone(), true));
    }
    let full = inspect_image(docker, image, true).await?;
    cache.insert(&full.id, Facts::from_image(&full), full.surface.clone());
    Ok((full.surface, false))
}

/// What the cache keeps of one image.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct Cached {
    facts: Facts,
    surface: Surface,
}

/// Image facts by image id, kept between runs (see the module documentation).
#[derive(Debug, Default, Serialize, Deserialize)]
pub struct FactsCache {
    /// [`CACHE_FORMAT`] and the harness version that wrote the file; anything else is
    /// ignored whole.
    format: String,
    images: BTreeMap<String, Cached>,
}

impl FactsCache {
    /// The cache at `path`, or an empty one when `fresh` (measure everything again).
    pub fn open(path: &Path, fresh: bool) -> FactsCache {
        if fresh {
            FactsCache::default()
        } else {
            FactsCache::load(path)
        }
    }

    fn stamp() -> String {
        format!("{CACHE_FORMAT}/{}", env!("CARGO_PKG_VERSION"))
    }

    fn load(path: &Path) -> FactsCache {
        std::fs::read_to_string(path)
            .ok()
            .and_then(|text| serde_json::from_str::<FactsCache>(&text).ok())
            .filter(|c| c.format == FactsCache::stamp())
            .unwrap_or_default()
    }

    fn get(&self, id: &str) -> Option<Facts> {
        if id.is_empty() {
            return None;
        }
        self.images.get(id).map(|c| c.facts.clone())
    }

    fn insert(&mut self, id: &str, facts: Facts, surface: Surface) {
        if !id.is_empty() {
            self.images
                .insert(id.to_string(), Cached { facts, surface });
        }
    }

    /// Writes the cache (write, then rename: an interrupted run never leaves half a file).
    pub fn save(&mut self, path: &Path) -> std::io::Result<()> {
        self.format = FactsCache::stamp();
        let dir: PathBuf = path.parent().map(Path::to_path_buf).unwrap_or_default();
        std::fs::create_dir_all(&dir)?;
        let text = serde_json::to_string_pretty(self).map_err(std::io::Error::other)?;
        // Write then rename, so an interrupted run never leaves half a file.
        let tmp = path.with_extension("json.tmp");
        std::fs::write(&tmp, text)?;
        std::fs::rename(&tmp, path)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_cache_round_trips_and_ignores_other_formats() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("sub/facts.json");
        let mut cache = FactsCache::default();
        let facts = crate::measure::survey::tests::sample().rows[4]
            .facts
            .clone();
        let surface = Surface {
            executables: 1,
            ..Surface::default()
        };
        cache.insert("sha256:abc", facts.clone(), surface.clone());
        cache.insert("", facts.clone(), Surface::default());
        cache.save(&path).unwrap();
        let loaded = FactsCache::load(&path);
        assert_eq!(loaded.get("sha256:abc"), Some(facts));
        assert_eq!(loaded.images["sha256:abc"].surface, surface);
        assert_eq!(loaded.images.len(), 1);
        std::fs::write(&path, r#"{"format":"0/0","images":{"sha256:abc":null}}"#).unwrap();
        assert!(FactsCache::load(&path).images.is_empty());
    }
}
