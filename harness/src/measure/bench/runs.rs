//! Builds and containers timed: cold builds, rebuilds after a one-line edit, `docker run`
//! and `docker stop`.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use bollard::Docker;
use bollard::query_parameters::RemoveImageOptionsBuilder;
use serde::{Deserialize, Serialize};

use super::page::{VariantResult, utc_text};
use super::stats::Timing;
use super::{BENCH_REPOSITORY, BenchError, BenchEvent, BenchOptions, EDITED_FILE, steps};
use crate::docker::build::{BuildEvent, BuildOptions, Built, build_dockerfile_with};
use crate::docker::context::build_context_with;
use crate::docker::run::{Run, Waiting};
use crate::dockerfile::Dockerfile;
use crate::manifest::catalogue::{Catalogue, Variant};
use crate::measure::survey::{FactsCache, VariantFacts, variant_facts};

/// Cold build times kept between runs for `--skip-cold`.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub(super) struct ColdRecords {
    /// Variant (row) name to (timing, date measured).
    builds: BTreeMap<String, (Timing, String)>,
}

fn cold_records_path(root: &Path) -> PathBuf {
    crate::manifest::catalogue::target_dir(root)
        .join("calc-kit-bench")
        .join("cold-builds.json")
}

pub(super) fn load_cold(root: &Path) -> ColdRecords {
    std::fs::read_to_string(cold_records_path(root))
        .ok()
        .and_then(|t| serde_json::from_str(&t).ok())
        .unwrap_or_default()
}

/// The cold build time of each row the last `just bench` measured (none before it ran).
pub(crate) fn cold_build_times(root: &Path) -> BTreeMap<String, std::time::Duration> {
    load_cold(root)
        .builds
        .into_iter()
        .map(|(name, (timing, _))| (name, timing.median))
        .collect()
}

pub(super) fn save_cold(root: &Path, records: &ColdRecords) {
    let path = cold_records_path(root);
    if let Some(dir) = path.parent() {
        let _ = std::fs::create_dir_all(dir);
    }
    if let Ok(text) = serde_json::to_string_pretty(records) {
        let _ = std::fs::write(path, text);
    }
}

pub(super) async fn remove_image(docker: &Docker, image: &str) {
    let _ = docker
        .remove_image(
            image,
            Some(RemoveImageOptionsBuilder::new().force(true).build()),
            None,
        )
        .await;
}

/// One Dockerfile's builds: where, under which name, how many times.
#[derive(Clone, Copy)]
struct Job<'a> {
    docker: &'a Docker,
    catalogue: &'a Catalogue,
    dockerfile: &'a Path,
    name: &'a str,
    runs: usize,
}

impl Job<'_> {
    /// One build of the job's Dockerfile under `image`.
    async fn build(
        &self,
        image: &str,
        options: BuildOptions,
        progress: &mut (dyn FnMut(BuildEvent) + Send),
    ) -> Result<Built, BenchError> {
        build_dockerfile_with(
            self.docker,
            self.catalogue,
            self.dockerfile,
            image,
            options,
            progress,
        )
        .await
        .map_err(|e| Box::new(e).into())
    }
}

/// Builds `dockerfile` once with the unchanged context (so the cache is warm), then `runs`
/// times with a fresh one-line edit each time; returns the rebuild timing and cache counts.
async fn warm_rebuilds(
    job: &Job<'_>,
    events: &mut (dyn FnMut(BenchEvent) + Send),
) -> Result<(Timing, (usize, usize), Option<(String, Duration)>), BenchError> {
    let (docker, dockerfile, name, runs) = (job.docker, job.dockerfile, job.name, job.runs);
    let root = job.catalogue.root.as_path();
    let image = format!("{BENCH_REPOSITORY}:{name}-edit");
    let edited_path = root.join(EDITED_FILE);
    let original = std::fs::read(&edited_path).map_err(|source| BenchError::Read {
        path: edited_path,
        source,
    })?;
    // The unchanged context first: answered from cache when the image is current.
    job.build(
        &format!("{BENCH_REPOSITORY}:{name}-base"),
        BuildOptions {
            no_cache: false,
            context: Some(context(root, dockerfile, Vec::new()).await?),
            ..BuildOptions::default()
        },
        &mut steps(format!("{name} unchanged"), events),
    )
    .await?;
    let mut samples = Vec::new();
    let mut cached = (0, 0);
    let mut longest = None;
    for run in 0..runs {
        let nonce = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap_or_default()
            .as_nanos();
        let mut edited = original.clone();
        edited.extend_from_slice(format!("// bench edit {nonce}\n").as_bytes());
        let edited = context(root, dockerfile, vec![(EDITED_FILE.to_string(), edited)]).await?;
        let mut starts: Vec<(String, Duration)> = Vec::new();
        let started = Instant::now();
        let built: Built = job
            .build(
                &image,
                BuildOptions {
                    no_cache: false,
                    context: Some(edited),
                    ..BuildOptions::default()
                },
                &mut {
                    let mut show = steps(format!("{name} rebuild {}/{runs}", run + 1), events);
                    let starts = &mut starts;
                    move |event: BuildEvent| {
                        if let BuildEvent::Step { instruction, .. } = &event {
                            starts.push((instruction.clone(), started.elapsed()));
                        }
                        show(event)
                    }
                },
            )
            .await?;
        samples.push(built.duration);
        cached = (built.cached_steps, built.steps);
        longest = longest_step(&starts, started.elapsed());
        remove_image(docker, &image).await;
    }
    remove_image(docker, &format!("{BENCH_REPOSITORY}:{name}-base")).await;
    events(BenchEvent::StepsDone);
    Ok((Timing::of(&samples), cached, longest))
}

/// The build context of `dockerfile`, with `overrides` in place of those files' contents.
async fn context(
    root: &Path,
    dockerfile: &Path,
    overrides: Vec<(String, Vec<u8>)>,
) -> Result<Vec<u8>, BenchError> {
    let (root, file) = (root.to_path_buf(), dockerfile.to_path_buf());
    let built = tokio::task::spawn_blocking(move || build_context_with(&root, &file, &overrides))
        .await
        .map_err(|e| BenchError::Task(e.to_string()))??;
    Ok(built.tar)
}

/// The step that took longest, from when each step started (offsets from the build's start)
/// and when the build ended.
pub(crate) fn longest_step(
    starts: &[(String, Duration)],
    end: Duration,
) -> Option<(String, Duration)> {
    let ends = starts.iter().skip(1).map(|(_, t)| *t).chain([end]);
    starts
        .iter()
        .zip(ends)
        .map(|((instruction, start), end)| (instruction.clone(), end.saturating_sub(*start)))
        .max_by_key(|(_, d)| *d)
}

/// `runs` builds with `--no-cache`; the image is removed after each.
async fn cold_builds(
    job: &Job<'_>,
    events: &mut (dyn FnMut(BenchEvent) + Send),
) -> Result<Timing, BenchError> {
    let (docker, name, runs) = (job.docker, job.name, job.runs);
    let image = format!("{BENCH_REPOSITORY}:{name}-cold");
    let mut samples = Vec::new();
    for run in 0..runs {
        let built = job
            .build(
                &image,
                BuildOptions {
                    no_cache: true,
                    ..BuildOptions::default()
                },
                &mut steps(format!("{name} cold build {}/{runs}", run + 1), events),
            )
            .await?;
        samples.push(built.duration);
        remove_image(docker, &image).await;
    }
    events(BenchEvent::StepsDone);
    Ok(Timing::of(&samples))
}

pub(super) fn is_multi_stage(root: &Path, dockerfile: &Path) -> bool {
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

/// What measuring one Dockerfile after another reads and adds to.
pub(super) struct Ledger {
    /// Cold build times kept between runs.
    pub(super) cold: ColdRecords,
    /// Image facts by image id, shared with `demo` and `report`.
    pub(super) facts: FactsCache,
    /// Stand-in bases met so far: (base, upstream).
    pub(super) stand_ins: Vec<(String, String)>,
}

/// Measures one Dockerfile: builds (cold when `measure_cold`, warm), and for a catalogue
/// variant, its size (through the facts cache) and container timings.
#[allow(clippy::too_many_arguments)]
pub(super) async fn measure_dockerfile(
    docker: &Docker,
    catalogue: &Catalogue,
    name: &str,
    dockerfile: &Path,
    variant: Option<&Variant>,
    measure_cold: bool,
    options: &BenchOptions,
    ledger: &mut Ledger,
    events: &mut (dyn FnMut(BenchEvent) + Send),
) -> VariantResult {
    let root = catalogue.root.as_path();
    let job = Job {
        docker,
        catalogue,
        dockerfile,
        name,
        runs: options.build_runs,
    };
    let mut row = VariantResult {
        name: name.to_string(),
        multi_stage: is_multi_stage(root, dockerfile),
        ..Default::default()
    };
    if !measure_cold {
        // Nothing to measure: the caller says why in the row's remark.
    } else if options.skip_cold {
        match ledger.cold.builds.get(name) {
            Some((t, date)) => {
                row.cold = Some(*t);
                row.cold_reused_from = Some(date.clone());
            }
            None => row
                .errors
                .push("no earlier cold build to reuse (run without --skip-cold)".into()),
        }
    } else {
        events(BenchEvent::Stage(format!(
            "{name}: cold build (--no-cache)"
        )));
        match cold_builds(&job, events).await {
            Ok(t) => {
                row.cold = Some(t);
                ledger
                    .cold
                    .builds
                    .insert(name.to_string(), (t, utc_text(chrono::Utc::now())));
                save_cold(root, &ledger.cold);
            }
            Err(e) => row.errors.push(e.to_string()),
        }
    }
    events(BenchEvent::Stage(format!(
        "{name}: rebuild after a one-line edit of {EDITED_FILE}"
    )));
    match warm_rebuilds(&job, events).await {
        Ok((t, cached, longest)) => {
            row.warm = Some(t);
            row.warm_cached = Some(cached);
            row.warm_longest = longest;
        }
        Err(e) => row.errors.push(e.to_string()),
    }
    if let Some(v) = variant {
        events(BenchEvent::Stage(format!("{name}: size, compressed size")));
        match variant_facts(docker, catalogue, v, &mut ledger.facts).await {
            Ok(VariantFacts {
                facts, stand_ins, ..
            }) => {
                row.size = Some(facts.size);
                row.compressed = Some(facts.compressed_size);
                for (base, upstream) in stand_ins {
                    if !ledger.stand_ins.iter().any(|(b, _)| *b == base) {
                        ledger.stand_ins.push((base, upstream));
                    }
                }
            }
            Err(e) => row.errors.push(e.to_string()),
        }
        events(BenchEvent::Stage(format!(
            "{name}: docker run and docker stop, {} runs each",
            options.runs
        )));
        container_timings(&catalogue.image(v), v.hardened, options.runs, &mut row).await;
    }
    row
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ms(n: u64) -> Duration {
        Duration::from_millis(n)
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
}
