//! The attack surface an intruder would find after a compromise, read from the image's own
//! saved layers (`docker save`): the final filesystem with every entry's mode, so that
//! executables, shared libraries, setuid and setgid files and world-writable directories can
//! be counted and listed; and the Debian packages with their versions, from dpkg's `status`
//! and the `status.d` directory distroless images carry, for the SBOM.
//!
//! What can really be run is proved separately, by running each tool in a container
//! ([`crate::docker::probe`]); this module only reads files.

use std::collections::HashMap;
use std::path::Path;

use super::filesystem::Node;
use super::layers::{SavedImage, SavedImageError, Stacked};

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

/// What an intruder finds in the files of an image.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize, serde::Deserialize)]
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

/// Reads a `docker save` archive and describes its final filesystem.
pub fn analyse_saved(path: &Path) -> Result<Surface, SavedImageError> {
    let stacked = SavedImage::open(path)?.walk(false, &mut |_, _| {})?;
    Ok(summarise(&stacked))
}

/// The surface of a walked filesystem. A hard link counts as the file it is.
pub(crate) fn summarise(stacked: &Stacked) -> Surface {
    let mut s = Surface::default();
    for (path, e) in &stacked.entries {
        let base = path.rsplit('/').next().unwrap_or(path);
        match e.node {
            Node::File { .. } | Node::Hardlink(_) => {
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
            Node::Dir if e.mode & 0o002 != 0 => s.world_writable_dirs.push(format!("/{path}")),
            _ => {}
        }
    }
    s.packages = packages(&stacked.dpkg);
    s
}

/// One stanza of dpkg's records.
pub(crate) struct Stanza<'a>(&'a str);

impl Stanza<'_> {
    /// The value of the field `name` (spelled with its colon: `"Package:"`), trimmed.
    pub(crate) fn field(&self, name: &str) -> Option<String> {
        self.0
            .lines()
            .find_map(|l| l.strip_prefix(name).map(|v| v.trim().to_string()))
    }
}

/// Calls `each` with the stanza of every installed package in dpkg's status file and
/// distroless's status.d directory (one file per package, same format). status.d stanzas
/// often carry no `Status:` line: being there means installed; `.md5sums` files there are
/// not records.
pub(crate) fn installed_stanzas(files: &HashMap<String, Vec<u8>>, mut each: impl FnMut(&Stanza)) {
    for (path, content) in files {
        if path.ends_with(".md5sums") {
            continue;
        }
        let text = String::from_utf8_lossy(content);
        for stanza in text.split("\n\n").map(Stanza) {
            if stanza
                .field("Status:")
                .is_none_or(|s| s.ends_with(" installed"))
            {
                each(&stanza);
            }
        }
    }
}

/// Installed packages with versions, sorted.
pub(crate) fn packages(files: &HashMap<String, Vec<u8>>) -> Vec<DebPackage> {
    let mut out = Vec::new();
    installed_stanzas(files, |stanza| {
        if let (Some(name), Some(version)) = (stanza.field("Package:"), stanza.field("Version:")) {
            out.push(DebPackage {
                name,
                version,
                architecture: stanza.field("Architecture:").unwrap_or_default(),
            });
        }
    });
    out.sort();
    out.dedup();
    out
}

#[cfg(test)]
mod tests {
    use super::super::testing::{Member, saved, tar_of};
    use super::*;

    #[test]
    fn modes_whiteouts_and_packages() {
        use Member::{Dir, File};
        let status = b"Package: login\nStatus: install ok installed\nVersion: 1:4.16\nArchitecture: amd64\n\nPackage: gone\nStatus: deinstall ok config-files\nVersion: 1\n";
        let lower = tar_of(&[
            Dir("tmp/", 0o1777),
            File("usr/bin/passwd", 0o4755, b"x"),
            File("usr/bin/wall", 0o2755, b"x"),
            File("usr/bin/tool", 0o755, b"x"),
            File("usr/lib/libz.so.1", 0o644, b"x"),
            File("opt/old", 0o755, b"x"),
            File("var/lib/dpkg/status", 0o644, status),
        ]);
        let upper = tar_of(&[
            File("usr/bin/.wh.tool", 0o644, b""),
            File("opt/.wh..wh..opq", 0o644, b""),
            File(
                "var/lib/dpkg/status.d/tzdata",
                0o644,
                b"Package: tzdata\nVersion: 2025b-4\nArchitecture: all\n",
            ),
            File("var/lib/dpkg/status.d/tzdata.md5sums", 0o644, b"abc  x\n"),
        ]);
        let archive = saved(&[lower, upper], "{}");
        let s = analyse_saved(archive.path()).unwrap();
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

    #[test]
    fn an_unreadable_archive_names_its_path() {
        let e = analyse_saved(Path::new("/nonexistent/saved.tar")).unwrap_err();
        assert!(e.to_string().contains("/nonexistent/saved.tar"), "{e}");
    }
}
