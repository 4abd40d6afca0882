//! The measurements `just demo`, `just report` and `just bench` share: build every variant
//! of the catalogue one after the other, inspect each image, and ask the calculator in each
//! image the same question. Rendering lives elsewhere ([`crate::render::demo`], [`crate::render::report`]);
//! this module only produces [`Measurement`], so a figure shown on the projector and a figure
//! written into the docs come from the same code.
//!
//! Inspecting an image means saving and gzipping every layer (the naive image is well over a
//! gigabyte), so the facts are kept in a small cache keyed by the image id. An image id is
//! the digest of the image's configuration, which names every layer by digest: the same id
//! means the same bytes, and the cached facts are the facts. `--fresh` ignores the cache.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use bollard::Docker;
use serde::{Deserialize, Serialize};

use crate::docker::build::{BuildError, BuildEvent, Built, build_variant};
use crate::docker::run::{Run, RunError};
use crate::image::inspect::{ImageFacts, InspectError, inspect_image, inspect_variant};
use crate::image::surface::Surface;
use crate::manifest::catalogue::{Catalogue, CatalogueError, Variant};
use crate::render::format::reduction;

/// The question every image is asked: exact big-integer arithmetic, which the calculator
/// promises and a float would get wrong.
pub const QUESTION: &str = "2^100";

/// Where the facts cache lives, relative to the workspace root (ignored by git and by
/// `.dockerignore`, and removed by `cargo clean`).
pub const CACHE_FILE: &str = "target/calc-kit/image-facts.json";

/// Bumped whenever what is cached, or how it is measured, changes (2: a toolchain is cargo
/// and rustc both; a shell is an executable /bin/sh; 3: the entrypoint and dive's efficiency,
/// for `harness inspect`; 4: the attack surface, for `harness claims`).
const CACHE_FORMAT: u32 = 4;

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

/// The engine that produced a measurement, as the report's header states it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct EngineInfo {
    /// Engine version, e.g. `20.10.24+dfsg1`.
    pub version: String,
    /// API version, e.g. `1.41`.
    pub api_version: String,
    /// The engine's OS and architecture (the platform images are built for), e.g.
    /// `linux/amd64`.
    pub platform: String,
}

impl EngineInfo {
    /// Asks the engine; a field it does not report reads `unknown`.
    pub async fn query(docker: &Docker) -> EngineInfo {
        let v = docker.version().await.unwrap_or_default();
        let or_unknown = |s: Option<String>| s.unwrap_or_else(|| "unknown".to_string());
        EngineInfo {
            version: or_unknown(v.version),
            api_version: or_unknown(v.api_version),
            platform: format!("{}/{}", or_unknown(v.os), or_unknown(v.arch)),
        }
    }
}

/// The image facts the tables show: a small, serialisable extract of [`ImageFacts`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Facts {
    /// Size on disk (uncompressed layers), as `docker images` shows it.
    pub size: u64,
    /// What a registry transfers: every layer gzipped.
    pub compressed_size: u64,
    /// Filesystem layers.
    pub layers: usize,
    /// Non-directory entries in the final filesystem.
    pub files: u64,
    /// Installed Debian packages.
    pub packages: usize,
    /// `/bin/sh` exists.
    pub shell: bool,
    /// apt or dpkg exists.
    pub package_manager: bool,
    /// cargo and rustc both exist.
    pub toolchain: bool,
    /// The user the container runs as (`root` when unset).
    pub user: String,
    /// Bytes that later layers overwrote or removed (dive's count).
    pub wasted_bytes: u64,
    /// The image's ENTRYPOINT.
    pub entrypoint: Vec<String>,
    /// dive's efficiency score (1.0 = no wasted bytes).
    pub efficiency: f64,
}

impl Facts {
    /// The extract of a full inspection (which must have measured the compressed size).
    pub fn from_image(image: &ImageFacts) -> Facts {
        Facts {
            size: image.size,
            compressed_size: image.compressed_size.unwrap_or(0),
            layers: image.layers,
            files: image.files,
            packages: image.packages.len(),
            shell: image.has_shell,
            package_manager: image.has_package_manager,
            toolchain: image.has_toolchain(),
            user: image.effective_user().to_string(),
            wasted_bytes: image.wasted_bytes,
            entrypoint: image.entrypoint.clone(),
            efficiency: image.efficiency,
        }
    }
}

/// How a build went, without its log.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BuildSummary {
    /// Wall time of the engine's build.
    pub duration: Duration,
    /// Steps in the Dockerfile.
    pub steps: usize,
    /// Steps answered from the layer cache.
    pub cached_steps: usize,
    /// `FROM` steps, which the builder never reports as cached: nothing runs for them.
    pub from_steps: usize,
}

impl BuildSummary {
    /// The summary of `built`, whose Dockerfile had `from_steps` FROM instructions.
    pub fn new(built: &Built, from_steps: usize) -> BuildSummary {
        BuildSummary {
            duration: built.duration,
            steps: built.steps,
            cached_steps: built.cached_steps,
            from_steps,
        }
    }

    /// Steps that really ran (neither cached nor a FROM).
    pub fn steps_run(&self) -> usize {
        self.steps
            .saturating_sub(self.cached_steps)
            .saturating_sub(self.from_steps)
    }

    /// Nothing ran: the build time says nothing about compiling.
    pub fn fully_cached(&self) -> bool {
        self.steps > 0 && self.steps_run() == 0
    }
}

/// The calculator's answer in one image.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Answer {
    /// Standard output, trailing newline removed.
    pub stdout: String,
    /// Standard error, trailing newline removed.
    pub stderr: String,
    /// Exit status.
    pub exit_code: i64,
    /// `docker run` from create to exit.
    pub elapsed: Duration,
}

impl Answer {
    /// What to show: the output, or the error and status when it failed.
    pub fn shown(&self) -> String {
        if self.exit_code == 0 {
            self.stdout.clone()
        } else {
            format!("exit {}: {}", self.exit_code, self.stderr)
        }
    }
}

/// One variant, measured.
#[derive(Debug, Clone)]
pub struct Row {
    /// Catalogue name.
    pub name: String,
    /// Catalogue title.
    pub title: String,
    /// The final stage's base image, as the catalogue names it.
    pub final_base: String,
    /// The tag measured.
    pub image: String,
    /// Its image id.
    pub id: String,
    /// What the image is.
    pub facts: Facts,
    /// The facts came from the cache.
    pub facts_cached: bool,
    /// This run's build, when the variant was built.
    pub build: Option<BuildSummary>,
    /// `(base, upstream)` for every base image of its Dockerfile that is a local stand-in.
    pub stand_ins: Vec<(String, String)>,
    /// The calculator's answer to the question.
    pub answer: Answer,
}

impl Row {
    /// Whether the final stage's base is a local stand-in (its size is the stand-in's).
    pub fn final_base_is_stand_in(&self) -> bool {
        self.stand_ins
            .iter()
            .any(|(base, _)| *base == self.final_base)
    }
}

/// A whole run: every measured variant plus what produced the figures.
#[derive(Debug, Clone)]
pub struct Measurement {
    /// The engine.
    pub engine: EngineInfo,
    /// The architecture the harness itself runs on (`x86_64`, `aarch64`).
    pub host_arch: String,
    /// When (UTC, `YYYY-MM-DD`).
    pub date: String,
    /// The question every image was asked.
    pub question: String,
    /// The catalogue's baseline variant (its `[roles]`), which reductions are measured against.
    pub baseline: String,
    /// One row per variant, in catalogue order.
    pub rows: Vec<Row>,
}

impl Measurement {
    /// The row reductions are computed against: the catalogue's baseline when measured, else
    /// the largest.
    pub fn baseline(&self) -> Option<&Row> {
        self.rows
            .iter()
            .find(|r| r.name == self.baseline)
            .or_else(|| self.rows.iter().max_by_key(|r| r.facts.size))
    }

    /// `row`'s reduction against the baseline, stated correctly ("99.9% smaller (1,207x
    /// smaller)"); `None` for the baseline itself.
    pub fn reduction(&self, row: &Row) -> Option<String> {
        let base = self.baseline()?;
        (base.name != row.name).then(|| reduction(base.facts.size, row.facts.size))
    }

    /// Every stand-in base image used by any variant, `(base, upstream)`, sorted, once each.
    pub fn stand_ins(&self) -> Vec<(String, String)> {
        let mut all: Vec<(String, String)> = self
            .rows
            .iter()
            .flat_map(|r| r.stand_ins.iter().cloned())
            .collect();
        all.sort();
        all.dedup();
        all
    }

    /// Whether every image gave the same successful answer.
    pub fn answers_agree(&self) -> bool {
        let mut answers = self.rows.iter().map(|r| &r.answer);
        match answers.next() {
            None => true,
            Some(first) => {
                first.exit_code == 0
                    && answers.all(|a| a.exit_code == 0 && a.stdout == first.stdout)
            }
        }
    }
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

/// A variant's image facts, as [`variant_facts`] gives them.
pub struct VariantFacts {
    /// The image id (empty when the engine did not say).
    pub id: String,
    /// The facts.
    pub facts: Facts,
    /// The stand-in bases its Dockerfile names: (base, upstream).
    pub stand_ins: Vec<(String, String)>,
    /// Taken from the cache.
    pub cached: bool,
}

/// The facts of a variant's current image: from `cache` when its image id is there, else
/// measured (saving and gzipping every layer) and added to `cache`.
pub async fn variant_facts(
    docker: &Docker,
    catalogue: &Catalogue,
    v: &Variant,
    cache: &mut FactsCache,
) -> Result<VariantFacts, InspectError> {
    let id = docker
        .inspect_image(&catalogue.image(v))
        .await
        .ok()
        .and_then(|i| i.id)
        .unwrap_or_default();
    if let Some(facts) = cache.get(&id) {
        let text = std::fs::read_to_string(catalogue.dockerfile_path(v)).unwrap_or_default();
        let stand_ins =
            crate::docker::bases::stand_ins(docker, &catalogue.bases.label, &text).await;
        return Ok(VariantFacts {
            id,
            facts,
            stand_ins,
            cached: true,
        });
    }
    let full = inspect_variant(docker, catalogue, v, true).await?;
    let facts = Facts::from_image(&full.image);
    cache.insert(&full.image.id, facts.clone(), full.image.surface);
    Ok(VariantFacts {
        id,
        facts,
        stand_ins: full.stand_ins,
        cached: false,
    })
}

/// The attack surface of `image` (whose id is `id`): from `cache` when the id is there (the
/// survey walked the same layers), else from one walk of its saved layers, which also adds
/// its facts to `cache`. The flag says it came from the cache.
pub(crate) async fn image_surface(
    docker: &Docker,
    image: &str,
    id: &str,
    cache: &mut FactsCache,
) -> Result<(Surface, bool), InspectError> {
    if let Some(entry) = cache.images.get(id).filter(|_| !id.is_empty()) {
        return Ok((entry.surface.clone(), true));
    }
    let full = inspect_image(docker, image, true).await?;
    cache.insert(&full.id, Facts::from_image(&full), full.surface.clone());
    Ok((full.surface, false))
}

/// What the cache keeps of one image.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct Cached {
    facts: Facts,
    surface: Surface,
}

/// Image facts by image id, kept between runs (see the module documentation).
#[derive(Debug, Default, Serialize, Deserialize)]
pub struct FactsCache {
    /// [`CACHE_FORMAT`] and the harness version that wrote the file; anything else is
    /// ignored whole.
    format: String,
    images: BTreeMap<String, Cached>,
}

impl FactsCache {
    /// The cache at `path`, or an empty one when `fresh` (measure everything again).
    pub fn open(path: &Path, fresh: bool) -> FactsCache {
        if fresh {
            FactsCache::default()
        } else {
            FactsCache::load(path)
        }
    }

    fn stamp() -> String {
        format!("{CACHE_FORMAT}/{}", env!("CARGO_PKG_VERSION"))
    }

    fn load(path: &Path) -> FactsCache {
        std::fs::read_to_string(path)
            .ok()
            .and_then(|text| serde_json::from_str::<FactsCache>(&text).ok())
            .filter(|c| c.format == FactsCache::stamp())
            .unwrap_or_default()
    }

    fn get(&self, id: &str) -> Option<Facts> {
        if id.is_empty() {
            return None;
        }
        self.images.get(id).map(|c| c.facts.clone())
    }

    fn insert(&mut self, id: &str, facts: Facts, surface: Surface) {
        if !id.is_empty() {
            self.images
                .insert(id.to_string(), Cached { facts, surface });
        }
    }

    /// Writes the cache (write, then rename: an interrupted run never leaves half a file).
    pub fn save(&mut self, path: &Path) -> std::io::Result<()> {
        self.format = FactsCache::stamp();
        let dir: PathBuf = path.parent().map(Path::to_path_buf).unwrap_or_default();
        std::fs::create_dir_all(&dir)?;
        let text = serde_json::to_string_pretty(self).map_err(std::io::Error::other)?;
        // Write then rename, so an interrupted run never leaves half a file.
        let tmp = path.with_extension("json.tmp");
        std::fs::write(&tmp, text)?;
        std::fs::rename(&tmp, path)
    }
}

#[cfg(test)]
pub(crate) mod tests {
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

    #[test]
    fn the_cache_round_trips_and_ignores_other_formats() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("sub/facts.json");
        let mut cache = FactsCache::default();
        let facts = sample().rows[4].facts.clone();
        let surface = Surface {
            executables: 1,
            ..Surface::default()
        };
        cache.insert("sha256:abc", facts.clone(), surface.clone());
        cache.insert("", facts.clone(), Surface::default());
        cache.save(&path).unwrap();
        let loaded = FactsCache::load(&path);
        assert_eq!(loaded.get("sha256:abc"), Some(facts));
        assert_eq!(loaded.images["sha256:abc"].surface, surface);
        assert_eq!(loaded.images.len(), 1);
        std::fs::write(&path, r#"{"format":"0/0","images":{"sha256:abc":null}}"#).unwrap();
        assert!(FactsCache::load(&path).images.is_empty());
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
