//! Image facts, from the engine (size, config, labels) and from the image's own layer tars
//! (`docker save`): compressed size as a registry would transfer it, files, packages, what
//! binaries exist, and wasted bytes as dive computes them. The demo, the report, the bench
//! and the structure tests all read these, so each is computed once, here.

use std::collections::{BTreeMap, HashMap};
use std::path::Path;

use bollard::Docker;

use super::layers::{SavedImage, SavedImageError};
use super::surface::{Surface, summarise};
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

/// What kind of entry a path is in the image's filesystem.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Node {
    /// A regular file.
    File {
        /// Its size in bytes.
        size: u64,
        /// Its permission bits (`0o755`).
        mode: u32,
    },
    /// A directory.
    Dir,
    /// A symbolic link to this target.
    Symlink(String),
    /// A hard link to this path.
    Hardlink(String),
    /// Anything else (device, fifo).
    Other,
}

/// The image's final filesystem, all layers applied (whiteouts honoured).
#[derive(Debug, Clone, Default)]
pub struct Filesystem {
    /// Paths without a leading `/`, mapped to what they are.
    pub entries: BTreeMap<String, Node>,
}

impl Filesystem {
    /// Resolves symlinks (absolute and relative, in any component, as the kernel would inside
    /// the container) and returns the final path and node: `/bin/sh` on a merged-/usr Debian
    /// is `usr/bin/dash`.
    pub fn resolve(&self, path: &str) -> Option<(String, &Node)> {
        let mut pending: Vec<String> = path
            .split('/')
            .filter(|s| !s.is_empty())
            .map(String::from)
            .rev()
            .collect();
        let mut current: Vec<String> = Vec::new();
        let mut hops = 0;
        while let Some(part) = pending.pop() {
            match part.as_str() {
                "." => continue,
                ".." => {
                    current.pop();
                    continue;
                }
                _ => {}
            }
            current.push(part);
            let joined = current.join("/");
            // Tars need not list parent directories: a missing one is implied.
            if let Some(Node::Symlink(target)) = self.entries.get(&joined) {
                hops += 1;
                if hops > 40 {
                    return None;
                }
                current.pop();
                if target.starts_with('/') {
                    current.clear();
                }
                for p in target.split('/').filter(|s| !s.is_empty()).rev() {
                    pending.push(p.to_string());
                }
            }
        }
        let joined = current.join("/");
        if joined.is_empty() {
            return Some((joined, &Node::Dir));
        }
        self.entries.get(&joined).map(|n| (joined.clone(), n))
    }

    /// Whether `path` exists and is (after links) a file: "is there a /bin/sh".
    pub fn has_file(&self, path: &str) -> bool {
        matches!(
            self.resolve(path),
            Some((_, Node::File { .. } | Node::Hardlink(_)))
        )
    }

    /// Whether `path` resolves (through symbolic and hard links) to a regular file that
    /// someone may execute. This is what "the image has a shell" means: `/bin/sh` resolves to
    /// an executable file; a dangling link is no shell.
    pub fn is_executable(&self, path: &str) -> bool {
        let mut node = self.resolve(path);
        for _ in 0..40 {
            match node {
                Some((_, Node::File { mode, .. })) => return mode & 0o111 != 0,
                Some((_, Node::Hardlink(target))) => node = self.resolve(&format!("/{target}")),
                _ => return false,
            }
        }
        false
    }

    /// Whether the image has a shell: `/bin/sh` is executable (see [`Self::is_executable`]).
    pub fn has_shell(&self) -> bool {
        self.is_executable("/bin/sh")
    }

    /// Size of the file at `path` after links, if it is one.
    pub fn file_size(&self, path: &str) -> Option<u64> {
        match self.resolve(path)? {
            (_, Node::File { size, .. }) => Some(*size),
            _ => None,
        }
    }

    /// Number of non-directory entries (files, links, devices): what "files in the image"
    /// means in the tables.
    pub fn file_count(&self) -> u64 {
        self.entries.values().filter(|n| **n != Node::Dir).count() as u64
    }

    /// Paths of files named `name` in any `bin` or `sbin` directory, like `which -a` over
    /// every possible PATH: finds cargo in /usr/local/cargo/bin without knowing the layout.
    pub fn find_program(&self, name: &str) -> Vec<String> {
        self.entries
            .iter()
            .filter(|(path, node)| {
                let (dir, base) = path.rsplit_once('/').unwrap_or(("", path));
                base == name
                    && (dir.ends_with("bin") || dir.ends_with("sbin"))
                    && matches!(
                        node,
                        Node::File { .. } | Node::Symlink(_) | Node::Hardlink(_)
                    )
            })
            .map(|(p, _)| format!("/{p}"))
            .collect()
    }
}

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
pub async fn inspect_variant(
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

/// What the layer walk yields.
#[derive(Debug, Clone, Default)]
pub struct LayerAnalysis {
    /// Layers in the saved image.
    pub layer_count: usize,
    /// Sum of gzipped layer sizes.
    pub compressed_size: u64,
    /// The final filesystem.
    pub filesystem: Filesystem,
    /// Installed packages.
    pub packages: Vec<String>,
    /// dive's wasted bytes.
    pub wasted_bytes: u64,
    /// dive's efficiency score.
    pub efficiency: f64,
    /// The attack surface of the final filesystem.
    pub surface: Surface,
}

/// Walks a `docker save` archive: layers in manifest order, whiteouts applied; `compressed`
/// also gzips each layer.
pub fn analyse_saved_image(
    path: &Path,
    compressed: bool,
) -> Result<LayerAnalysis, SavedImageError> {
    analyse(&SavedImage::open(path)?, compressed)
}

/// The analysis of an opened archive (see [`analyse_saved_image`]).
pub(crate) fn analyse(
    saved: &SavedImage,
    compressed: bool,
) -> Result<LayerAnalysis, SavedImageError> {
    // dive: per path, the number of copies, the total of their sizes and the smallest.
    let mut copies: HashMap<String, (u32, u64, u64)> = HashMap::new();
    let stacked = saved.walk(compressed, &mut |path, size| {
        let e = copies.entry(path.to_string()).or_insert((0, 0, u64::MAX));
        e.0 += 1;
        e.1 += size;
        e.2 = e.2.min(size);
    })?;
    let mut wasted = 0;
    let (mut minimum, mut discovered) = (0u64, 0u64);
    for (count, total, min) in copies.values() {
        if *count > 1 {
            wasted += total;
        }
        minimum += min;
        discovered += total;
    }
    let efficiency = if discovered == 0 {
        1.0
    } else {
        minimum as f64 / discovered as f64
    };
    Ok(LayerAnalysis {
        surface: summarise(&stacked),
        layer_count: stacked.gzipped.len(),
        compressed_size: stacked.gzipped.iter().sum(),
        packages: installed_packages(&stacked.dpkg),
        filesystem: Filesystem {
            entries: stacked
                .entries
                .into_iter()
                .map(|(path, stat)| (path, stat.node))
                .collect(),
        },
        wasted_bytes: wasted,
        efficiency,
    })
}

/// Installed packages from dpkg's status file and distroless's status.d directory (one file
/// per package, same stanza format); `.md5sums` files there are not packages.
fn installed_packages(files: &HashMap<String, Vec<u8>>) -> Vec<String> {
    let mut out = Vec::new();
    for (path, content) in files {
        if path.ends_with(".md5sums") {
            continue;
        }
        let text = String::from_utf8_lossy(content);
        for stanza in text.split("\n\n") {
            let field = |name: &str| {
                stanza
                    .lines()
                    .find_map(|l| l.strip_prefix(name).map(|v| v.trim().to_string()))
            };
            let Some(package) = field("Package:") else {
                continue;
            };
            // status.d stanzas often carry no Status line: being there means installed.
            let installed = field("Status:").is_none_or(|s| s.ends_with(" installed"));
            if installed {
                out.push(package);
            }
        }
    }
    out.sort();
    out.dedup();
    out
}

/// The OCI labels every variant must carry (the structure tests check them).
pub const REQUIRED_LABELS: [&str; 4] = [
    "org.opencontainers.image.title",
    "org.opencontainers.image.description",
    "org.opencontainers.image.source",
    "org.opencontainers.image.licenses",
];

#[cfg(test)]
mod tests {
    use super::super::layers::testing::{Member, file, saved, tar_of};
    use super::*;

    fn analyse_layers(layers: Vec<Vec<u8>>) -> LayerAnalysis {
        let archive = saved(&layers, "{}");
        analyse_saved_image(archive.path(), true).unwrap()
    }

    #[test]
    fn whiteouts_overwrites_and_dive_waste() {
        let base = tar_of(&[
            Member::Dir("usr/", 0o755),
            Member::Dir("usr/bin/", 0o755),
            file("usr/bin/dash", &[0u8; 100]),
            Member::Link("bin->usr/bin"),
            Member::Link("usr/bin/sh->dash"),
            file("var/lib/apt/lists/big", &[1u8; 1000]),
            file("etc/motd", &[2u8; 10]),
            file("opt/a", &[3u8; 5]),
        ]);
        let upper = tar_of(&[
            file("var/lib/apt/lists/.wh.big", b""),
            file("etc/motd", &[2u8; 20]),
            file("opt/.wh..wh..opq", b""),
            file("opt/b", &[4u8; 7]),
        ]);
        let a = analyse_layers(vec![base, upper]);
        let fs = &a.filesystem;
        assert!(fs.has_file("/bin/sh"), "{:?}", fs.entries);
        assert_eq!(fs.resolve("/bin/sh").unwrap().0, "usr/bin/dash");
        assert!(!fs.entries.contains_key("var/lib/apt/lists/big"));
        assert!(!fs.entries.contains_key("opt/a"));
        assert_eq!(fs.file_size("/etc/motd"), Some(20));
        assert_eq!(fs.file_size("/opt/b"), Some(7));
        // dive counts every copy of a path seen more than once: big and its whiteout
        // (1000 + 1000), motd twice (10 + 20), opt/a and its opaque removal (5 + 5).
        assert_eq!(a.wasted_bytes, 2000 + 30 + 10);
        assert!(a.efficiency < 1.0);
        assert_eq!(a.layer_count, 2);
        assert!(a.compressed_size > 0);
    }

    #[test]
    fn the_facts_walk_also_yields_the_attack_surface() {
        let l = tar_of(&[
            Member::File("usr/bin/passwd", 0o4755, b"x"),
            Member::Dir("tmp/", 0o1777),
        ]);
        let archive = saved(&[l], "{}");
        let a = analyse_saved_image(archive.path(), false).unwrap();
        let alone = crate::image::surface::analyse_saved(archive.path()).unwrap();
        assert_eq!(a.surface, alone);
        assert_eq!(a.surface.setuid_files, ["/usr/bin/passwd"]);
        assert_eq!(a.surface.world_writable_dirs, ["/tmp"]);
    }

    #[test]
    fn packages_from_dpkg_status_and_status_d() {
        let status = b"Package: bash\nStatus: install ok installed\n\nPackage: gone\nStatus: deinstall ok config-files\n\nPackage: dash\nStatus: install ok installed\n";
        let l1 = tar_of(&[
            file("var/lib/dpkg/status", status),
            file(
                "var/lib/dpkg/status.d/libc6",
                b"Package: libc6\nVersion: 2.41\n",
            ),
            file("var/lib/dpkg/status.d/libc6.md5sums", b"abc  lib/x\n"),
        ]);
        let a = analyse_layers(vec![l1]);
        assert_eq!(a.packages, ["bash", "dash", "libc6"]);
    }

    #[test]
    fn programs_are_found_in_any_bin() {
        let l = tar_of(&[
            file("usr/local/cargo/bin/cargo", b"x"),
            file("usr/local/cargo/bin/rustc", b"x"),
            file("usr/share/doc/cargo", b"x"),
        ]);
        let a = analyse_layers(vec![l]);
        assert_eq!(
            a.filesystem.find_program("cargo"),
            ["/usr/local/cargo/bin/cargo"]
        );
        assert_eq!(a.filesystem.file_count(), 3);
    }

    #[test]
    fn a_shell_is_an_executable_bin_sh() {
        let fs = |entries: &[(&str, Node)]| Filesystem {
            entries: entries
                .iter()
                .map(|(p, n)| (p.to_string(), n.clone()))
                .collect(),
        };
        let dash = Node::File {
            size: 125_000,
            mode: 0o755,
        };
        let merged = fs(&[
            ("bin", Node::Symlink("usr/bin".into())),
            ("usr/bin/sh", Node::Symlink("dash".into())),
            ("usr/bin/dash", dash.clone()),
        ]);
        assert!(merged.has_shell());
        let hard = fs(&[
            ("bin/sh", Node::Hardlink("bin/dash".into())),
            ("bin/dash", dash),
        ]);
        assert!(hard.has_shell());
        let dangling = fs(&[("bin/sh", Node::Symlink("/bin/busybox".into()))]);
        assert!(!dangling.has_shell(), "a dangling link is no shell");
        let not_executable = fs(&[(
            "bin/sh",
            Node::File {
                size: 10,
                mode: 0o644,
            },
        )]);
        assert!(!not_executable.has_shell());
        assert!(!fs(&[]).has_shell());
    }
}
