//! Every claim of multi-stage builds and minimal images, measured image by image: smaller (as
//! a registry stores and serves it), more secure (what an intruder finds and can run, an SBOM,
//! known vulnerabilities where a scanner and its database exist) and faster (start-to-answer,
//! peak memory, the calculator's own time for a script). The verdicts are computed from the
//! numbers, so a claim that does not hold says so.
//!
//! The whole document is cached under [`CACHE_FILE`] with the image id of every variant:
//! `harness claims` with unchanged images prints it again without measuring, and `just
//! report` and `just demo` only ever read it.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use bollard::Docker;
use serde::{Deserialize, Serialize};

use crate::docker::memory::{MemoryError, script_run};
use crate::docker::probe::{ProbeError, present};
use crate::docker::registry::{PUSH_REPOSITORY, Registry, RegistryError};
use crate::docker::run::{Run, RunError};
use crate::docker::shape::Shaper;
use crate::image::inspect::InspectError;
use crate::image::sbom::{Crate, MetadataError, SbomInput, TARGET, cyclonedx, linked_crates};
use crate::manifest::catalogue::{Catalogue, Variant};
use crate::measure::bench::{Dialect, median, script};
use crate::measure::survey::{FactsCache, image_surface};

/// Where the last results live, relative to the workspace root.
pub const CACHE_FILE: &str = "target/calc-kit/claims.json";

/// Where the SBOMs are written, relative to the workspace root.
pub const SBOM_DIR: &str = "target/calc-kit/sbom";

/// The schema the JSON document follows, relative to the workspace root.
pub const SCHEMA_FILE: &str = "docs/claims.schema.json";

/// Bumped whenever a field or a method changes; an older cache is measured again.
pub const FORMAT: u32 = 1;

/// How the pulls are timed, for the page and the JSON.
pub const PULL_METHOD: &str = "HTTP API of a local registry (docker-registry, CNCF Distribution): manifest, configuration and every layer downloaded, gunzipped and unpacked into a temporary directory; no second engine, and the kit's own images untouched";

/// The reason given when no vulnerability count could be taken.
pub const NO_DATABASE: &str = "no vulnerability database";

/// Start times within this fraction of each other count as equal.
pub const EQUAL_WITHIN: f64 = 0.05;

/// What to measure and how often.
#[derive(Debug, Clone)]
pub struct ClaimsOptions {
    /// Variants (all when empty).
    pub variants: Vec<String>,
    /// Unshaped pulls per variant (the median is reported).
    pub pull_runs: usize,
    /// `docker run IMAGE 6 '*' 7` per variant, interleaved across variants.
    pub start_runs: usize,
    /// Script runs per variant, for the calculator's time and peak memory.
    pub script_runs: usize,
    /// Lines of the script.
    pub script_lines: usize,
    /// The classroom bandwidth, Mbit/s.
    pub mbit: u32,
    /// Images storing more than this are not pulled shaped (it would take minutes): their
    /// shaped figure is computed, and labelled so.
    pub shaped_max_bytes: u64,
    /// Measure again even when the cache matches the images. The files of an unchanged image
    /// still come from the survey's facts cache: the same image id is the same layers.
    pub fresh: bool,
    /// Read and write [`CACHE_FILE`] (the tests measure without touching the last results).
    pub cache: bool,
}

impl Default for ClaimsOptions {
    fn default() -> ClaimsOptions {
        ClaimsOptions {
            variants: Vec::new(),
            pull_runs: 3,
            start_runs: 21,
            script_runs: 3,
            script_lines: 20_000,
            mbit: 20,
            shaped_max_bytes: 100_000_000,
            fresh: false,
            cache: true,
        }
    }
}

/// Something stopped the measurement.
#[derive(Debug, thiserror::Error)]
pub enum ClaimsError {
    /// A variant name is unknown.
    #[error(transparent)]
    Catalogue(#[from] crate::manifest::catalogue::CatalogueError),
    /// An image is not built.
    #[error("{image} is not built ({reason}): run `just demo` or `harness build` first")]
    Missing {
        /// The image.
        image: String,
        /// The engine's answer.
        reason: String,
    },
    /// The registry.
    #[error(transparent)]
    Registry(#[from] RegistryError),
    /// Saving an image or reading its layers.
    #[error(transparent)]
    Inspect(#[from] InspectError),
    /// A probe.
    #[error(transparent)]
    Probe(#[from] ProbeError),
    /// A run.
    #[error(transparent)]
    Run(#[from] RunError),
    /// The calculator in an image gave the wrong answer.
    #[error("docker run {image} 6 '*' 7 printed {stdout:?} with exit {code}, not 42")]
    WrongAnswer {
        /// The image.
        image: String,
        /// What it printed.
        stdout: String,
        /// Its exit status.
        code: i64,
    },
    /// The script run.
    #[error(transparent)]
    Memory(#[from] MemoryError),
    /// `cargo metadata`.
    #[error(transparent)]
    Metadata(#[from] MetadataError),
    /// Writing an SBOM or the cache.
    #[error("cannot write {path}: {source}")]
    Write {
        /// The file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
}

/// A median with its spread.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Spread {
    /// The median, seconds.
    pub median: f64,
    /// The fastest, seconds.
    pub min: f64,
    /// The slowest, seconds.
    pub max: f64,
    /// How many runs.
    pub runs: usize,
}

impl Spread {
    /// Of a set of samples (at least one).
    pub fn of(samples: &[Duration]) -> Spread {
        Spread {
            median: median(samples).as_secs_f64(),
            min: samples.iter().min().map_or(0.0, Duration::as_secs_f64),
            max: samples.iter().max().map_or(0.0, Duration::as_secs_f64),
            runs: samples.len(),
        }
    }
}

/// Everything measured for one variant. Field names are the JSON document's.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct VariantClaims {
    /// The catalogue name.
    pub name: String,
    /// The engine's image id (the cache key).
    pub image_id: String,
    /// Size on disk, as `docker images` reports it.
    pub disk_bytes: u64,
    /// What the registry stores: the manifest's layer sizes plus the configuration.
    pub registry_bytes: u64,
    /// Number of layers in the registry.
    pub registry_layers: usize,
    /// Median unshaped pull, seconds.
    pub pull_seconds: f64,
    /// The unshaped pulls.
    pub pull: Spread,
    /// The pull at [`Claims::bandwidth_mbit`], seconds.
    pub pull_seconds_shaped: f64,
    /// `measured` (a real shaped pull) or `computed` (bytes at that rate, plus the measured
    /// unshaped pull).
    pub pull_shaped_method: String,
    /// Median start-to-answer of `docker run IMAGE 6 '*' 7`, seconds.
    pub start_seconds: f64,
    /// Those runs.
    pub start: Spread,
    /// Peak memory of the container running the script (cgroup v1 `max_usage`), bytes.
    pub memory_peak_bytes: u64,
    /// The calculator's own time for the script, seconds (median).
    pub script_seconds: f64,
    /// The cold build time from `just bench`, seconds, when it has been measured.
    pub build_seconds: Option<f64>,
    /// Debian packages in the image.
    pub packages: usize,
    /// Rust crates of the calculator.
    pub rust_crates: usize,
    /// The CycloneDX file, relative to the workspace root.
    pub sbom: String,
    /// Regular files with an execute bit.
    pub executables: u64,
    /// Shared libraries.
    pub shared_libraries: u64,
    /// setuid files.
    pub setuid_files: Vec<String>,
    /// setgid files.
    pub setgid_files: Vec<String>,
    /// World-writable directories.
    pub world_writable_dirs: Vec<String>,
    /// The intruder tools that ran in a container of the image.
    pub intruder_tools: Vec<String>,
    /// Counts by severity, or null when none could be taken.
    pub vulnerabilities: Option<BTreeMap<String, u64>>,
    /// Why not, or which scanner and database gave them.
    pub vulnerabilities_reason: String,
}

/// A claim and what the numbers say about it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Verdict {
    /// `smaller`, `pulls faster`, `more secure`, `starts faster`, `less memory`,
    /// `computes faster`.
    pub claim: String,
    /// `holds`, `does not hold` or `depends`.
    pub verdict: String,
    /// The sentence with the numbers.
    pub text: String,
}

/// The whole document `harness claims --format json` prints.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Claims {
    /// [`FORMAT`].
    pub format: u32,
    /// When it was measured (UTC).
    pub measured_at: String,
    /// The engine that ran everything.
    pub engine: String,
    /// How pulls were timed ([`PULL_METHOD`]).
    pub pull_method: String,
    /// The classroom bandwidth.
    pub bandwidth_mbit: u32,
    /// How shaping was done, or why it was not.
    pub shaping: String,
    /// Lines of the script.
    pub script_lines: usize,
    /// The tools probed in every image.
    pub probed_tools: Vec<String>,
    /// One entry per variant, in catalogue order.
    pub variants: Vec<VariantClaims>,
    /// One verdict per claim.
    pub verdicts: Vec<Verdict>,
}

impl Claims {
    /// Whether these results were measured on exactly these images.
    pub fn matches(&self, ids: &[(String, String)]) -> bool {
        self.format == FORMAT
            && self.variants.len() == ids.len()
            && self
                .variants
                .iter()
                .zip(ids)
                .all(|(v, (name, id))| &v.name == name && &v.image_id == id)
    }

    /// The last results, if any were written.
    pub fn load_last(root: &Path) -> Option<Claims> {
        let text = std::fs::read_to_string(root.join(CACHE_FILE)).ok()?;
        serde_json::from_str::<Claims>(&text)
            .ok()
            .filter(|c| c.format == FORMAT)
    }

    fn save(&self, root: &Path) -> Result<(), ClaimsError> {
        let path = root.join(CACHE_FILE);
        let write = |source| ClaimsError::Write {
            path: path.clone(),
            source,
        };
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).map_err(write)?;
        }
        let text = serde_json::to_string_pretty(self).expect("claims serialise");
        std::fs::write(&path, text).map_err(write)
    }
}

/// The crates the calculator links, from `cargo metadata` of the workspace.
pub fn calculator_crates(root: &Path) -> Result<Vec<Crate>, MetadataError> {
    let out = std::process::Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()))
        .current_dir(root)
        .args([
            "metadata",
            "--format-version",
            "1",
            "--locked",
            "--filter-platform",
            TARGET,
        ])
        .output()
        .map_err(|e| MetadataError(e.to_string()))?;
    if !out.status.success() {
        return Err(MetadataError(
            String::from_utf8_lossy(&out.stderr).trim().to_string(),
        ));
    }
    linked_crates(&String::from_utf8_lossy(&out.stdout), "calculator")
}

/// A vulnerability scanner found on `PATH`, run on an SBOM; `Err` is the reason for null.
fn scan(sbom: &Path) -> Result<(BTreeMap<String, u64>, String), String> {
    let on_path = |name: &str| {
        std::env::var_os("PATH")
            .is_some_and(|p| std::env::split_paths(&p).any(|d| d.join(name).is_file()))
    };
    let run = |program: &str, args: &[&str]| -> Result<String, String> {
        let out = std::process::Command::new(program)
            .args(args)
            .output()
            .map_err(|e| format!("{program}: {e}"))?;
        if out.status.success() {
            Ok(String::from_utf8_lossy(&out.stdout).into_owned())
        } else {
            Err(format!(
                "{NO_DATABASE} ({program}: {})",
                String::from_utf8_lossy(&out.stderr)
                    .lines()
                    .last()
                    .unwrap_or("failed")
            ))
        }
    };
    let path = sbom.to_string_lossy();
    let mut counts = BTreeMap::new();
    if on_path("grype") {
        let status = run("grype", &["db", "status"])?;
        let built = status
            .lines()
            .find_map(|l| l.trim().strip_prefix("Built:"))
            .map_or("unknown date".to_string(), |d| d.trim().to_string());
        let report: serde_json::Value =
            serde_json::from_str(&run("grype", &[&format!("sbom:{path}"), "-o", "json"])?)
                .map_err(|e| format!("grype's report: {e}"))?;
        for m in report["matches"].as_array().into_iter().flatten() {
            let severity = m["vulnerability"]["severity"].as_str().unwrap_or("Unknown");
            *counts.entry(severity.to_ascii_lowercase()).or_insert(0) += 1;
        }
        return Ok((counts, format!("grype, database built {built}")));
    }
    if on_path("trivy") {
        let version: serde_json::Value =
            serde_json::from_str(&run("trivy", &["version", "--format", "json"])?)
                .map_err(|e| format!("trivy version: {e}"))?;
        let Some(updated) = version["VulnerabilityDB"]["UpdatedAt"].as_str() else {
            return Err(format!("{NO_DATABASE} (trivy has none downloaded)"));
        };
        let report: serde_json::Value = serde_json::from_str(&run(
            "trivy",
            &["sbom", "--skip-db-update", "--format", "json", &path],
        )?)
        .map_err(|e| format!("trivy's report: {e}"))?;
        for r in report["Results"].as_array().into_iter().flatten() {
            for v in r["Vulnerabilities"].as_array().into_iter().flatten() {
                let severity = v["Severity"].as_str().unwrap_or("UNKNOWN");
                *counts.entry(severity.to_ascii_lowercase()).or_insert(0) += 1;
            }
        }
        return Ok((counts, format!("trivy, database updated {updated}")));
    }
    Err(format!(
        "{NO_DATABASE}: neither grype nor trivy is installed"
    ))
}

fn cold_build_seconds(root: &Path) -> BTreeMap<String, f64> {
    crate::measure::bench::cold_build_times(root)
        .into_iter()
        .map(|(name, d)| (name, d.as_secs_f64()))
        .collect()
}

/// Per-variant figures gathered before the interleaved timings.
struct Partial {
    variant: Variant,
    image: String,
    id: String,
    disk: u64,
    registry_bytes: u64,
    layers: usize,
    pulls: Vec<Duration>,
    surface: crate::image::surface::Surface,
    sbom: String,
    tools: Vec<String>,
    vulnerabilities: Option<BTreeMap<String, u64>>,
    reason: String,
}

fn timed_pull(
    registry: &Registry,
    name: &str,
) -> Result<crate::docker::registry::Pull, RegistryError> {
    let dest = tempfile::Builder::new()
        .prefix("calc-kit-pull-")
        .tempdir()
        .map_err(|e| RegistryError::Unpack {
            what: "a temporary directory".into(),
            reason: e.to_string(),
        })?;
    let pull = registry.timed_pull(&format!("{PUSH_REPOSITORY}/{name}"), "1", dest.path());
    let _ = dest.close();
    pull
}

/// Measures every claim for the selected variants (which must be built), calling
/// `progress` with one line per step. Returns the cached document when the images are
/// unchanged, unless `fresh`.
pub async fn measure_claims(
    docker: &Docker,
    catalogue: &Catalogue,
    options: &ClaimsOptions,
    engine: &str,
    progress: &mut (dyn FnMut(String) + Send),
) -> Result<(Claims, bool), ClaimsError> {
    let variants = catalogue
        .select(&options.variants)
        .map_err(ClaimsError::Catalogue)?;
    let root = &catalogue.root;
    let mut ids = Vec::new();
    for v in &variants {
        let image = catalogue.image(v);
        let info = docker
            .inspect_image(&image)
            .await
            .map_err(|e| ClaimsError::Missing {
                image: image.clone(),
                reason: crate::docker::engine::short_reason(&e),
            })?;
        ids.push((
            v.name.clone(),
            info.id.unwrap_or_default(),
            info.size.unwrap_or(0).max(0) as u64,
        ));
    }
    let keys: Vec<(String, String)> = ids.iter().map(|(n, i, _)| (n.clone(), i.clone())).collect();
    if options.cache
        && !options.fresh
        && let Some(last) = Claims::load_last(root)
        && last.matches(&keys)
    {
        return Ok((last, true));
    }

    let crates = calculator_crates(root)?;
    let registry = Registry::start()?;
    progress(format!(
        "registry: {} serving on {} (data in a temporary directory)",
        crate::docker::registry::REGISTRY_PROGRAM,
        registry.host()
    ));
    let sbom_dir = root.join(SBOM_DIR);
    std::fs::create_dir_all(&sbom_dir).map_err(|source| ClaimsError::Write {
        path: sbom_dir.clone(),
        source,
    })?;
    let timestamp = chrono::Utc::now().format("%Y-%m-%dT%H:%M:%SZ").to_string();
    let tools = &catalogue.attack_surface.tools;
    let facts_path = root.join(crate::measure::survey::CACHE_FILE);
    let mut facts = FactsCache::open(&facts_path, false);
    let mut partials = Vec::new();
    for (v, (_, id, disk)) in variants.iter().zip(&ids) {
        let image = catalogue.image(v);
        let (surface, cached) = image_surface(docker, &image, id, &mut facts).await?;
        progress(format!(
            "{}: its files {}",
            v.name,
            if cached {
                "from the facts cache (the survey read these layers)"
            } else {
                "from its saved layers"
            }
        ));
        let sbom_path = sbom_dir.join(format!("{}.cdx.json", v.name));
        let doc = cyclonedx(&SbomInput {
            image: &image,
            image_id: id,
            packages: &surface.packages,
            crates: &crates,
            timestamp: &timestamp,
        });
        std::fs::write(
            &sbom_path,
            serde_json::to_string_pretty(&doc).expect("json"),
        )
        .map_err(|source| ClaimsError::Write {
            path: sbom_path.clone(),
            source,
        })?;
        let (vulnerabilities, reason) = match scan(&sbom_path) {
            Ok((counts, how)) => (Some(counts), how),
            Err(why) => (None, why),
        };
        progress(format!(
            "{}: SBOM with {} Debian packages and {} crates; trying {} intruder tools",
            v.name,
            surface.packages.len(),
            crates.len(),
            tools.len()
        ));
        let found = present(docker, &image, tools).await?;
        progress(format!("{}: pushing to the registry", v.name));
        let manifest = registry.push(docker, &image, &v.name).await?;
        let mut pulls = Vec::new();
        for i in 0..options.pull_runs.max(1) {
            progress(format!(
                "{}: pull {}/{} through the registry's HTTP API",
                v.name,
                i + 1,
                options.pull_runs.max(1)
            ));
            let pull = tokio::task::block_in_place(|| timed_pull(&registry, &v.name))?;
            pulls.push(pull.elapsed);
        }
        partials.push(Partial {
            variant: (*v).clone(),
            image,
            id: id.clone(),
            disk: *disk,
            registry_bytes: manifest.stored_bytes(),
            layers: manifest.layers.len(),
            pulls,
            surface,
            sbom: sbom_path
                .strip_prefix(root)
                .unwrap_or(&sbom_path)
                .display()
                .to_string(),
            tools: found,
            vulnerabilities,
            reason,
        });
    }

    // The cache is an optimisation: failing to write it costs time next run, nothing else.
    if options.cache {
        let _ = facts.save(&facts_path);
    }

    // Shaped pulls: one each, for the images small enough to pull in reasonable time.
    let rate = f64::from(options.mbit) * 1e6 / 8.0;
    let mut shaped: BTreeMap<String, (f64, &'static str)> = BTreeMap::new();
    let shaping = match Shaper::limit_source_port(registry.port(), options.mbit) {
        Ok(mut shaper) => {
            for p in &partials {
                if p.registry_bytes > options.shaped_max_bytes {
                    continue;
                }
                progress(format!(
                    "{}: pull at {} Mbit/s (htb on lo, registry port {})",
                    p.variant.name,
                    options.mbit,
                    registry.port()
                ));
                let pull = tokio::task::block_in_place(|| timed_pull(&registry, &p.variant.name));
                match pull {
                    Ok(pull) => {
                        shaped.insert(
                            p.variant.name.clone(),
                            (pull.elapsed.as_secs_f64(), "measured"),
                        );
                    }
                    Err(e) => {
                        shaper.remove();
                        return Err(e.into());
                    }
                }
            }
            shaper.remove();
            format!(
                "measured with an htb class of {} Mbit/s on lo for the registry's source port, for images up to {} MB in the registry; larger ones computed",
                options.mbit,
                options.shaped_max_bytes / 1_000_000
            )
        }
        Err(e) => format!("{e}; every shaped figure is computed"),
    };
    for p in &partials {
        shaped.entry(p.variant.name.clone()).or_insert_with(|| {
            let unshaped = median(&p.pulls).as_secs_f64();
            (p.registry_bytes as f64 / rate + unshaped, "computed")
        });
    }
    drop(registry);
    progress("registry stopped, its data removed".into());

    // Start-to-answer, interleaved: round after round, one run of each variant.
    let mut starts: Vec<Vec<Duration>> = vec![Vec::new(); partials.len()];
    let rounds = options.start_runs.max(1);
    for round in 0..rounds {
        progress(format!(
            "start-to-answer: round {}/{rounds} across {} variants",
            round + 1,
            partials.len()
        ));
        for (i, p) in partials.iter().enumerate() {
            let out = Run::new(&p.image).args(["6", "*", "7"]).output().await?;
            if out.exit_code != 0 || out.stdout_text() != "42\n" {
                return Err(ClaimsError::WrongAnswer {
                    image: p.image.clone(),
                    stdout: out.stdout_text(),
                    code: out.exit_code,
                });
            }
            starts[i].push(out.elapsed);
        }
    }

    let script_text = script(options.script_lines, Dialect::Calculator);
    let builds = cold_build_seconds(root);
    let mut rows = Vec::new();
    for (p, start) in partials.into_iter().zip(starts) {
        let mut times = Vec::new();
        let mut peak = 0;
        for i in 0..options.script_runs.max(1) {
            progress(format!(
                "{}: {}-line script on stdin, run {}/{}, peak memory from the engine's stats",
                p.variant.name,
                options.script_lines,
                i + 1,
                options.script_runs.max(1)
            ));
            let r = script_run(
                docker,
                &p.image,
                script_text.as_bytes(),
                options.script_lines,
                Duration::from_secs(300),
            )
            .await?;
            times.push(r.elapsed);
            peak = peak.max(r.max_usage);
        }
        let pull = Spread::of(&p.pulls);
        let (pull_shaped, method) = shaped[&p.variant.name];
        let start = Spread::of(&start);
        rows.push(VariantClaims {
            name: p.variant.name.clone(),
            image_id: p.id,
            disk_bytes: p.disk,
            registry_bytes: p.registry_bytes,
            registry_layers: p.layers,
            pull_seconds: pull.median,
            pull,
            pull_seconds_shaped: pull_shaped,
            pull_shaped_method: method.to_string(),
            start_seconds: start.median,
            start,
            memory_peak_bytes: peak,
            script_seconds: median(&times).as_secs_f64(),
            build_seconds: builds.get(&p.variant.name).copied(),
            packages: p.surface.packages.len(),
            rust_crates: crates.len(),
            sbom: p.sbom,
            executables: p.surface.executables,
            shared_libraries: p.surface.shared_libraries,
            setuid_files: p.surface.setuid_files,
            setgid_files: p.surface.setgid_files,
            world_writable_dirs: p.surface.world_writable_dirs,
            intruder_tools: p.tools,
            vulnerabilities: p.vulnerabilities,
            vulnerabilities_reason: p.reason,
        });
    }
    let claims = Claims {
        format: FORMAT,
        measured_at: chrono::Utc::now().format("%Y-%m-%d %H:%M UTC").to_string(),
        engine: engine.to_string(),
        pull_method: PULL_METHOD.to_string(),
        bandwidth_mbit: options.mbit,
        shaping,
        script_lines: options.script_lines,
        probed_tools: tools.clone(),
        verdicts: verdicts(&rows, tools.len()),
        variants: rows,
    };
    if options.cache {
        claims.save(root)?;
    }
    Ok((claims, false))
}

fn times(a: f64, b: f64) -> String {
    if b <= 0.0 {
        return "n/a".into();
    }
    let r = a / b;
    if r >= 10.0 {
        format!("{r:.0}")
    } else {
        format!("{r:.1}")
    }
}

/// The spread of the medians of `values`: (max - min) / min.
pub fn relative_spread(values: &[f64]) -> f64 {
    let min = values.iter().copied().fold(f64::INFINITY, f64::min);
    let max = values.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    if min > 0.0 { (max - min) / min } else { 0.0 }
}

/// The verdict per claim, computed from the rows: the largest against the smallest image
/// for size and pulls, the full range for the run figures.
pub fn verdicts(rows: &[VariantClaims], probed: usize) -> Vec<Verdict> {
    let mut out = Vec::new();
    // A claim compares images: with one there is nothing to say.
    if rows.len() < 2 {
        return out;
    }
    let (Some(big), Some(small)) = (
        rows.iter().max_by_key(|r| r.registry_bytes),
        rows.iter().min_by_key(|r| r.registry_bytes),
    ) else {
        return out;
    };
    let v = |claim: &str, holds: bool, text: String| Verdict {
        claim: claim.into(),
        verdict: if holds { "holds" } else { "does not hold" }.into(),
        text,
    };
    out.push(v(
        "smaller",
        big.registry_bytes > small.registry_bytes,
        format!(
            "{} stores {}x fewer bytes in the registry than {} ({} vs {} bytes)",
            small.name,
            times(big.registry_bytes as f64, small.registry_bytes as f64),
            big.name,
            small.registry_bytes,
            big.registry_bytes
        ),
    ));
    out.push(v(
        "pulls faster",
        small.pull_seconds < big.pull_seconds,
        format!(
            "{} pulls {}x faster than {} ({:.3} s vs {:.2} s unshaped; {:.2} s vs {:.1} s at the classroom bandwidth)",
            small.name,
            times(big.pull_seconds, small.pull_seconds),
            big.name,
            small.pull_seconds,
            big.pull_seconds,
            small.pull_seconds_shaped,
            big.pull_seconds_shaped
        ),
    ));
    let most = rows
        .iter()
        .max_by_key(|r| (r.intruder_tools.len(), r.executables));
    let least = rows
        .iter()
        .min_by_key(|r| (r.intruder_tools.len(), r.executables));
    if let (Some(most), Some(least)) = (most, least) {
        out.push(v(
            "more secure",
            (least.intruder_tools.len(), least.executables)
                < (most.intruder_tools.len(), most.executables),
            format!(
                "{} runs {} of the {probed} intruder tools and has {} executables and {} setuid files; {} runs {} and has {} executables and {} setuid files",
                least.name,
                least.intruder_tools.len(),
                least.executables,
                least.setuid_files.len(),
                most.name,
                most.intruder_tools.len(),
                most.executables,
                most.setuid_files.len()
            ),
        ));
    }
    let spread_verdict = |claim: &str,
                          what: &str,
                          values: Vec<f64>,
                          unit: &dyn Fn(f64) -> String| {
        let spread = relative_spread(&values);
        let (lo, hi) = (
            values.iter().copied().fold(f64::INFINITY, f64::min),
            values.iter().copied().fold(f64::NEG_INFINITY, f64::max),
        );
        if spread <= EQUAL_WITHIN {
            Verdict {
                claim: claim.into(),
                verdict: "does not hold".into(),
                text: format!(
                    "{what} are within {:.0}% of each other ({} to {}): the image's size does not change it",
                    spread * 100.0,
                    unit(lo),
                    unit(hi)
                ),
            }
        } else {
            let fastest = rows
                .iter()
                .zip(&values)
                .min_by(|a, b| a.1.total_cmp(b.1))
                .map(|(r, _)| r.name.as_str())
                .unwrap_or_default();
            Verdict {
                claim: claim.into(),
                verdict: "depends".into(),
                text: format!(
                    "{what} range from {} to {} ({:.0}% apart), lowest for {fastest}",
                    unit(lo),
                    unit(hi),
                    spread * 100.0
                ),
            }
        }
    };
    let secs = |s: f64| format!("{s:.3} s");
    let mib = |b: f64| format!("{:.1} MiB", b / 1_048_576.0);
    out.push(spread_verdict(
        "starts faster",
        "start-to-answer medians",
        rows.iter().map(|r| r.start_seconds).collect(),
        &secs,
    ));
    out.push(spread_verdict(
        "less memory",
        "peak memory figures",
        rows.iter().map(|r| r.memory_peak_bytes as f64).collect(),
        &mib,
    ));
    out.push(spread_verdict(
        "computes faster",
        "script times",
        rows.iter().map(|r| r.script_seconds).collect(),
        &secs,
    ));
    out
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    fn row(
        name: &str,
        registry: u64,
        pull: f64,
        tools: usize,
        execs: u64,
        start: f64,
    ) -> VariantClaims {
        let spread = |s: f64| Spread {
            median: s,
            min: s,
            max: s,
            runs: 1,
        };
        VariantClaims {
            name: name.into(),
            image_id: format!("sha256:{}", "a".repeat(64)),
            disk_bytes: registry * 2,
            registry_bytes: registry,
            registry_layers: 1,
            pull_seconds: pull,
            pull: spread(pull),
            pull_seconds_shaped: registry as f64 / 2.5e6,
            pull_shaped_method: "computed".into(),
            start_seconds: start,
            start: spread(start),
            memory_peak_bytes: 4_000_000,
            script_seconds: 0.5,
            build_seconds: None,
            packages: 0,
            rust_crates: 16,
            sbom: format!("target/calc-kit/sbom/{name}.cdx.json"),
            executables: execs,
            shared_libraries: 0,
            setuid_files: Vec::new(),
            setgid_files: Vec::new(),
            world_writable_dirs: Vec::new(),
            intruder_tools: vec!["sh".into(); tools],
            vulnerabilities: None,
            vulnerabilities_reason: NO_DATABASE.into(),
        }
    }

    /// A two-variant document for the render tests.
    pub(crate) fn sample() -> Claims {
        let rows = vec![
            row("naive", 600_000_000, 20.0, 12, 9000, 0.50),
            row("scratch", 680_000, 0.02, 0, 1, 0.51),
        ];
        Claims {
            format: FORMAT,
            measured_at: "2026-12-01 21:00 UTC".into(),
            engine: "test engine".into(),
            pull_method: PULL_METHOD.into(),
            bandwidth_mbit: 20,
            shaping: "computed".into(),
            script_lines: 100,
            probed_tools: vec!["sh".into()],
            verdicts: verdicts(&rows, 14),
            variants: rows,
        }
    }

    #[test]
    fn verdicts_follow_the_numbers() {
        let c = sample();
        let get = |claim: &str| c.verdicts.iter().find(|v| v.claim == claim).unwrap();
        assert_eq!(get("smaller").verdict, "holds");
        assert!(
            get("smaller").text.contains("882x"),
            "{}",
            get("smaller").text
        );
        assert_eq!(get("pulls faster").verdict, "holds");
        assert_eq!(get("more secure").verdict, "holds");
        // 0.50 s and 0.51 s are 2% apart: the claim does not hold.
        assert_eq!(get("starts faster").verdict, "does not hold");
        let mut rows = c.variants.clone();
        rows[1].start_seconds = 0.25;
        let v = verdicts(&rows, 14);
        let start = v.iter().find(|v| v.claim == "starts faster").unwrap();
        assert_eq!(start.verdict, "depends");
        assert!(start.text.contains("lowest for scratch"), "{}", start.text);
    }

    #[test]
    fn the_cache_matches_only_the_same_images() {
        let c = sample();
        let ids: Vec<(String, String)> = c
            .variants
            .iter()
            .map(|v| (v.name.clone(), v.image_id.clone()))
            .collect();
        assert!(c.matches(&ids));
        let mut changed = ids.clone();
        changed[1].1 = "sha256:other".into();
        assert!(!c.matches(&changed));
        assert!(!c.matches(&ids[..1]));
    }
}
