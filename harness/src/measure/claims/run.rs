//! One measurement of every claim: the SBOM and the attack surface per image, a push to a
//! local registry and timed pulls (unshaped, then shaped), start-to-answer runs interleaved
//! across variants, and the script runs with their peak memory.

use std::collections::BTreeMap;
use std::path::Path;
use std::time::Duration;

use bollard::Docker;

use super::scan::{calculator_crates, scan};
use super::verdicts::verdicts;
use super::{
    Claims, ClaimsError, ClaimsOptions, FORMAT, PULL_METHOD, SBOM_DIR, Spread, VariantClaims,
};
use crate::docker::memory::script_run;
use crate::docker::probe::present;
use crate::docker::registry::{PUSH_REPOSITORY, Registry, RegistryError};
use crate::docker::run::Run;
use crate::docker::shape::Shaper;
use crate::image::sbom::{SbomInput, cyclonedx};
use crate::manifest::catalogue::{Catalogue, Variant};
use crate::measure::bench::{Dialect, median, script};
use crate::measure::survey::{FactsCache, image_surface};

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
            Err(why) => (None, why.to_string()),
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
