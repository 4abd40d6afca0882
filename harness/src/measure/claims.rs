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

use serde::{Deserialize, Serialize};

use crate::docker::memory::MemoryError;
use crate::docker::probe::ProbeError;
use crate::docker::registry::RegistryError;
use crate::docker::run::RunError;
use crate::image::inspect::InspectError;
use crate::image::sbom::MetadataError;
use crate::measure::bench::median;

mod run;
mod scan;
mod verdicts;

pub use run::measure_claims;
pub use scan::calculator_crates;

/// Where the last results live, relative to the workspace root.
pub const CACHE_FILE: &str = "target/calc-kit/claims.json";

/// Where the SBOMs are written, relative to the workspace root.
pub(crate) const SBOM_DIR: &str = "target/calc-kit/sbom";

/// The schema the JSON document follows, relative to the workspace root.
pub const SCHEMA_FILE: &str = "docs/claims.schema.json";

/// Bumped whenever a field or a method changes; an older cache is measured again.
pub(crate) const FORMAT: u32 = 1;

/// How the pulls are timed, for the page and the JSON.
pub(crate) const PULL_METHOD: &str = "HTTP API of a local registry (docker-registry, CNCF Distribution): manifest, configuration and every layer downloaded, gunzipped and unpacked into a temporary directory; no second engine, and the kit's own images untouched";

/// The reason given when no vulnerability count could be taken.
pub(crate) const NO_DATABASE: &str = "no vulnerability database";

/// Start times within this fraction of each other count as equal.
pub(crate) const EQUAL_WITHIN: f64 = 0.05;

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

#[cfg(test)]
pub(crate) mod tests {
    use super::verdicts::verdicts;
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
