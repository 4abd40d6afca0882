//! The kit's reference solution of an exercise, and the learner's file beside it.
//!
//! An exercise whose catalogue variant would give the next exercise away (the debian-slim
//! variant answers exercise 02 as well as 01) has a solution of its own under
//! `docker/lab/solutions`, named like the learner's file; the others are solved by their
//! catalogue variant's Dockerfile.

use std::path::{Path, PathBuf};

use crate::lab::{Exercise, Lab, LabError};
use crate::manifest::catalogue::Catalogue;

/// Where exercises' own reference solutions live, relative to the workspace root.
pub(crate) const SOLUTIONS_DIR: &str = "docker/lab/solutions";

/// The exercise's own solution under `docker/lab/solutions` (relative to the root), if it has
/// one: named like the learner's file.
pub(crate) fn own_solution(lab: &Lab, exercise: &Exercise) -> Option<PathBuf> {
    let own = Path::new(SOLUTIONS_DIR).join(exercise.dockerfile.file_name()?);
    lab.root.join(&own).is_file().then_some(own)
}

/// The image an exercise's own solution is built into: `<repository>:solution-NN-name`.
pub(crate) fn own_solution_image(lab: &Lab, exercise: &Exercise) -> String {
    format!(
        "{}:solution-{:02}-{}",
        lab.repository, exercise.number, exercise.name
    )
}

/// The reference solution's Dockerfile, relative to the root: the exercise's own under
/// `docker/lab/solutions` when there is one, else its catalogue variant's.
pub(crate) fn reference_dockerfile(
    lab: &Lab,
    catalogue: &Catalogue,
    exercise: &Exercise,
) -> PathBuf {
    if let Some(own) = own_solution(lab, exercise) {
        return own;
    }
    catalogue
        .get(&exercise.solution)
        .map(|v| v.dockerfile.clone())
        .unwrap_or_else(|| exercise.dockerfile.clone())
}

/// A unified diff from the learner's file to the reference (`mine` and `theirs` name them).
pub(crate) fn diff(mine: &str, mine_name: &str, theirs: &str, theirs_name: &str) -> String {
    similar::TextDiff::from_lines(mine, theirs)
        .unified_diff()
        .context_radius(2)
        .header(mine_name, theirs_name)
        .to_string()
}

/// A Dockerfile without its comment lines and with runs of blank lines made one: what
/// builds, so a diff shows the instructions that differ rather than two sets of comments.
pub(crate) fn instructions_only(text: &str) -> String {
    let mut out = String::new();
    let mut blank = true;
    for line in text.lines() {
        if line.trim_start().starts_with('#') {
            continue;
        }
        let is_blank = line.trim().is_empty();
        if is_blank && blank {
            continue;
        }
        blank = is_blank;
        out.push_str(line);
        out.push('\n');
    }
    out
}

/// The learner's files of `exercise`, each with the kit's reference for it, relative to the
/// root: the Dockerfile and its reference, then, for an exercise with a build context of its
/// own, that context's `.dockerignore` and the kit's (which is what such an exercise is about).
pub fn solution_files(
    lab: &Lab,
    catalogue: &Catalogue,
    exercise: &Exercise,
) -> Vec<(PathBuf, PathBuf)> {
    let mut files = vec![(
        exercise.dockerfile.clone(),
        reference_dockerfile(lab, catalogue, exercise),
    )];
    if let Some(context) = &exercise.context
        && let Some(name) = context.file_name()
    {
        files.push((
            context.join(".dockerignore"),
            Path::new(SOLUTIONS_DIR).join(name).join(".dockerignore"),
        ));
    }
    files
}

/// The learner's files of `exercise` beside their references ([`solution_files`]), as a unified
/// diff shows them, comment lines left out; an error names the file that
/// cannot be read.
pub fn diff_with_reference(
    lab: &Lab,
    catalogue: &Catalogue,
    exercise: &Exercise,
) -> Result<String, LabError> {
    let read = |p: &Path| {
        std::fs::read_to_string(lab.root.join(p)).map_err(|source| LabError::Read {
            path: p.to_path_buf(),
            source,
        })
    };
    let mut out = String::new();
    for (mine, theirs) in solution_files(lab, catalogue, exercise) {
        out.push_str(&diff(
            &instructions_only(&read(&mine)?),
            &format!("{} (yours, comments left out)", mine.display()),
            &instructions_only(&read(&theirs)?),
            &format!("{} (the kit's)", theirs.display()),
        ));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_diff_names_both_files_and_marks_the_changes() {
        let d = diff("FROM a\nRUN x\n", "mine", "FROM a\nRUN y\n", "theirs");
        assert!(d.starts_with("--- mine\n+++ theirs\n"), "{d}");
        assert!(d.contains("-RUN x\n+RUN y\n"), "{d}");
        assert_eq!(diff("same\n", "a", "same\n", "b"), "");
    }

    #[test]
    fn comments_and_extra_blank_lines_are_left_out() {
        assert_eq!(
            instructions_only("# a\n\nFROM x\n  # b\n\n\nRUN y\n"),
            "FROM x\n\nRUN y\n"
        );
    }

    #[test]
    fn every_exercise_has_a_reference_that_exists() {
        let catalogue = Catalogue::load().unwrap();
        let lab = Lab::load(&catalogue.root, &catalogue).unwrap();
        for e in &lab.exercises {
            let r = reference_dockerfile(&lab, &catalogue, e);
            assert!(
                lab.root.join(&r).is_file(),
                "{}: {}",
                e.label(),
                r.display()
            );
            assert_ne!(
                r,
                e.dockerfile,
                "{}: the learner's own file is no reference",
                e.label()
            );
        }
    }

    /// The solution of an exercise with a context of its own shows the `.dockerignore` the
    /// exercise is about, beside the kit's, after the Dockerfile.
    #[test]
    fn the_solution_of_a_context_exercise_shows_its_dockerignore() {
        let catalogue = Catalogue::load().unwrap();
        let real = Lab::load(&catalogue.root, &catalogue).unwrap();
        let dir = tempfile::tempdir().unwrap();
        let text = std::fs::read_to_string(&real.path).unwrap();
        let lab = Lab::parse(&text, dir.path(), &dir.path().join("m.toml"), &catalogue).unwrap();
        let e = lab.exercises.iter().find(|e| e.context.is_some()).unwrap();
        let files = solution_files(&lab, &catalogue, e);
        assert_eq!(files.len(), 2, "{files:?}");
        for (mine, theirs) in &files {
            for p in [mine, theirs] {
                std::fs::create_dir_all(lab.root.join(p).parent().unwrap()).unwrap();
            }
            std::fs::copy(catalogue.root.join(theirs), lab.root.join(theirs)).unwrap();
        }
        std::fs::copy(real.skeleton(e), lab.root.join(&files[0].0)).unwrap();
        std::fs::write(lab.root.join(&files[1].0), "# mine\ntarget/\n").unwrap();
        let d = diff_with_reference(&lab, &catalogue, e).unwrap();
        let ignore = files[1].0.display().to_string();
        assert!(
            d.contains(&format!("--- {ignore} (yours, comments left out)\n")),
            "{d}"
        );
        assert!(d.contains("/07-context/.dockerignore (the kit's)\n"), "{d}");
        assert!(d.contains("+**/target/\n") && d.contains("+.git\n"), "{d}");
        assert!(!d.contains("# mine"), "{d}");
    }
}
