//! The grade sheet as data: whose Dockerfiles were graded, one outcome per exercise, the
//! first failure (the only one a hint is given for) and the score. [`crate::render::grading`]
//! draws it as text for the terminal and as Markdown for a CI summary.

use crate::lab::{Failure, Outcome};

/// Whose Dockerfiles a sheet grades, as its heading says.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Graded {
    /// The learner's, in docker/lab/.
    Learner,
    /// The reference solutions, because the lab is not started.
    ReferenceNotStarted,
    /// The reference solutions, asked for although the lab is started.
    ReferenceStarted,
}

/// One grading run, ready to be drawn.
#[derive(Debug, Clone, Copy)]
pub struct Sheet<'a> {
    /// Whose Dockerfiles were graded.
    pub(crate) graded: Graded,
    /// One outcome per exercise, in order.
    pub(crate) outcomes: &'a [Outcome],
}

impl<'a> Sheet<'a> {
    /// The sheet of `outcomes`; `reference` says whether the reference solutions were graded
    /// and `started` whether the lab is started.
    pub fn new(outcomes: &'a [Outcome], reference: bool, started: bool) -> Sheet<'a> {
        let graded = match (reference, started) {
            (false, _) => Graded::Learner,
            (true, false) => Graded::ReferenceNotStarted,
            (true, true) => Graded::ReferenceStarted,
        };
        Sheet { graded, outcomes }
    }

    /// The first exercise that failed, with its failure: the one the hint is for.
    pub(crate) fn first_failure(&self) -> Option<(&'a Outcome, &'a Failure)> {
        self.outcomes
            .iter()
            .find_map(|o| o.failure.as_ref().map(|f| (o, f)))
    }

    /// The score line: `lab: 2/6 exercises pass`.
    pub(crate) fn score(&self) -> String {
        score_line(self.outcomes)
    }
}

/// The score line: `lab: 2/6 exercises pass`.
pub fn score_line(outcomes: &[Outcome]) -> String {
    let passed = outcomes.iter().filter(|o| o.ok()).count();
    format!("lab: {passed}/{} exercises pass", outcomes.len())
}
