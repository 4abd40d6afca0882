//! The graded lab (docker/lab/exercises.toml): one test that grades every exercise.
//!
//! Before `just lab`, it grades the reference solutions (the catalogue's Dockerfiles) against
//! every exercise's checks, which proves each exercise can be passed. Once the lab is started,
//! it grades the learner's Dockerfiles: one line per exercise, the hint for the first failure
//! and a score line, and it fails when any exercise fails.
//!
//! Builds go through the harness's process-wide lock and reuse the engine's cache, so images
//! the container tests built are not built again. `CALC_KIT_SKIP_DOCKER=1` skips it, loudly.
//!
//! Its output reads like a grade sheet: while it builds, one progress line per exercise (every
//! build step only with `CALC_KIT_VERBOSE=1`), then the verdicts, the hint and the score. A
//! failing lab fails the test with one line that points at the sheet, not with a panic
//! message and a backtrace.

use std::io::Write;
use std::path::{Path, PathBuf};

use harness::docker::engine;
use harness::lab::{Grader, Lab, Mode, Sheet, score_line};
use harness::manifest::catalogue::Catalogue;
use harness::render::grading::{GradingView, sheet_markdown, sheet_text};

/// <target>/host-calculator, shared with the container tests: the host calculator is built
/// once for both.
fn host_target_dir(root: &Path) -> PathBuf {
    harness::manifest::catalogue::test_target_dir(root).join("host-calculator")
}

/// Fails the test with `line` alone: no panic location, no backtrace (the panic hook does
/// not run for a resumed unwind).
fn fail(line: &str) -> ! {
    let _ = writeln!(std::io::stderr(), "{line}");
    std::panic::resume_unwind(Box::new(()));
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
    let catalogue = Catalogue::load().unwrap_or_else(|e| fail(&format!("error: {e}")));
    let lab =
        Lab::load(&catalogue.root, &catalogue).unwrap_or_else(|e| fail(&format!("error: {e}")));
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("a tokio runtime");
    let engine = match runtime.block_on(engine::connect()) {
        Ok(engine) => engine,
        // The one actionable line, then a failure without panic noise.
        Err(e) => fail(&format!("error: {e}")),
    };
    harness::docker::cleanup::on_signal_exit(|signal, removed| {
        let _ = writeln!(
            std::io::stderr(),
            "\nlab: {signal} received: removed {removed} container(s) of this run; not graded"
        );
    });
    let _ = writeln!(stderr, "{}", engine.describe());
    let host_dir = host_target_dir(&catalogue.root);
    let mut grader = Grader::new(&engine.docker, &catalogue, &lab, host_dir);
    let reference = grader.grades_references(Mode::Auto);
    let exercises: Vec<_> = lab.exercises.iter().collect();
    // Straight to stderr, not through `eprintln!`: the test harness captures the macro's
    // output and would show the progress only after a failure.
    let mut view = GradingView::new(exercises.len(), |line| {
        let _ = writeln!(std::io::stderr(), "{line}");
    });
    let outcomes = runtime.block_on(async {
        let mut progress = |line: String| view.line(&line);
        let outcomes = grader.grade(&exercises, Mode::Auto, &mut progress).await;
        let _ = harness::docker::run::sweep(&engine.docker).await;
        outcomes
    });
    view.finish();
    let sheet = Sheet::new(&outcomes, reference, lab.started());
    let text = sheet_text(&sheet);
    let _ = writeln!(stderr, "\n{text}");
    if let Some(summary) = std::env::var_os("GITHUB_STEP_SUMMARY") {
        let written = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(summary)
            .and_then(|mut f| f.write_all(sheet_markdown(&sheet).as_bytes()));
        if let Err(e) = written {
            let _ = writeln!(stderr, "cannot write the step summary: {e}");
        }
    }
    if !outcomes.iter().all(|o| o.ok()) {
        fail(&format!(
            "{}: the grade sheet above gives the hint for the first failure",
            score_line(&outcomes)
        ));
    }
}

/// The transcript the grader pipes in (built into the library) is the file in the tree that
/// the container tests read too, not a copy that could drift.
#[test]
fn the_transcript_is_one_file() {
    let catalogue = Catalogue::load().unwrap_or_else(|e| fail(&format!("error: {e}")));
    let owned = catalogue.root.join(harness::lab::TRANSCRIPT_PATH);
    let text = std::fs::read_to_string(&owned).expect("the lab's transcript");
    assert_eq!(text, harness::lab::TRANSCRIPT);
    assert!(
        !Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures/transcript.calc")
            .exists(),
        "a second transcript under tests/fixtures could drift from the lab's"
    );
}
