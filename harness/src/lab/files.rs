//! The learner's files: `init` copies the skeletons in, `reset` puts them back. An exercise's
//! files are its Dockerfile and, for an exercise with a build context of its own, that
//! context's `.dockerignore` (exercise 07 is about nothing else).

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
    /// as the backup named here, in the lab's folder.
    Restored(PathBuf),
}

/// What `reset` did with one file of an exercise.
#[derive(Debug, Clone, PartialEq)]
pub struct Reset<'a> {
    /// The exercise.
    pub(crate) exercise: &'a Exercise,
    /// The learner's file, relative to the root.
    pub file: PathBuf,
    /// What was done with it.
    pub action: FileAction,
}

/// One file the learner edits: where it is (relative to the root), its skeleton, and the
/// name its backup takes (a stamp and `.bak` are added), in the lab's folder so that git and
/// `harness clean` see it as one.
struct LearnerFile {
    file: PathBuf,
    skeleton: PathBuf,
    backup: PathBuf,
}

/// The files of `e`: its Dockerfile, then its own context's `.dockerignore` if it has one.
fn learner_files(lab: &Lab, e: &Exercise) -> Vec<LearnerFile> {
    let mut files = vec![LearnerFile {
        file: e.dockerfile.clone(),
        skeleton: lab.skeleton(e),
        backup: lab.root.join(&e.dockerfile),
    }];
    if let (Some(context), Some(skeleton)) = (&e.context, lab.context_skeleton(e)) {
        let name = context.file_name().unwrap_or_default().to_string_lossy();
        files.push(LearnerFile {
            file: context.join(".dockerignore"),
            skeleton,
            backup: lab
                .root
                .join(context.with_file_name(format!("{name}.dockerignore"))),
        });
    }
    files
}

fn copy(from: &Path, to: &Path) -> Result<(), LabError> {
    if let Some(dir) = to.parent() {
        std::fs::create_dir_all(dir).map_err(|source| LabError::Io {
            path: dir.to_path_buf(),
            source,
        })?;
    }
    std::fs::copy(from, to)
        .map(|_| ())
        .map_err(|source| LabError::Io {
            path: from.to_path_buf(),
            source,
        })
}

/// Starts the lab: copies each missing exercise's skeleton into place (and its context's
/// `.dockerignore`), never overwriting a file that exists (safe to repeat, for example after
/// pulling a new exercise). One entry per exercise, for its Dockerfile.
pub fn init(lab: &Lab) -> Result<Vec<(&Exercise, FileAction)>, LabError> {
    let mut out = Vec::new();
    for e in &lab.exercises {
        let mut actions = Vec::new();
        for f in learner_files(lab, e) {
            let to = lab.root.join(&f.file);
            if to.exists() {
                actions.push(FileAction::Kept);
            } else {
                copy(&f.skeleton, &to)?;
                actions.push(FileAction::Created);
            }
        }
        out.push((e, actions.swap_remove(0)));
    }
    Ok(out)
}

/// Puts the skeletons back for `exercises`, every file of each. A file that differs from its
/// skeleton is the learner's work: it is replaced only when `discard_my_work` is set (and
/// kept as a backup), and kept otherwise.
pub fn reset<'a>(
    lab: &Lab,
    exercises: &[&'a Exercise],
    discard_my_work: bool,
) -> Result<Vec<Reset<'a>>, LabError> {
    let mut out = Vec::new();
    for &e in exercises {
        for f in learner_files(lab, e) {
            let action = reset_file(lab, &f, discard_my_work)?;
            out.push(Reset {
                exercise: e,
                file: f.file,
                action,
            });
        }
    }
    Ok(out)
}

fn reset_file(lab: &Lab, f: &LearnerFile, discard_my_work: bool) -> Result<FileAction, LabError> {
    let path = lab.root.join(&f.file);
    let Ok(current) = std::fs::read(&path) else {
        copy(&f.skeleton, &path)?;
        return Ok(FileAction::Created);
    };
    let skeleton = std::fs::read(&f.skeleton).map_err(|source| LabError::Io {
        path: f.skeleton.clone(),
        source,
    })?;
    if current == skeleton {
        return Ok(FileAction::Unchanged);
    }
    if !discard_my_work {
        return Ok(FileAction::Kept);
    }
    // The learner's file is kept in the lab's folder, never lost.
    let stamp = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or_default();
    let backup = f.backup.with_file_name(format!(
        "{}.{stamp}.bak",
        f.backup.file_name().unwrap_or_default().to_string_lossy()
    ));
    std::fs::write(&backup, &current).map_err(|source| LabError::Io {
        path: backup.clone(),
        source,
    })?;
    copy(&f.skeleton, &path)?;
    Ok(FileAction::Restored(backup))
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
        assert_eq!(kept[0].action, FileAction::Kept);
        let done = reset(&lab, &[e], true).unwrap();
        let FileAction::Restored(backup) = &done[0].action else {
            panic!("{:?}", done[0].action)
        };
        assert_eq!(std::fs::read_to_string(backup).unwrap(), "my work\n");
        assert_eq!(backup.parent(), lab.root.join(&e.dockerfile).parent());
        assert_eq!(
            std::fs::read_to_string(lab.root.join(&e.dockerfile)).unwrap(),
            "FROM scratch\n"
        );
    }

    /// Exercise 07 is its context's `.dockerignore`: reset treats that file as it treats a
    /// Dockerfile (put back when missing, kept when changed, replaced and backed up only when
    /// asked), on a copy of the kit's own manifest and skeletons.
    #[test]
    fn a_reset_of_an_exercise_with_its_own_context_puts_its_dockerignore_back() {
        let c = catalogue();
        let dir = tempfile::tempdir().unwrap();
        let manifest =
            std::fs::read_to_string(c.root.join(crate::lab::exercises::MANIFEST_PATH)).unwrap();
        let lab = Lab::parse(&manifest, dir.path(), &dir.path().join("m.toml"), &c).unwrap();
        let e = lab.exercises.iter().find(|e| e.context.is_some()).unwrap();
        let real = Lab::load(&c.root, &c).unwrap();
        let ignore_skeleton = real.context_skeleton(e).unwrap();
        for (from, to) in [
            (real.skeleton(e), lab.skeleton(e)),
            (ignore_skeleton.clone(), lab.context_skeleton(e).unwrap()),
        ] {
            std::fs::create_dir_all(to.parent().unwrap()).unwrap();
            std::fs::copy(from, to).unwrap();
        }
        let ignore = lab.context_ignore(e, false).unwrap();
        let actions = |r: &[Reset<'_>]| r.iter().map(|r| r.action.clone()).collect::<Vec<_>>();

        let created = reset(&lab, &[e], false).unwrap();
        assert_eq!(
            created[1].file,
            e.context.as_ref().unwrap().join(".dockerignore")
        );
        assert_eq!(
            actions(&created),
            [FileAction::Created, FileAction::Created]
        );
        assert_eq!(
            std::fs::read(&ignore).unwrap(),
            std::fs::read(&ignore_skeleton).unwrap()
        );

        std::fs::write(&ignore, "target/\n").unwrap();
        let kept = reset(&lab, &[e], false).unwrap();
        assert_eq!(actions(&kept), [FileAction::Unchanged, FileAction::Kept]);
        assert_eq!(std::fs::read_to_string(&ignore).unwrap(), "target/\n");

        let done = reset(&lab, &[e], true).unwrap();
        let FileAction::Restored(backup) = &done[1].action else {
            panic!("{:?}", done[1].action)
        };
        assert_eq!(std::fs::read_to_string(backup).unwrap(), "target/\n");
        // In docker/lab/ itself, where git ignores backups and `harness clean` finds them.
        assert_eq!(backup.parent(), lab.root.join(&e.dockerfile).parent());
        assert_eq!(
            std::fs::read(&ignore).unwrap(),
            std::fs::read(&ignore_skeleton).unwrap()
        );
    }
}
