//! Image facts from a `docker save` archive alone, with no engine: the seam that lets the
//! image analysis (and what the survey and the grader read from it) be tested anywhere, on
//! archives written by hand from a few synthetic layers.

use std::path::Path;

use super::analysis::analyse;
use super::facts::{ImageConfig, ImageFacts};
use super::layers::{SavedImage, SavedImageError};

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
pub fn facts_from_saved_image(
    path: &Path,
    compressed: bool,
) -> Result<ImageFacts, SavedImageError> {
    let saved = SavedImage::open(path)?;
    let entry = saved.manifest();
    let config: ConfigFile =
        serde_json::from_slice(&saved.member(&entry.config)?).map_err(|e| {
            SavedImageError::Format {
                path: path.to_path_buf(),
                reason: format!("{}: {e}", entry.config),
            }
        })?;
    let image = entry
        .repo_tags
        .iter()
        .flatten()
        .next()
        .cloned()
        .unwrap_or_default();
    let layers = analyse(&saved, compressed)?;
    let size = layers
        .filesystem
        .entries
        .keys()
        .filter_map(|p| layers.filesystem.file_size(&format!("/{p}")))
        .sum();
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

#[cfg(test)]
mod tests {
    use super::super::testing::{Member, saved, tar_of};
    use super::*;
    use crate::measure::Facts;

    /// An executable file.
    fn exe<'a>(path: &'a str, content: &'a [u8]) -> Member<'a> {
        Member::File(path, 0o755, content)
    }

    #[test]
    fn a_scratch_like_image_has_one_file_no_shell_and_its_user() {
        let binary = vec![0x7f; 4096];
        let archive = saved(
            &[tar_of(&[exe("calculator", &binary)])],
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
            exe("usr/bin/dash", b"#!dash"),
            Member::Link("bin->usr/bin"),
            Member::Link("usr/bin/sh->dash"),
            exe("usr/bin/dpkg", b"dpkg"),
            exe("var/lib/dpkg/status", status),
            exe("usr/local/cargo/bin/cargo", b"cargo"),
        ]);
        let upper = tar_of(&[exe("usr/local/cargo/bin/rustc", b"rustc")]);
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
        std::fs::write(file.path(), tar_of(&[exe("hello", b"world")])).unwrap();
        let e = facts_from_saved_image(file.path(), false)
            .unwrap_err()
            .to_string();
        assert!(e.contains("no manifest.json"), "{e}");
        assert!(e.contains(&file.path().display().to_string()), "{e}");
        let missing = facts_from_saved_image(Path::new("/nonexistent/image.tar"), false);
        assert!(matches!(missing, Err(SavedImageError::Io { .. })));
    }
}
