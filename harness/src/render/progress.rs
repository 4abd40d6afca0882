//! The live view of a measurement in progress, on stderr: a bar per build on a terminal, one
//! line per build and per step that really runs otherwise. The state it shows comes from
//! [`crate::measure::Progress`]; only the drawing is here.

use std::time::Duration;

use console::{Term, style};
use indicatif::{ProgressBar, ProgressStyle};

use crate::docker::build::BuildEvent;
use crate::measure::{Progress, Stage};
use crate::render::format::seconds;

/// Shows a measurement's progress on stderr: on a terminal a live bar per build with the
/// current step (`[n/m] INSTRUCTION`) and a spinner while images are measured; otherwise one
/// line per build and per step that really runs (cached steps take no time to watch).
pub struct ProgressView {
    live: bool,
    colour: bool,
    bar: Option<ProgressBar>,
    name: String,
    position: String,
    step: Option<String>,
    step_shown: bool,
    question: String,
}

impl ProgressView {
    /// A view for stderr as it is (a terminal or not); `question` is what the run stage asks.
    pub fn new(question: &str) -> ProgressView {
        let err = Term::stderr();
        ProgressView {
            live: err.is_term(),
            colour: console::colors_enabled_stderr(),
            bar: None,
            name: String::new(),
            position: String::new(),
            step: None,
            step_shown: false,
            question: question.to_string(),
        }
    }

    fn spinner(&mut self, template: &str) -> ProgressBar {
        let template = if self.colour {
            template
                .replace("{spinner}", "{spinner:.cyan}")
                .replace("{prefix}", "{prefix:.bold}")
        } else {
            template.to_string()
        };
        let bar = ProgressBar::new_spinner().with_style(
            ProgressStyle::with_template(&template)
                .unwrap_or_else(|_| ProgressStyle::default_spinner()),
        );
        bar.set_prefix(format!("{} {}", self.name, self.position));
        bar.enable_steady_tick(Duration::from_millis(100));
        bar
    }

    fn clear(&mut self) {
        if let Some(bar) = self.bar.take() {
            bar.finish_and_clear();
        }
    }

    fn mark(&self, ok: bool) -> String {
        let text = if ok { "ok" } else { "FAILED" };
        if !self.colour {
            return text.to_string();
        }
        let styled = style(text).force_styling(true);
        if ok { styled.green() } else { styled.red() }.to_string()
    }

    /// Handles one event of [`crate::measure::measure`].
    pub fn handle(&mut self, event: Progress) {
        match event {
            Progress::Variant {
                name,
                index,
                total,
                stage,
            } => {
                self.clear();
                self.name = name;
                self.position = format!("({}/{total})", index + 1);
                self.step = None;
                self.step_shown = false;
                if self.live {
                    let template = match stage {
                        Stage::Build => "{spinner} building {prefix} {wide_msg} {elapsed:>4}",
                        Stage::Inspect => "{spinner} measuring {prefix} {wide_msg} {elapsed:>4}",
                        Stage::Run => "{spinner} asking {prefix} {wide_msg}",
                    };
                    let bar = self.spinner(template);
                    match stage {
                        Stage::Build => bar.set_message("preparing the build context"),
                        Stage::Inspect => bar.set_message("reading its configuration and layers"),
                        Stage::Run => bar.set_message(format!("calculator {}", self.question)),
                    }
                    self.bar = Some(bar);
                } else if stage == Stage::Build {
                    eprintln!("building {} {}", self.name, self.position);
                }
            }
            Progress::Build(event) => self.build_event(event),
            Progress::Built(summary) => {
                self.clear();
                let what = if summary.fully_cached() {
                    "all from the cache".to_string()
                } else {
                    format!("{} run, the rest from the cache", summary.steps_run())
                };
                eprintln!(
                    "  {} {:<18} {:>5}  {} steps, {what}",
                    self.mark(true),
                    self.name,
                    seconds(summary.duration),
                    summary.steps,
                );
            }
            Progress::Inspected { cached } => {
                self.clear();
                if !self.live {
                    eprintln!(
                        "measured {} {}{}",
                        self.name,
                        self.position,
                        if cached {
                            " (unchanged image: facts from the cache)"
                        } else {
                            ""
                        }
                    );
                }
            }
            Progress::Answered(_) => self.clear(),
        }
    }

    fn build_event(&mut self, event: BuildEvent) {
        if let Some((step, total, instruction)) = started_step(&event) {
            let text = one_line(&format!("[{step}/{total}] {instruction}"));
            if let Some(bar) = &self.bar {
                bar.set_message(text.clone());
            }
            self.step = Some(text);
            self.step_shown = false;
            return;
        }
        match event {
            BuildEvent::Output(line) => {
                if let Some(bar) = &self.bar {
                    // The step, and what it is doing now (`Compiling num-bigint ...`); the
                    // builder's own bookkeeping lines say nothing to a class.
                    if let Some(step) = &self.step
                        && is_worth_showing(&line)
                    {
                        bar.set_message(format!("{step}  | {}", one_line(line.trim())));
                    }
                } else if !self.step_shown
                    && line.contains("Running in")
                    && let Some(step) = &self.step
                {
                    // A step that really runs: worth a line in a log.
                    eprintln!("  {}", console::truncate_str(&one_line(step), 120, "..."));
                    self.step_shown = true;
                }
            }
            BuildEvent::Preparing(line) => match &self.bar {
                Some(bar) => bar.set_message(one_line(&line)),
                None => eprintln!("  {}", one_line(&line)),
            },
            BuildEvent::Step { .. } | BuildEvent::Cached => {}
        }
    }

    /// Clears a live bar and shows the failure mark, before the error is printed.
    pub fn fail(&mut self) {
        self.clear();
        if !self.name.is_empty() {
            eprintln!("  {} {}", self.mark(false), self.name);
        }
    }
}

/// The step a build event starts, as `(step, total, instruction)`; `None` for any other
/// event. The one reading of a step that this view, the lab's build lines and its cache
/// watcher share.
pub(crate) fn started_step(event: &BuildEvent) -> Option<(usize, usize, &str)> {
    match event {
        BuildEvent::Step {
            step,
            total,
            instruction,
        } => Some((*step, *total, instruction)),
        _ => None,
    }
}

/// Whether a build output line says what a step is doing, rather than being the legacy
/// builder's bookkeeping (`---> 1a2b3c`, `Removing intermediate container`).
fn is_worth_showing(line: &str) -> bool {
    let line = line.trim();
    !(line.is_empty()
        || line.starts_with("--->")
        || line.starts_with("Removing intermediate container")
        || line.starts_with("Successfully built")
        || line.starts_with("Successfully tagged"))
}

fn one_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builder_bookkeeping_is_not_shown_as_progress() {
        assert!(is_worth_showing("   Compiling num-bigint v0.4.6"));
        assert!(!is_worth_showing(" ---> Running in 1a2b3c4d"));
        assert!(!is_worth_showing(
            "Removing intermediate container 1a2b3c4d"
        ));
        assert!(!is_worth_showing("   "));
    }
}
