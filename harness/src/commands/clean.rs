//! `harness clean` (`just clean`): remove what the kit made and say how much disk it gave
//! back.

use std::path::Path;

use harness::docker::{clean, disk};
use harness::manifest::catalogue::Catalogue;

pub async fn run(docker: &bollard::Docker, bases: bool, dry_run: bool) -> anyhow::Result<()> {
    let catalogue = Catalogue::load()?;
    let lab = harness::lab::Lab::load(&catalogue.root, &catalogue)?;
    let repositories = [catalogue.repository.as_str(), lab.repository.as_str()];
    let mut files = clean::lab_backups(&catalogue.root.join("docker/lab"));
    files.push(catalogue.root.join(harness::measure::survey::CACHE_FILE));
    let label = bases.then_some(catalogue.bases.label.as_str());
    let plan = clean::plan(docker, &repositories, label, &files).await?;
    let swept = if dry_run {
        0
    } else {
        harness::docker::run::sweep(docker).await.unwrap_or(0)
    };
    let verb = if dry_run { "would remove" } else { "removing" };
    for (tag, size) in &plan.images {
        println!(
            "  {verb} image {tag:<44} {}",
            harness::render::format::human_size(*size)
        );
    }
    for (file, size) in &plan.files {
        let shown = file.strip_prefix(&catalogue.root).unwrap_or(file);
        println!(
            "  {verb} {:<50} {}",
            shown.display(),
            harness::render::format::human_size(*size)
        );
    }
    if plan.images.is_empty() && plan.files.is_empty() {
        println!("nothing of the kit's to remove");
    }
    if !bases {
        println!("  (stand-in base images kept: `just clean --bases` removes them too)");
    }
    if dry_run {
        println!(
            "dry run: nothing removed ({} named, layers shared between images counted once per image)",
            harness::render::format::human_size(plan.named_bytes())
        );
        return Ok(());
    }
    let data = docker.info().await.ok().and_then(|i| i.docker_root_dir);
    let before = data.as_deref().and_then(|d| disk::free_bytes(Path::new(d)));
    let failed = clean::carry_out(docker, &plan).await;
    let after = data.as_deref().and_then(|d| disk::free_bytes(Path::new(d)));
    for line in &failed {
        println!("  kept: {line}");
    }
    match (before, after) {
        (Some(before), Some(after)) => println!(
            "removed {} image tag(s), {} file(s), {swept} container(s): {} of disk given back",
            plan.images.len(),
            plan.files.len(),
            harness::render::format::human_size(after.saturating_sub(before))
        ),
        _ => println!(
            "removed {} image tag(s), {} file(s), {swept} container(s) (the engine's disk is not on this machine: not measured)",
            plan.images.len(),
            plan.files.len()
        ),
    }
    anyhow::ensure!(
        failed.is_empty(),
        "{} item(s) could not be removed",
        failed.len()
    );
    Ok(())
}
