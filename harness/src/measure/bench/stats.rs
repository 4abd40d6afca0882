//! Medians of repeated timings, and durations in a unit that suits them.

use std::time::Duration;

use serde::{Deserialize, Serialize};

/// The median of `samples` (the mean of the middle two for an even count); zero for none.
pub fn median(samples: &[Duration]) -> Duration {
    if samples.is_empty() {
        return Duration::ZERO;
    }
    let mut sorted = samples.to_vec();
    sorted.sort();
    let mid = sorted.len() / 2;
    if sorted.len() % 2 == 1 {
        sorted[mid]
    } else {
        (sorted[mid - 1] + sorted[mid]) / 2
    }
}

/// A timing: the median of several runs, and how many.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Timing {
    /// The median.
    pub median: Duration,
    /// Number of runs.
    pub runs: usize,
}

impl Timing {
    /// The median of `samples`.
    pub fn of(samples: &[Duration]) -> Timing {
        Timing {
            median: median(samples),
            runs: samples.len(),
        }
    }

    /// `1.23 s (median of 3)`, or without the count for one run.
    pub fn show(&self) -> String {
        let value = duration_text(self.median);
        if self.runs > 1 {
            format!("{value} (median of {})", self.runs)
        } else {
            format!("{value} (1 run)")
        }
    }
}

/// A duration in the unit that suits it: `850 µs`, `3.2 ms`, `0.41 s`, `95.3 s`.
pub(crate) fn duration_text(d: Duration) -> String {
    let s = d.as_secs_f64();
    if s < 0.001 {
        format!("{} µs", d.as_micros())
    } else if s < 0.1 {
        format!("{:.1} ms", s * 1000.0)
    } else if s < 10.0 {
        format!("{s:.2} s")
    } else {
        format!("{s:.1} s")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ms(n: u64) -> Duration {
        Duration::from_millis(n)
    }

    #[test]
    fn medians() {
        assert_eq!(median(&[]), Duration::ZERO);
        assert_eq!(median(&[ms(5)]), ms(5));
        assert_eq!(median(&[ms(9), ms(1), ms(5)]), ms(5));
        assert_eq!(median(&[ms(4), ms(1), ms(2), ms(100)]), ms(3));
        let t = Timing::of(&[ms(300), ms(100), ms(200)]);
        assert_eq!(t.median, ms(200));
        assert_eq!(t.show(), "0.20 s (median of 3)");
    }

    #[test]
    fn durations_in_a_fitting_unit() {
        assert_eq!(duration_text(Duration::from_micros(850)), "850 µs");
        assert_eq!(duration_text(Duration::from_micros(3210)), "3.2 ms");
        assert_eq!(duration_text(ms(412)), "0.41 s");
        assert_eq!(duration_text(ms(95_300)), "95.3 s");
    }
}
