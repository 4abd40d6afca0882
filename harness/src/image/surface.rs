//! The attack surface an intruder would find after a compromise, read from the image's own
//! saved layers (`docker save`): the final filesystem with every entry's mode, so that
//! executables, shared libraries, setuid and setgid files and world-writable directories can
//! be counted and listed; and the Debian packages with their versions, from dpkg's `status`
//! and the `status.d` directory distroless images carry, for the SBOM.
//!
//! What can really be run is proved separately, by running each tool in a container
//! ([`crate::docker::probe`]); this module only reads files.

use std::collections::{BTreeMap, HashMap};
use std::io::Read;
use std::path::Path;

/// A Debian package as dpkg records it.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, serde::Serialize, serde::Deserialize)]
pub struct DebPackage {
    /// `Package:`.
    pub name: String,
    /// `Version:`.
    pub version: String,
    /// `Architecture:` (`all`, `amd64`).
    pub architecture: String,
}

/// One entry of the final filesystem.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Entry {
    kind: Kind,
    mode: u32,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    File,
    Dir,
    Link,
    Other,
}

/// What an intruder finds in the files of an image.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Surface {
    /// Regular files with an execute bit.
    pub executables: u64,
    /// Shared libraries (`*.so` and `*.so.N` regular files).
    pub shared_libraries: u64,
    /// Files with the setuid bit, absolute paths, sorted.
    pub setuid_files: Vec<String>,
    /// Files with the setgid bit.
    pub setgid_files: Vec<String>,
    /// Directories anyone may write to (sticky or not), absolute paths.
    pub world_writable_dirs: Vec<String>,
    /// The installed Debian packages, sorted by name.
    pub packages: Vec<DebPackage>,
}

fn normalise(path: &str) -> String {
    path.trim_start_matches("./")
        .trim_start_matches('/')
        .trim_end_matches('/')
        .to_string()
}

fn remove_under(fs: &mut BTreeMap<String, Entry>, dpkg: &mut HashMap<String, Vec<u8>>, dir: &str) {
    let prefix = format!("{dir}/");
    let doomed: Vec<String> = fs
        .range(prefix.clone()..)
        .take_while(|(p, _)| p.starts_with(&prefix))
        .map(|(p, _)| p.clone())
        .collect();
    for p in doomed {
        fs.remove(&p);
        dpkg.remove(&p);
    }
}

fn is_dpkg_file(path: &str) -> bool {
    path == "var/lib/dpkg/status"
        || (path.starts_with("var/lib/dpkg/status.d/") && !path.ends_with(".md5sums"))
}

/// Applies one layer tar over the filesystem so far.
fn apply_layer(
    reader: impl Read,
    fs: &mut BTreeMap<String, Entry>,
    dpkg: &mut HashMap<String, Vec<u8>>,
) -> std::io::Result<()> {
    let mut archive = tar::Archive::new(reader);
    for entry in archive.entries()? {
        let mut entry = entry?;
        let path = normalise(&entry.path()?.to_string_lossy());
        if path.is_empty() {
            continue;
        }
        let (dir, base) = path.rsplit_once('/').unwrap_or(("", &path));
        if base == ".wh..wh..opq" {
            let dir = dir.to_string();
            remove_under(fs, dpkg, &dir);
            continue;
        }
        if let Some(hidden) = base.strip_prefix(".wh.") {
            let target = if dir.is_empty() {
                hidden.to_string()
            } else {
                format!("{dir}/{hidden}")
            };
            remove_under(fs, dpkg, &target);
            fs.remove(&target);
            dpkg.remove(&target);
            continue;
        }
        let header = entry.header();
        let mode = header.mode()?;
        let kind = match header.entry_type() {
            tar::EntryType::Regular | tar::EntryType::Continuous | tar::EntryType::Link => {
                Kind::File
            }
            tar::EntryType::Directory => Kind::Dir,
            tar::EntryType::Symlink => Kind::Link,
            _ => Kind::Other,
        };
        if kind != Kind::Dir && matches!(fs.get(&path), Some(e) if e.kind == Kind::Dir) {
            remove_under(fs, dpkg, &path);
        }
        if kind == Kind::File && is_dpkg_file(&path) {
            let mut content = Vec::new();
            entry.read_to_end(&mut content)?;
            if !content.is_empty() {
                dpkg.insert(path.clone(), content);
            }
        }
        fs.insert(path, Entry { kind, mode });
    }
    Ok(())
}

#[derive(serde::Deserialize)]
struct SavedManifest {
    #[serde(rename = "Layers")]
    layers: Vec<String>,
}

/// Reads a `docker save` archive and describes its final filesystem.
pub fn analyse_saved(path: &Path) -> Result<Surface, String> {
    // Layers may come before manifest.json: read the manifest first, then each layer in
    // the manifest's order (one more pass over the archive per layer would be slow for the
    // naive image, so unpack the layer list once and keep each tar's position).
    let order = {
        let mut archive = tar::Archive::new(std::fs::File::open(path).map_err(|e| e.to_string())?);
        let mut found = None;
        for entry in archive.entries().map_err(|e| e.to_string())? {
            let mut entry = entry.map_err(|e| e.to_string())?;
            if normalise(&entry.path().map_err(|e| e.to_string())?.to_string_lossy())
                == "manifest.json"
            {
                let mut text = String::new();
                entry.read_to_string(&mut text).map_err(|e| e.to_string())?;
                let m: Vec<SavedManifest> =
                    serde_json::from_str(&text).map_err(|e| format!("manifest.json: {e}"))?;
                found = m.into_iter().next().map(|m| m.layers);
                break;
            }
        }
        found.ok_or("no manifest.json in the saved image")?
    };
    let mut offsets: HashMap<String, (u64, u64)> = HashMap::new();
    {
        let mut archive = tar::Archive::new(std::fs::File::open(path).map_err(|e| e.to_string())?);
        for entry in archive.entries().map_err(|e| e.to_string())? {
            let entry = entry.map_err(|e| e.to_string())?;
            let name = normalise(&entry.path().map_err(|e| e.to_string())?.to_string_lossy());
            if entry.header().entry_type() == tar::EntryType::Regular {
                offsets.insert(name, (entry.raw_file_position(), entry.size()));
            }
        }
    }
    let mut fs = BTreeMap::new();
    let mut dpkg = HashMap::new();
    for layer in &order {
        let (start, len) = *offsets
            .get(&normalise(layer))
            .ok_or_else(|| format!("layer {layer} named in manifest.json is not in the archive"))?;
        let mut file = std::fs::File::open(path).map_err(|e| e.to_string())?;
        std::io::Seek::seek(&mut file, std::io::SeekFrom::Start(start))
            .map_err(|e| e.to_string())?;
        apply_layer(std::io::BufReader::new(file.take(len)), &mut fs, &mut dpkg)
            .map_err(|e| format!("{layer}: {e}"))?;
    }
    Ok(summarise(&fs, &dpkg))
}

fn summarise(fs: &BTreeMap<String, Entry>, dpkg: &HashMap<String, Vec<u8>>) -> Surface {
    let mut s = Surface::default();
    for (path, e) in fs {
        let base = path.rsplit('/').next().unwrap_or(path);
        match e.kind {
            Kind::File => {
                if e.mode & 0o111 != 0 {
                    s.executables += 1;
                }
                if base.ends_with(".so") || base.contains(".so.") {
                    s.shared_libraries += 1;
                }
                if e.mode & 0o4000 != 0 {
                    s.setuid_files.push(format!("/{path}"));
                }
                if e.mode & 0o2000 != 0 {
                    s.setgid_files.push(format!("/{path}"));
                }
            }
            Kind::Dir if e.mode & 0o002 != 0 => s.world_writable_dirs.push(format!("/{path}")),
            _ => {}
        }
    }
    s.packages = packages(dpkg);
    s
}

/// Installed packages with versions, from dpkg's status stanzas (status.d stanzas carry no
/// `Status:` line: being there means installed).
pub fn packages(files: &HashMap<String, Vec<u8>>) -> Vec<DebPackage> {
    let mut out = Vec::new();
    for content in files.values() {
        let text = String::from_utf8_lossy(content);
        for stanza in text.split("\n\n") {
            let field = |name: &str| {
                stanza
                    .lines()
                    .find_map(|l| l.strip_prefix(name).map(|v| v.trim().to_string()))
            };
            let (Some(name), Some(version)) = (field("Package:"), field("Version:")) else {
                continue;
            };
            if field("Status:").is_none_or(|s| s.ends_with(" installed")) {
                out.push(DebPackage {
                    name,
                    version,
                    architecture: field("Architecture:").unwrap_or_default(),
                });
            }
        }
    }
    out.sort();
    out.dedup();
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn layer(entries: &[(&str, u32, tar::EntryType, &[u8])]) -> Vec<u8> {
        let mut b = tar::Builder::new(Vec::new());
        for (path, mode, kind, content) in entries {
            let mut h = tar::Header::new_gnu();
            h.set_entry_type(*kind);
            h.set_size(content.len() as u64);
            h.set_mode(*mode);
            h.set_cksum();
            b.append_data(&mut h, path, *content).unwrap();
        }
        b.into_inner().unwrap()
    }

    #[test]
    fn modes_whiteouts_and_packages() {
        use tar::EntryType::{Directory, Regular};
        let status = b"Package: login\nStatus: install ok installed\nVersion: 1:4.16\nArchitecture: amd64\n\nPackage: gone\nStatus: deinstall ok config-files\nVersion: 1\n";
        let lower = layer(&[
            ("tmp/", 0o1777, Directory, b""),
            ("usr/bin/passwd", 0o4755, Regular, b"x"),
            ("usr/bin/wall", 0o2755, Regular, b"x"),
            ("usr/bin/tool", 0o755, Regular, b"x"),
            ("usr/lib/libz.so.1", 0o644, Regular, b"x"),
            ("opt/old", 0o755, Regular, b"x"),
            ("var/lib/dpkg/status", 0o644, Regular, status),
        ]);
        let upper = layer(&[
            ("usr/bin/.wh.tool", 0o644, Regular, b""),
            ("opt/.wh..wh..opq", 0o644, Regular, b""),
            (
                "var/lib/dpkg/status.d/tzdata",
                0o644,
                Regular,
                b"Package: tzdata\nVersion: 2025b-4\nArchitecture: all\n",
            ),
        ]);
        let mut fs = BTreeMap::new();
        let mut dpkg = HashMap::new();
        apply_layer(lower.as_slice(), &mut fs, &mut dpkg).unwrap();
        apply_layer(upper.as_slice(), &mut fs, &mut dpkg).unwrap();
        let s = summarise(&fs, &dpkg);
        assert_eq!(s.setuid_files, ["/usr/bin/passwd"]);
        assert_eq!(s.setgid_files, ["/usr/bin/wall"]);
        assert_eq!(s.world_writable_dirs, ["/tmp"]);
        assert_eq!(s.executables, 2, "tool and opt/old are whited out");
        assert_eq!(s.shared_libraries, 1);
        let names: Vec<_> = s
            .packages
            .iter()
            .map(|p| format!("{} {}", p.name, p.version))
            .collect();
        assert_eq!(names, ["login 1:4.16", "tzdata 2025b-4"]);
    }
}
