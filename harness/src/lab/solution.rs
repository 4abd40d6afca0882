//! The kit's reference solution of an exercise, and the learner's file beside it.
//!
//! An exercise whose catalogue variant would give the next exercise away (the debian-slim
//! variant answers exercise 02 as well as 01) has a solution of its own under
//! [`SOLUTIONS_DIR`], named like the learner's file; the others are solved by their
//! catalogue variant's Dockerfile.

use std::path::{Path, PathBuf};

use crate::lab::{Exercise, Lab, LabError};
use crate::manifest::catalogue::Catalogue;

/// Where exercises' own reference solutions live, relative to the workspace root.
pub const SOLUTIONS_DIR: &str = "docker/lab/solutions";

/// The exercise's own solution under [`SOLUTIONS_DIR`] (relative to the root), if it has
/// one: named like the learner's file.
pub fn own_solution(lab: &Lab, exercise: &Exercise) -> Option<PathBuf> {
    let own = Path::new(SOLUTIONS_DIR).join(exercise.dockerfile.file_name()?);
    lab.root.join(&own).is_file().then_some(own)
}

/// The image an exercise's own solution is built into: `<repository>:solution-NN-name`.
pub fn own_solution_image(lab: &Lab, exercise: &Exercise) -> String {
    format!(
        "{}:solution-{:02}-{}",
        lab.repository, exercise.number, exercise.name
    )
}

/// The reference solution's Dockerfile, relative to the root: the exercise's own under
/// [`SOLUTIONS_DIR`] when there is one, else its catalogue variant's.
pub fn reference_dockerfile(lab: &Lab, catalogue: &Catalogue, exercise: &Exercise) -> PathBuf {
    if let Some(own) = own_solution(lab, exercise) {
        return own;
    }
    catalogue
        .get(&exercise.solution)
        .map(|v| v.dockerfile.clone())
        .unwrap_or_else(|| exercise.dockerfile.clone())
}

/// A unified diff from the learner's file to the reference (`mine` and `theirs` name them).
pub fn diff(mine: &str, mine_name: &str, theirs: &str, theirs_name: &str) -> String {
    similar::TextDiff::from_lines(mine, theirs)
        .unified_diff()
        .context_radius(2)
        .header(mine_name, theirs_name)
        .to_string()
}

/// A Dockerfile without its comment lines and with runs of blank lines made one: what
/// builds, so a diff shows the instructions that differ rather than two sets of comments.
pub fn instructions_only(text: &str) -> String {
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

/// The learner's file of `exercise` beside its reference, as [`diff`] shows them, comment
/// lines left out ([`instructions_only`]); an error names the file that cannot be read.
pub fn diff_with_reference(
    lab: &Lab,
    catalogue: &Catalogue,
    exercise: &Exercise,
) -> Result<String, LabError> {
    let reference = reference_dockerfile(lab, catalogue, exercise);
    let read = |p: &Path| {
        std::fs::read_to_string(lab.root.join(p)).map_err(|source| LabError::Read {
            path: p.to_path_buf(),
            source,
        })
    };
    Ok(diff(
        &instructions_only(&read(&exercise.dockerfile)?),
        &format!(
            "{} (yours, comments left out)",
            exercise.dockerfile.display()
        ),
        &instructions_only(&read(&reference)?),
        &format!("{} (the kit's)", reference.display()),
    ))
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
}
