//! `harness lab list|hint|solution`: what a learner asks about the exercises outside the
//! watch mode.

use harness::lab::solution::{diff_with_reference, solution_files};
use harness::lab::watch::SavedState;
use harness::lab::{Exercise, Grader, Lab, Mode};
use harness::manifest::catalogue::Catalogue;

fn one<'a>(lab: &'a Lab, exercise: &str) -> anyhow::Result<&'a Exercise> {
    let selected = lab.select(&[exercise.to_string()])?;
    selected
        .into_iter()
        .next()
        .ok_or_else(|| anyhow::anyhow!("no exercise {exercise}"))
}

/// One line per exercise: done (as the watch mode last saw it), current, and its file.
pub fn list(lab: &Lab) -> anyhow::Result<()> {
    let (saved, note) = SavedState::load(&lab.root);
    if let Some(note) = note {
        println!("{note}");
    }
    for e in &lab.exercises {
        let mark = if saved.passed.contains(&e.number) {
            "✓"
        } else {
            "·"
        };
        let pointer = if saved.current == e.number { ">" } else { " " };
        let file = match std::fs::read(lab.root.join(&e.dockerfile)) {
            Err(_) => "not created yet (`just lab`)".to_string(),
            Ok(mine) => {
                let skeleton = std::fs::read(lab.root.join(lab.skeleton(e))).unwrap_or_default();
                if mine == skeleton {
                    format!("{} (the skeleton, untouched)", e.dockerfile.display())
                } else {
                    format!("{} (edited)", e.dockerfile.display())
                }
            }
        };
        println!("{pointer} {mark} {:<26} {file}", e.label());
    }
    println!(
        "\n✓ = passed when last graded in `just lab watch`; > = where it resumes. `cargo test` grades them all."
    );
    Ok(())
}

/// What the exercise asks, and the advice for each check in the order they run.
pub fn hint(lab: &Lab, exercise: &str) -> anyhow::Result<()> {
    let e = one(lab, exercise)?;
    println!("{}  ({})", e.label(), e.dockerfile.display());
    println!("  {}", e.asks);
    println!("  chapter: {}\n", e.chapter);
    println!("checks, in the order they run, with the advice each failure gives:");
    for check in &e.checks {
        println!("  {:<17} {}", check.name(), e.advice(*check));
    }
    Ok(())
}

/// The reference solution beside the learner's file, once the exercise passes (graded now
/// unless the watch mode saw it pass).
pub fn solution(catalogue: &Catalogue, lab: &Lab, exercise: &str) -> anyhow::Result<()> {
    let e = one(lab, exercise)?;
    let (mut saved, _) = SavedState::load(&lab.root);
    if !saved.passed.contains(&e.number) {
        anyhow::ensure!(
            lab.root.join(&e.dockerfile).is_file(),
            "{} does not exist yet: run `just lab`, solve it, then ask for the solution",
            e.dockerfile.display()
        );
        eprintln!(
            "grading {} first: the solution is shown once it passes",
            e.label()
        );
        let rt = tokio::runtime::Runtime::new()?;
        let outcome = rt.block_on(async {
            let engine = harness::docker::engine::connect().await?;
            let mut grader = Grader::for_workspace(&engine.docker, catalogue, lab);
            let mut view =
                harness::render::grading::GradingView::new(1, |line| eprintln!("{line}"));
            let mut progress = |line: String| view.line(&line);
            let mut outcomes = grader.grade(&[e], Mode::Learner, &mut progress).await;
            view.finish();
            let _ = harness::docker::run::sweep(&engine.docker).await;
            anyhow::Ok(outcomes.remove(0))
        })?;
        anyhow::ensure!(
            outcome.ok(),
            "{} does not pass yet, so its solution stays hidden:\n  {}\n  hint: {}",
            e.label(),
            outcome.line(),
            outcome
                .failure
                .as_ref()
                .map(|f| f.hint())
                .unwrap_or_default()
        );
        saved.passed.insert(e.number);
        if saved.current == 0 {
            saved.current = e.number;
        }
        let _ = saved.save(&lab.root);
    }
    let references: Vec<String> = solution_files(lab, catalogue, e)
        .iter()
        .map(|(_, theirs)| theirs.display().to_string())
        .collect();
    println!(
        "{} passes. The kit's solution is {}; beside yours:\n",
        e.label(),
        references.join(" and ")
    );
    let diff = diff_with_reference(lab, catalogue, e)?;
    if diff.is_empty() {
        println!("(identical)");
    } else {
        print!("{diff}");
    }
    Ok(())
}
