//! `harness bench`: the figures the kit sets performance goals for, measured side by side in one run and
//! printed as one table (also written to `docs/src/performance.md`).
//!
//! Per variant: size, compressed size, cold build (no layer cache, base images present),
//! rebuild after a one-line change in `calculator/src` (made in memory, in the build context
//! sent to the engine; the user's tree is never touched), `docker run` start-to-result and
//! `docker stop` latency. Then the floors (the calculator binary inside the scratch image;
//! a static C hello on scratch), the naive/scratch ratio, and the calculator on the host:
//! start-to-result, and a 100,000-line script against `bc`.
//!
//! Every timing is the median of repeated runs; nothing here asserts on time. The pure parts
//! (median, ratios, goal verdicts, the table, the page) are unit-tested below.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::io::{Read, Write as _};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use bollard::Docker;
use bollard::query_parameters::RemoveImageOptionsBuilder;
use serde::{Deserialize, Serialize};

use crate::docker::build::{BuildEvent, BuildOptions, Built, build_dockerfile_with, build_variant};
use crate::docker::context::build_context;
use crate::docker::engine::Engine;
use crate::docker::run::{Run, Waiting};
use crate::dockerfile::Dockerfile;
use crate::image::inspect::{inspect_image, inspect_variant};
use crate::manifest::catalogue::{Catalogue, Variant};
use crate::render::format::{group_digits, human_size};

/// The scratch image must stay under this many bytes (decimal 1.4 MB).
pub const SCRATCH_GOAL_BYTES: u64 = 1_400_000;
/// The scratch image may exceed the binary inside it by at most this fraction.
pub const FLOOR_GOAL: f64 = 0.01;
/// naive / scratch must be above this.
pub const RATIO_GOAL: f64 = 800.0;
/// A rebuild after a one-line change must take less than this fraction of a cold build.
pub const WARM_GOAL: f64 = 0.30;
/// "Within a few milliseconds": the host start-to-result goal.
pub const START_GOAL: Duration = Duration::from_millis(5);
/// Lines in the generated script raced against `bc`.
pub const SCRIPT_LINES: usize = 100_000;
/// The file the one-line edit goes into, and where the bench's own images are tagged.
pub const EDITED_FILE: &str = "calculator/src/lib.rs";
/// Repository of the images the bench builds besides the catalogue's (removed afterwards).
pub const BENCH_REPOSITORY: &str = "calc-kit/bench";
/// The Dockerfile of the glibc-static floor.
pub const HELLO_DOCKERFILE: &str = "docker/bench/glibc-static-hello.Dockerfile";
/// The scratch variant's Dockerfile with cargo-chef instead of manifest-first layering.
pub const CHEF_DOCKERFILE: &str = "docker/bench/scratch-chef.Dockerfile";
/// Where the page goes.
pub const PAGE: &str = "docs/src/performance.md";

/// What `harness bench` was asked to do.
#[derive(Debug, Clone)]
pub struct BenchOptions {
    /// Repeats of every container and script timing (the median is reported).
    pub runs: usize,
    /// Repeats of the host start-to-result timing (cheap, so many).
    pub host_runs: usize,
    /// Repeats of each cold build and each warm rebuild.
    pub build_runs: usize,
    /// Reuse the cold build times of an earlier run instead of measuring them again.
    pub skip_cold: bool,
    /// Variants to measure (all when empty).
    pub variants: Vec<String>,
    /// Also measure the cargo-chef variant of the scratch Dockerfile.
    pub chef: bool,
    /// Write [`PAGE`] (only done when every catalogue variant was measured).
    pub write_page: bool,
}

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
pub fn duration_text(d: Duration) -> String {
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
pub fn smallest_size_goal(name: &str, size: u64) -> Goal {
    Goal::new(
        format!("{name} < {}", human_size(SCRATCH_GOAL_BYTES)),
        format!("{} bytes", group_digits(size)),
        size < SCRATCH_GOAL_BYTES,
    )
}

/// How much larger the image is than the binary, as a fraction of the binary.
pub fn overhead(image: u64, binary: u64) -> f64 {
    if binary == 0 {
        return f64::INFINITY;
    }
    (image as f64 - binary as f64) / binary as f64
}

/// The scratch image within 1% of the binary it holds.
pub fn floor_goal(image: u64, binary: u64) -> Goal {
    let o = overhead(image, binary);
    Goal::new(
        "image within 1% of its binary",
        format!("{:+.2}%", o * 100.0),
        o <= FLOOR_GOAL,
    )
}

/// `a / b`, guarding against zero.
pub fn ratio(a: u64, b: u64) -> f64 {
    if b == 0 {
        f64::INFINITY
    } else {
        a as f64 / b as f64
    }
}

/// baseline / smallest above 800 (the catalogue's roles, named `names`).
pub fn size_ratio_goal(names: (&str, &str), baseline: u64, smallest: u64) -> Goal {
    let r = ratio(baseline, smallest);
    Goal::new(
        format!("{} / {} > 800", names.0, names.1),
        format!("{}x", group_digits(r.round() as u64)),
        r > RATIO_GOAL,
    )
}

/// A rebuild after a one-line change under 30% of the cold build.
pub fn warm_goal(warm: Duration, cold: Duration) -> Goal {
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
pub fn start_goal(t: Duration) -> Goal {
    Goal::new(
        format!("start-to-result <= {}", duration_text(START_GOAL)),
        duration_text(t),
        t <= START_GOAL,
    )
}

/// The script evaluated faster than `bc`, with the same output.
pub fn script_goal(calculator: Duration, bc: Duration, differing_lines: usize) -> Goal {
    let mut figure = format!(
        "{} vs {}, {:.1}x",
        duration_text(calculator),
        duration_text(bc),
        bc.as_secs_f64() / calculator.as_secs_f64().max(1e-9)
    );
    if differing_lines == 0 {
        figure.push_str(", same output");
    } else {
        let _ = write!(figure, ", {differing_lines} lines differ");
    }
    Goal::new(
        "script faster than bc",
        figure,
        calculator < bc && differing_lines == 0,
    )
}

/// A table that reads the same in a terminal and as Markdown: columns padded to their
/// widest cell.
#[derive(Debug, Clone, Default)]
pub struct Table {
    /// Column titles.
    pub header: Vec<String>,
    /// Rows; a short row is padded with empty cells.
    pub rows: Vec<Vec<String>>,
}

impl Table {
    /// Renders the table as padded Markdown. `|` inside a cell is escaped.
    pub fn render(&self) -> String {
        let columns = self
            .rows
            .iter()
            .map(Vec::len)
            .chain([self.header.len()])
            .max()
            .unwrap_or(0);
        let cell = |row: &[String], i: usize| -> String {
            row.get(i)
                .map(|c| c.replace('|', "\\|"))
                .unwrap_or_default()
        };
        let mut widths = vec![3; columns];
        for row in std::iter::once(&self.header).chain(&self.rows) {
            for (i, w) in widths.iter_mut().enumerate() {
                *w = (*w).max(cell(row, i).chars().count());
            }
        }
        let line = |row: &[String]| -> String {
            let mut out = String::from("|");
            for (i, w) in widths.iter().enumerate() {
                let c = cell(row, i);
                let pad = w - c.chars().count();
                let _ = write!(out, " {c}{} |", " ".repeat(pad));
            }
            out.push('\n');
            out
        };
        let mut out = line(&self.header);
        out.push('|');
        for w in &widths {
            let _ = write!(out, " {} |", "-".repeat(*w));
        }
        out.push('\n');
        for row in &self.rows {
            out.push_str(&line(row));
        }
        out
    }
}

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
    /// The same script through bc (None: bc not installed or failed).
    pub bc: Option<Timing>,
    /// Lines whose output differs between the two.
    pub differing_lines: usize,
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
    fn variant(&self, name: &str) -> Option<&VariantResult> {
        self.variants.iter().find(|v| v.name == name)
    }

    /// The goals a row carries, decided from the figures.
    pub fn row_goals(&self, v: &VariantResult) -> Vec<Goal> {
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
    pub fn goals(&self) -> Vec<Goal> {
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
            (Some(c), Some(b)) => {
                goals.push(script_goal(c.median, b.median, self.host.differing_lines))
            }
            _ => goals.push(Goal::not_measured(
                "script faster than bc",
                "bc not installed or not run",
            )),
        }
        goals
    }

    /// The one table: variants, floors, host figures, each row with the goals it decides.
    pub fn table(&self) -> Table {
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
                (Some(c), Some(b)) => script_goal(c.median, b.median, h.differing_lines).show(),
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

/// The page: generated, with where and how it was measured, the table, the goals, notes.
pub fn render_page(meta: &Meta, results: &Results) -> String {
    let mut out = String::new();
    out.push_str("# Performance\n\n");
    out.push_str(
        "<!-- Generated by `just bench` (harness/src/bench.rs): do not edit; run it again. -->\n\n",
    );
    out.push_str(
        "Every figure below was measured by `just bench` in one run on the machine described \
         here. Timings are medians of repeated runs; sizes are decimal, as `docker images` \
         prints them.\n\n",
    );
    let _ = writeln!(out, "- Measured: {}", meta.date);
    let _ = writeln!(out, "- Engine: {}", meta.engine);
    let _ = writeln!(out, "- Host: {}, {} cores", meta.host, meta.cores);
    let _ = writeln!(
        out,
        "- Load average (1 min) at start and end: {}",
        meta.load
    );
    if meta.stand_ins.is_empty() {
        out.push_str("- Base images: upstream (no stand-ins)\n");
    } else {
        out.push_str("- Base images: local stand-ins (see [Offline use](offline.md)) for ");
        let list: Vec<String> = meta
            .stand_ins
            .iter()
            .map(|(b, u)| {
                if b == u {
                    format!("`{u}`")
                } else {
                    format!("`{u}` (as `{b}`)")
                }
            })
            .collect();
        out.push_str(&list.join(", "));
        out.push('\n');
    }
    let _ = writeln!(out, "- Command: `{}`", meta.command);
    let _ = writeln!(
        out,
        "- Wall time of the whole run: {:.0} s",
        meta.wall.as_secs_f64()
    );
    out.push('\n');
    out.push_str(&results.table().render());
    out.push('\n');
    out.push_str(
        "Cold build: `docker build --no-cache` with the base images present. Rebuild: the \
         same context with one comment line appended to `calculator/src/lib.rs` (in memory; \
         the tree is not touched), after the unchanged context was built, so the layer cache \
         is warm. Start to result: for an image, `docker run IMAGE 6 '*' 7` from create to \
         exit; on the host, the release binary from spawn to exit. docker stop: a container \
         waiting on open stdin, from the stop request to its end (10 s would mean SIGTERM was \
         ignored). The script mixes `i*i+7`, `(i+3)*(i-2)`, `i%97` and a 46-digit cube \
         product on growing `i`, fed on stdin to both the calculator and `BC_LINE_LENGTH=0 \
         bc -q`, and both outputs are compared line by line.\n\n",
    );
    out.push_str("## Goals\n\n");
    let goals = results.goals();
    let met = goals.iter().filter(|g| g.verdict == Verdict::Met).count();
    let decided = goals
        .iter()
        .filter(|g| g.verdict != Verdict::NotMeasured)
        .count();
    let _ = writeln!(out, "{met} of {decided} measured goals met.\n");
    for g in &goals {
        let _ = writeln!(out, "- {}", g.show());
    }
    if !results.notes.is_empty() {
        out.push_str("\n## Notes\n\n");
        for n in &results.notes {
            let _ = writeln!(out, "- {n}");
        }
    }
    out
}

/// `days` since 1970-01-01 as (year, month, day), proleptic Gregorian (Hinnant's algorithm).
pub fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m, d)
}

/// `2026-11-23 14:05 UTC` for a time.
pub fn utc_text(t: SystemTime) -> String {
    let secs = t.duration_since(UNIX_EPOCH).unwrap_or_default().as_secs() as i64;
    let (y, m, d) = civil_from_days(secs.div_euclid(86_400));
    let s = secs.rem_euclid(86_400);
    format!(
        "{y:04}-{m:02}-{d:02} {:02}:{:02} UTC",
        s / 3600,
        s % 3600 / 60
    )
}

/// The generated script: [`SCRIPT_LINES`] lines of integer arithmetic that the calculator
/// and `bc` both evaluate exactly, on growing integers.
pub fn script(lines: usize) -> String {
    let mut out = String::with_capacity(lines * 24);
    for i in 1..=lines as u64 {
        let _ = match i % 4 {
            0 => writeln!(out, "{i}*{i}+7"),
            1 => writeln!(out, "({i}+3)*({i}-2)"),
            2 => writeln!(out, "{i}%97"),
            _ => {
                let cube = u128::from(i) * u128::from(i) * u128::from(i);
                writeln!(out, "{cube}*{cube}*{cube}-{i}")
            }
        };
    }
    out
}

/// Lines that differ between two outputs (a missing line counts as differing).
pub fn differing_lines(a: &str, b: &str) -> usize {
    let (la, lb): (Vec<&str>, Vec<&str>) = (a.lines().collect(), b.lines().collect());
    let common = la.iter().zip(&lb).filter(|(x, y)| x != y).count();
    common + la.len().abs_diff(lb.len())
}

/// Replaces the content of `path` in a context tar by `edit(old)`; everything else is kept
/// byte for byte. Fails when the path is not in the context.
pub fn edit_context(
    tar_bytes: &[u8],
    path: &str,
    edit: impl Fn(&[u8]) -> Vec<u8>,
) -> std::io::Result<Vec<u8>> {
    let mut archive = tar::Archive::new(tar_bytes);
    let mut builder = tar::Builder::new(Vec::new());
    let mut found = false;
    for entry in archive.entries()? {
        let mut entry = entry?;
        let mut header = entry.header().clone();
        let name = entry.path()?.to_string_lossy().into_owned();
        let mut data = Vec::new();
        entry.read_to_end(&mut data)?;
        if name == path {
            found = true;
            data = edit(&data);
            header.set_size(data.len() as u64);
            header.set_cksum();
        }
        if header.entry_type().is_symlink() {
            let target = entry.link_name()?.unwrap_or_default().into_owned();
            builder.append_link(&mut header, &name, target)?;
        } else {
            builder.append_data(&mut header, &name, data.as_slice())?;
        }
    }
    if !found {
        return Err(std::io::Error::new(
            std::io::ErrorKind::NotFound,
            format!("{path} is not in the build context"),
        ));
    }
    builder.into_inner()
}

/// Cold build times kept between runs for `--skip-cold`.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
struct ColdRecords {
    /// Variant (row) name to (timing, date measured).
    builds: BTreeMap<String, (Timing, String)>,
}

fn cold_records_path(root: &Path) -> PathBuf {
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| root.join("target"));
    target.join("calc-kit-bench").join("cold-builds.json")
}

fn load_cold(root: &Path) -> ColdRecords {
    std::fs::read_to_string(cold_records_path(root))
        .ok()
        .and_then(|t| serde_json::from_str(&t).ok())
        .unwrap_or_default()
}

/// The cold build time of each row the last `just bench` measured (none before it ran).
pub fn cold_build_times(root: &Path) -> BTreeMap<String, Duration> {
    load_cold(root)
        .builds
        .into_iter()
        .map(|(name, (timing, _))| (name, timing.median))
        .collect()
}

fn save_cold(root: &Path, records: &ColdRecords) {
    let path = cold_records_path(root);
    if let Some(dir) = path.parent() {
        let _ = std::fs::create_dir_all(dir);
    }
    if let Ok(text) = serde_json::to_string_pretty(records) {
        let _ = std::fs::write(path, text);
    }
}

fn progress_printer(label: String) -> impl FnMut(BuildEvent) + Send {
    move |event| {
        if let BuildEvent::Step { step, total, .. } = event {
            eprint!("\r  {label}: step {step}/{total}   ");
            let _ = std::io::stderr().flush();
        }
    }
}

async fn remove_image(docker: &Docker, image: &str) {
    let _ = docker
        .remove_image(
            image,
            Some(RemoveImageOptionsBuilder::new().force(true).build()),
            None,
        )
        .await;
}

/// Builds `dockerfile` once with the unchanged context (so the cache is warm), then `runs`
/// times with a fresh one-line edit each time; returns the rebuild timing and cache counts.
async fn warm_rebuilds(
    docker: &Docker,
    catalogue: &Catalogue,
    dockerfile: &Path,
    name: &str,
    runs: usize,
) -> Result<(Timing, (usize, usize), Option<(String, Duration)>), String> {
    let root = catalogue.root.as_path();
    let image = format!("{BENCH_REPOSITORY}:{name}-edit");
    let context = {
        let (root, file) = (root.to_path_buf(), dockerfile.to_path_buf());
        tokio::task::spawn_blocking(move || build_context(&root, &file))
            .await
            .map_err(|e| e.to_string())?
            .map_err(|e| e.to_string())?
    };
    // The unchanged context first: answered from cache when the image is current.
    build_dockerfile_with(
        docker,
        catalogue,
        dockerfile,
        &format!("{BENCH_REPOSITORY}:{name}-base"),
        BuildOptions {
            no_cache: false,
            context: Some(context.tar.clone()),
        },
        &mut progress_printer(format!("{name} unchanged")),
    )
    .await
    .map_err(|e| e.to_string())?;
    let mut samples = Vec::new();
    let mut cached = (0, 0);
    let mut longest = None;
    for run in 0..runs {
        let nonce = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap_or_default()
            .as_nanos();
        let edited = edit_context(&context.tar, EDITED_FILE, |old| {
            let mut new = old.to_vec();
            new.extend_from_slice(format!("// bench edit {nonce}\n").as_bytes());
            new
        })
        .map_err(|e| e.to_string())?;
        let mut starts: Vec<(String, Duration)> = Vec::new();
        let started = Instant::now();
        let built: Built = build_dockerfile_with(
            docker,
            catalogue,
            dockerfile,
            &image,
            BuildOptions {
                no_cache: false,
                context: Some(edited),
            },
            &mut {
                let mut show = progress_printer(format!("{name} rebuild {}/{runs}", run + 1));
                let starts = &mut starts;
                move |event: BuildEvent| {
                    if let BuildEvent::Step { instruction, .. } = &event {
                        starts.push((instruction.clone(), started.elapsed()));
                    }
                    show(event)
                }
            },
        )
        .await
        .map_err(|e| e.to_string())?;
        samples.push(built.duration);
        cached = (built.cached_steps, built.steps);
        longest = longest_step(&starts, started.elapsed());
        remove_image(docker, &image).await;
    }
    remove_image(docker, &format!("{BENCH_REPOSITORY}:{name}-base")).await;
    eprintln!();
    Ok((Timing::of(&samples), cached, longest))
}

/// The step that took longest, from when each step started (offsets from the build's start)
/// and when the build ended.
pub fn longest_step(starts: &[(String, Duration)], end: Duration) -> Option<(String, Duration)> {
    let ends = starts.iter().skip(1).map(|(_, t)| *t).chain([end]);
    starts
        .iter()
        .zip(ends)
        .map(|((instruction, start), end)| (instruction.clone(), end.saturating_sub(*start)))
        .max_by_key(|(_, d)| *d)
}

/// `runs` builds with `--no-cache`; the image is removed after each.
async fn cold_builds(
    docker: &Docker,
    catalogue: &Catalogue,
    dockerfile: &Path,
    name: &str,
    runs: usize,
) -> Result<Timing, String> {
    let image = format!("{BENCH_REPOSITORY}:{name}-cold");
    let mut samples = Vec::new();
    for run in 0..runs {
        let built = build_dockerfile_with(
            docker,
            catalogue,
            dockerfile,
            &image,
            BuildOptions {
                no_cache: true,
                context: None,
            },
            &mut progress_printer(format!("{name} cold build {}/{runs}", run + 1)),
        )
        .await
        .map_err(|e| e.to_string())?;
        samples.push(built.duration);
        remove_image(docker, &image).await;
    }
    eprintln!();
    Ok(Timing::of(&samples))
}

fn is_multi_stage(root: &Path, dockerfile: &Path) -> bool {
    std::fs::read_to_string(root.join(dockerfile))
        .map(|t| Dockerfile::parse(&t).stages.len() > 1)
        .unwrap_or(false)
}

async fn container_timings(image: &str, hardened: bool, runs: usize, row: &mut VariantResult) {
    let mut samples = Vec::new();
    for _ in 0..runs {
        match Run::new(image).args(["6", "*", "7"]).output().await {
            Ok(out) if out.exit_code == 0 && out.stdout_text() == "42\n" => {
                samples.push(out.elapsed)
            }
            Ok(out) => {
                row.errors.push(format!(
                    "docker run {image} 6 '*' 7 gave exit {} and {:?}",
                    out.exit_code,
                    out.stdout_text()
                ));
                break;
            }
            Err(e) => {
                row.errors.push(e.to_string());
                break;
            }
        }
    }
    if !samples.is_empty() {
        row.run = Some(Timing::of(&samples));
    }
    let mut samples = Vec::new();
    for _ in 0..runs {
        let waiting = match Waiting::start(image, hardened).await {
            Ok(w) => w,
            Err(e) => {
                row.errors.push(e.to_string());
                break;
            }
        };
        match waiting.stop_latency().await {
            Ok(d) => samples.push(d),
            Err(e) => {
                row.errors.push(e.to_string());
                break;
            }
        }
    }
    if !samples.is_empty() {
        row.stop = Some(Timing::of(&samples));
    }
}

/// Measures one Dockerfile: builds (cold, warm), and when `image` is given, its size and
/// container timings.
#[allow(clippy::too_many_arguments)]
async fn measure_dockerfile(
    docker: &Docker,
    catalogue: &Catalogue,
    name: &str,
    dockerfile: &Path,
    image: Option<(&str, bool)>,
    measure_cold: bool,
    options: &BenchOptions,
    cold_records: &mut ColdRecords,
    stand_ins: &mut Vec<(String, String)>,
) -> VariantResult {
    let root = catalogue.root.as_path();
    let mut row = VariantResult {
        name: name.to_string(),
        multi_stage: is_multi_stage(root, dockerfile),
        ..Default::default()
    };
    if !measure_cold {
        // Nothing to measure: the caller says why in the row's remark.
    } else if options.skip_cold {
        match cold_records.builds.get(name) {
            Some((t, date)) => {
                row.cold = Some(*t);
                row.cold_reused_from = Some(date.clone());
            }
            None => row
                .errors
                .push("no earlier cold build to reuse (run without --skip-cold)".into()),
        }
    } else {
        eprintln!("==> {name}: cold build (--no-cache)");
        match cold_builds(docker, catalogue, dockerfile, name, options.build_runs).await {
            Ok(t) => {
                row.cold = Some(t);
                cold_records
                    .builds
                    .insert(name.to_string(), (t, utc_text(SystemTime::now())));
                save_cold(root, cold_records);
            }
            Err(e) => row.errors.push(e),
        }
    }
    eprintln!("==> {name}: rebuild after a one-line edit of {EDITED_FILE}");
    match warm_rebuilds(docker, catalogue, dockerfile, name, options.build_runs).await {
        Ok((t, cached, longest)) => {
            row.warm = Some(t);
            row.warm_cached = Some(cached);
            row.warm_longest = longest;
        }
        Err(e) => row.errors.push(e),
    }
    if let Some((image, hardened)) = image {
        eprintln!("==> {name}: size, compressed size");
        match inspect_image(docker, image, true).await {
            Ok(facts) => {
                row.size = Some(facts.size);
                row.compressed = facts.compressed_size;
            }
            Err(e) => row.errors.push(e.to_string()),
        }
        let text = std::fs::read_to_string(root.join(dockerfile)).unwrap_or_default();
        for (base, upstream) in
            crate::docker::bases::stand_ins(docker, &catalogue.bases.label, &text).await
        {
            if !stand_ins.iter().any(|(b, _)| *b == base) {
                stand_ins.push((base, upstream));
            }
        }
        eprintln!(
            "==> {name}: docker run and docker stop, {} runs each",
            options.runs
        );
        container_timings(image, hardened, options.runs, &mut row).await;
    }
    row
}

/// What the cargo-chef row says: its rebuild against manifest-first layering's, and which
/// one the kit keeps.
pub fn chef_remark(chef: Duration, manifest_first: Duration) -> String {
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

/// Builds the calculator's release binary with cargo and returns its path.
fn host_binary(root: &Path) -> Result<PathBuf, String> {
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let out = Command::new(cargo)
        .current_dir(root)
        .args([
            "build",
            "--release",
            "--locked",
            "-p",
            "calculator",
            "--message-format=json",
        ])
        .stderr(Stdio::inherit())
        .output()
        .map_err(|e| format!("cannot run cargo: {e}"))?;
    if !out.status.success() {
        return Err("cargo build --release -p calculator failed".into());
    }
    for line in String::from_utf8_lossy(&out.stdout).lines() {
        let Ok(msg) = serde_json::from_str::<serde_json::Value>(line) else {
            continue;
        };
        if msg["reason"] == "compiler-artifact"
            && msg["target"]["name"] == "calculator"
            && let Some(exe) = msg["executable"].as_str()
        {
            return Ok(PathBuf::from(exe));
        }
    }
    Err("cargo did not report the calculator executable".into())
}

/// Runs `cmd` with `input` on stdin; returns stdout and the wall time from spawn to exit.
fn timed(cmd: &mut Command, input: Option<&Path>) -> Result<(String, Duration), String> {
    let stdin = match input {
        Some(p) => Stdio::from(std::fs::File::open(p).map_err(|e| e.to_string())?),
        None => Stdio::null(),
    };
    let started = Instant::now();
    let out = cmd
        .stdin(stdin)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .output()
        .map_err(|e| e.to_string())?;
    let elapsed = started.elapsed();
    if !out.status.success() {
        return Err(format!(
            "exit {:?}: {}",
            out.status.code(),
            String::from_utf8_lossy(&out.stderr).trim()
        ));
    }
    Ok((String::from_utf8_lossy(&out.stdout).into_owned(), elapsed))
}

fn measure_host(root: &Path, options: &BenchOptions) -> HostResult {
    let mut host = HostResult::default();
    eprintln!("==> host: building the calculator's release binary");
    let binary = match host_binary(root) {
        Ok(b) => b,
        Err(e) => {
            host.errors.push(e);
            return host;
        }
    };
    host.binary_size = std::fs::metadata(&binary).ok().map(|m| m.len());
    eprintln!("==> host: calculator 6 '*' 7, {} runs", options.host_runs);
    let mut samples = Vec::new();
    for _ in 0..options.host_runs {
        match timed(Command::new(&binary).args(["6", "*", "7"]), None) {
            Ok((out, t)) if out == "42\n" => samples.push(t),
            Ok((out, _)) => {
                host.errors
                    .push(format!("calculator 6 '*' 7 printed {out:?}"));
                break;
            }
            Err(e) => {
                host.errors.push(e);
                break;
            }
        }
    }
    if !samples.is_empty() {
        host.start = Some(Timing::of(&samples));
    }

    let dir = match tempfile::tempdir() {
        Ok(d) => d,
        Err(e) => {
            host.errors.push(e.to_string());
            return host;
        }
    };
    let script_path = dir.path().join("bench.calc");
    if let Err(e) = std::fs::write(&script_path, script(SCRIPT_LINES)) {
        host.errors.push(e.to_string());
        return host;
    }
    let bc_present = Command::new("bc")
        .arg("--version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    eprintln!(
        "==> host: {} lines through the calculator{}, {} runs each",
        group_digits(SCRIPT_LINES as u64),
        if bc_present { " and bc" } else { "" },
        options.runs
    );
    let (mut calc_samples, mut bc_samples) = (Vec::new(), Vec::new());
    let (mut calc_out, mut bc_out) = (String::new(), String::new());
    // Alternate the two so that a change in machine load affects both alike.
    for _ in 0..options.runs {
        match timed(&mut Command::new(&binary), Some(&script_path)) {
            Ok((out, t)) => {
                calc_samples.push(t);
                calc_out = out;
            }
            Err(e) => {
                host.errors.push(format!("calculator on the script: {e}"));
                break;
            }
        }
        if bc_present {
            match timed(
                Command::new("bc").arg("-q").env("BC_LINE_LENGTH", "0"),
                Some(&script_path),
            ) {
                Ok((out, t)) => {
                    bc_samples.push(t);
                    bc_out = out;
                }
                Err(e) => {
                    host.errors.push(format!("bc on the script: {e}"));
                    break;
                }
            }
        }
    }
    if !calc_samples.is_empty() {
        host.script = Some(Timing::of(&calc_samples));
    }
    if !bc_samples.is_empty() {
        host.bc = Some(Timing::of(&bc_samples));
        host.differing_lines = differing_lines(&calc_out, &bc_out);
    }
    host
}

fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .ok()
        .and_then(|t| t.split_whitespace().next().map(String::from))
        .unwrap_or_else(|| "?".into())
}

fn host_description() -> String {
    let name = std::fs::read_to_string("/proc/sys/kernel/hostname")
        .map(|s| s.trim().to_string())
        .unwrap_or_else(|_| "unknown host".into());
    let cpu = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|t| {
            t.lines()
                .find(|l| l.starts_with("model name"))
                .and_then(|l| l.split_once(':'))
                .map(|(_, v)| v.trim().to_string())
        })
        .unwrap_or_else(|| "unknown CPU".into());
    format!("{name} ({cpu}, {})", std::env::consts::ARCH)
}

/// Runs the whole bench and returns the page text (printed by the caller, and written to
/// [`PAGE`] when every variant was measured and `write_page` is set).
pub async fn run(engine: &Engine, options: &BenchOptions) -> Result<String, String> {
    let started = Instant::now();
    let load_start = load_average();
    let docker = &engine.docker;
    let catalogue = Catalogue::load().map_err(|e| e.to_string())?;
    let root = catalogue.root.clone();
    let selected: Vec<&Variant> = catalogue.select(&options.variants)?;
    let all = selected.len() == catalogue.variants.len();
    let mut cold_records = load_cold(&root);
    let mut results = Results {
        baseline: catalogue.roles.baseline.clone(),
        smallest: catalogue.roles.smallest.clone(),
        ..Results::default()
    };
    let mut stand_ins = Vec::new();

    for v in &selected {
        eprintln!("==> {}: making sure the image is current", v.name);
        let image = catalogue.image(v);
        if let Err(e) = build_variant(
            docker,
            &catalogue,
            v,
            &mut progress_printer(format!("{} build", v.name)),
        )
        .await
        {
            eprintln!();
            results.variants.push(VariantResult {
                name: v.name.clone(),
                multi_stage: is_multi_stage(&root, &v.dockerfile),
                errors: vec![e.to_string()],
                ..Default::default()
            });
            continue;
        }
        eprintln!();
        let row = measure_dockerfile(
            docker,
            &catalogue,
            &v.name,
            &v.dockerfile,
            Some((&image, v.hardened)),
            true,
            options,
            &mut cold_records,
            &mut stand_ins,
        )
        .await;
        if v.name == results.smallest {
            match inspect_variant(docker, &catalogue, v, false).await {
                Ok(facts) => {
                    let entry = facts.image.entrypoint.first().cloned();
                    results.smallest_binary = entry
                        .as_deref()
                        .and_then(|p| facts.image.filesystem.file_size(p));
                }
                Err(e) => results
                    .notes
                    .push(format!("{} binary size: {e}", results.smallest)),
            }
        }
        results.variants.push(row);
    }

    if options.chef {
        let mut row = measure_dockerfile(
            docker,
            &catalogue,
            "scratch-cargo-chef",
            Path::new(CHEF_DOCKERFILE),
            None,
            false,
            options,
            &mut cold_records,
            &mut stand_ins,
        )
        .await;
        let manifest = results.variant("scratch").and_then(|v| v.warm);
        row.remark = Some(match (row.warm, manifest) {
            (Some(chef), Some(manifest)) => chef_remark(chef.median, manifest.median),
            _ => "comparison only: cargo-chef or manifest-first rebuild not measured".into(),
        });
        results.variants.push(row);
    }

    eprintln!("==> glibc-static floor: {HELLO_DOCKERFILE}");
    let hello_image = format!("{BENCH_REPOSITORY}:glibc-static-hello");
    match build_dockerfile_with(
        docker,
        &catalogue,
        Path::new(HELLO_DOCKERFILE),
        &hello_image,
        BuildOptions::default(),
        &mut progress_printer("hello build".into()),
    )
    .await
    {
        Ok(_) => match inspect_image(docker, &hello_image, true).await {
            Ok(facts) => {
                results.hello = Some((
                    facts.size,
                    facts.compressed_size.unwrap_or(0),
                    facts.filesystem.file_size("/hello").unwrap_or(0),
                ))
            }
            Err(e) => results.notes.push(format!("glibc-static floor: {e}")),
        },
        Err(e) => results.notes.push(format!("glibc-static floor: {e}")),
    }
    eprintln!();

    results.host = measure_host(&root, options);

    let meta = Meta {
        date: utc_text(SystemTime::now()),
        engine: engine.describe(),
        host: host_description(),
        cores: std::thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(1),
        load: format!("{load_start} / {}", load_average()),
        stand_ins,
        command: options.command_line(),
        wall: started.elapsed(),
    };
    let page = render_page(&meta, &results);
    if options.write_page {
        if all {
            std::fs::write(root.join(PAGE), &page).map_err(|e| format!("writing {PAGE}: {e}"))?;
            eprintln!("==> wrote {PAGE}");
        } else {
            eprintln!("==> {PAGE} not written: only a selection of variants was measured");
        }
    }
    Ok(page)
}

impl BenchOptions {
    /// The `harness bench` command line that gives these options.
    pub fn command_line(&self) -> String {
        let mut c = format!("harness bench --runs {}", self.runs);
        if self.build_runs != 1 {
            let _ = write!(c, " --build-runs {}", self.build_runs);
        }
        if self.skip_cold {
            c.push_str(" --skip-cold");
        }
        if self.chef {
            c.push_str(" --chef");
        }
        for v in &self.variants {
            let _ = write!(c, " --variants {v}");
        }
        c
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
        assert_eq!(script_goal(ms(300), ms(400), 0).verdict, Verdict::Met);
        assert_eq!(script_goal(ms(300), ms(400), 2).verdict, Verdict::NotMet);
        assert_eq!(script_goal(ms(500), ms(400), 0).verdict, Verdict::NotMet);
        assert_eq!(
            smallest_size_goal("scratch", 1_432_672).show(),
            "scratch < 1.40 MB: NOT MET (1,432,672 bytes)"
        );
    }

    fn sample() -> Results {
        let t = |n| Some(Timing::of(&[ms(n), ms(n)]));
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

    #[test]
    fn goals_from_results() {
        let goals = sample().goals();
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
    fn tables_are_padded_markdown() {
        let t = Table {
            header: vec!["".into(), "Size".into()],
            rows: vec![vec!["scratch".into(), "1.38 MB".into()], vec!["a|b".into()]],
        };
        assert_eq!(
            t.render(),
            "|         | Size    |\n\
             | ------- | ------- |\n\
             | scratch | 1.38 MB |\n\
             | a\\|b    |         |\n"
        );
    }

    #[test]
    fn the_results_table_and_page() {
        let r = sample();
        let table = r.table().render();
        let lines: Vec<&str> = table.lines().collect();
        // Every line of a padded table has the same width.
        let width = lines[0].chars().count();
        assert!(lines.iter().all(|l| l.chars().count() == width));
        assert!(table.contains("| scratch "));
        assert!(table.contains("20.0 s (median of 2) = 20% of cold"));
        assert!(table.contains("single stage: no rebuild goal"));
        assert!(table.contains("1,268x"));
        let meta = Meta {
            date: "2026-11-23 14:05 UTC".into(),
            engine: "Docker engine 20.10.24".into(),
            host: "h".into(),
            cores: 2,
            load: "1.0 / 2.0".into(),
            stand_ins: vec![("rust:1.95-trixie".into(), "rust:1.95-trixie".into())],
            command: "harness bench --runs 7".into(),
            wall: Duration::from_secs(600),
        };
        let page = render_page(&meta, &r);
        assert!(page.starts_with("# Performance\n"));
        assert!(page.contains("Generated by `just bench`"));
        assert!(page.contains("- Measured: 2026-11-23 14:05 UTC"));
        assert!(page.contains("2 cores"));
        assert!(page.contains("local stand-ins"));
        assert!(page.contains("6 of 6 measured goals met."));
    }

    #[test]
    fn dates() {
        assert_eq!(civil_from_days(0), (1970, 1, 1));
        assert_eq!(civil_from_days(19_723), (2024, 1, 1));
        assert_eq!(civil_from_days(11_016), (2000, 2, 29));
        assert_eq!(
            utc_text(UNIX_EPOCH + Duration::from_secs(1_700_000_000)),
            "2023-11-14 22:13 UTC"
        );
    }

    #[test]
    fn the_script() {
        let s = script(8);
        assert_eq!(
            s,
            "(1+3)*(1-2)\n2%97\n27*27*27-3\n4*4+7\n(5+3)*(5-2)\n6%97\n343*343*343-7\n8*8+7\n"
        );
        assert_eq!(script(SCRIPT_LINES).lines().count(), SCRIPT_LINES);
        assert_eq!(differing_lines("1\n2\n3\n", "1\n5\n3\n4\n"), 2);
        assert_eq!(differing_lines("a\n", "a\n"), 0);
    }

    #[test]
    fn a_context_edit_changes_one_file_only() {
        let mut builder = tar::Builder::new(Vec::new());
        for (name, data) in [
            ("Cargo.toml", "[workspace]\n"),
            (EDITED_FILE, "pub fn f() {}\n"),
        ] {
            let mut h = tar::Header::new_gnu();
            h.set_size(data.len() as u64);
            h.set_mode(0o644);
            h.set_cksum();
            builder.append_data(&mut h, name, data.as_bytes()).unwrap();
        }
        let tar_bytes = builder.into_inner().unwrap();
        let edited = edit_context(&tar_bytes, EDITED_FILE, |old| {
            [old, b"// edit\n".as_slice()].concat()
        })
        .unwrap();
        let mut archive = tar::Archive::new(edited.as_slice());
        let files: Vec<(String, String)> = archive
            .entries()
            .unwrap()
            .map(|e| {
                let mut e = e.unwrap();
                let name = e.path().unwrap().to_string_lossy().into_owned();
                let mut text = String::new();
                e.read_to_string(&mut text).unwrap();
                (name, text)
            })
            .collect();
        assert_eq!(
            files,
            [
                ("Cargo.toml".to_string(), "[workspace]\n".to_string()),
                (
                    EDITED_FILE.to_string(),
                    "pub fn f() {}\n// edit\n".to_string()
                )
            ]
        );
        assert!(edit_context(&tar_bytes, "nope.rs", |o| o.to_vec()).is_err());
    }

    #[test]
    fn the_slowest_step() {
        let starts = [
            ("COPY a b".to_string(), ms(0)),
            ("RUN cargo build".to_string(), ms(100)),
            ("COPY --from=build x y".to_string(), ms(5_100)),
        ];
        assert_eq!(
            longest_step(&starts, ms(5_300)),
            Some(("RUN cargo build".to_string(), ms(5_000)))
        );
        assert_eq!(longest_step(&[], ms(1)), None);
    }

    #[test]
    fn the_chef_row_is_a_comparison_without_goals() {
        let mut r = sample();
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
        let mut results = sample();
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
