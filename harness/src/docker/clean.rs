//! `just clean`: removing what the kit made, and only that. The kit's images are the ones
//! tagged into its repositories (the catalogue's and the lab's); the stand-in base images go
//! only when asked (an image whose stand-in label names its own tag: images built FROM a
//! stand-in inherit the label, but name another), and an upstream base image never.
//! What is given back is measured as the free space of the engine's disk before and after,
//! so shared layers are not counted twice.

use std::path::{Path, PathBuf};

use bollard::Docker;
use bollard::query_parameters::{ListImagesOptionsBuilder, RemoveImageOptionsBuilder};

use crate::docker::engine::short_reason;

/// What a clean removes (or, in a dry run, would remove).
#[derive(Debug, Clone, Default)]
pub struct Plan {
    /// Image tags, `repository:tag`.
    pub images: Vec<(String, u64)>,
    /// Files: lab backups, the facts cache.
    pub files: Vec<(PathBuf, u64)>,
}

impl Plan {
    /// The bytes the plan names (images' own sizes, which may share layers, plus files).
    pub fn named_bytes(&self) -> u64 {
        self.images.iter().map(|(_, b)| b).sum::<u64>()
            + self.files.iter().map(|(_, b)| b).sum::<u64>()
    }
}

/// A clean that could not list what to remove.
#[derive(Debug, thiserror::Error)]
#[error("cannot list the kit's images: {0}")]
pub struct CleanError(String);

/// Whether `tag` (`repository:tag`) is one of the kit's: in one of `repositories`.
pub(crate) fn is_kits(tag: &str, repositories: &[&str]) -> bool {
    let repository = tag.rsplit_once(':').map_or(tag, |(r, _)| r);
    repositories.contains(&repository)
}

/// Lists what a clean removes: images in `repositories`, the stand-in bases when
/// `stand_in_label` is given (the catalogue's `[bases] label`), and `files` that exist.
pub async fn plan(
    docker: &Docker,
    repositories: &[&str],
    stand_in_label: Option<&str>,
    files: &[PathBuf],
) -> Result<Plan, CleanError> {
    let images = docker
        .list_images(Some(ListImagesOptionsBuilder::new().all(false).build()))
        .await
        .map_err(|e| CleanError(short_reason(&e)))?;
    let mut plan = Plan::default();
    for image in images {
        let stands_in_for = stand_in_label.and_then(|label| image.labels.get(label));
        for tag in &image.repo_tags {
            if is_kits(tag, repositories) || stands_in_for == Some(tag) {
                plan.images.push((tag.clone(), image.size.max(0) as u64));
            }
        }
    }
    plan.images.sort();
    for file in files {
        if let Ok(meta) = std::fs::metadata(file) {
            plan.files.push((file.clone(), meta.len()));
        }
    }
    Ok(plan)
}

/// Carries out `plan`; returns what could not be removed, with why.
pub async fn carry_out(docker: &Docker, plan: &Plan) -> Vec<String> {
    let mut failed = Vec::new();
    for (tag, _) in &plan.images {
        let options = RemoveImageOptionsBuilder::new().noprune(false).build();
        if let Err(e) = docker.remove_image(tag, Some(options), None).await {
            failed.push(format!("{tag}: {}", short_reason(&e)));
        }
    }
    for (file, _) in &plan.files {
        if let Err(e) = std::fs::remove_file(file) {
            failed.push(format!("{}: {e}", file.display()));
        }
    }
    failed
}

/// The lab's backups under `lab_dir` (what `lab reset --discard-my-work` kept).
pub fn lab_backups(lab_dir: &Path) -> Vec<PathBuf> {
    let mut out: Vec<PathBuf> = std::fs::read_dir(lab_dir)
        .map(|dir| {
            dir.filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| p.extension().is_some_and(|x| x == "bak"))
                .collect()
        })
        .unwrap_or_default();
    out.sort();
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_kits_repositories_are_the_kits() {
        let kit = ["calc-kit/calculator", "calc-kit/lab"];
        assert!(is_kits("calc-kit/calculator:scratch", &kit));
        assert!(is_kits("calc-kit/lab:01-multi-stage", &kit));
        assert!(!is_kits("calc-kit/calculatorx:scratch", &kit));
        assert!(!is_kits("debian:trixie-slim", &kit));
        assert!(!is_kits("rust:1.95-slim-trixie", &kit));
        assert!(!is_kits("localhost:5000/calc-kit/lab:x", &kit));
    }

    #[test]
    fn backups_are_the_bak_files_of_the_lab_folder() {
        let dir = tempfile::tempdir().unwrap();
        for name in [
            "01-a.Dockerfile",
            "01-a.Dockerfile.1.bak",
            ".watch-state.json",
        ] {
            std::fs::write(dir.path().join(name), "x").unwrap();
        }
        assert_eq!(
            lab_backups(dir.path()),
            vec![dir.path().join("01-a.Dockerfile.1.bak")]
        );
    }
}
