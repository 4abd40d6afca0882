//! The live view of a grading run on stderr, so the grade sheet that follows is not buried
//! under build logs: one line per exercise that says what it is doing (on a terminal, that
//! line follows the current build step with a spinner and a clock; a cold first run takes
//! minutes and must not look stuck), and every build step only when `CALC_KIT_VERBOSE=1`.
//! It reads the grader's progress lines: `grading <label>` opens an exercise, anything
//! else is what that exercise is doing now.

use std::io::Write;
use std::time::{Duration, Instant};

use console::Term;
use indicatif::{ProgressBar, ProgressStyle};

/// Set to `1` to see every build step of every exercise while grading.
pub const VERBOSE_VAR: &str = "CALC_KIT_VERBOSE";

/// Whether [`VERBOSE_VAR`] asks for every build step.
pub fn verbose_requested() -> bool {
    std::env::var(VERBOSE_VAR).is_ok_and(|v| v == "1" || v.eq_ignore_ascii_case("true"))
}

/// The progress of one grading run, drawn on stderr.
pub struct GradingView {
    live: bool,
    verbose: bool,
    bar: Option<ProgressBar>,
    current: Option<(String, Instant)>,
    total: usize,
    index: usize,
}

impl GradingView {
    /// A view for stderr as it is (a terminal or not) grading `total` exercises; verbose
    /// when [`VERBOSE_VAR`] says so.
    pub fn new(total: usize) -> GradingView {
        GradingView {
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
                say(&format!("grading {label} {position}"));
            }
            return;
        }
        let detail = line.trim();
        if self.verbose {
            match &self.bar {
                Some(bar) => bar.println(format!("    {detail}")),
                None => say(&format!("    {detail}")),
            }
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
            say(&format!(
                "graded {label} in {}",
                crate::render::format::seconds(started.elapsed())
            ));
        }
    }
}

/// One line to stderr itself, not through `eprintln!`: a test harness captures the macro's
/// output and would show the progress only after a failure.
fn say(line: &str) {
    let _ = writeln!(std::io::stderr(), "{line}");
}

impl Drop for GradingView {
    fn drop(&mut self) {
        self.finish();
    }
}
