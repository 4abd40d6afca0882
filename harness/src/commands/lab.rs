//! `harness lab init|grade|reset`: what `just lab` and a learner run.

use harness::lab::{FileAction, Grader, Lab, Mode, Outcome, init, report, reset, score_line};
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
                "\nThe lab is started. Next:\n  1. open {} and follow its TODO comments;\n  2. run `cargo test -p harness --test lab` (or all of `cargo test`): one line per exercise, a hint for the first failure;\n  3. fix, run again, and commit your Dockerfiles.\nExercises are graded in order; the walkthrough's lab chapter is docs/src/lab.md.",
                lab.exercises[0].dockerfile.display()
            );
            Ok(())
        }
        LabCommand::Reset {
            exercises,
            discard_my_work,
        } => {
            let selected = lab.select(&exercises).map_err(anyhow::Error::msg)?;
            let mut kept = 0;
            for (e, action) in reset(&lab, &selected, discard_my_work)? {
                let what = match action {
                    FileAction::Created => "created from its skeleton",
                    FileAction::Unchanged => "unchanged (still the skeleton)",
                    FileAction::Restored => "replaced by its skeleton (your changes are gone)",
                    FileAction::Kept => {
                        kept += 1;
                        "kept: it has your changes"
                    }
                };
                println!("  {:<32} {what}", e.dockerfile.display());
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
            let selected = lab.select(&exercises).map_err(anyhow::Error::msg)?;
            let rt = tokio::runtime::Runtime::new()?;
            rt.block_on(async {
                let engine = harness::docker::engine::connect().await?;
                eprintln!("{}", engine.describe());
                let target = harness::manifest::catalogue::target_dir(&lab.root);
                let mut grader = Grader::new(
                    &engine.docker,
                    &catalogue,
                    &lab,
                    target.join("host-calculator"),
                );
                let mode = if reference {
                    Mode::Reference
                } else {
                    Mode::Auto
                };
                let mut progress = |line: String| eprintln!("    {line}");
                let outcomes = grader.grade(&selected, mode, &mut progress).await;
                let _ = harness::docker::run::sweep(&engine.docker).await;
                print!(
                    "\n{}",
                    report(&outcomes, grader.grades_references(mode), lab.started())
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
