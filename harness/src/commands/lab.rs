//! `harness lab init|grade|reset` (and, in their own files, `watch`, `list`, `hint`,
//! `solution`): what `just lab` and a learner run.

use harness::lab::{FileAction, Grader, Lab, Mode, Outcome, Sheet, init, reset, score_line};
use harness::manifest::catalogue::Catalogue;

use crate::cli::LabCommand;

pub fn run(action: LabCommand) -> anyhow::Result<()> {
    let catalogue = Catalogue::load()?;
    let lab = Lab::load(&catalogue.root, &catalogue)?;
    match action {
        LabCommand::Init => {
            for (e, action) in init(&lab)? {
                let what = match action {
                    FileAction::Created => "created",
                    _ => "kept (yours, not overwritten)",
                };
                println!("  {:<32} {what}", e.dockerfile.display());
            }
            println!(
                "\nThe lab is started. Next:\n  1. run `just lab watch` in a terminal: it shows the current exercise and re-grades it every time you save it (h: hint, l: list, q: quit);\n  2. open {} in your editor and follow its TODO comments;\n  3. `cargo test -p harness --test lab` (or all of `cargo test`) grades every exercise at once: one line each, a hint for the first failure;\n  4. commit your Dockerfiles.\nExercises are graded in order; the walkthrough's lab chapter is docs/src/lab.md.",
                lab.exercises[0].dockerfile.display()
            );
            Ok(())
        }
        LabCommand::Watch => super::lab_watch::run(&catalogue, &lab),
        LabCommand::List => super::lab_info::list(&lab),
        LabCommand::Hint { exercise } => super::lab_info::hint(&lab, &exercise),
        LabCommand::Solution { exercise } => super::lab_info::solution(&catalogue, &lab, &exercise),
        LabCommand::Reset {
            exercises,
            discard_my_work,
        } => {
            let selected = lab.select(&exercises)?;
            let mut kept = 0;
            for harness::lab::Reset { file, action, .. } in reset(&lab, &selected, discard_my_work)?
            {
                let backup;
                let what = match action {
                    FileAction::Created => "created from its skeleton",
                    FileAction::Unchanged => "unchanged (still the skeleton)",
                    FileAction::Restored(path) => {
                        backup = format!(
                            "replaced by its skeleton; your file is kept as {}",
                            path.strip_prefix(&lab.root).unwrap_or(&path).display()
                        );
                        &backup
                    }
                    FileAction::Kept => {
                        kept += 1;
                        "kept: it has your changes"
                    }
                };
                println!("  {:<32} {what}", file.display());
            }
            if kept > 0 {
                println!(
                    "\n{kept} file(s) with your changes were kept; `harness lab reset --discard-my-work EXERCISE` replaces them."
                );
            }
            Ok(())
        }
        LabCommand::Grade {
            exercises,
            reference,
        } => {
            let selected = lab.select(&exercises)?;
            let rt = tokio::runtime::Runtime::new()?;
            rt.block_on(async {
                let engine = harness::docker::engine::connect().await?;
                eprintln!("{}", engine.describe());
                let mut grader = Grader::for_workspace(&engine.docker, &catalogue, &lab);
                let mode = if reference {
                    Mode::Reference
                } else {
                    Mode::Auto
                };
                let mut view = harness::render::grading::GradingView::new(selected.len(), |line| {
                    eprintln!("{line}")
                });
                let mut progress = |line: String| view.line(&line);
                let outcomes = grader.grade(&selected, mode, &mut progress).await;
                view.finish();
                let _ = harness::docker::run::sweep(&engine.docker).await;
                print!(
                    "\n{}",
                    harness::render::grading::sheet_text(&Sheet::new(
                        &outcomes,
                        grader.grades_references(mode),
                        lab.started()
                    ))
                );
                anyhow::ensure!(
                    outcomes.iter().all(Outcome::ok),
                    "{}",
                    score_line(&outcomes)
                );
                Ok(())
            })
        }
    }
}
