//! The graded lab (docker/lab/exercises.toml): one test that grades every exercise.
//!
//! Before `just lab`, it grades the reference solutions (the catalogue's Dockerfiles) against
//! every exercise's checks, which proves each exercise can be passed. Once the lab is started,
//! it grades the learner's Dockerfiles: one line per exercise, the hint for the first failure
//! and a score line, and it fails when any exercise fails.
//!
//! Builds go through the harness's process-wide lock and reuse the engine's cache, so images
//! the container tests built are not built again. `CALC_KIT_SKIP_DOCKER=1` skips it, loudly.

use std::io::Write;
use std::path::{Path, PathBuf};

use harness::docker::engine;
use harness::lab::{Grader, Lab, Mode, report, report_markdown, score_line};
use harness::manifest::catalogue::Catalogue;

/// <target>/host-calculator, shared with the container tests: the host calculator is built
/// once for both.
fn host_target_dir(root: &Path) -> PathBuf {
    harness::manifest::catalogue::test_target_dir(root).join("host-calculator")
}

#[test]
fn lab() {
    let mut stderr = std::io::stderr();
    if engine::skip_requested() {
        let _ = writeln!(
            stderr,
            "\n##########################################################################\n## SKIPPED: the graded lab, because {}=1.\n## No exercise was graded. Unset it to grade them.\n##########################################################################\n",
            engine::SKIP_VAR
        );
        return;
    }
    let catalogue = Catalogue::load().unwrap_or_else(|e| panic!("{e}"));
    let lab = Lab::load(&catalogue.root, &catalogue).unwrap_or_else(|e| panic!("{e}"));
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("a tokio runtime");
    let engine = match runtime.block_on(engine::connect()) {
        Ok(engine) => engine,
        Err(e) => {
            // The one actionable line, then a failure without panic noise.
            let _ = writeln!(stderr, "error: {e}");
            std::panic::resume_unwind(Box::new(()));
        }
    };
    let _ = writeln!(stderr, "{}", engine.describe());
    let host_dir = host_target_dir(&catalogue.root);
    let mut grader = Grader::new(&engine.docker, &catalogue, &lab, host_dir);
    let reference = grader.grades_references(Mode::Auto);
    let exercises: Vec<_> = lab.exercises.iter().collect();
    let outcomes = runtime.block_on(async {
        let mut progress = |line: String| {
            let _ = writeln!(std::io::stderr(), "    {line}");
        };
        let outcomes = grader.grade(&exercises, Mode::Auto, &mut progress).await;
        let _ = harness::docker::run::sweep(&engine.docker).await;
        outcomes
    });
    let text = report(&outcomes, reference, lab.started());
    let _ = writeln!(stderr, "\n{text}");
    if let Some(summary) = std::env::var_os("GITHUB_STEP_SUMMARY") {
        let written = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(summary)
            .and_then(|mut f| {
                f.write_all(report_markdown(&outcomes, reference, lab.started()).as_bytes())
            });
        if let Err(e) = written {
            let _ = writeln!(stderr, "cannot write the step summary: {e}");
        }
    }
    assert!(
        outcomes.iter().all(|o| o.ok()),
        "{} (the hint for the first failure is above)",
        score_line(&outcomes)
    );
}
