//! The bench's results, the goals they decide, and the one table they are shown as (a row per
//! variant, floor and host figure, each with the goals it decides). The page around the table
//! is drawn by [`crate::render::bench`], re-exported here for the callers of
//! `bench::render_page`.

use std::time::Duration;

use super::SCRIPT_LINES;
use super::goals::*;
use super::host::Comparison;
use super::stats::{Timing, duration_text};
use super::table::Table;
pub use crate::render::bench::render_page;
use crate::render::format::{group_digits, human_size};

/// Measurements of one variant (or of the cargo-chef Dockerfile).
#[derive(Debug, Clone, Default)]
pub struct VariantResult {
    /// Row title.
    pub name: String,
    /// Whether the Dockerfile has more than one stage (the rebuild goal is for those).
    pub multi_stage: bool,
    /// Image size on disk.
    pub size: Option<u64>,
    /// Gzipped layers.
    pub compressed: Option<u64>,
    /// Cold build.
    pub cold: Option<Timing>,
    /// Where the cold figure came from when it was reused (`--skip-cold`).
    pub cold_reused_from: Option<String>,
    /// Rebuild after the one-line change.
    pub warm: Option<Timing>,
    /// Steps answered from cache in the rebuild, and the total.
    pub warm_cached: Option<(usize, usize)>,
    /// The rebuild's slowest step and its time (of the last rebuild).
    pub warm_longest: Option<(String, Duration)>,
    /// `docker run IMAGE 6 '*' 7` start-to-result.
    pub run: Option<Timing>,
    /// `docker stop` of a waiting REPL.
    pub stop: Option<Timing>,
    /// Whatever went wrong measuring this row.
    pub errors: Vec<String>,
    /// A row measured for comparison only (cargo-chef): it carries no goal, only this remark.
    pub remark: Option<String>,
}

/// The calculator on the host.
#[derive(Debug, Clone, Default)]
pub struct HostResult {
    /// The release binary's size.
    pub binary_size: Option<u64>,
    /// `calculator 6 '*' 7`.
    pub start: Option<Timing>,
    /// The generated script through the calculator.
    pub script: Option<Timing>,
    /// The same script, in bc's dialect, through bc (None: bc not installed or failed).
    pub bc: Option<Timing>,
    /// The two outputs compared as numbers.
    pub comparison: Comparison,
    /// Why something is missing.
    pub errors: Vec<String>,
}

/// Where and when the figures were measured.
#[derive(Debug, Clone, Default)]
pub struct Meta {
    /// `2026-11-23 14:05 UTC`.
    pub date: String,
    /// The engine line.
    pub engine: String,
    /// Host name and CPU model.
    pub host: String,
    /// Cores available.
    pub cores: usize,
    /// 1-minute load average when the run started and ended.
    pub load: String,
    /// `(base, upstream)` for every stand-in base image used.
    pub stand_ins: Vec<(String, String)>,
    /// The options, as the command line would give them.
    pub command: String,
    /// Wall time of the run.
    pub wall: Duration,
}

/// Everything one run measured.
#[derive(Debug, Clone, Default)]
pub struct Results {
    /// Per variant, in catalogue order (cargo-chef last when measured).
    pub variants: Vec<VariantResult>,
    /// The catalogue's baseline variant: the size ratio's numerator.
    pub baseline: String,
    /// The catalogue's smallest variant: the size and floor goals are about it.
    pub smallest: String,
    /// The calculator file (the ENTRYPOINT) inside the smallest image.
    pub smallest_binary: Option<u64>,
    /// The static C hello on scratch: image size, compressed, binary size.
    pub hello: Option<(u64, u64, u64)>,
    /// The host figures.
    pub host: HostResult,
    /// Figures from elsewhere (cargo-chef's note, errors of the floors).
    pub notes: Vec<String>,
}

impl Results {
    pub(super) fn variant(&self, name: &str) -> Option<&VariantResult> {
        self.variants.iter().find(|v| v.name == name)
    }

    /// The goals a row carries, decided from the figures.
    pub(crate) fn row_goals(&self, v: &VariantResult) -> Vec<Goal> {
        let mut goals = Vec::new();
        if v.remark.is_some() {
            return goals;
        }
        if v.name == self.smallest
            && let Some(size) = v.size
        {
            goals.push(smallest_size_goal(&self.smallest, size));
        }
        if v.multi_stage {
            match (v.warm, v.cold) {
                (Some(w), Some(c)) => goals.push(warm_goal(w.median, c.median)),
                _ => goals.push(Goal::not_measured(
                    "rebuild < 30% of cold",
                    "no cold or warm build",
                )),
            }
        }
        goals
    }

    /// Every performance goal, decided or explained.
    pub(crate) fn goals(&self) -> Vec<Goal> {
        let mut goals = Vec::new();
        let (baseline, smallest) = (self.baseline.as_str(), self.smallest.as_str());
        match self.variant(smallest).and_then(|v| v.size) {
            Some(size) => goals.push(smallest_size_goal(smallest, size)),
            None => goals.push(Goal::not_measured(
                format!("{smallest} < 1.4 MB"),
                format!("{smallest} not measured"),
            )),
        }
        match (
            self.variant(smallest).and_then(|v| v.size),
            self.smallest_binary,
        ) {
            (Some(image), Some(binary)) => goals.push(floor_goal(image, binary)),
            _ => goals.push(Goal::not_measured(
                "image within 1% of its binary",
                format!("{smallest} not measured"),
            )),
        }
        match (
            self.variant(baseline).and_then(|v| v.size),
            self.variant(smallest).and_then(|v| v.size),
        ) {
            (Some(n), Some(s)) => goals.push(size_ratio_goal((baseline, smallest), n, s)),
            _ => goals.push(Goal::not_measured(
                format!("{baseline} / {smallest} > 800"),
                format!("needs {baseline} and {smallest}"),
            )),
        }
        for v in self.variants.iter().filter(|v| v.multi_stage) {
            for mut g in self.row_goals(v) {
                if g.goal.starts_with("rebuild") {
                    g.goal = format!("{}: {}", v.name, g.goal);
                    goals.push(g);
                }
            }
        }
        goals.push(Goal::not_measured(
            "`cargo test` warm < 3 min, cold < 12 min",
            "outside the bench: it would time the container tests while they rebuild images",
        ));
        match self.host.start {
            Some(t) => goals.push(start_goal(t.median)),
            None => goals.push(Goal::not_measured(
                "start-to-result within a few ms",
                "host binary not measured",
            )),
        }
        match (self.host.script, self.host.bc) {
            (Some(c), Some(b)) => goals.push(script_goal(c.median, b.median, self.host.comparison)),
            _ => goals.push(Goal::not_measured(
                "script faster than bc",
                "bc not installed or not run",
            )),
        }
        goals
    }

    /// The one table: variants, floors, host figures, each row with the goals it decides.
    pub(crate) fn table(&self) -> Table {
        let header = [
            "",
            "Size",
            "Compressed",
            "Cold build",
            "Rebuild after 1-line edit",
            "Start to result",
            "docker stop",
            "Goals",
        ]
        .map(String::from)
        .to_vec();
        let size = |b: Option<u64>| b.map(human_size).unwrap_or_else(|| "–".into());
        let time = |t: Option<Timing>| t.map(|t| t.show()).unwrap_or_else(|| "–".into());
        let mut rows = Vec::new();
        for v in &self.variants {
            let mut cold = time(v.cold);
            if v.cold_reused_from.is_some() {
                cold.push_str(" (reused)");
            }
            let warm = match (v.warm, v.cold) {
                (Some(w), Some(c)) => format!(
                    "{} = {:.0}% of cold",
                    w.show(),
                    w.median.as_secs_f64() / c.median.as_secs_f64().max(1e-9) * 100.0
                ),
                (w, _) => time(w),
            };
            let mut goals: Vec<String> = self.row_goals(v).iter().map(Goal::show).collect();
            if !v.multi_stage {
                goals.push("single stage: no rebuild goal".into());
            }
            goals.extend(v.remark.clone());
            if let Some((cached, steps)) = v.warm_cached {
                goals.push(format!("rebuild: {cached} of {steps} steps cached"));
            }
            if let Some((instruction, d)) = &v.warm_longest {
                let short: String = instruction.chars().take(60).collect();
                let ellipsis = if short.len() < instruction.len() {
                    "..."
                } else {
                    ""
                };
                goals.push(format!(
                    "slowest rebuild step {}: {short}{ellipsis}",
                    duration_text(*d)
                ));
            }
            goals.extend(v.errors.iter().map(|e| format!("error: {e}")));
            rows.push(vec![
                v.name.clone(),
                size(v.size),
                size(v.compressed),
                cold,
                warm,
                time(v.run),
                time(v.stop),
                goals.join("; "),
            ]);
        }
        if let Some(binary) = self.smallest_binary {
            let goal = self
                .variant(&self.smallest)
                .and_then(|v| v.size)
                .map(|image| floor_goal(image, binary).show())
                .unwrap_or_default();
            rows.push(vec![
                format!("/calculator in {} (the floor)", self.smallest),
                format!("{} bytes", group_digits(binary)),
                String::new(),
                String::new(),
                String::new(),
                String::new(),
                String::new(),
                goal,
            ]);
        }
        if let Some((image, compressed, binary)) = self.hello {
            rows.push(vec![
                "glibc-static hello on scratch".into(),
                human_size(image),
                human_size(compressed),
                String::new(),
                String::new(),
                String::new(),
                String::new(),
                format!(
                    "glibc-static floor: {} bytes binary; calculator adds {}",
                    group_digits(binary),
                    self.smallest_binary
                        .map(|c| human_size(c.saturating_sub(binary)))
                        .unwrap_or_else(|| "?".into())
                ),
            ]);
        }
        if let (Some(n), Some(s)) = (
            self.variant(&self.baseline).and_then(|v| v.size),
            self.variant(&self.smallest).and_then(|v| v.size),
        ) {
            rows.push(vec![
                format!("{} / {}", self.baseline, self.smallest),
                format!("{:.0}x", ratio(n, s)),
                String::new(),
                String::new(),
                String::new(),
                String::new(),
                String::new(),
                size_ratio_goal((&self.baseline, &self.smallest), n, s).show(),
            ]);
        }
        let h = &self.host;
        rows.push(vec![
            "host: calculator 6 '*' 7 (dynamic release binary)".into(),
            size(h.binary_size),
            String::new(),
            String::new(),
            String::new(),
            time(h.start),
            String::new(),
            h.start
                .map(|t| start_goal(t.median).show())
                .unwrap_or_default(),
        ]);
        rows.push(vec![
            format!(
                "host: {} lines, calculator",
                group_digits(SCRIPT_LINES as u64)
            ),
            String::new(),
            String::new(),
            String::new(),
            String::new(),
            time(h.script),
            String::new(),
            match (h.script, h.bc) {
                (Some(c), Some(b)) => script_goal(c.median, b.median, h.comparison).show(),
                _ => String::new(),
            },
        ]);
        rows.push(vec![
            format!("host: {} lines, bc", group_digits(SCRIPT_LINES as u64)),
            String::new(),
            String::new(),
            String::new(),
            String::new(),
            h.bc.map(|t| t.show())
                .unwrap_or_else(|| "bc not installed".into()),
            String::new(),
            h.errors.join("; "),
        ]);
        Table { header, rows }
    }
}

/// `2026-11-23 14:05 UTC` for a time.
pub(crate) fn utc_text(t: chrono::DateTime<chrono::Utc>) -> String {
    t.format("%Y-%m-%d %H:%M UTC").to_string()
}

#[cfg(test)]
impl Results {
    /// A whole run's figures, every goal met: what the tests of the goals, the table and the
    /// page start from (reachable as `Results::sample()` where this module is not).
    pub(crate) fn sample() -> Results {
        let t = |n| Some(Timing::of(&[Duration::from_millis(n); 2]));
        Results {
            variants: vec![
                VariantResult {
                    name: "naive".into(),
                    multi_stage: false,
                    size: Some(1_750_000_000),
                    cold: t(200_000),
                    warm: t(40_000),
                    ..Default::default()
                },
                VariantResult {
                    name: "scratch".into(),
                    multi_stage: true,
                    size: Some(1_380_000),
                    compressed: Some(700_000),
                    cold: t(100_000),
                    warm: t(20_000),
                    run: t(250),
                    stop: t(300),
                    ..Default::default()
                },
            ],
            baseline: "naive".into(),
            smallest: "scratch".into(),
            smallest_binary: Some(1_379_000),
            hello: Some((760_000, 300_000, 759_000)),
            host: HostResult {
                start: t(1),
                script: t(300),
                bc: t(450),
                ..Default::default()
            },
            notes: vec![],
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ms(n: u64) -> Duration {
        Duration::from_millis(n)
    }

    #[test]
    fn dates() {
        let t = chrono::DateTime::from_timestamp(1_700_000_000, 0).unwrap();
        assert_eq!(utc_text(t), "2023-11-14 22:13 UTC");
        let leap = chrono::DateTime::from_timestamp(951_782_400, 0).unwrap();
        assert_eq!(utc_text(leap), "2000-02-29 00:00 UTC");
    }

    #[test]
    fn goals_from_results() {
        let goals = Results::sample().goals();
        let verdict = |prefix: &str| {
            goals
                .iter()
                .find(|g| g.goal.starts_with(prefix))
                .unwrap_or_else(|| panic!("no goal {prefix}"))
                .verdict
        };
        assert_eq!(verdict("scratch <"), Verdict::Met);
        assert_eq!(verdict("image within"), Verdict::Met);
        assert_eq!(verdict("naive / scratch"), Verdict::Met);
        assert_eq!(verdict("scratch: rebuild"), Verdict::Met);
        assert_eq!(verdict("start-to-result"), Verdict::Met);
        assert_eq!(verdict("script faster"), Verdict::Met);
        assert_eq!(verdict("`cargo test`"), Verdict::NotMeasured);
        // The single-stage naive carries no rebuild goal.
        assert!(!goals.iter().any(|g| g.goal.starts_with("naive: rebuild")));
        let empty = Results::default().goals();
        assert!(
            empty
                .iter()
                .filter(|g| !g.goal.starts_with("`cargo test`"))
                .all(|g| g.verdict == Verdict::NotMeasured)
        );
    }

    #[test]
    fn the_chef_row_is_a_comparison_without_goals() {
        let mut r = Results::sample();
        r.variants.push(VariantResult {
            name: "scratch-cargo-chef".into(),
            multi_stage: true,
            warm: Some(Timing::of(&[ms(25_000)])),
            remark: Some(chef_remark(ms(25_000), ms(20_000))),
            ..Default::default()
        });
        assert!(r.row_goals(&r.variants[2]).is_empty());
        assert!(!r.goals().iter().any(|g| g.goal.contains("chef")));
        assert!(r.table().render().contains("manifest-first kept"));
        assert!(chef_remark(ms(10), ms(20)).contains("cargo-chef rebuilds faster"));
    }

    #[test]
    fn the_goals_follow_the_catalogue_roles() {
        let c = crate::manifest::catalogue::tests::extended();
        let mut results = Results::sample();
        results.baseline = c.roles.baseline.clone();
        results.smallest = c.roles.smallest.clone();
        results.variants[0].name = c.roles.baseline.clone();
        results.variants[1].name = c.roles.smallest.clone();
        let goals: Vec<String> = results.goals().iter().map(Goal::show).collect();
        let text = goals.join("\n");
        assert!(text.contains("empty-base < 1.40 MB: met"), "{text}");
        assert!(
            text.contains("single-stage / empty-base > 800: met"),
            "{text}"
        );
        assert!(
            !text.contains("scratch") && !text.contains("naive"),
            "{text}"
        );
        let table = results.table();
        assert!(
            table
                .rows
                .iter()
                .any(|r| r[0] == "single-stage / empty-base")
        );
        assert!(
            table
                .rows
                .iter()
                .any(|r| r[0] == "/calculator in empty-base (the floor)")
        );
    }
}
