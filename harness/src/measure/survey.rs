//! The measurements `just demo`, `just report` and `just bench` share: build every variant
//! of the catalogue one after the other, inspect each image, and ask the calculator in each
//! image the same question. Rendering lives elsewhere ([`crate::render::demo`], [`crate::render::report`]);
//! this module only produces [`Measurement`], so a figure shown on the projector and a figure
//! written into the docs come from the same code.
//!
//! The facts of an unchanged image come from the cache of [`super::facts`].

use bollard::Docker;

pub(crate) use super::facts::image_surface;
pub use super::facts::{CACHE_FILE, Facts, FactsCache, VariantFacts, variant_facts};
pub use super::measurement::{Answer, BuildSummary, EngineInfo, Measurement, Row};
use crate::docker::build::{BuildError, BuildEvent, build_variant};
use crate::docker::run::{Run, RunError};
use crate::image::inspect::InspectError;
use crate::manifest::catalogue::{Catalogue, CatalogueError, Variant};

/// The question every image is asked: exact big-integer arithmetic, which the calculator
/// promises and a float would get wrong.
pub const QUESTION: &str = "2^100";
/// What to measure and how.
#[derive(Debug, Clone)]
pub struct MeasureOptions {
    /// Variant names (all of the catalogue when empty), in catalogue order.
    pub variants: Vec<String>,
    /// Build the variants first (the default); without, the images must already exist.
    pub build: bool,
    /// Measure every image again instead of reusing cached facts for an unchanged image.
    pub fresh: bool,
    /// The calculator input every image is asked (see [`QUESTION`]).
    pub question: String,
}

impl Default for MeasureOptions {
    fn default() -> MeasureOptions {
        MeasureOptions {
            variants: Vec::new(),
            build: true,
            fresh: false,
            question: QUESTION.to_string(),
        }
    }
}

/// What a measurement reports while it runs, so a caller can show progress.
#[derive(Debug, Clone)]
pub enum Progress {
    /// Work on a variant starts: `index` (0-based) of `total`.
    Variant {
        /// Which variant.
        name: String,
        /// 0-based position.
        index: usize,
        /// How many variants are measured.
        total: usize,
        /// What is being done to it.
        stage: Stage,
    },
    /// A line or step of the build in progress.
    Build(BuildEvent),
    /// The build finished.
    Built(BuildSummary),
    /// The image's facts are known.
    Inspected {
        /// Taken from the cache (the image did not change since it was last measured).
        cached: bool,
    },
    /// The calculator answered.
    Answered(Answer),
}

/// The stages of measuring one variant, in order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stage {
    /// Building the image.
    Build,
    /// Reading its facts.
    Inspect,
    /// Running the calculator in it.
    Run,
}

/// Measuring failed; each variant carries the library's own actionable message.
#[derive(Debug, thiserror::Error)]
pub enum MeasureError {
    /// Unknown variant names, or an unreadable catalogue.
    #[error(transparent)]
    Catalogue(#[from] CatalogueError),
    /// A build failed (the message has the log tail and the likely cause).
    #[error(transparent)]
    Build(#[from] Box<BuildError>),
    /// An image could not be inspected.
    #[error("{0}{hint}", hint = if matches!(.0, InspectError::Engine { .. }) { " (build it first: `just images`, or run without --no-build)" } else { "" })]
    Inspect(#[from] InspectError),
    /// The calculator could not be run in an image.
    #[error("running the calculator in {variant}: {error}")]
    Run {
        /// The variant.
        variant: String,
        /// What went wrong.
        error: RunError,
    },
}

/// Builds (unless told not to), inspects and runs every selected variant, one after the
/// other, calling `progress` as it goes.
pub async fn measure(
    docker: &Docker,
    catalogue: &Catalogue,
    options: &MeasureOptions,
    progress: &mut (dyn FnMut(Progress) + Send),
) -> Result<Measurement, MeasureError> {
    let variants: Vec<&Variant> = catalogue
        .select(&options.variants)
        .map_err(MeasureError::Catalogue)?;
    let total = variants.len();
    let engine = EngineInfo::query(docker).await;
    let cache_path = catalogue.root.join(CACHE_FILE);
    let mut cache = FactsCache::open(&cache_path, options.fresh);
    let mut rows = Vec::with_capacity(total);
    let at = |name: &str, index: usize, stage: Stage| Progress::Variant {
        name: name.to_string(),
        index,
        total,
        stage,
    };

    // Builds first, all of them: the slow part, with the most to show.
    let mut builds = Vec::with_capacity(total);
    for (index, v) in variants.iter().enumerate() {
        if !options.build {
            builds.push(None);
            continue;
        }
        progress(at(&v.name, index, Stage::Build));
        let mut from_steps = 0;
        let built = {
            let mut forward = |e: BuildEvent| {
                if let BuildEvent::Step { instruction, .. } = &e
                    && instruction
                        .get(..5)
                        .is_some_and(|w| w.eq_ignore_ascii_case("FROM "))
                {
                    from_steps += 1;
                }
                progress(Progress::Build(e))
            };
            build_variant(docker, catalogue, v, &mut forward)
                .await
                .map_err(Box::new)?
        };
        let summary = BuildSummary::new(&built, from_steps);
        progress(Progress::Built(summary));
        builds.push(Some(summary));
    }

    for ((index, v), build) in variants.iter().enumerate().zip(builds) {
        progress(at(&v.name, index, Stage::Inspect));
        let image = catalogue.image(v);
        let VariantFacts {
            id,
            facts,
            stand_ins,
            cached,
        } = variant_facts(docker, catalogue, v, &mut cache).await?;
        progress(Progress::Inspected { cached });

        progress(at(&v.name, index, Stage::Run));
        let output = Run::new(image.clone())
            .args([options.question.clone()])
            .output()
            .await
            .map_err(|error| MeasureError::Run {
                variant: v.name.clone(),
                error,
            })?;
        let answer = Answer {
            stdout: output.stdout_text().trim_end().to_string(),
            stderr: output.stderr_text().trim_end().to_string(),
            exit_code: output.exit_code,
            elapsed: output.elapsed,
        };
        progress(Progress::Answered(answer.clone()));

        rows.push(Row {
            name: v.name.clone(),
            title: v.title.clone(),
            final_base: v.final_base.clone(),
            image,
            id,
            facts,
            facts_cached: cached,
            build,
            stand_ins,
            answer,
        });
    }
    // The cache is an optimisation: failing to write it costs time next run, nothing else.
    let _ = cache.save(&cache_path);

    Ok(Measurement {
        engine,
        host_arch: std::env::consts::ARCH.to_string(),
        date: chrono::Utc::now().format("%Y-%m-%d").to_string(),
        question: options.question.clone(),
        baseline: catalogue.roles.baseline.clone(),
        rows,
    })
}

#[cfg(test)]
pub(crate) mod tests {
    use std::time::Duration;

    use super::*;

    /// A measurement with the shape of a real one, for the renderers' tests.
    pub(crate) fn sample() -> Measurement {
        let row = |name: &str, base: &str, size: u64, shell: bool, user: &str| Row {
            name: name.to_string(),
            title: format!("{name} title"),
            final_base: base.to_string(),
            image: format!("calc-kit/calculator:{name}"),
            id: format!("sha256:{name}"),
            facts: Facts {
                size,
                compressed_size: size / 3,
                layers: 3,
                files: size / 60_000,
                packages: if shell { 90 } else { 0 },
                shell,
                package_manager: shell,
                toolchain: name == "naive",
                user: user.to_string(),
                wasted_bytes: 0,
                entrypoint: vec!["/calculator".to_string()],
                efficiency: 1.0,
            },
            facts_cached: false,
            build: Some(BuildSummary {
                duration: Duration::from_millis(1234),
                steps: 14,
                cached_steps: 12,
                from_steps: 2,
            }),
            stand_ins: if base == "scratch" {
                vec![]
            } else {
                vec![(base.to_string(), base.to_string())]
            },
            answer: Answer {
                stdout: "1267650600228229401496703205376".to_string(),
                stderr: String::new(),
                exit_code: 0,
                elapsed: Duration::from_millis(310),
            },
        };
        Measurement {
            engine: EngineInfo {
                version: "20.10.24+dfsg1".into(),
                api_version: "1.41".into(),
                platform: "linux/amd64".into(),
            },
            host_arch: "x86_64".into(),
            date: "2026-11-23".into(),
            question: QUESTION.into(),
            baseline: "naive".into(),
            rows: vec![
                row("naive", "rust:1.95-trixie", 1_748_939_926, true, "root"),
                row(
                    "debian-slim",
                    "debian:trixie-slim",
                    79_500_000,
                    true,
                    "10001:10001",
                ),
                row(
                    "distroless-cc",
                    "gcr.io/distroless/cc-debian13:nonroot",
                    18_000_000,
                    false,
                    "65532:65532",
                ),
                row(
                    "distroless-static",
                    "gcr.io/distroless/static-debian13:nonroot",
                    2_810_000,
                    false,
                    "65532:65532",
                ),
                row("scratch", "scratch", 1_448_112, false, "65532:65532"),
            ],
        }
    }

    #[test]
    fn reductions_are_against_naive_and_never_over_100_percent() {
        let m = sample();
        assert_eq!(m.baseline().unwrap().name, "naive");
        assert_eq!(m.reduction(&m.rows[0]), None);
        assert_eq!(
            m.reduction(&m.rows[4]).unwrap(),
            "99.9% smaller (1,208x smaller)"
        );
    }

    #[test]
    fn stand_ins_are_listed_once_and_final_bases_are_recognised() {
        let m = sample();
        assert_eq!(m.stand_ins().len(), 4);
        assert!(m.rows[0].final_base_is_stand_in());
        assert!(!m.rows[4].final_base_is_stand_in());
        assert!(m.answers_agree());
    }

    #[test]
    fn from_steps_do_not_count_against_a_cached_build() {
        let mut b = sample().rows[1].build.unwrap();
        assert!(b.fully_cached() && b.steps_run() == 0);
        b.cached_steps = 11;
        assert!(!b.fully_cached() && b.steps_run() == 1);
    }

    /// A measurement of every variant of `catalogue`, sizes falling with the size rank: what
    /// the survey makes of a catalogue, without an engine.
    pub(crate) fn sample_of(catalogue: &Catalogue) -> Measurement {
        let template = sample().rows.remove(1);
        let rows = catalogue
            .variants
            .iter()
            .map(|v| {
                let mut row = template.clone();
                row.name = v.name.clone();
                row.title = v.title.clone();
                row.final_base = v.final_base.clone();
                row.image = catalogue.image(v);
                row.facts.size = 2_000_000_000 / 10u64.pow(v.size_rank);
                row
            })
            .collect();
        Measurement {
            baseline: catalogue.roles.baseline.clone(),
            rows,
            ..sample()
        }
    }

    #[test]
    fn an_extra_variant_and_renamed_roles_reach_demo_and_report() {
        let c = crate::manifest::catalogue::tests::extended();
        let m = sample_of(&c);
        assert_eq!(m.baseline().unwrap().name, "single-stage");
        let table = crate::render::demo::render(&m, &crate::render::demo::Style::plain(200));
        let md = crate::render::report::markdown(&m, &[]);
        for v in &c.variants {
            assert!(table.contains(&v.name), "{} missing:\n{table}", v.name);
            assert!(
                md.contains(&format!("| {} |", v.name)),
                "{} missing:\n{md}",
                v.name
            );
        }
        assert!(table.contains("against single-stage"), "{table}");
        assert!(md.contains("Against `single-stage`"), "{md}");
        assert!(md.contains("so `empty-base`,"), "{md}");
        assert!(!table.contains("naive") && !md.contains("naive"));
    }
}
