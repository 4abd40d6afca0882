//! The watch mode's state machine (`harness lab watch`), without a terminal or an engine:
//! what the learner sees (the current exercise, each exercise's last verdict, a panel) and
//! what to do next (grade an exercise, save the progress, quit), as a function of keys,
//! saves and grading results. The command drives it; `render::watch` draws it.
//!
//! Progress is kept in [`STATE_PATH`] (ignored by git), so the next start resumes at the
//! exercise the last one stopped at.
//!
//! One job, over 500 lines only because the state machine's tests (about 135 lines) sit
//! beside it: the states, inputs and actions are one transition table and read best together.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::lab::{Exercise, Lab, Outcome};

/// The learner's progress, relative to the workspace root.
pub const STATE_PATH: &str = "docker/lab/.watch-state.json";

/// What is remembered between two watch sessions.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SavedState {
    /// The number of the exercise being worked on.
    pub current: u32,
    /// Numbers of the exercises that passed (the last time they were graded).
    pub passed: BTreeSet<u32>,
}

impl SavedState {
    /// The saved progress under `root`; none yet (or a file that does not parse) starts
    /// from the beginning, and the second tells which.
    pub fn load(root: &Path) -> (SavedState, Option<String>) {
        let path = root.join(STATE_PATH);
        match std::fs::read_to_string(&path) {
            Err(_) => (SavedState::default(), None),
            Ok(text) => match serde_json::from_str(&text) {
                Ok(state) => (state, None),
                Err(e) => (
                    SavedState::default(),
                    Some(format!(
                        "{} could not be read ({e}): starting from the first exercise",
                        path.display()
                    )),
                ),
            },
        }
    }

    /// Writes it under `root`.
    pub fn save(&self, root: &Path) -> std::io::Result<()> {
        let text = serde_json::to_string_pretty(self).map_err(std::io::Error::other)?;
        std::fs::write(root.join(STATE_PATH), text + "\n")
    }
}

/// The last verdict of one exercise in this session.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Verdict {
    /// Not graded in this session (passed earlier, if the saved state says so).
    NotGraded {
        /// Whether the saved state remembers a pass.
        passed_before: bool,
    },
    /// Being graded; `detail` is what the grader does now.
    Grading {
        /// The grader's latest progress line.
        detail: String,
    },
    /// Graded.
    Graded {
        /// Whether every check passed.
        passed: bool,
        /// The sheet's one line for it.
        line: String,
        /// The hint for its failure (what was measured, then the advice).
        hint: Option<String>,
    },
}

impl Verdict {
    /// Whether the exercise counts as done.
    pub(crate) fn passed(&self) -> bool {
        matches!(
            self,
            Verdict::NotGraded {
                passed_before: true
            } | Verdict::Graded { passed: true, .. }
        )
    }
}

/// What the lower half of the screen shows.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Panel {
    /// The current exercise's verdict and what was measured.
    Verdict,
    /// The hint for the current exercise's failure (`h`).
    Hint,
    /// Every exercise with its state (`l`).
    List,
    /// An exercise that just passed: its file beside the reference solution, as a diff.
    Passed {
        /// The exercise that passed.
        label: String,
        /// The unified diff, learner's file first.
        diff: String,
    },
}

/// An input to the state machine.
#[derive(Debug, Clone, PartialEq)]
pub enum Input {
    /// A key the learner pressed.
    Key(char),
    /// A file was saved (any path; only exercises' Dockerfiles count).
    Saved(PathBuf),
    /// A progress line from the grading that runs.
    Progress(String),
    /// The grading of exercise `index` finished; `diff` is the diff against the reference
    /// solution, computed by the caller for a pass.
    Graded {
        /// Index into the exercises.
        index: usize,
        /// Whether every check passed.
        passed: bool,
        /// The sheet's line.
        line: String,
        /// The hint, for a failure.
        hint: Option<String>,
        /// For a pass: the learner's file against the reference solution.
        diff: Option<String>,
    },
}

impl Input {
    /// The [`Input::Graded`] of an outcome.
    pub fn graded(index: usize, outcome: &Outcome, diff: Option<String>) -> Input {
        Input::Graded {
            index,
            passed: outcome.ok(),
            line: outcome.line(),
            hint: outcome.failure.as_ref().map(|f| f.hint()),
            diff,
        }
    }
}

/// What the driver must do after an input.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action {
    /// Grade exercise `index` (cancelling a grading that runs).
    Grade(usize),
    /// Write the saved state.
    Save,
    /// Leave.
    Quit,
}

/// One exercise as the watch mode shows it.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Entry {
    /// `01 multi-stage`.
    pub(crate) label: String,
    /// Its number.
    pub(crate) number: u32,
    /// The learner's Dockerfile, relative to the root.
    pub(crate) dockerfile: PathBuf,
    /// The `.dockerignore` of its own build context, if it has one: a save of it is a save
    /// of the exercise too.
    pub(crate) ignore: Option<PathBuf>,
    /// What it asks.
    pub(crate) asks: String,
    /// The chapter that explains it.
    pub(crate) chapter: String,
}

impl From<&Exercise> for Entry {
    fn from(e: &Exercise) -> Entry {
        Entry {
            label: e.label(),
            number: e.number,
            dockerfile: e.dockerfile.clone(),
            ignore: e.context.as_ref().map(|c| c.join(".dockerignore")),
            asks: e.asks.clone(),
            chapter: e.chapter.clone(),
        }
    }
}

/// The whole state of a watch session.
#[derive(Debug, Clone, PartialEq)]
pub struct Watch {
    /// The exercises, in order.
    pub(crate) entries: Vec<Entry>,
    /// Each exercise's verdict, same order.
    pub(crate) verdicts: Vec<Verdict>,
    /// The exercise shown and graded on a save.
    pub(crate) current: usize,
    /// The lower half of the screen.
    pub(crate) panel: Panel,
    /// The exercise being graded, if any.
    pub(crate) grading: Option<usize>,
    /// A line about the session itself (state file trouble, all done).
    pub note: Option<String>,
}

impl Watch {
    /// A session over `lab`'s exercises, resuming `saved`: the saved current exercise, else
    /// the first the saved state does not remember as passed.
    pub fn new(lab: &Lab, saved: &SavedState) -> Watch {
        let entries: Vec<Entry> = lab.exercises.iter().map(Entry::from).collect();
        let verdicts = entries
            .iter()
            .map(|e| Verdict::NotGraded {
                passed_before: saved.passed.contains(&e.number),
            })
            .collect();
        let mut watch = Watch {
            entries,
            verdicts,
            current: 0,
            panel: Panel::Verdict,
            grading: None,
            note: None,
        };
        watch.current = watch
            .entries
            .iter()
            .position(|e| e.number == saved.current)
            .or_else(|| watch.first_not_passed())
            .unwrap_or(0);
        watch
    }

    /// What to do first: grade the current exercise.
    pub fn start(&mut self) -> Vec<Action> {
        self.grade(self.current)
    }

    fn first_not_passed(&self) -> Option<usize> {
        self.verdicts.iter().position(|v| !v.passed())
    }

    fn next_not_passed_after(&self, index: usize) -> Option<usize> {
        (index + 1..self.entries.len())
            .chain(0..index)
            .find(|&i| !self.verdicts[i].passed())
    }

    fn grade(&mut self, index: usize) -> Vec<Action> {
        self.grading = Some(index);
        self.verdicts[index] = Verdict::Grading {
            detail: "starting".into(),
        };
        vec![Action::Grade(index)]
    }

    /// How many exercises count as passed.
    pub(crate) fn passed_count(&self) -> usize {
        self.verdicts.iter().filter(|v| v.passed()).count()
    }

    /// The state to save.
    pub fn saved(&self) -> SavedState {
        SavedState {
            current: self.entries[self.current].number,
            passed: self
                .entries
                .iter()
                .zip(&self.verdicts)
                .filter(|(_, v)| v.passed())
                .map(|(e, _)| e.number)
                .collect(),
        }
    }

    /// Handles one input and says what the driver must do.
    pub fn handle(&mut self, input: Input) -> Vec<Action> {
        match input {
            Input::Key('q') => vec![Action::Quit],
            Input::Key('h') => {
                self.panel = if self.panel == Panel::Hint {
                    Panel::Verdict
                } else {
                    Panel::Hint
                };
                vec![]
            }
            Input::Key('l') => {
                self.panel = if self.panel == Panel::List {
                    Panel::Verdict
                } else {
                    Panel::List
                };
                vec![]
            }
            Input::Key(key @ ('n' | 'p')) => {
                let last = self.entries.len() - 1;
                let to = match key {
                    'n' => (self.current + 1).min(last),
                    _ => self.current.saturating_sub(1),
                };
                if to == self.current {
                    return vec![];
                }
                self.current = to;
                self.panel = Panel::Verdict;
                let mut actions = vec![Action::Save];
                if matches!(self.verdicts[to], Verdict::NotGraded { .. }) {
                    actions.extend(self.grade(to));
                }
                actions
            }
            Input::Key('r') => {
                self.panel = Panel::Verdict;
                self.grade(self.current)
            }
            Input::Key(_) => vec![],
            Input::Saved(path) => {
                let is = |file: &Path| path.ends_with(file) || file.ends_with(&path);
                let Some(index) = self
                    .entries
                    .iter()
                    .position(|e| is(&e.dockerfile) || e.ignore.as_deref().is_some_and(is))
                else {
                    return vec![];
                };
                if index != self.current {
                    // Another exercise's file: graded when the learner gets to it.
                    self.verdicts[index] = Verdict::NotGraded {
                        passed_before: false,
                    };
                    return vec![];
                }
                if matches!(self.panel, Panel::Passed { .. }) {
                    self.panel = Panel::Verdict;
                }
                self.grade(index)
            }
            Input::Progress(line) => {
                if let Some(index) = self.grading
                    && let Verdict::Grading { detail } = &mut self.verdicts[index]
                    && !line.starts_with("grading ")
                {
                    *detail = line.trim().to_string();
                }
                vec![]
            }
            Input::Graded {
                index,
                passed,
                line,
                hint,
                diff,
            } => {
                if self.grading == Some(index) {
                    self.grading = None;
                }
                self.verdicts[index] = Verdict::Graded { passed, line, hint };
                if !passed || index != self.current {
                    return vec![Action::Save];
                }
                self.panel = Panel::Passed {
                    label: self.entries[index].label.clone(),
                    diff: diff.unwrap_or_default(),
                };
                match self.next_not_passed_after(index) {
                    Some(next) => {
                        self.current = next;
                        self.note = None;
                    }
                    None => {
                        self.note = Some(format!(
                            "all {} exercises pass: the lab is done",
                            self.entries.len()
                        ));
                    }
                }
                vec![Action::Save]
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lab() -> Lab {
        let catalogue = crate::manifest::catalogue::Catalogue::load().unwrap();
        Lab::load(&catalogue.root, &catalogue).unwrap()
    }

    fn graded(index: usize, passed: bool) -> Input {
        Input::Graded {
            index,
            passed,
            line: format!("line {index}"),
            hint: (!passed).then(|| "a hint".to_string()),
            diff: passed.then(|| "--- a\n+++ b\n".to_string()),
        }
    }

    #[test]
    fn a_first_start_grades_the_first_exercise() {
        let lab = lab();
        let mut w = Watch::new(&lab, &SavedState::default());
        assert_eq!(w.current, 0);
        assert_eq!(w.start(), vec![Action::Grade(0)]);
        assert!(matches!(w.verdicts[0], Verdict::Grading { .. }));
        w.handle(Input::Progress("    [build 3/12] RUN cargo build".into()));
        assert_eq!(
            w.verdicts[0],
            Verdict::Grading {
                detail: "[build 3/12] RUN cargo build".into()
            }
        );
    }

    #[test]
    fn a_save_regrades_only_the_current_exercise() {
        let lab = lab();
        let mut w = Watch::new(&lab, &SavedState::default());
        w.start();
        w.handle(graded(0, false));
        let first = lab.root.join(&lab.exercises[0].dockerfile);
        let second = lab.root.join(&lab.exercises[1].dockerfile);
        assert_eq!(w.handle(Input::Saved(second)), vec![]);
        assert_eq!(w.handle(Input::Saved(first)), vec![Action::Grade(0)]);
        assert_eq!(
            w.handle(Input::Saved(lab.root.join("docker/lab/.watch-state.json"))),
            vec![]
        );
    }

    #[test]
    fn a_pass_shows_the_diff_and_moves_on_and_the_state_resumes_there() {
        let lab = lab();
        let mut w = Watch::new(&lab, &SavedState::default());
        w.start();
        assert_eq!(w.handle(graded(0, true)), vec![Action::Save]);
        assert_eq!(w.current, 1);
        assert!(matches!(&w.panel, Panel::Passed { label, .. } if label == "01 multi-stage"));
        assert_eq!(w.passed_count(), 1);
        let saved = w.saved();
        assert_eq!(saved.current, lab.exercises[1].number);
        assert!(saved.passed.contains(&lab.exercises[0].number));
        let resumed = Watch::new(&lab, &saved);
        assert_eq!(resumed.current, 1);
        assert_eq!(resumed.passed_count(), 1);
    }

    #[test]
    fn keys_switch_panels_and_exercises() {
        let lab = lab();
        let mut w = Watch::new(&lab, &SavedState::default());
        w.start();
        w.handle(graded(0, false));
        w.handle(Input::Key('h'));
        assert_eq!(w.panel, Panel::Hint);
        w.handle(Input::Key('h'));
        assert_eq!(w.panel, Panel::Verdict);
        w.handle(Input::Key('l'));
        assert_eq!(w.panel, Panel::List);
        assert_eq!(
            w.handle(Input::Key('p')),
            vec![],
            "no exercise before the first"
        );
        assert_eq!(
            w.handle(Input::Key('n')),
            vec![Action::Save, Action::Grade(1)]
        );
        assert_eq!(w.current, 1);
        assert_eq!(
            w.handle(Input::Key('p')),
            vec![Action::Save],
            "already graded"
        );
        assert_eq!(w.handle(Input::Key('q')), vec![Action::Quit]);
    }

    #[test]
    fn the_state_file_round_trips_and_a_broken_one_is_named() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("docker/lab")).unwrap();
        let state = SavedState {
            current: 3,
            passed: [1, 2].into(),
        };
        state.save(dir.path()).unwrap();
        assert_eq!(SavedState::load(dir.path()), (state, None));
        std::fs::write(dir.path().join(STATE_PATH), "{ not json").unwrap();
        let (state, note) = SavedState::load(dir.path());
        assert_eq!(state, SavedState::default());
        assert!(note.unwrap().contains("starting from the first exercise"));
    }

    #[test]
    fn a_save_of_an_exercises_own_dockerignore_regrades_it() {
        let lab = lab();
        let index = lab
            .exercises
            .iter()
            .position(|e| e.context.is_some())
            .unwrap();
        let ignore = lab.context_ignore(&lab.exercises[index], false).unwrap();
        let mut w = Watch::new(
            &lab,
            &SavedState {
                current: lab.exercises[index].number,
                passed: Default::default(),
            },
        );
        assert_eq!(w.start(), vec![Action::Grade(index)]);
        w.handle(graded(index, false));
        assert_eq!(w.handle(Input::Saved(ignore)), vec![Action::Grade(index)]);
    }
}
