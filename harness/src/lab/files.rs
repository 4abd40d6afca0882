//! The learner's files: `init` copies the skeletons in, `reset` puts them back.

use std::path::{Path, PathBuf};
use std::time::{SystemTime, UNIX_EPOCH};

use crate::lab::{Exercise, Lab, LabError};

/// What `init` or `reset` did with one exercise's file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FileAction {
    /// The skeleton was copied in: the file did not exist.
    Created,
    /// The file exists and was left alone.
    Kept,
    /// The file still equals its skeleton: nothing to do.
    Unchanged,
    /// The learner's file was replaced by the skeleton (only with the explicit flag) and kept
    /// as the backup named here, beside it.
    Restored(PathBuf),
}

fn copy_skeleton(lab: &Lab, e: &Exercise) -> Result<(), LabError> {
    let from = lab.skeleton(e);
    let to = lab.root.join(&e.dockerfile);
    if let Some(dir) = to.parent() {
        std::fs::create_dir_all(dir).map_err(|source| LabError::Io {
            path: dir.to_path_buf(),
            source,
        })?;
    }
    std::fs::copy(&from, &to)
        .map(|_| ())
        .map_err(|source| LabError::Io { path: from, source })
}

/// Copies the skeleton of an exercise's own context ignore file into place when it is
/// missing; an existing one is the learner's and is left alone.
fn copy_context_skeleton(lab: &Lab, e: &Exercise) -> Result<(), LabError> {
    let (Some(from), Some(to)) = (lab.context_skeleton(e), lab.context_ignore(e, false)) else {
        return Ok(());
    };
    if to.exists() {
        return Ok(());
    }
    let io = |path: &Path| {
        let path = path.to_path_buf();
        move |source| LabError::Io { path, source }
    };
    if let Some(dir) = to.parent() {
        std::fs::create_dir_all(dir).map_err(io(dir))?;
    }
    std::fs::copy(&from, &to).map(|_| ()).map_err(io(&from))
}

/// Starts the lab: copies each missing exercise's skeleton into place, never overwriting a
/// file that exists (safe to repeat, for example after pulling a new exercise).
pub fn init(lab: &Lab) -> Result<Vec<(&Exercise, FileAction)>, LabError> {
    let mut out = Vec::new();
    for e in &lab.exercises {
        copy_context_skeleton(lab, e)?;
        if lab.root.join(&e.dockerfile).exists() {
            out.push((e, FileAction::Kept));
        } else {
            copy_skeleton(lab, e)?;
            out.push((e, FileAction::Created));
        }
    }
    Ok(out)
}

/// Puts the skeleton back for `exercises`. A file that differs from its skeleton is the
/// learner's work: it is replaced only when `discard_my_work` is set, and kept otherwise.
pub fn reset<'a>(
    lab: &Lab,
    exercises: &[&'a Exercise],
    discard_my_work: bool,
) -> Result<Vec<(&'a Exercise, FileAction)>, LabError> {
    let mut out = Vec::new();
    for &e in exercises {
        let path = lab.root.join(&e.dockerfile);
        let action = match std::fs::read(&path) {
            Err(_) => {
                copy_skeleton(lab, e)?;
                FileAction::Created
            }
            Ok(current) => {
                let skeleton = std::fs::read(lab.skeleton(e)).map_err(|source| LabError::Io {
                    path: lab.skeleton(e),
                    source,
                })?;
                if current == skeleton {
                    FileAction::Unchanged
                } else if discard_my_work {
                    // The learner's file is kept beside the new skeleton, never lost.
                    let stamp = SystemTime::now()
                        .duration_since(UNIX_EPOCH)
                        .map(|d| d.as_secs())
                        .unwrap_or_default();
                    let backup = path.with_file_name(format!(
                        "{}.{stamp}.bak",
                        path.file_name().unwrap_or_default().to_string_lossy()
                    ));
                    std::fs::write(&backup, &current).map_err(|source| LabError::Io {
                        path: backup.clone(),
                        source,
                    })?;
                    copy_skeleton(lab, e)?;
                    FileAction::Restored(backup)
                } else {
                    FileAction::Kept
                }
            }
        };
        out.push((e, action));
    }
    Ok(out)
}
#[cfg(test)]
mod tests {
    use super::*;
    use crate::lab::fixtures::{GOOD, catalogue};

    #[test]
    fn a_discarding_reset_keeps_the_learners_file_as_a_backup() {
        let dir = tempfile::tempdir().unwrap();
        let lab = Lab::parse(
            GOOD,
            dir.path(),
            &dir.path().join("docker/lab/exercises.toml"),
            &catalogue(),
        )
        .unwrap();
        let e = &lab.exercises[0];
        std::fs::create_dir_all(lab.root.join(&lab.skeletons)).unwrap();
        std::fs::write(lab.skeleton(e), "FROM scratch\n").unwrap();
        std::fs::write(lab.root.join(&e.dockerfile), "my work\n").unwrap();
        let kept = reset(&lab, &[e], false).unwrap();
        assert_eq!(kept[0].1, FileAction::Kept);
        let done = reset(&lab, &[e], true).unwrap();
        let FileAction::Restored(backup) = &done[0].1 else {
            panic!("{:?}", done[0].1)
        };
        assert_eq!(std::fs::read_to_string(backup).unwrap(), "my work\n");
        assert_eq!(backup.parent(), lab.root.join(&e.dockerfile).parent());
        assert_eq!(
            std::fs::read_to_string(lab.root.join(&e.dockerfile)).unwrap(),
            "FROM scratch\n"
        );
    }
}
