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
//! (median, ratios, goal verdicts, the table, the page) are unit-tested in their modules:
//! `options`, `stats`, `goals`, `table`, `page`; `runs` times builds and containers, `host`
//! the calculator on the host.

/// The scratch image must stay under this many bytes (decimal 1.4 MB).
pub(crate) const SCRATCH_GOAL_BYTES: u64 = 1_400_000;
/// The scratch image may exceed the binary inside it by at most this fraction.
pub(crate) const FLOOR_GOAL: f64 = 0.01;
/// naive / scratch must be above this.
pub(crate) const RATIO_GOAL: f64 = 800.0;
/// A rebuild after a one-line change must take less than this fraction of a cold build.
pub(crate) const WARM_GOAL: f64 = 0.30;
/// "Within a few milliseconds": the host start-to-result goal.
pub(crate) const START_GOAL: Duration = Duration::from_millis(5);
/// Lines in the generated script raced against `bc`.
pub(crate) const SCRIPT_LINES: usize = 100_000;
/// The file the one-line edit goes into, and where the bench's own images are tagged.
pub(crate) const EDITED_FILE: &str = "calculator/src/lib.rs";
/// Repository of the images the bench builds besides the catalogue's (removed afterwards).
pub(crate) const BENCH_REPOSITORY: &str = "calc-kit/bench";
/// The Dockerfile of the glibc-static floor.
pub(crate) const HELLO_DOCKERFILE: &str = "docker/bench/glibc-static-hello.Dockerfile";
/// The scratch variant's Dockerfile with cargo-chef instead of manifest-first layering.
pub(crate) const CHEF_DOCKERFILE: &str = "docker/bench/scratch-chef.Dockerfile";
/// Where the page goes.
pub const PAGE: &str = "docs/src/performance.md";

mod goals;
mod host;
mod options;
mod page;
mod runs;
mod stats;
mod table;

pub use goals::{Goal, Verdict};
pub use host::{Comparison, Dialect, script};
pub use options::BenchOptions;
pub use page::{HostResult, Meta, Results, VariantResult, render_page};
pub(crate) use runs::cold_build_times;
pub use stats::Timing;
pub(crate) use stats::median;
pub use table::Table;

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use crate::docker::build::{
    BuildError, BuildEvent, BuildOptions, build_dockerfile_with, build_variant,
};
use crate::docker::context::ContextError;
use crate::docker::engine::Engine;
use crate::image::inspect::{inspect_image, inspect_variant};
use crate::manifest::catalogue::CatalogueError;
use crate::manifest::catalogue::{Catalogue, Variant};
use crate::measure::survey::{CACHE_FILE, FactsCache};

/// What the bench reports while it runs, for the caller to show.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BenchEvent {
    /// A stage of the run starts (for example `scratch: size, compressed size`).
    Stage(String),
    /// A build under way reached `step` of `total`.
    Step {
        /// Which build: `scratch rebuild 1/3`.
        label: String,
        /// The step reached (1-based).
        step: usize,
        /// Steps in the Dockerfile.
        total: usize,
    },
    /// The builds of a stage are over (a line of steps ends).
    StepsDone,
    /// The page was written to [`PAGE`].
    Wrote,
    /// The page was not written: only some variants were measured.
    NotWritten,
}

/// The bench could not run at all (a row's own failures are reported in its row instead).
#[derive(Debug, thiserror::Error)]
pub enum BenchError {
    /// The catalogue could not be read, or has no variant of a name asked for.
    #[error(transparent)]
    Catalogue(#[from] CatalogueError),
    /// A build context could not be assembled.
    #[error(transparent)]
    Context(#[from] ContextError),
    /// A build failed (the message has the log tail and the likely cause).
    #[error(transparent)]
    Build(#[from] Box<BuildError>),
    /// A source file the bench edits in memory could not be read.
    #[error("reading {}: {source}", path.display())]
    Read {
        /// The file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// The page could not be written.
    #[error("writing {}: {source}", path.display())]
    Write {
        /// The page.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// A blocking task of the bench panicked or was cancelled.
    #[error("bench task failed: {0}")]
    Task(String),
}

/// Runs the whole bench and returns the page text (printed by the caller, and written to
/// [`PAGE`] when every variant was measured and `write_page` is set). `events` hears of
/// every stage and build step as it happens.
pub async fn run(
    engine: &Engine,
    options: &BenchOptions,
    events: &mut (dyn FnMut(BenchEvent) + Send),
) -> Result<String, BenchError> {
    let started = Instant::now();
    let load_start = host::load_average();
    let docker = &engine.docker;
    let catalogue = Catalogue::load()?;
    let root = catalogue.root.clone();
    let selected: Vec<&Variant> = catalogue.select(&options.variants)?;
    let all = selected.len() == catalogue.variants.len();
    let cache_path = root.join(CACHE_FILE);
    let mut ledger = runs::Ledger {
        cold: runs::load_cold(&root),
        facts: FactsCache::open(&cache_path, false),
        stand_ins: Vec::new(),
    };
    let mut results = Results {
        baseline: catalogue.roles.baseline.clone(),
        smallest: catalogue.roles.smallest.clone(),
        ..Results::default()
    };

    for v in &selected {
        events(BenchEvent::Stage(format!(
            "{}: making sure the image is current",
            v.name
        )));
        let built = build_variant(
            docker,
            &catalogue,
            v,
            &mut steps(format!("{} build", v.name), events),
        )
        .await;
        events(BenchEvent::StepsDone);
        if let Err(e) = built {
            results.variants.push(VariantResult {
                name: v.name.clone(),
                multi_stage: runs::is_multi_stage(&root, &v.dockerfile),
                errors: vec![e.to_string()],
                ..Default::default()
            });
            continue;
        }
        let row = runs::measure_dockerfile(
            docker,
            &catalogue,
            &v.name,
            &v.dockerfile,
            Some(v),
            true,
            options,
            &mut ledger,
            events,
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
    // The cache is an optimisation: failing to write it costs time next run, nothing else.
    let _ = ledger.facts.save(&cache_path);

    if options.chef {
        let mut row = runs::measure_dockerfile(
            docker,
            &catalogue,
            "scratch-cargo-chef",
            Path::new(CHEF_DOCKERFILE),
            None,
            false,
            options,
            &mut ledger,
            events,
        )
        .await;
        let manifest = results.variant(&results.smallest).and_then(|v| v.warm);
        row.remark = Some(match (row.warm, manifest) {
            (Some(chef), Some(manifest)) => goals::chef_remark(chef.median, manifest.median),
            _ => "comparison only: cargo-chef or manifest-first rebuild not measured".into(),
        });
        results.variants.push(row);
    }

    events(BenchEvent::Stage(format!(
        "glibc-static floor: {HELLO_DOCKERFILE}"
    )));
    let hello_image = format!("{BENCH_REPOSITORY}:glibc-static-hello");
    match build_dockerfile_with(
        docker,
        &catalogue,
        Path::new(HELLO_DOCKERFILE),
        &hello_image,
        BuildOptions::default(),
        &mut steps("hello build".into(), events),
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
    events(BenchEvent::StepsDone);

    results.host = host::measure_host(&root, options, events);

    let meta = Meta {
        date: page::utc_text(chrono::Utc::now()),
        engine: engine.describe(),
        host: host::host_description(),
        cores: std::thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(1),
        load: format!("{load_start} / {}", host::load_average()),
        stand_ins: ledger.stand_ins,
        command: options.command_line(),
        wall: started.elapsed(),
    };
    let page = render_page(&meta, &results);
    if options.write_page {
        if all {
            let path = root.join(PAGE);
            std::fs::write(&path, &page).map_err(|source| BenchError::Write { path, source })?;
            events(BenchEvent::Wrote);
        } else {
            events(BenchEvent::NotWritten);
        }
    }
    Ok(page)
}

/// Build events as the bench reports them: each step, under `label`.
fn steps(
    label: String,
    events: &mut (dyn FnMut(BenchEvent) + Send),
) -> impl FnMut(BuildEvent) + Send + '_ {
    move |event| {
        if let BuildEvent::Step { step, total, .. } = event {
            events(BenchEvent::Step {
                label: label.clone(),
                step,
                total,
            });
        }
    }
}
