//! The command line, defined here and nowhere else: every subcommand, flag and default.

use std::path::PathBuf;

use clap::{Parser, Subcommand};

/// Builds, inspects and lints the calc-kit Dockerfile variants named in docker/variants.toml.
#[derive(Parser)]
#[command(name = "harness", version, about)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand)]
pub enum Command {
    /// Build variants (all when none is named), one after the other, with progress.
    Build {
        /// Variant names from the catalogue.
        variants: Vec<String>,
    },
    /// Print size, compressed size, layers, files, packages and more for built variants.
    Inspect {
        /// Variant names from the catalogue.
        variants: Vec<String>,
    },
    /// Check Dockerfiles against the harness's rules (the catalogue's when none is given).
    Lint {
        /// Dockerfiles to check instead of the catalogue's.
        files: Vec<PathBuf>,
    },
    /// Remove containers the harness left behind (label io.calc-kit.harness).
    Sweep,
    /// Remove what the kit made: its images and the lab's, lab backups, the facts cache;
    /// says how much disk it gave back.
    Clean {
        /// Also remove the stand-in base images (never an upstream image).
        #[arg(long)]
        bases: bool,
        /// Only say what would be removed.
        #[arg(long)]
        dry_run: bool,
    },
    /// The graded lab: start it, grade it, or put skeletons back.
    #[command(subcommand)]
    Lab(LabCommand),
    /// Build every variant with live progress, then compare them side by side (table, log-scale
    /// chart) and ask the calculator in each the same question.
    Demo(MeasureArgs),
    /// Measure every variant like the demo and write docs/src/results.md (its generated
    /// section) and the chart docs/src/images/sizes.svg.
    Report(MeasureArgs),
    /// Measure sizes, build times, container and calculator timings against the goals, print
    /// one table and write docs/src/performance.md.
    Bench(BenchArgs),
    /// Measure each claim of minimal images for every variant (registry bytes and pulls, SBOM,
    /// attack surface, start, memory) and print the table and verdicts.
    Claims(ClaimsArgs),
}

/// What `claims` measures and how often.
#[derive(clap::Args)]
pub struct ClaimsArgs {
    /// Variant names from the catalogue (all when none is named).
    pub variants: Vec<String>,
    /// Print the table and verdicts, or one JSON document (docs/claims.schema.json).
    #[arg(long, value_enum, default_value = "table")]
    pub format: crate::commands::claims::Format,
    /// Unshaped pulls per variant (median reported).
    #[arg(long, default_value_t = 3)]
    pub pull_runs: usize,
    /// `docker run IMAGE 6 '*' 7` per variant, interleaved across variants.
    #[arg(long, default_value_t = 21)]
    pub start_runs: usize,
    /// Script runs per variant (time and peak memory).
    #[arg(long, default_value_t = 3)]
    pub script_runs: usize,
    /// Lines of the script.
    #[arg(long, default_value_t = 20_000)]
    pub script_lines: usize,
    /// The classroom bandwidth, Mbit/s.
    #[arg(long, default_value_t = 20)]
    pub mbit: u32,
    /// Images storing more than this many MB are not pulled shaped; their figure is computed.
    #[arg(long, default_value_t = 100)]
    pub shaped_max_mb: u64,
    /// Measure again even when the images are unchanged since the last results.
    #[arg(long)]
    pub fresh: bool,
}

impl ClaimsArgs {
    pub fn options(self) -> harness::measure::claims::ClaimsOptions {
        harness::measure::claims::ClaimsOptions {
            variants: self.variants,
            pull_runs: self.pull_runs.max(1),
            start_runs: self.start_runs.max(1),
            script_runs: self.script_runs.max(1),
            script_lines: self.script_lines.max(1),
            mbit: self.mbit.max(1),
            shaped_max_bytes: self.shaped_max_mb * 1_000_000,
            fresh: self.fresh,
            cache: true,
        }
    }
}

/// What `demo` and `report` measure.
#[derive(clap::Args)]
pub struct MeasureArgs {
    /// Variant names from the catalogue (all when none is named).
    pub variants: Vec<String>,
    /// Measure the images as they are, without building them first.
    #[arg(long)]
    pub no_build: bool,
    /// Inspect every image again instead of reusing the facts of an unchanged image.
    #[arg(long)]
    pub fresh: bool,
    /// The calculator input every image is asked.
    #[arg(long, default_value = harness::measure::QUESTION)]
    pub question: String,
}

impl MeasureArgs {
    pub fn options(self) -> harness::measure::MeasureOptions {
        harness::measure::MeasureOptions {
            variants: self.variants,
            build: !self.no_build,
            fresh: self.fresh,
            question: self.question,
        }
    }
}

/// What `bench` measures and how often.
#[derive(clap::Args)]
pub struct BenchArgs {
    /// Repeats of each container and script timing (medians are reported).
    #[arg(long, default_value_t = 7)]
    pub runs: usize,
    /// Repeats of the host start-to-result timing.
    #[arg(long, default_value_t = 201)]
    pub host_runs: usize,
    /// Repeats of each cold build and each rebuild (they take minutes on 2 cores).
    #[arg(long, default_value_t = 1)]
    pub build_runs: usize,
    /// Reuse the cold build times of an earlier run.
    #[arg(long)]
    pub skip_cold: bool,
    /// Variants to measure (all when none is named); repeat or separate with commas.
    #[arg(long, value_delimiter = ',')]
    pub variants: Vec<String>,
    /// Also measure cargo-chef (docker/bench/scratch-chef.Dockerfile) against
    /// manifest-first layering.
    #[arg(long)]
    pub chef: bool,
    /// Do not write docs/src/performance.md.
    #[arg(long)]
    pub no_page: bool,
}

impl BenchArgs {
    pub fn options(self) -> harness::measure::bench::BenchOptions {
        harness::measure::bench::BenchOptions {
            runs: self.runs.max(1),
            host_runs: self.host_runs.max(1),
            build_runs: self.build_runs.max(1),
            skip_cold: self.skip_cold,
            variants: self.variants,
            chef: self.chef,
            write_page: !self.no_page,
        }
    }
}

/// `harness lab ...`: what `just lab` and a learner run.
#[derive(Debug, Subcommand)]
pub enum LabCommand {
    /// Start the lab: copy each exercise's skeleton into docker/lab/, never over a file that
    /// exists, and say what to do next.
    Init,
    /// Grade the exercises (all when none is named, by number or name), like `cargo test`.
    Grade {
        /// Exercises to grade: `1`, `01` or `multi-stage`.
        exercises: Vec<String>,
        /// Grade the reference solutions even when the lab is started.
        #[arg(long)]
        reference: bool,
    },
    /// The learner's home: the current exercise, re-graded on every save of its Dockerfile,
    /// with a progress bar; keys h (hint), l (list), n/p (next/previous), r, q.
    Watch,
    /// Every exercise with its state (from the watch mode's saved progress) and its file.
    List,
    /// What an exercise asks and the advice for each of its checks.
    Hint {
        /// The exercise: `1`, `01` or `multi-stage`.
        exercise: String,
    },
    /// The kit's reference solution of an exercise, beside yours; only once it passes.
    Solution {
        /// The exercise: `1`, `01` or `multi-stage`.
        exercise: String,
    },
    /// Put skeletons back for missing or untouched exercises; a changed file is kept unless
    /// --discard-my-work is given.
    Reset {
        /// Exercises to reset (all when none is named).
        exercises: Vec<String>,
        /// Replace exercises you changed with their skeleton: your work in them is lost.
        #[arg(long)]
        discard_my_work: bool,
    },
}
