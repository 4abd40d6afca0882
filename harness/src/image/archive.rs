//! Image facts from a `docker save` archive alone, with no engine: the seam that lets the
//! image analysis (and what the survey and the grader read from it) be tested anywhere, on
//! archives written by hand from a few synthetic layers.

use std::io::Read;
use std::path::Path;

use super::inspect::{ImageConfig, ImageFacts, analyse_saved_image};

/// A saved image that cannot be read.
#[derive(Debug, thiserror::Error)]
pub enum ArchiveError {
    /// The file could not be opened or read as a tar.
    #[error("reading {}: {source}", path.display())]
    Io {
        /// The archive.
        path: std::path::PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// `manifest.json` or the image's config file is missing or not what Docker writes.
    #[error("{}: {reason}", path.display())]
    Format {
        /// The archive.
        path: std::path::PathBuf,
        /// What is wrong.
        reason: String,
    },
}

#[derive(serde::Deserialize)]
struct ManifestEntry {
    #[serde(rename = "Config")]
    config: String,
    #[serde(rename = "RepoTags", default)]
    repo_tags: Option<Vec<String>>,
}

#[derive(serde::Deserialize)]
struct ConfigFile {
    #[serde(default)]
    config: ImageConfig,
}

/// The facts of the image saved at `path` (`docker save IMAGE -o path`, or an archive of the
/// same layout). There is no engine to ask for an id, so it is empty (the facts cache then
/// keeps nothing for it); the size is the bytes of the final filesystem's files (the
/// engine's figure also counts copies that later layers replaced). `compressed` also gzips
/// each layer.
pub fn facts_from_saved_image(path: &Path, compressed: bool) -> Result<ImageFacts, ArchiveError> {
    let format = |reason: String| ArchiveError::Format {
        path: path.to_path_buf(),
        reason,
    };
    let manifest: Vec<ManifestEntry> = serde_json::from_slice(&read_member(path, "manifest.json")?)
        .map_err(|e| format(format!("manifest.json: {e}")))?;
    let entry = manifest
        .into_iter()
        .next()
        .ok_or_else(|| format("manifest.json names no image".into()))?;
    let config_bytes = read_member(path, &entry.config)?;
    let config: ConfigFile = serde_json::from_slice(&config_bytes)
        .map_err(|e| format(format!("{}: {e}", entry.config)))?;
    let layers = analyse_saved_image(path, compressed).map_err(format)?;
    let size = layers
        .filesystem
        .entries
        .keys()
        .filter_map(|p| layers.filesystem.file_size(&format!("/{p}")))
        .sum();
    let image = entry
        .repo_tags
        .and_then(|t| t.into_iter().next())
        .unwrap_or_default();
    Ok(ImageFacts::assemble(
        &image,
        String::new(),
        size,
        None,
        compressed,
        config.config,
        layers,
    ))
}

/// The bytes of the archive member `name`.
fn read_member(path: &Path, name: &str) -> Result<Vec<u8>, ArchiveError> {
    let io = |source| ArchiveError::Io {
        path: path.to_path_buf(),
        source,
    };
    let file = std::fs::File::open(path).map_err(io)?;
    let mut archive = tar::Archive::new(std::io::BufReader::new(file));
    for entry in archive.entries().map_err(io)? {
        let mut entry = entry.map_err(io)?;
        let member = entry.path().map_err(io)?.to_string_lossy().into_owned();
        if member.trim_start_matches("./") == name {
            let mut bytes = Vec::new();
            entry.read_to_end(&mut bytes).map_err(io)?;
            return Ok(bytes);
        }
    }
    Err(ArchiveError::Format {
        path: path.to_path_buf(),
        reason: format!("no {name} in the archive"),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::measure::Facts;

    /// A tar of `(path, content)` members; a content of `->target` makes a symlink.
    fn tar_of(members: &[(&str, &[u8])]) -> Vec<u8> {
        let mut b = tar::Builder::new(Vec::new());
        for (path, content) in members {
            let mut h = tar::Header::new_gnu();
            if let Some(target) = content.strip_prefix(b"->") {
                h.set_entry_type(tar::EntryType::Symlink);
                h.set_size(0);
                h.set_mode(0o777);
                let target = std::str::from_utf8(target).unwrap();
                b.append_link(&mut h, path, target).unwrap();
            } else {
                h.set_entry_type(tar::EntryType::Regular);
                h.set_size(content.len() as u64);
                h.set_mode(0o755);
                h.set_cksum();
                b.append_data(&mut h, path, *content).unwrap();
            }
        }
        b.into_inner().unwrap()
    }

    /// A `docker save` archive of `layers` (bottom first) and `config`, in a temporary file.
    fn saved(layers: &[Vec<u8>], config: &str) -> tempfile::NamedTempFile {
        let names: Vec<String> = (0..layers.len())
            .map(|i| format!("l{i}/layer.tar"))
            .collect();
        let manifest = serde_json::json!([{
            "Config": "cfg.json",
            "RepoTags": ["calc-kit/synthetic:test"],
            "Layers": names,
        }])
        .to_string();
        let mut members: Vec<(&str, &[u8])> = vec![
            ("manifest.json", manifest.as_bytes()),
            ("cfg.json", config.as_bytes()),
        ];
        for (name, layer) in names.iter().zip(layers) {
            members.push((name, layer));
        }
        let file = tempfile::NamedTempFile::new().unwrap();
        std::fs::write(file.path(), tar_of(&members)).unwrap();
        file
    }

    #[test]
    fn a_scratch_like_image_has_one_file_no_shell_and_its_user() {
        let binary = vec![0x7f; 4096];
        let archive = saved(
            &[tar_of(&[("calculator", &binary)])],
            r#"{"config":{"User":"65532:65532","Entrypoint":["/calculator"],"Cmd":null}}"#,
        );
        let facts = facts_from_saved_image(archive.path(), true).unwrap();
        assert_eq!(facts.image, "calc-kit/synthetic:test");
        assert_eq!(facts.entrypoint, ["/calculator"]);
        assert_eq!(facts.filesystem.file_size("/calculator"), Some(4096));
        assert!(!facts.runs_as_root());
        let f = Facts::from_image(&facts);
        assert_eq!((f.size, f.layers, f.files, f.packages), (4096, 1, 1, 0));
        assert!(!f.shell && !f.package_manager && !f.toolchain);
        assert_eq!(f.user, "65532:65532");
        assert!(f.compressed_size > 0 && f.compressed_size < 4096);
        assert_eq!(f.wasted_bytes, 0);
    }

    #[test]
    fn a_debian_like_image_has_a_shell_packages_and_runs_as_root() {
        let status = b"Package: dash\nStatus: install ok installed\n\nPackage: dpkg\nStatus: install ok installed\n";
        let base = tar_of(&[
            ("usr/bin/dash", b"#!dash"),
            ("bin", b"->usr/bin"),
            ("usr/bin/sh", b"->dash"),
            ("usr/bin/dpkg", b"dpkg"),
            ("var/lib/dpkg/status", status),
            ("usr/local/cargo/bin/cargo", b"cargo"),
        ]);
        let upper = tar_of(&[("usr/local/cargo/bin/rustc", b"rustc")]);
        let archive = saved(&[base, upper], r#"{"config":{"Entrypoint":["/bin/sh"]}}"#);
        let facts = facts_from_saved_image(archive.path(), false).unwrap();
        let f = Facts::from_image(&facts);
        assert!(f.shell && f.package_manager && f.toolchain, "{f:?}");
        assert_eq!(f.packages, 2);
        assert_eq!(f.layers, 2);
        assert_eq!(f.user, "root");
        assert!(facts.runs_as_root());
        assert_eq!(facts.compressed_size, None);
    }

    #[test]
    fn a_broken_archive_is_an_error_that_names_it() {
        let file = tempfile::NamedTempFile::new().unwrap();
        std::fs::write(file.path(), tar_of(&[("hello", b"world")])).unwrap();
        let e = facts_from_saved_image(file.path(), false)
            .unwrap_err()
            .to_string();
        assert!(e.contains("no manifest.json"), "{e}");
        assert!(e.contains(&file.path().display().to_string()), "{e}");
        let missing = facts_from_saved_image(Path::new("/nonexistent/image.tar"), false);
        assert!(matches!(missing, Err(ArchiveError::Io { .. })));
    }
}
