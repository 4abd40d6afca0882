//! The harness's build context against the docker CLI's: the same sources built both ways
//! must give the same image, each build a full cache hit on the other's layers. Each test
//! works under tags of its own and removes only those.
//!
//! `CALC_KIT_SKIP_DOCKER=1` skips them, loudly.

use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::process::Command;

use bollard::query_parameters::{BuildImageOptionsBuilder, RemoveImageOptionsBuilder};
use futures_util::StreamExt;
use harness::docker::context::build_context;
use harness::docker::engine;
use harness::manifest::catalogue::Catalogue;

const REPOSITORY: &str = "calc-kit/context-test";

/// One test at a time: the engine's legacy builder can pick a layer the other test is just
/// removing as a cache parent ("unable to find image sha256:..." mid-build).
static ONE_AT_A_TIME: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

/// The engine, or `None` (said loudly) when the tests are skipped; a missing engine fails the
/// test with the engine module's one-line advice.
async fn engine_or_skip() -> Option<engine::Docker> {
    if engine::skip_requested() {
        eprintln!(
            "\n## SKIPPED: a build-context test, because {}=1. Nothing was checked.\n",
            engine::SKIP_VAR
        );
        return None;
    }
    match engine::connect().await {
        Ok(e) => Some(e.docker),
        Err(e) => panic!("{e}"),
    }
}

/// Builds with the harness's context through the engine API (legacy builder, as the harness
/// does) and returns the image id.
async fn build_with_harness(
    docker: &engine::Docker,
    root: &Path,
    dockerfile: &str,
    tag: &str,
) -> String {
    let context = build_context(root, Path::new(dockerfile)).expect("context");
    let options = BuildImageOptionsBuilder::new()
        .dockerfile(dockerfile)
        .t(tag)
        .rm(true)
        .forcerm(true)
        .version(bollard::query_parameters::BuilderVersion::BuilderV1)
        .build();
    let mut stream =
        docker.build_image(options, None, Some(bollard::body_full(context.tar.into())));
    while let Some(item) = stream.next().await {
        let info = item.unwrap_or_else(|e| panic!("harness build of {tag} failed: {e}"));
        if let Some(message) = info.error_detail.and_then(|d| d.message) {
            panic!("harness build of {tag} failed: {message}");
        }
    }
    image_id(docker, tag).await
}

/// Builds with `docker build` (the legacy builder, which is all this CLI has without buildx)
/// and returns the image id and the log.
async fn build_with_cli(
    docker: &engine::Docker,
    root: &Path,
    dockerfile: &str,
    tag: &str,
) -> (String, String) {
    let out = Command::new("docker")
        .current_dir(root)
        .env("DOCKER_BUILDKIT", "0")
        .args(["build", "-f", dockerfile, "-t", tag, "."])
        .output()
        .unwrap_or_else(|e| panic!("cannot run the docker CLI (install docker.io's client): {e}"));
    let log = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.status.success(), "docker build of {tag} failed:\n{log}");
    (image_id(docker, tag).await, log)
}

async fn image_id(docker: &engine::Docker, tag: &str) -> String {
    docker
        .inspect_image(tag)
        .await
        .unwrap_or_else(|e| panic!("{tag} was not built: {e}"))
        .id
        .expect("an image id")
}

/// Removes our tags only; an image that other tags still name stays.
async fn untag(docker: &engine::Docker, tags: &[&str]) {
    for tag in tags {
        let options = RemoveImageOptionsBuilder::new().noprune(true).build();
        let _ = docker.remove_image(tag, Some(options), None).await;
    }
}

#[tokio::test]
async fn a_tree_of_odd_modes_builds_to_the_same_image_both_ways() {
    let _one = ONE_AT_A_TIME.lock().await;
    let Some(docker) = engine_or_skip().await else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    let write = |rel: &str, text: &str, mode: u32| {
        let p = root.join(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(&p, text).unwrap();
        std::fs::set_permissions(&p, std::fs::Permissions::from_mode(mode)).unwrap();
    };
    // A fresh clone under umask 002 has group-writable files; scripts are executable; a
    // nonce makes the first build of each run a real one, not a hit on the last run's.
    let nonce = format!("{}-{:?}", std::process::id(), std::time::SystemTime::now());
    write("nonce", &nonce, 0o644);
    write("group-writable.txt", "664\n", 0o664);
    write("bin/run.sh", "#!/bin/sh\n", 0o755);
    write("a/b/c.txt", "deep\n", 0o600);
    write("a.txt", "after the directory a\n", 0o644);
    write("skipped/x", "excluded\n", 0o644);
    write("d/Dockerfile", "FROM scratch\nCOPY . /ctx/\n", 0o644);
    std::fs::set_permissions(root.join("a/b"), std::fs::Permissions::from_mode(0o775)).unwrap();
    std::os::unix::fs::symlink("a.txt", root.join("link")).unwrap();
    std::fs::write(root.join(".dockerignore"), "skipped\nd\n").unwrap();

    let pid = std::process::id();
    let (h_tag, c_tag) = (
        format!("{REPOSITORY}:tree-harness-{pid}"),
        format!("{REPOSITORY}:tree-cli-{pid}"),
    );
    let harness_id = build_with_harness(&docker, root, "d/Dockerfile", &h_tag).await;
    let (cli_id, log) = build_with_cli(&docker, root, "d/Dockerfile", &c_tag).await;
    untag(&docker, &[&h_tag, &c_tag]).await;
    eprintln!("tree: harness {harness_id}, docker CLI {cli_id}");
    assert_eq!(
        harness_id, cli_id,
        "the CLI built another image from the same tree: its COPY missed the harness's cache\n{log}"
    );
    assert!(
        log.contains("Using cache"),
        "the CLI's build was not a cache hit:\n{log}"
    );
}

#[tokio::test]
async fn the_scratch_variant_builds_to_the_same_image_both_ways() {
    let _one = ONE_AT_A_TIME.lock().await;
    let Some(docker) = engine_or_skip().await else {
        return;
    };
    let catalogue = Catalogue::load().unwrap_or_else(|e| panic!("{e}"));
    let variant = catalogue
        .variants
        .iter()
        .find(|v| v.name == "scratch")
        .expect("the catalogue has a scratch variant");
    let dockerfile = variant.dockerfile.to_string_lossy().into_owned();
    let pid = std::process::id();
    let (h_tag, c_tag) = (
        format!("{REPOSITORY}:scratch-harness-{pid}"),
        format!("{REPOSITORY}:scratch-cli-{pid}"),
    );
    // The CLI first, then the harness: the harness must reuse every layer the CLI made.
    let (cli_id, log) = build_with_cli(&docker, &catalogue.root, &dockerfile, &c_tag).await;
    let harness_id = build_with_harness(&docker, &catalogue.root, &dockerfile, &h_tag).await;
    untag(&docker, &[&h_tag, &c_tag]).await;
    eprintln!("scratch: docker CLI {cli_id}, harness {harness_id}");
    assert_eq!(
        harness_id, cli_id,
        "the harness built another image than `docker build -f {dockerfile}` from the same sources\n{log}"
    );
}
