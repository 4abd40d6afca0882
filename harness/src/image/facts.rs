//! What the kit reports about an image, assembled from its configuration and its analysed
//! layers wherever they came from (the engine, or a saved archive with no engine at all).

use std::collections::BTreeMap;

use super::analysis::LayerAnalysis;
use super::filesystem::Filesystem;
use super::surface::Surface;

/// Everything the kit reports about an image.
#[derive(Debug, Clone)]
pub struct ImageFacts {
    /// The reference inspected.
    pub image: String,
    /// The engine's image id.
    pub id: String,
    /// Size on disk as `docker images` reports it (uncompressed layers).
    pub size: u64,
    /// Sum of each layer tar gzipped at the default level: what a registry push or pull
    /// transfers. `None` when not asked for (it costs a full compression pass, which takes
    /// most of a minute for the naive image in an unoptimised build).
    pub compressed_size: Option<u64>,
    /// Number of filesystem layers (`RootFS.Layers`).
    pub layers: usize,
    /// Non-directory entries in the final filesystem.
    pub files: u64,
    /// Installed Debian packages (dpkg status, or distroless's status.d), sorted.
    pub packages: Vec<String>,
    /// `/bin/sh` exists.
    pub has_shell: bool,
    /// apt or dpkg exists.
    pub has_package_manager: bool,
    /// Where cargo is, if anywhere.
    pub cargo: Vec<String>,
    /// Where rustc is, if anywhere.
    pub rustc: Vec<String>,
    /// The configured user (`""` means root).
    pub user: String,
    /// Configured entrypoint (exec form as stored by the engine).
    pub entrypoint: Vec<String>,
    /// Configured command.
    pub cmd: Vec<String>,
    /// Image labels.
    pub labels: BTreeMap<String, String>,
    /// Bytes in files that later layers overwrote or removed, counted as dive counts them:
    /// every copy of a path that exists more than once across layers.
    pub wasted_bytes: u64,
    /// dive's efficiency score: smallest copy of each path over all copies (1.0 = no waste).
    pub efficiency: f64,
    /// The final filesystem, for further questions (size of the binary, a file's presence).
    pub filesystem: Filesystem,
    /// What an intruder would find in it (from the same walk of the layers).
    pub surface: Surface,
}

impl ImageFacts {
    /// The user the container runs as, with the engine's empty string spelled `root`.
    pub fn effective_user(&self) -> &str {
        if self.user.is_empty() {
            "root"
        } else {
            &self.user
        }
    }

    /// Whether the image carries a Rust toolchain: cargo and rustc both, as the catalogue's
    /// `toolchain` key says.
    pub fn has_toolchain(&self) -> bool {
        !self.cargo.is_empty() && !self.rustc.is_empty()
    }

    /// Whether the container runs as root (uid 0 by name or number).
    pub fn runs_as_root(&self) -> bool {
        crate::manifest::catalogue::is_root_user(self.effective_user())
    }
}

/// What an image's configuration says about how it runs, from the engine or from the config
/// file of a saved image (whose keys it is named after).
#[derive(Debug, Clone, Default, serde::Deserialize)]
pub struct ImageConfig {
    /// The configured user (`""` means root).
    #[serde(rename = "User", default)]
    pub user: String,
    /// ENTRYPOINT, exec form.
    #[serde(rename = "Entrypoint", default)]
    pub entrypoint: Option<Vec<String>>,
    /// CMD, exec form.
    #[serde(rename = "Cmd", default)]
    pub cmd: Option<Vec<String>>,
    /// Labels.
    #[serde(rename = "Labels", default)]
    pub labels: Option<BTreeMap<String, String>>,
}

impl ImageFacts {
    /// The facts of an image from its configuration and its analysed layers, wherever they
    /// came from (the engine, or a saved archive with no engine at all). `layer_count` is the
    /// engine's count when known, else the archive's.
    #[allow(clippy::too_many_arguments)]
    pub fn assemble(
        image: &str,
        id: String,
        size: u64,
        layer_count: Option<usize>,
        compressed: bool,
        config: ImageConfig,
        layers: LayerAnalysis,
    ) -> ImageFacts {
        ImageFacts {
            image: image.to_string(),
            id,
            size,
            compressed_size: compressed.then_some(layers.compressed_size),
            layers: layer_count.unwrap_or(layers.layer_count),
            files: layers.filesystem.file_count(),
            packages: layers.packages,
            has_shell: layers.filesystem.has_shell(),
            has_package_manager: [
                "/usr/bin/dpkg",
                "/usr/bin/apt-get",
                "/usr/bin/apt",
                "/sbin/apk",
                "/usr/bin/dnf",
            ]
            .iter()
            .any(|p| layers.filesystem.has_file(p)),
            cargo: layers.filesystem.find_program("cargo"),
            rustc: layers.filesystem.find_program("rustc"),
            user: config.user,
            entrypoint: config.entrypoint.unwrap_or_default(),
            cmd: config.cmd.unwrap_or_default(),
            labels: config.labels.unwrap_or_default(),
            wasted_bytes: layers.wasted_bytes,
            efficiency: layers.efficiency,
            filesystem: layers.filesystem,
            surface: layers.surface,
        }
    }
}

/// The OCI labels every variant must carry (the structure tests check them).
pub const REQUIRED_LABELS: [&str; 4] = [
    "org.opencontainers.image.title",
    "org.opencontainers.image.description",
    "org.opencontainers.image.source",
    "org.opencontainers.image.licenses",
];
