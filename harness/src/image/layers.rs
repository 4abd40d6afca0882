//! The one walk over a `docker save` archive: find `manifest.json`, then apply the image's
//! layer tars in the manifest's order over one filesystem, honouring whiteouts (`.wh.NAME`
//! removes NAME and all under it) and opaque directories (`.wh..wh..opq` empties its
//! directory of what lower layers put there), as the engine's overlay driver does. Every
//! reader of saved layers (the image facts, the attack surface, the archive seam) goes
//! through [`SavedImage::walk`], so they all see the same filesystem.

use std::collections::{BTreeMap, HashMap};
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

use super::filesystem::Node;

/// A saved image that cannot be read.
#[derive(Debug, thiserror::Error)]
pub enum SavedImageError {
    /// The file could not be opened or read as a tar.
    #[error("reading {}: {source}", path.display())]
    Io {
        /// The archive.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// One layer tar inside the archive could not be read.
    #[error("reading layer {layer} of {}: {source}", path.display())]
    Layer {
        /// The archive.
        path: PathBuf,
        /// The layer, as `manifest.json` names it.
        layer: String,
        /// Why.
        source: std::io::Error,
    },
    /// `manifest.json` or a member it names is missing or not what Docker writes.
    #[error("{}: {reason}", path.display())]
    Format {
        /// The archive.
        path: PathBuf,
        /// What is wrong.
        reason: String,
    },
}

/// The first image of `manifest.json` (a `docker save` of one image has one).
#[derive(Debug, Clone, serde::Deserialize)]
pub(crate) struct ManifestEntry {
    /// The member holding the image's configuration.
    #[serde(rename = "Config", default)]
    pub(crate) config: String,
    /// The tags it was saved under.
    #[serde(rename = "RepoTags", default)]
    pub(crate) repo_tags: Option<Vec<String>>,
    /// The layer members, bottom first.
    #[serde(rename = "Layers")]
    pub(crate) layers: Vec<String>,
}

/// A path of the final filesystem: what it is and its permission bits (for directories and
/// links too, which [`Node`] does not carry).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Stat {
    /// What it is.
    pub(crate) node: Node,
    /// The tar header's mode (`0o4755`).
    pub(crate) mode: u32,
}

/// The layers applied: the final filesystem and what the walk kept on the way.
#[derive(Debug, Clone, Default)]
pub(crate) struct Stacked {
    /// Paths without a leading `/`.
    pub(crate) entries: BTreeMap<String, Stat>,
    /// The contents of dpkg's `status` and of the files under `status.d/` that survive in
    /// the final filesystem.
    pub(crate) dpkg: HashMap<String, Vec<u8>>,
    /// Each layer's tar gzipped at the default level, bottom first (0 when not asked for).
    pub(crate) gzipped: Vec<u64>,
}

/// A `docker save` archive, indexed: its manifest and where each member starts.
#[derive(Debug)]
pub(crate) struct SavedImage {
    path: PathBuf,
    manifest: ManifestEntry,
    /// Member name to (offset of its data, its length).
    members: HashMap<String, (u64, u64)>,
}

/// A tar member's name as the manifest spells it: no `./`, no leading or trailing `/`.
pub(crate) fn normalise(path: &str) -> String {
    path.trim_start_matches("./")
        .trim_start_matches('/')
        .trim_end_matches('/')
        .to_string()
}

/// Whether `path` is one of dpkg's records of installed packages.
fn is_dpkg_file(path: &str) -> bool {
    path == "var/lib/dpkg/status" || path.starts_with("var/lib/dpkg/status.d/")
}

impl SavedImage {
    /// Reads the archive's table of members (seeking past their data) and its manifest,
    /// which may stand anywhere in it.
    pub(crate) fn open(path: &Path) -> Result<SavedImage, SavedImageError> {
        let io = |source| SavedImageError::Io {
            path: path.to_path_buf(),
            source,
        };
        let format = |reason: String| SavedImageError::Format {
            path: path.to_path_buf(),
            reason,
        };
        let file = std::fs::File::open(path).map_err(io)?;
        let mut archive = tar::Archive::new(std::io::BufReader::new(file));
        let mut members = HashMap::new();
        let mut manifest = None;
        for entry in archive.entries_with_seek().map_err(io)? {
            let mut entry = entry.map_err(io)?;
            let name = normalise(&entry.path().map_err(io)?.to_string_lossy());
            if entry.header().entry_type() != tar::EntryType::Regular {
                continue;
            }
            if name == "manifest.json" {
                let mut text = String::new();
                entry.read_to_string(&mut text).map_err(io)?;
                let all: Vec<ManifestEntry> = serde_json::from_str(&text)
                    .map_err(|e| format(format!("manifest.json: {e}")))?;
                manifest = Some(
                    all.into_iter()
                        .next()
                        .ok_or_else(|| format("manifest.json names no image".into()))?,
                );
            }
            members.insert(name, (entry.raw_file_position(), entry.size()));
        }
        let manifest = manifest.ok_or_else(|| format("no manifest.json in the archive".into()))?;
        Ok(SavedImage {
            path: path.to_path_buf(),
            manifest,
            members,
        })
    }

    /// What `manifest.json` says of the image.
    pub(crate) fn manifest(&self) -> &ManifestEntry {
        &self.manifest
    }

    /// The member `name`, positioned at its first byte and limited to its length.
    fn reader(&self, name: &str) -> Result<std::io::Take<std::fs::File>, SavedImageError> {
        let &(start, len) =
            self.members
                .get(&normalise(name))
                .ok_or_else(|| SavedImageError::Format {
                    path: self.path.clone(),
                    reason: format!("{name}, named in manifest.json, is not in the archive"),
                })?;
        let io = |source| SavedImageError::Io {
            path: self.path.clone(),
            source,
        };
        let mut file = std::fs::File::open(&self.path).map_err(io)?;
        file.seek(SeekFrom::Start(start)).map_err(io)?;
        Ok(file.take(len))
    }

    /// The bytes of the member `name` (the image's configuration).
    pub(crate) fn member(&self, name: &str) -> Result<Vec<u8>, SavedImageError> {
        let mut bytes = Vec::new();
        self.reader(name)?
            .read_to_end(&mut bytes)
            .map_err(|source| SavedImageError::Io {
                path: self.path.clone(),
                source,
            })?;
        Ok(bytes)
    }

    /// Applies every layer in order; `compressed` also gzips each layer's tar. `copy` is
    /// called for every copy of a path a layer holds, as dive counts them: a path put (with
    /// its size, 0 for anything but a file), a whiteout (with the bytes it hides) and each
    /// entry an opaque directory hides (with its size).
    pub(crate) fn walk(
        &self,
        compressed: bool,
        copy: &mut dyn FnMut(&str, u64),
    ) -> Result<Stacked, SavedImageError> {
        let mut stacked = Stacked::default();
        for layer in &self.manifest.layers {
            let reader = std::io::BufReader::new(self.reader(layer)?);
            let gzipped =
                apply_layer(reader, compressed, &mut stacked, copy).map_err(|source| {
                    SavedImageError::Layer {
                        path: self.path.clone(),
                        layer: layer.clone(),
                        source,
                    }
                })?;
            stacked.gzipped.push(gzipped);
        }
        Ok(stacked)
    }
}

/// Counts what is written to it.
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

/// Tees the raw layer bytes into a gzip encoder while the tar reader walks them.
struct Tee<R> {
    inner: R,
    gz: Option<flate2::write::GzEncoder<Counter>>,
}

impl<R: Read> Read for Tee<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        if let Some(gz) = self.gz.as_mut() {
            gz.write_all(&buf[..n])?;
        }
        Ok(n)
    }
}

impl Stacked {
    /// Paths strictly under `dir`, with their sizes (0 for anything but a file).
    fn under(&self, dir: &str) -> Vec<(String, u64)> {
        let prefix = format!("{dir}/");
        self.entries
            .range(prefix.clone()..)
            .take_while(|(p, _)| p.starts_with(&prefix))
            .map(|(p, s)| (p.clone(), file_size(&s.node)))
            .collect()
    }

    /// Removes everything under `dir`, and `dir` itself unless `keep_self`.
    fn remove_tree(&mut self, dir: &str, keep_self: bool) {
        for (p, _) in self.under(dir) {
            self.entries.remove(&p);
            self.dpkg.remove(&p);
        }
        if !keep_self {
            self.entries.remove(dir);
            self.dpkg.remove(dir);
        }
    }
}

fn file_size(node: &Node) -> u64 {
    match node {
        Node::File { size, .. } => *size,
        _ => 0,
    }
}

/// Applies one layer tar over the filesystem so far; returns its gzipped size (0 when not
/// `compressed`).
fn apply_layer(
    reader: impl Read,
    compressed: bool,
    stacked: &mut Stacked,
    copy: &mut dyn FnMut(&str, u64),
) -> std::io::Result<u64> {
    let mut tee = Tee {
        inner: reader,
        gz: compressed
            .then(|| flate2::write::GzEncoder::new(Counter(0), flate2::Compression::default())),
    };
    {
        let mut archive = tar::Archive::new(&mut tee);
        for entry in archive.entries()? {
            let mut entry = entry?;
            let path = normalise(&entry.path()?.to_string_lossy());
            if path.is_empty() {
                continue;
            }
            let (dir, base) = path.rsplit_once('/').unwrap_or(("", &path));
            if base == ".wh..wh..opq" {
                // Every lower entry under the directory is removed: a whiteout of each.
                let dir = dir.to_string();
                for (p, size) in stacked.under(&dir) {
                    copy(&p, size);
                }
                stacked.remove_tree(&dir, true);
                continue;
            }
            if let Some(hidden) = base.strip_prefix(".wh.") {
                let target = if dir.is_empty() {
                    hidden.to_string()
                } else {
                    format!("{dir}/{hidden}")
                };
                let own = stacked
                    .entries
                    .get(&target)
                    .map_or(0, |s| file_size(&s.node));
                let below: u64 = stacked.under(&target).iter().map(|(_, s)| s).sum();
                copy(&target, own + below);
                stacked.remove_tree(&target, false);
                continue;
            }
            let header = entry.header();
            let mode = header.mode()?;
            let link = |entry: &tar::Entry<_>| -> std::io::Result<String> {
                Ok(entry
                    .link_name()?
                    .map(|l| l.to_string_lossy().into_owned())
                    .unwrap_or_default())
            };
            let node = match header.entry_type() {
                tar::EntryType::Regular | tar::EntryType::Continuous => Node::File {
                    size: header.size()?,
                    mode,
                },
                tar::EntryType::Directory => Node::Dir,
                tar::EntryType::Symlink => Node::Symlink(link(&entry)?),
                tar::EntryType::Link => Node::Hardlink(normalise(&link(&entry)?)),
                _ => Node::Other,
            };
            copy(&path, file_size(&node));
            // A non-directory replacing a directory replaces its contents too.
            if node != Node::Dir
                && matches!(
                    stacked.entries.get(&path),
                    Some(Stat {
                        node: Node::Dir,
                        ..
                    })
                )
            {
                stacked.remove_tree(&path, true);
            }
            if is_dpkg_file(&path) && matches!(node, Node::File { .. }) {
                let mut content = Vec::new();
                entry.read_to_end(&mut content)?;
                stacked.dpkg.insert(path.clone(), content);
            }
            stacked.entries.insert(path, Stat { node, mode });
        }
    }
    // Drain whatever follows the tar's end marker, so the gzip size covers the whole blob.
    std::io::copy(&mut tee, &mut std::io::sink())?;
    Ok(match tee.gz {
        Some(gz) => gz.finish()?.0,
        None => 0,
    })
}

#[cfg(test)]
mod tests {
    use super::super::testing::{Member, file, saved, tar_of};
    use super::*;

    fn walk(archive: &Path) -> (Stacked, Vec<(String, u64)>) {
        let mut copies = Vec::new();
        let stacked = SavedImage::open(archive)
            .unwrap()
            .walk(true, &mut |p, s| copies.push((p.to_string(), s)))
            .unwrap();
        (stacked, copies)
    }

    #[test]
    fn layers_apply_in_manifest_order_with_whiteouts_and_opaque_dirs() {
        let lower = tar_of(&[
            Member::Dir("etc/", 0o755),
            file("etc/motd", b"old"),
            file("opt/a", b"aaaaa"),
            file("opt/sub/b", b"bb"),
            file("var/cache/x", b"xxxx"),
            file("var/cache/y/z", b"z"),
            file("var/lib/dpkg/status", b"Package: a\n"),
        ]);
        let upper = tar_of(&[
            file("etc/motd", b"new motd"),
            file("opt/.wh..wh..opq", b""),
            file("opt/c", b"c"),
            file("var/.wh.cache", b""),
            file("var/lib/dpkg/status", b"Package: b\n"),
        ]);
        let archive = saved(&[lower, upper], "{}");
        let (stacked, copies) = walk(archive.path());
        let paths: Vec<&str> = stacked.entries.keys().map(String::as_str).collect();
        assert_eq!(paths, ["etc", "etc/motd", "opt/c", "var/lib/dpkg/status"]);
        assert_eq!(stacked.entries["etc"].mode, 0o755);
        assert_eq!(
            stacked.entries["etc/motd"].node,
            Node::File {
                size: 8,
                mode: 0o644
            }
        );
        assert_eq!(stacked.dpkg.len(), 1);
        assert_eq!(stacked.dpkg["var/lib/dpkg/status"], b"Package: b\n");
        assert_eq!(stacked.gzipped.len(), 2);
        assert!(stacked.gzipped.iter().all(|&g| g > 0));
        // The whiteout of var/cache hides 5 bytes; the opaque opt hides a and sub/b one by one.
        assert!(copies.contains(&("var/cache".into(), 5)), "{copies:?}");
        assert!(copies.contains(&("opt/a".into(), 5)), "{copies:?}");
        assert!(copies.contains(&("opt/sub/b".into(), 2)), "{copies:?}");
        assert_eq!(copies.iter().filter(|(p, _)| p == "etc/motd").count(), 2);
    }

    #[test]
    fn a_file_over_a_directory_replaces_what_was_under_it() {
        let lower = tar_of(&[Member::Dir("srv/", 0o755), file("srv/data/x", b"x")]);
        let upper = tar_of(&[Member::Link("srv->/data")]);
        let archive = saved(&[lower, upper], "{}");
        let (stacked, _) = walk(archive.path());
        assert_eq!(stacked.entries.len(), 1);
        assert_eq!(stacked.entries["srv"].node, Node::Symlink("/data".into()));
    }

    #[test]
    fn a_manifest_anywhere_and_missing_members_are_reported_with_the_path() {
        let archive = saved(&[tar_of(&[file("a", b"a")])], r#"{"config":{}}"#);
        let image = SavedImage::open(archive.path()).unwrap();
        assert_eq!(image.manifest().config, "cfg.json");
        assert_eq!(image.member("cfg.json").unwrap(), br#"{"config":{}}"#);
        let e = image.member("nothing.json").unwrap_err().to_string();
        assert!(
            e.contains("nothing.json") && e.contains("not in the archive"),
            "{e}"
        );
        assert!(e.contains(&archive.path().display().to_string()), "{e}");

        let empty = tempfile::NamedTempFile::new().unwrap();
        std::fs::write(empty.path(), tar_of(&[file("hello", b"world")])).unwrap();
        let e = SavedImage::open(empty.path()).unwrap_err();
        assert!(e.to_string().contains("no manifest.json"), "{e}");
        assert!(matches!(
            SavedImage::open(Path::new("/nonexistent/image.tar")),
            Err(SavedImageError::Io { .. })
        ));
    }

    #[test]
    fn a_truncated_layer_names_the_layer() {
        let mut layer = tar_of(&[file("big", &[7u8; 4096])]);
        layer.truncate(1024);
        let archive = saved(&[layer], "{}");
        let e = SavedImage::open(archive.path())
            .unwrap()
            .walk(false, &mut |_, _| {})
            .unwrap_err();
        assert!(matches!(e, SavedImageError::Layer { .. }), "{e:?}");
        assert!(e.to_string().contains("l0/layer.tar"), "{e}");
    }
}
