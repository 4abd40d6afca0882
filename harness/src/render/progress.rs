//! The live view of a measurement in progress, on the terminal the caller names (stderr, for
//! the commands): a bar per build on a terminal, one line per build and per step that really
//! runs otherwise. The state it shows comes from [`crate::measure::Progress`]; only the
//! drawing is here, and it draws only where it was told to.

use std::time::Duration;

use console::{Term, TermTarget, style};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use crate::docker::build::BuildEvent;
use crate::measure::{Progress, Stage};
use crate::render::format::seconds;

/// Shows a measurement's progress on `out`: on a terminal a live bar per build with the
/// current step (`[n/m] INSTRUCTION`) and a spinner while images are measured; otherwise one
/// line per build and per step that really runs (cached steps take no time to watch).
pub struct ProgressView {
    out: Term,
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
    /// A view drawing on `out` as it is (a terminal or not; in colour where that stream may
    /// have colour); `question` is what the run stage asks.
    pub fn new(question: &str, out: Term) -> ProgressView {
        let colour = match out.target() {
            TermTarget::Stdout => console::colors_enabled(),
            TermTarget::Stderr => console::colors_enabled_stderr(),
            _ => false,
        };
        ProgressView {
            live: out.is_term(),
            colour,
            out,
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
        let target = ProgressDrawTarget::term(self.out.clone(), 20);
        let bar = ProgressBar::with_draw_target(None, target).with_style(
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
                    self.say(&format!("building {} {}", self.name, self.position));
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
                self.say(&format!(
                    "  {} {:<18} {:>5}  {} steps, {what}",
                    self.mark(true),
                    self.name,
                    seconds(summary.duration),
                    summary.steps,
                ));
            }
            Progress::Inspected { cached } => {
                self.clear();
                if !self.live {
                    self.say(&format!(
                        "measured {} {}{}",
                        self.name,
                        self.position,
                        if cached {
                            " (unchanged image: facts from the cache)"
                        } else {
                            ""
                        }
                    ));
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
                    let shown = format!("  {}", console::truncate_str(&one_line(step), 120, "..."));
                    self.say(&shown);
                    self.step_shown = true;
                }
            }
            BuildEvent::Preparing(line) => match &self.bar {
                Some(bar) => bar.set_message(one_line(&line)),
                None => self.say(&format!("  {}", one_line(&line))),
            },
            BuildEvent::Step { .. } | BuildEvent::Cached => {}
        }
    }

    /// Clears a live bar and shows the failure mark, before the error is printed.
    pub fn fail(&mut self) {
        self.clear();
        if !self.name.is_empty() {
            self.say(&format!("  {} {}", self.mark(false), self.name));
        }
    }

    /// One line on `out`, flushed at once (`out` may be a buffered terminal, which the bars
    /// draw on too). A progress line that cannot be written is not worth failing the
    /// measurement for.
    fn say(&self, line: &str) {
        let _ = self.out.write_line(line);
        let _ = self.out.flush();
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

    use std::io::{Read as _, Seek as _};

    use crate::measure::BuildSummary;

    /// Off a terminal (here a file): a line when a build starts, one per step that really runs
    /// (once, however many lines it prints), the summary, and the failure mark; no bar.
    #[test]
    fn off_a_terminal_it_writes_one_line_per_build_and_per_step_that_runs() {
        let mut file = tempfile::tempfile().unwrap();
        let input = std::fs::File::open("/dev/null").unwrap();
        let out = Term::read_write_pair(input, file.try_clone().unwrap());
        let mut view = ProgressView::new("6 '*' 7", out);
        view.handle(Progress::Variant {
            name: "scratch".into(),
            index: 0,
            total: 2,
            stage: Stage::Build,
        });
        let step = |step: usize, instruction: &str| {
            Progress::Build(BuildEvent::Step {
                step,
                total: 3,
                instruction: instruction.into(),
            })
        };
        view.handle(step(1, "FROM rust:1.95-trixie AS build"));
        view.handle(Progress::Build(BuildEvent::Cached));
        view.handle(step(2, "RUN   cargo build --release"));
        for _ in 0..2 {
            view.handle(Progress::Build(BuildEvent::Output(
                " ---> Running in 1a2b3c4d".into(),
            )));
        }
        view.handle(Progress::Built(BuildSummary {
            duration: Duration::from_millis(2_000),
            steps: 3,
            cached_steps: 1,
            from_steps: 1,
        }));
        view.fail();
        file.rewind().unwrap();
        let mut text = String::new();
        file.read_to_string(&mut text).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), 4, "{text}");
        assert_eq!(lines[0], "building scratch (1/2)");
        assert_eq!(lines[1], "  [2/3] RUN cargo build --release");
        assert!(lines[2].starts_with("  ok scratch "), "{text}");
        assert!(
            lines[2].ends_with(" 2.0 s  3 steps, 1 run, the rest from the cache"),
            "{text}"
        );
        assert_eq!(lines[3], "  FAILED scratch");
    }

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
