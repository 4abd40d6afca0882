//! `harness`: the justfile's entry point to the library (build, inspect, lint, sweep, demo,
//! report, bench).

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use harness::build::{BuildEvent, build_variant};
use harness::catalogue::Catalogue;
use harness::format::{group_digits, human_size, seconds};
use harness::lint::{LintOptions, lint_file};

/// Builds, inspects and lints the calc-kit Dockerfile variants named in docker/variants.toml.
#[derive(Parser)]
#[command(version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
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
    /// The graded lab: start it, grade it, or put skeletons back.
    #[command(subcommand)]
    Lab(harness::lab::LabCommand),
    /// Build every variant with live progress, then compare them side by side (table, log-scale
    /// chart) and ask the calculator in each the same question.
    Demo(MeasureArgs),
    /// Measure every variant like the demo and write docs/src/results.md (its generated
    /// section) and the chart docs/src/images/sizes.svg.
    Report(MeasureArgs),
    /// Measure sizes, build times, container and calculator timings against the goals, print
    /// one table and write docs/src/performance.md.
    Bench {
        /// Repeats of each container and script timing (medians are reported).
        #[arg(long, default_value_t = 7)]
        runs: usize,
        /// Repeats of the host start-to-result timing.
        #[arg(long, default_value_t = 201)]
        host_runs: usize,
        /// Repeats of each cold build and each rebuild (they take minutes on 2 cores).
        #[arg(long, default_value_t = 1)]
        build_runs: usize,
        /// Reuse the cold build times of an earlier run.
        #[arg(long)]
        skip_cold: bool,
        /// Variants to measure (all when none is named); repeat or separate with commas.
        #[arg(long, value_delimiter = ',')]
        variants: Vec<String>,
        /// Also measure cargo-chef (docker/bench/scratch-chef.Dockerfile) against
        /// manifest-first layering.
        #[arg(long)]
        chef: bool,
        /// Do not write docs/src/performance.md.
        #[arg(long)]
        no_page: bool,
    },
}

/// What `demo` and `report` measure.
#[derive(clap::Args)]
struct MeasureArgs {
    /// Variant names from the catalogue (all when none is named).
    variants: Vec<String>,
    /// Measure the images as they are, without building them first.
    #[arg(long)]
    no_build: bool,
    /// Inspect every image again instead of reusing the facts of an unchanged image.
    #[arg(long)]
    fresh: bool,
    /// The calculator input every image is asked.
    #[arg(long, default_value = harness::measure::QUESTION)]
    question: String,
}

impl MeasureArgs {
    fn options(self) -> harness::measure::MeasureOptions {
        harness::measure::MeasureOptions {
            variants: self.variants,
            build: !self.no_build,
            fresh: self.fresh,
            question: self.question,
        }
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Lint { files } => lint(files),
        Command::Lab(action) => harness::lab::command(action),
        other => {
            let rt = tokio::runtime::Runtime::new().expect("a tokio runtime");
            rt.block_on(engine_command(other))
        }
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("harness: {message}");
            ExitCode::FAILURE
        }
    }
}

fn lint(files: Vec<PathBuf>) -> Result<(), String> {
    let catalogue = Catalogue::load().map_err(|e| e.to_string())?;
    let targets: Vec<(PathBuf, LintOptions)> = if files.is_empty() {
        catalogue
            .variants
            .iter()
            .map(|v| {
                (
                    catalogue.dockerfile_path(v),
                    LintOptions {
                        allow_root: v.runs_as_root(),
                    },
                )
            })
            .collect()
    } else {
        files
            .into_iter()
            .map(|f| (f, LintOptions::default()))
            .collect()
    };
    let mut failures = 0;
    for (path, options) in targets {
        let shown = path
            .strip_prefix(&catalogue.root)
            .unwrap_or(&path)
            .display()
            .to_string();
        let findings = lint_file(&path, options).map_err(|e| format!("{shown}: {e}"))?;
        if findings.is_empty() {
            println!("ok   {shown}");
        }
        for f in &findings {
            println!("FAIL {shown}:{f}");
        }
        failures += findings.len();
    }
    if failures > 0 {
        Err(format!("{failures} lint finding(s)"))
    } else {
        Ok(())
    }
}

async fn engine_command(command: Command) -> Result<(), String> {
    let engine = harness::engine::connect()
        .await
        .map_err(|e| e.to_string())?;
    eprintln!("{}", engine.describe());
    let docker = &engine.docker;
    match command {
        Command::Build { variants } => {
            let catalogue = Catalogue::load().map_err(|e| e.to_string())?;
            for v in catalogue.select(&variants)? {
                let image = catalogue.image(v);
                eprintln!("==> building {image}");
                let mut show = |event: BuildEvent| match event {
                    BuildEvent::Step {
                        step,
                        total,
                        instruction,
                    } => {
                        let short: String = instruction.chars().take(100).collect();
                        eprintln!("  [{step}/{total}] {short}");
                    }
                    BuildEvent::Preparing(line) => eprintln!("  {line}"),
                    BuildEvent::Cached => eprintln!("        (cached)"),
                    BuildEvent::Output(_) => {}
                };
                let built = build_variant(docker, &catalogue, v, &mut show)
                    .await
                    .map_err(|e| e.to_string())?;
                println!(
                    "{image}: built in {} ({}/{} steps cached)",
                    seconds(built.duration),
                    built.cached_steps,
                    built.steps
                );
            }
            Ok(())
        }
        Command::Inspect { variants } => {
            let catalogue = Catalogue::load().map_err(|e| e.to_string())?;
            for v in catalogue.select(&variants)? {
                let facts = harness::inspect::inspect_variant(docker, &catalogue, v, true)
                    .await
                    .map_err(|e| e.to_string())?;
                let i = &facts.image;
                println!("{}", i.image);
                println!(
                    "  size on disk      {} ({} bytes)",
                    human_size(i.size),
                    group_digits(i.size)
                );
                println!(
                    "  compressed        {}",
                    i.compressed_size.map(human_size).unwrap_or_default()
                );
                println!("  layers            {}", i.layers);
                println!("  files             {}", group_digits(i.files));
                println!("  packages          {}", i.packages.len());
                println!(
                    "  /bin/sh           {}",
                    if i.has_shell { "yes" } else { "no" }
                );
                println!(
                    "  package manager   {}",
                    if i.has_package_manager { "yes" } else { "no" }
                );
                println!(
                    "  cargo / rustc     {}",
                    if i.cargo.is_empty() && i.rustc.is_empty() {
                        "no"
                    } else {
                        "yes"
                    }
                );
                println!("  user              {}", i.effective_user());
                println!("  entrypoint        {:?}", i.entrypoint);
                println!(
                    "  wasted (dive)     {} (efficiency {:.1}%)",
                    human_size(i.wasted_bytes),
                    i.efficiency * 100.0
                );
                for (base, upstream) in &facts.stand_ins {
                    println!("  stand-in base     {base} (local stand-in for {upstream})");
                }
            }
            Ok(())
        }
        Command::Sweep => {
            let n = harness::run::sweep(docker)
                .await
                .map_err(|e| e.to_string())?;
            println!(
                "removed {n} container(s) labelled {}",
                harness::CONTAINER_LABEL
            );
            Ok(())
        }
        Command::Bench {
            runs,
            host_runs,
            build_runs,
            skip_cold,
            variants,
            chef,
            no_page,
        } => {
            let options = harness::bench::BenchOptions {
                runs: runs.max(1),
                host_runs: host_runs.max(1),
                build_runs: build_runs.max(1),
                skip_cold,
                variants,
                chef,
                write_page: !no_page,
            };
            let page = harness::bench::run(&engine, &options).await?;
            println!("{page}");
            Ok(())
        }
        Command::Demo(args) => harness::demo::run(docker, args.options()).await,
        Command::Report(args) => harness::report::run(docker, args.options()).await,
        Command::Lint { .. } | Command::Lab(_) => unreachable!("handled in main"),
    }
}
