//! Image facts, from the engine (size, config, labels) and from the image's own layer tars
//! (`docker save`): compressed size as a registry would transfer it, files, packages, what
//! binaries exist, and wasted bytes as dive computes them. The demo, the report, the bench
//! and the structure tests all read these, so each is computed once, here.

use std::collections::{BTreeMap, HashMap};
use std::io::{Read, Write};
use std::path::Path;

use bollard::Docker;
use futures_util::StreamExt;
use tokio::io::AsyncWriteExt;

use crate::docker::engine::short_reason;
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
    /// The saved image could not be read.
    #[error("cannot read the layers of {image}: {reason}")]
    Archive {
        /// The image.
        image: String,
        /// Why.
        reason: String,
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
    let engine_err = |e: bollard::errors::Error| InspectError::Engine {
        image: image.to_string(),
        reason: short_reason(&e),
    };
    let archive_err = |reason: String| InspectError::Archive {
        image: image.to_string(),
        reason,
    };
    let info = docker.inspect_image(image).await.map_err(engine_err)?;
    let config = info.config.clone().unwrap_or_default();

    // Save to a temporary file: the naive image is over a gigabyte.
    let tmp = tempfile::NamedTempFile::new().map_err(|e| archive_err(e.to_string()))?;
    {
        let mut file = tokio::fs::File::create(tmp.path())
            .await
            .map_err(|e| archive_err(e.to_string()))?;
        let mut stream = docker.export_image(image);
        while let Some(chunk) = stream.next().await {
            let chunk = chunk.map_err(engine_err)?;
            file.write_all(&chunk)
                .await
                .map_err(|e| archive_err(e.to_string()))?;
        }
        file.flush().await.map_err(|e| archive_err(e.to_string()))?;
    }
    let path = tmp.path().to_path_buf();
    let layers = tokio::task::spawn_blocking(move || analyse_saved_image(&path, compressed))
        .await
        .map_err(|e| archive_err(e.to_string()))?
        .map_err(archive_err)?;

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
}

/// One entry of one layer: a path and what it is, or a whiteout.
#[derive(Debug, Clone)]
enum LayerEntry {
    Put(String, Node),
    Remove(String),
    Opaque(String),
}

struct Layer {
    entries: Vec<LayerEntry>,
    gzipped: u64,
    dpkg_files: HashMap<String, Vec<u8>>,
}

fn is_dpkg_file(path: &str) -> bool {
    path == "var/lib/dpkg/status" || path.starts_with("var/lib/dpkg/status.d/")
}

fn normalise(path: &str) -> String {
    path.trim_start_matches("./")
        .trim_start_matches('/')
        .trim_end_matches('/')
        .to_string()
}

/// Reads one layer tar: its entries, its gzipped size (0 unless `compressed`) and the dpkg
/// status files in it.
fn read_layer(reader: impl Read, compressed: bool) -> std::io::Result<Layer> {
    struct Counter(u64);
    impl Write for Counter {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.0 += buf.len() as u64;
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }
    // Tee the raw layer bytes into a gzip encoder while the tar reader walks them.
    struct Tee<R, W: Write> {
        inner: R,
        gz: Option<flate2::write::GzEncoder<W>>,
    }
    impl<R: Read, W: Write> Read for Tee<R, W> {
        fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
            let n = self.inner.read(buf)?;
            if let Some(gz) = self.gz.as_mut() {
                gz.write_all(&buf[..n])?;
            }
            Ok(n)
        }
    }
    let mut tee = Tee {
        inner: reader,
        gz: compressed
            .then(|| flate2::write::GzEncoder::new(Counter(0), flate2::Compression::default())),
    };
    let mut entries = Vec::new();
    let mut dpkg_files = HashMap::new();
    {
        let mut archive = tar::Archive::new(&mut tee);
        for entry in archive.entries()? {
            let mut entry = entry?;
            let raw = entry.path()?.to_string_lossy().into_owned();
            let path = normalise(&raw);
            if path.is_empty() {
                continue;
            }
            let (dir, base) = match path.rsplit_once('/') {
                Some((d, b)) => (d.to_string(), b.to_string()),
                None => (String::new(), path.clone()),
            };
            if base == ".wh..wh..opq" {
                entries.push(LayerEntry::Opaque(dir));
                continue;
            }
            if let Some(hidden) = base.strip_prefix(".wh.") {
                let target = if dir.is_empty() {
                    hidden.to_string()
                } else {
                    format!("{dir}/{hidden}")
                };
                entries.push(LayerEntry::Remove(target));
                continue;
            }
            let header = entry.header();
            let node = match header.entry_type() {
                tar::EntryType::Regular | tar::EntryType::Continuous => Node::File {
                    size: header.size()?,
                    mode: header.mode()?,
                },
                tar::EntryType::Directory => Node::Dir,
                tar::EntryType::Symlink => Node::Symlink(
                    entry
                        .link_name()?
                        .map(|l| l.to_string_lossy().into_owned())
                        .unwrap_or_default(),
                ),
                tar::EntryType::Link => Node::Hardlink(normalise(
                    &entry
                        .link_name()?
                        .map(|l| l.to_string_lossy().into_owned())
                        .unwrap_or_default(),
                )),
                _ => Node::Other,
            };
            if is_dpkg_file(&path) && matches!(node, Node::File { .. }) {
                let mut content = Vec::new();
                entry.read_to_end(&mut content)?;
                dpkg_files.insert(path.clone(), content);
            }
            entries.push(LayerEntry::Put(path, node));
        }
    }
    // Drain whatever follows the tar's end marker, so the gzip size covers the whole blob.
    std::io::copy(&mut tee, &mut std::io::sink())?;
    let gzipped = match tee.gz {
        Some(gz) => gz.finish()?.0,
        None => 0,
    };
    Ok(Layer {
        entries,
        gzipped,
        dpkg_files,
    })
}

#[derive(serde::Deserialize)]
struct ManifestEntry {
    #[serde(rename = "Layers")]
    layers: Vec<String>,
}

/// Walks a `docker save` archive: layers in manifest order, whiteouts applied; `compressed`
/// also gzips each layer.
pub fn analyse_saved_image(path: &Path, compressed: bool) -> Result<LayerAnalysis, String> {
    let open = || std::fs::File::open(path).map_err(|e| e.to_string());
    // The manifest may sit anywhere in the archive; layers must be applied in its order, so
    // read each layer as it comes and stack them afterwards.
    let mut manifest: Option<Vec<ManifestEntry>> = None;
    let mut layers: HashMap<String, Layer> = HashMap::new();
    let mut archive = tar::Archive::new(std::io::BufReader::new(open()?));
    for entry in archive.entries().map_err(|e| e.to_string())? {
        let mut entry = entry.map_err(|e| e.to_string())?;
        let name = normalise(&entry.path().map_err(|e| e.to_string())?.to_string_lossy());
        if name == "manifest.json" {
            let mut text = String::new();
            entry.read_to_string(&mut text).map_err(|e| e.to_string())?;
            manifest =
                Some(serde_json::from_str(&text).map_err(|e| format!("manifest.json: {e}"))?);
        } else if name.ends_with("layer.tar") || name.starts_with("blobs/") {
            if entry.header().entry_type() != tar::EntryType::Regular {
                continue;
            }
            let layer = read_layer(&mut entry, compressed).map_err(|e| format!("{name}: {e}"))?;
            layers.insert(name, layer);
        }
    }
    let manifest = manifest.ok_or("no manifest.json in the saved image")?;
    let order = manifest
        .into_iter()
        .next()
        .map(|m| m.layers)
        .unwrap_or_default();
    let mut stacked = Vec::new();
    for name in &order {
        let layer = layers
            .remove(&normalise(name))
            .ok_or_else(|| format!("layer {name} named in manifest.json is not in the archive"))?;
        stacked.push(layer);
    }
    Ok(stack(stacked))
}

/// Applies layers in order and computes dive's waste figures along the way.
fn stack(layers: Vec<Layer>) -> LayerAnalysis {
    let mut fs = Filesystem::default();
    let mut dpkg: HashMap<String, Vec<u8>> = HashMap::new();
    // dive: per path, the total of every copy's size and the smallest copy.
    let mut copies: HashMap<String, (u32, u64, u64)> = HashMap::new();
    let mut record = |path: &str, size: u64| {
        let e = copies.entry(path.to_string()).or_insert((0, 0, u64::MAX));
        e.0 += 1;
        e.1 += size;
        e.2 = e.2.min(size);
    };
    let size_under = |fs: &Filesystem, path: &str| -> u64 {
        let prefix = format!("{path}/");
        let own = match fs.entries.get(path) {
            Some(Node::File { size: s, .. }) => *s,
            _ => 0,
        };
        own + fs
            .entries
            .range(prefix.clone()..)
            .take_while(|(p, _)| p.starts_with(&prefix))
            .map(|(_, n)| {
                if let Node::File { size: s, .. } = n {
                    *s
                } else {
                    0
                }
            })
            .sum::<u64>()
    };
    let remove_tree =
        |fs: &mut Filesystem, dpkg: &mut HashMap<String, Vec<u8>>, path: &str, keep_self: bool| {
            let prefix = format!("{path}/");
            let doomed: Vec<String> = fs
                .entries
                .range(prefix.clone()..)
                .take_while(|(p, _)| p.starts_with(&prefix))
                .map(|(p, _)| p.clone())
                .collect();
            for p in doomed {
                fs.entries.remove(&p);
                dpkg.remove(&p);
            }
            if !keep_self {
                fs.entries.remove(path);
                dpkg.remove(path);
            }
        };
    let compressed_size = layers.iter().map(|l| l.gzipped).sum();
    let layer_count = layers.len();
    for layer in layers {
        for entry in layer.entries {
            match entry {
                LayerEntry::Remove(path) => {
                    record(&path, size_under(&fs, &path));
                    remove_tree(&mut fs, &mut dpkg, &path, false);
                }
                LayerEntry::Opaque(dir) => {
                    // Every lower entry under the directory is removed: count each one as
                    // a whiteout of itself.
                    let prefix = format!("{dir}/");
                    let removed: Vec<(String, u64)> = fs
                        .entries
                        .range(prefix.clone()..)
                        .take_while(|(p, _)| p.starts_with(&prefix))
                        .map(|(p, n)| {
                            (
                                p.clone(),
                                if let Node::File { size: s, .. } = n {
                                    *s
                                } else {
                                    0
                                },
                            )
                        })
                        .collect();
                    for (path, size) in removed {
                        record(&path, size);
                    }
                    remove_tree(&mut fs, &mut dpkg, &dir, true);
                }
                LayerEntry::Put(path, node) => {
                    let size = if let Node::File { size: s, .. } = node {
                        s
                    } else {
                        0
                    };
                    record(&path, size);
                    // A non-directory replacing a directory replaces its contents too.
                    if node != Node::Dir && matches!(fs.entries.get(&path), Some(Node::Dir)) {
                        remove_tree(&mut fs, &mut dpkg, &path, true);
                    }
                    fs.entries.insert(path, node);
                }
            }
        }
        dpkg.extend(layer.dpkg_files);
    }
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
    let packages = installed_packages(&dpkg);
    LayerAnalysis {
        layer_count,
        compressed_size,
        filesystem: fs,
        packages,
        wasted_bytes: wasted,
        efficiency,
    }
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
    use super::*;

    fn layer(entries: &[(&str, Option<&[u8]>)]) -> Vec<u8> {
        let mut b = tar::Builder::new(Vec::new());
        for (path, content) in entries {
            let mut h = tar::Header::new_gnu();
            match content {
                Some(c) => {
                    h.set_entry_type(tar::EntryType::Regular);
                    h.set_size(c.len() as u64);
                    h.set_mode(0o644);
                    h.set_cksum();
                    b.append_data(&mut h, path, *c).unwrap();
                }
                None if path.ends_with('/') => {
                    h.set_entry_type(tar::EntryType::Directory);
                    h.set_size(0);
                    h.set_mode(0o755);
                    h.set_cksum();
                    b.append_data(&mut h, path, std::io::empty()).unwrap();
                }
                None => {
                    let (name, target) = path.split_once("->").unwrap();
                    h.set_entry_type(tar::EntryType::Symlink);
                    h.set_size(0);
                    h.set_mode(0o777);
                    b.append_link(&mut h, name, target).unwrap();
                }
            }
        }
        b.into_inner().unwrap()
    }

    fn analyse(layers: Vec<Vec<u8>>) -> LayerAnalysis {
        stack(
            layers
                .into_iter()
                .map(|l| read_layer(l.as_slice(), true).unwrap())
                .collect(),
        )
    }

    #[test]
    fn whiteouts_overwrites_and_dive_waste() {
        let base = layer(&[
            ("usr/", None),
            ("usr/bin/", None),
            ("usr/bin/dash", Some(&[0u8; 100])),
            ("bin->usr/bin", None),
            ("usr/bin/sh->dash", None),
            ("var/lib/apt/lists/big", Some(&[1u8; 1000])),
            ("etc/motd", Some(&[2u8; 10])),
            ("opt/a", Some(&[3u8; 5])),
        ]);
        let upper = layer(&[
            ("var/lib/apt/lists/.wh.big", Some(b"")),
            ("etc/motd", Some(&[2u8; 20])),
            ("opt/.wh..wh..opq", Some(b"")),
            ("opt/b", Some(&[4u8; 7])),
        ]);
        let a = analyse(vec![base, upper]);
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
    fn packages_from_dpkg_status_and_status_d() {
        let status = b"Package: bash\nStatus: install ok installed\n\nPackage: gone\nStatus: deinstall ok config-files\n\nPackage: dash\nStatus: install ok installed\n";
        let l1 = layer(&[
            ("var/lib/dpkg/status", Some(status)),
            (
                "var/lib/dpkg/status.d/libc6",
                Some(b"Package: libc6\nVersion: 2.41\n"),
            ),
            ("var/lib/dpkg/status.d/libc6.md5sums", Some(b"abc  lib/x\n")),
        ]);
        let a = analyse(vec![l1]);
        assert_eq!(a.packages, ["bash", "dash", "libc6"]);
    }

    #[test]
    fn programs_are_found_in_any_bin() {
        let l = layer(&[
            ("usr/local/cargo/bin/cargo", Some(b"x")),
            ("usr/local/cargo/bin/rustc", Some(b"x")),
            ("usr/share/doc/cargo", Some(b"x")),
        ]);
        let a = analyse(vec![l]);
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
