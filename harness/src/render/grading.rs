//! The grade sheet drawn as text and as Markdown, and the live view of a grading run on
//! stderr, so the grade sheet that follows is not buried
//! under build logs: one line per exercise that says what it is doing (on a terminal, that
//! line follows the current build step with a spinner and a clock; a cold first run takes
//! minutes and must not look stuck), and every build step only when `CALC_KIT_VERBOSE=1`.
//! It reads the grader's progress lines: `grading <label>` opens an exercise, anything
//! else is what that exercise is doing now. Nothing here prints: the sheet is returned as
//! text, and the view hands each line to the writer its caller gives it (the spinner itself
//! is indicatif's, on stderr).

use std::time::{Duration, Instant};

use console::Term;
use indicatif::{ProgressBar, ProgressStyle};

use crate::lab::report::{Graded, Sheet};

/// Set to `1` to see every build step of every exercise while grading.
pub(crate) const VERBOSE_VAR: &str = "CALC_KIT_VERBOSE";

/// Whether [`VERBOSE_VAR`] asks for every build step.
pub(crate) fn verbose_requested() -> bool {
    std::env::var(VERBOSE_VAR).is_ok_and(|v| v == "1" || v.eq_ignore_ascii_case("true"))
}

/// Where the view's lines go: the caller writes them (to stderr, as a rule).
pub(crate) type LineWriter = Box<dyn FnMut(&str) + Send>;

/// The progress of one grading run, drawn on stderr.
pub struct GradingView {
    out: LineWriter,
    live: bool,
    verbose: bool,
    bar: Option<ProgressBar>,
    current: Option<(String, Instant)>,
    total: usize,
    index: usize,
}

impl GradingView {
    /// A view for stderr as it is (a terminal or not) grading `total` exercises; verbose
    /// when `CALC_KIT_VERBOSE=1`. `out` writes each line the view has to say.
    pub fn new(total: usize, out: impl FnMut(&str) + Send + 'static) -> GradingView {
        GradingView {
            out: Box::new(out),
            live: Term::stderr().is_term(),
            verbose: verbose_requested(),
            bar: None,
            current: None,
            total,
            index: 0,
        }
    }

    /// Handles one progress line of the grader.
    pub fn line(&mut self, line: &str) {
        if let Some(label) = line.strip_prefix("grading ") {
            self.finish();
            self.index += 1;
            let position = format!("({}/{})", self.index, self.total);
            self.current = Some((format!("{label} {position}"), Instant::now()));
            if self.live {
                let bar = ProgressBar::new_spinner().with_style(
                    ProgressStyle::with_template(
                        "{spinner} grading {prefix} {wide_msg} {elapsed:>4}",
                    )
                    .unwrap_or_else(|_| ProgressStyle::default_spinner()),
                );
                bar.set_prefix(format!("{label} {position}"));
                bar.enable_steady_tick(Duration::from_millis(120));
                self.bar = Some(bar);
            } else {
                self.say(&format!("grading {label} {position}"));
            }
            return;
        }
        let detail = line.trim();
        if self.verbose {
            self.say(&format!("    {detail}"));
        }
        if let Some(bar) = &self.bar {
            bar.set_message(detail.to_string());
        }
    }

    /// Ends the current exercise's line (before the sheet is printed).
    pub fn finish(&mut self) {
        if let Some(bar) = self.bar.take() {
            bar.finish_and_clear();
        }
        if let Some((label, started)) = self.current.take()
            && self.live
        {
            let line = format!(
                "graded {label} in {}",
                crate::render::format::seconds(started.elapsed())
            );
            self.say(&line);
        }
    }

    /// One line, above the spinner when one is live.
    fn say(&mut self, line: &str) {
        let out = &mut self.out;
        match &self.bar {
            Some(bar) => bar.suspend(|| out(line)),
            None => out(line),
        }
    }
}

impl Drop for GradingView {
    fn drop(&mut self) {
        self.finish();
    }
}

/// The sheet as the learner reads it: one line per exercise, the hint for the first failure
/// only, and the score line last.
pub fn sheet_text(sheet: &Sheet<'_>) -> String {
    let mut out = String::new();
    out.push_str(match sheet.graded {
        Graded::ReferenceStarted => {
            "lab: started; grading the reference solutions in docker/ (asked with --reference), not your Dockerfiles in docker/lab/\n"
        }
        Graded::ReferenceNotStarted => {
            "lab: not started (`just lab` starts it); grading the reference solutions in docker/\n"
        }
        Graded::Learner => "lab: grading your Dockerfiles in docker/lab/\n",
    });
    for o in sheet.outcomes {
        out.push_str("  ");
        out.push_str(&o.line());
        out.push('\n');
    }
    if let Some((o, f)) = sheet.first_failure() {
        out.push_str(&format!(
            "\nhint for {} ({}, check `{}`):\n  {}\n  (what the exercise asks: {} The chapter: {})\n\n",
            o.exercise.label(),
            o.dockerfile.display(),
            f.check,
            f.hint(),
            o.exercise.asks,
            o.exercise.chapter
        ));
    }
    out.push_str(&sheet.score());
    out.push('\n');
    out
}

/// The sheet as Markdown, for a CI run's summary page (`$GITHUB_STEP_SUMMARY`).
pub fn sheet_markdown(sheet: &Sheet<'_>) -> String {
    let mut out = String::from("### calc-kit lab\n\n");
    match sheet.graded {
        Graded::ReferenceStarted => {
            out.push_str("The reference solutions were graded, as asked (the lab is started).\n\n")
        }
        Graded::ReferenceNotStarted => {
            out.push_str("The lab is not started: the reference solutions were graded.\n\n")
        }
        Graded::Learner => {}
    }
    out.push_str("| | exercise | verdict |\n|---|---|---|\n");
    for o in sheet.outcomes {
        let (mark, verdict) = match &o.failure {
            None => ("✓", format!("{} checks pass", o.passed.len())),
            Some(f) => ("✗", format!("{}: {}", f.check, f.verdict)),
        };
        out.push_str(&format!(
            "| {mark} | {} | {} |\n",
            o.exercise.label(),
            verdict.replace('|', "\\|")
        ));
    }
    if let Some((o, f)) = sheet.first_failure() {
        out.push_str(&format!(
            "\n**Hint for {}** (`{}`): {}\n",
            o.exercise.label(),
            o.dockerfile.display(),
            f.hint()
        ));
    }
    out.push_str(&format!("\n**{}**\n", sheet.score()));
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lab::fixtures::check;
    use crate::lab::fixtures::{GOOD, parse};
    use crate::lab::{Failure, Outcome};

    fn report(outcomes: &[Outcome], reference: bool, started: bool) -> String {
        sheet_text(&Sheet::new(outcomes, reference, started))
    }

    fn report_markdown(outcomes: &[Outcome], reference: bool, started: bool) -> String {
        sheet_markdown(&Sheet::new(outcomes, reference, started))
    }

    #[test]
    fn the_report_has_one_line_per_exercise_one_hint_and_a_score() {
        let lab = parse(GOOD).unwrap();
        let e = lab.exercises[0].clone();
        let passed = Outcome {
            exercise: e.clone(),
            dockerfile: "docker/scratch.Dockerfile".into(),
            passed: e.checks.clone(),
            failure: None,
            size: Some(1_432_672),
        };
        let failed = |verdict: &str| Outcome {
            failure: Some(Failure {
                check: check("size"),
                verdict: verdict.into(),
                advice: "does the last FROM start from scratch?".into(),
            }),
            passed: vec![check("final-base"), check("builds")],
            size: None,
            ..passed.clone()
        };
        let outcomes = [passed.clone(), failed("first"), failed("second")];
        let text = report(&outcomes, false, true);
        assert!(text.contains("✓ 05 scratch"), "{text}");
        assert!(text.contains("3 checks pass, 1.43 MB"), "{text}");
        assert_eq!(text.matches("hint for").count(), 1, "{text}");
        assert!(text.contains("first: does the last FROM"), "{text}");
        assert!(!text.contains("second: does"), "{text}");
        assert!(
            text.trim_end().ends_with("lab: 1/3 exercises pass"),
            "{text}"
        );
        let md = report_markdown(&outcomes, false, true);
        assert!(md.contains("**lab: 1/3 exercises pass**"), "{md}");
        let started_refs = report(&outcomes, true, true);
        assert!(
            started_refs.starts_with("lab: started; grading the reference solutions"),
            "{started_refs}"
        );
        assert!(!started_refs.contains("not started"), "{started_refs}");
        assert!(report(&outcomes, true, false).starts_with("lab: not started"));
        assert!(!report_markdown(&outcomes, true, true).contains("not started"));
        assert!(report_markdown(&outcomes, true, false).contains("not started"));
    }
}
