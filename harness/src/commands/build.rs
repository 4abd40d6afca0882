//! `harness build`: builds variants one after the other, printing each step.

use harness::docker::build::{BuildEvent, build_variant};
use harness::docker::engine::Docker;
use harness::manifest::catalogue::Catalogue;
use harness::render::format::seconds;

pub async fn run(docker: &Docker, variants: &[String]) -> anyhow::Result<()> {
    let catalogue = Catalogue::load()?;
    for v in catalogue.select(variants)? {
        let image = catalogue.image(v);
        eprintln!("==> building {image}");
        let mut show = |event: BuildEvent| match event {
            BuildEvent::Step {
                step,
                total,
                instruction,
            } => {
                let short: String = instruction.chars().take(100).collect();
                eprintln!("  [{step}/{total}] {short}");
            }
            BuildEvent::Preparing(line) => eprintln!("  {line}"),
            BuildEvent::Cached => eprintln!("        (cached)"),
            BuildEvent::Output(_) => {}
        };
        let built = build_variant(docker, &catalogue, v, &mut show).await?;
        println!(
            "{image}: built in {} ({}/{} steps cached)",
            seconds(built.duration),
            built.cached_steps,
            built.steps
        );
    }
    Ok(())
}
