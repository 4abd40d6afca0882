//! The figures of a saved image's layers, from one walk ([`super::layers`]): the final
//! filesystem, the installed packages, the attack surface, the compressed size, and wasted
//! bytes and efficiency as dive computes them.

use std::collections::HashMap;
use std::path::Path;

use super::filesystem::Filesystem;
use super::layers::{SavedImage, SavedImageError};
use super::surface::{Surface, installed_stanzas, summarise};

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
pub(crate) fn analyse_saved_image(
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

/// The names of the installed packages (see [`installed_stanzas`]), sorted.
fn installed_packages(files: &HashMap<String, Vec<u8>>) -> Vec<String> {
    let mut out = Vec::new();
    installed_stanzas(files, |stanza| out.extend(stanza.field("Package:")));
    out.sort();
    out.dedup();
    out
}

#[cfg(test)]
mod tests {
    use super::super::testing::{Member, file, saved, tar_of};
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
}
