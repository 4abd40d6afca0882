//! `harness inspect`: every fact the kit knows about built variants, one per line.

use harness::docker::engine::Docker;
use harness::image::inspect::inspect_variant;
use harness::manifest::catalogue::Catalogue;
use harness::render::format::{group_digits, human_size};

pub async fn run(docker: &Docker, variants: &[String]) -> anyhow::Result<()> {
    let catalogue = Catalogue::load()?;
    for v in catalogue.select(variants).map_err(anyhow::Error::msg)? {
        let facts = inspect_variant(docker, &catalogue, v, true).await?;
        let i = &facts.image;
        println!("{}", i.image);
        println!(
            "  size on disk      {} ({} bytes)",
            human_size(i.size),
            group_digits(i.size)
        );
        println!(
            "  compressed        {}",
            i.compressed_size.map(human_size).unwrap_or_default()
        );
        println!("  layers            {}", i.layers);
        println!("  files             {}", group_digits(i.files));
        println!("  packages          {}", i.packages.len());
        println!(
            "  /bin/sh           {}",
            if i.has_shell { "yes" } else { "no" }
        );
        println!(
            "  package manager   {}",
            if i.has_package_manager { "yes" } else { "no" }
        );
        println!(
            "  cargo / rustc     {}",
            if i.has_toolchain() { "yes" } else { "no" }
        );
        println!("  user              {}", i.effective_user());
        println!("  entrypoint        {:?}", i.entrypoint);
        println!(
            "  wasted (dive)     {} (efficiency {:.1}%)",
            human_size(i.wasted_bytes),
            i.efficiency * 100.0
        );
        for (base, upstream) in &facts.stand_ins {
            println!("  stand-in base     {base} (local stand-in for {upstream})");
        }
    }
    Ok(())
}
