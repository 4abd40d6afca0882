//! The kit's performance goals, each decided from measured figures.

use std::fmt::Write as _;
use std::time::Duration;

use super::host::Comparison;
use super::stats::duration_text;
use super::{FLOOR_GOAL, RATIO_GOAL, SCRATCH_GOAL_BYTES, START_GOAL, WARM_GOAL};
use crate::render::format::{group_digits, human_size};

/// Whether a goal holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// Measured and holds.
    Met,
    /// Measured and does not hold.
    NotMet,
    /// Not measured in this run.
    NotMeasured,
}

/// One of the kit's performance goals with the figure that decides it.
#[derive(Debug, Clone, PartialEq)]
pub struct Goal {
    /// The goal, short: `scratch < 1.4 MB`.
    pub goal: String,
    /// The measured figure, short: `1.43 MB`.
    pub figure: String,
    /// The verdict.
    pub verdict: Verdict,
}

impl Goal {
    fn new(goal: impl Into<String>, figure: impl Into<String>, met: bool) -> Goal {
        Goal {
            goal: goal.into(),
            figure: figure.into(),
            verdict: if met { Verdict::Met } else { Verdict::NotMet },
        }
    }

    /// A goal this run could not decide, and why.
    pub fn not_measured(goal: impl Into<String>, why: impl Into<String>) -> Goal {
        Goal {
            goal: goal.into(),
            figure: why.into(),
            verdict: Verdict::NotMeasured,
        }
    }

    /// `scratch < 1.4 MB: NOT MET (1.43 MB)`.
    pub fn show(&self) -> String {
        let word = match self.verdict {
            Verdict::Met => "met",
            Verdict::NotMet => "NOT MET",
            Verdict::NotMeasured => "not measured",
        };
        format!("{}: {word} ({})", self.goal, self.figure)
    }
}

/// The smallest image (the catalogue's `smallest`, named `name`) under 1.4 MB.
pub(crate) fn smallest_size_goal(name: &str, size: u64) -> Goal {
    Goal::new(
        format!("{name} < {}", human_size(SCRATCH_GOAL_BYTES)),
        format!("{} bytes", group_digits(size)),
        size < SCRATCH_GOAL_BYTES,
    )
}

/// How much larger the image is than the binary, as a fraction of the binary.
pub(crate) fn overhead(image: u64, binary: u64) -> f64 {
    if binary == 0 {
        return f64::INFINITY;
    }
    (image as f64 - binary as f64) / binary as f64
}

/// The scratch image within 1% of the binary it holds.
pub(crate) fn floor_goal(image: u64, binary: u64) -> Goal {
    let o = overhead(image, binary);
    Goal::new(
        "image within 1% of its binary",
        format!("{:+.2}%", o * 100.0),
        o <= FLOOR_GOAL,
    )
}

/// `a / b`, guarding against zero.
pub(crate) fn ratio(a: u64, b: u64) -> f64 {
    if b == 0 {
        f64::INFINITY
    } else {
        a as f64 / b as f64
    }
}

/// baseline / smallest above 800 (the catalogue's roles, named `names`).
pub(crate) fn size_ratio_goal(names: (&str, &str), baseline: u64, smallest: u64) -> Goal {
    let r = ratio(baseline, smallest);
    Goal::new(
        format!("{} / {} > 800", names.0, names.1),
        format!("{}x", group_digits(r.round() as u64)),
        r > RATIO_GOAL,
    )
}

/// A rebuild after a one-line change under 30% of the cold build.
pub(crate) fn warm_goal(warm: Duration, cold: Duration) -> Goal {
    let r = if cold.is_zero() {
        f64::INFINITY
    } else {
        warm.as_secs_f64() / cold.as_secs_f64()
    };
    Goal::new(
        "rebuild < 30% of cold",
        format!("{:.0}%", r * 100.0),
        r < WARM_GOAL,
    )
}

/// Host start-to-result within a few milliseconds.
pub(crate) fn start_goal(t: Duration) -> Goal {
    Goal::new(
        format!("start-to-result <= {}", duration_text(START_GOAL)),
        duration_text(t),
        t <= START_GOAL,
    )
}

/// The script evaluated faster than `bc`, with the same values. The outputs are compared
/// numerically ([`Comparison`]): `bc` truncates its 20th decimal and writes `.5` where the
/// calculator rounds and writes `0.5`.
pub(crate) fn script_goal(calculator: Duration, bc: Duration, comparison: Comparison) -> Goal {
    let mut figure = format!(
        "{} vs {}, {:.1}x",
        duration_text(calculator),
        duration_text(bc),
        bc.as_secs_f64() / calculator.as_secs_f64().max(1e-9)
    );
    if comparison.differing == 0 {
        let _ = write!(
            figure,
            ", same values ({} lines alike, {} equal as numbers)",
            group_digits(comparison.same_text as u64),
            group_digits(comparison.numerically_equal as u64)
        );
    } else {
        let _ = write!(figure, ", {} lines differ", comparison.differing);
    }
    Goal::new(
        "script faster than bc",
        figure,
        calculator < bc && comparison.differing == 0,
    )
}

/// What the cargo-chef row says: its rebuild against manifest-first layering's, and which
/// one the kit keeps.
pub(crate) fn chef_remark(chef: Duration, manifest_first: Duration) -> String {
    let verdict = if manifest_first <= chef {
        "manifest-first kept (no slower, no extra tool)"
    } else {
        "cargo-chef rebuilds faster"
    };
    format!(
        "comparison only: rebuild {} vs manifest-first {}: {verdict}; cold not measured (it \
         would include compiling cargo-chef)",
        duration_text(chef),
        duration_text(manifest_first)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ms(n: u64) -> Duration {
        Duration::from_millis(n)
    }

    #[test]
    fn ratios_and_overheads() {
        assert_eq!(ratio(1_000, 10), 100.0);
        assert!(ratio(1, 0).is_infinite());
        assert!((overhead(1_010, 1_000) - 0.01).abs() < 1e-12);
        assert!(overhead(1, 0).is_infinite());
    }

    #[test]
    fn goal_verdicts() {
        assert_eq!(
            smallest_size_goal("scratch", 1_399_999).verdict,
            Verdict::Met
        );
        assert_eq!(
            smallest_size_goal("scratch", 1_400_000).verdict,
            Verdict::NotMet
        );
        assert_eq!(floor_goal(1_010_000, 1_000_000).verdict, Verdict::Met);
        assert_eq!(floor_goal(1_010_001, 1_000_000).verdict, Verdict::NotMet);
        assert_eq!(floor_goal(1_000_400, 1_000_000).figure, "+0.04%");
        let g = size_ratio_goal(("naive", "scratch"), 1_750_000_000, 1_450_000);
        assert_eq!((g.verdict, g.figure.as_str()), (Verdict::Met, "1,207x"));
        assert_eq!(
            size_ratio_goal(("naive", "scratch"), 800, 1).verdict,
            Verdict::NotMet
        );
        assert_eq!(warm_goal(ms(29), ms(100)).verdict, Verdict::Met);
        let g = warm_goal(ms(30), ms(100));
        assert_eq!((g.verdict, g.figure.as_str()), (Verdict::NotMet, "30%"));
        assert_eq!(warm_goal(ms(1), Duration::ZERO).verdict, Verdict::NotMet);
        assert_eq!(start_goal(ms(5)).verdict, Verdict::Met);
        assert_eq!(start_goal(ms(6)).verdict, Verdict::NotMet);
        let alike = Comparison {
            same_text: 7,
            numerically_equal: 3,
            differing: 0,
        };
        let off = Comparison {
            differing: 2,
            ..alike
        };
        assert_eq!(script_goal(ms(300), ms(400), alike).verdict, Verdict::Met);
        assert!(
            script_goal(ms(300), ms(400), alike)
                .figure
                .contains("3 equal as numbers")
        );
        assert_eq!(script_goal(ms(300), ms(400), off).verdict, Verdict::NotMet);
        assert_eq!(
            script_goal(ms(500), ms(400), alike).verdict,
            Verdict::NotMet
        );
        assert_eq!(
            smallest_size_goal("scratch", 1_432_672).show(),
            "scratch < 1.40 MB: NOT MET (1,432,672 bytes)"
        );
    }
}
