//! `harness inspect`: every fact the kit knows about built variants, one per line. The facts
//! come from the cache `demo`, `report` and `bench` share, keyed by image id, so an image
//! that has not changed is not saved and gzipped again.

use harness::docker::engine::Docker;
use harness::manifest::catalogue::Catalogue;
use harness::measure::{CACHE_FILE, FactsCache, VariantFacts, variant_facts};
use harness::render::format::{group_digits, human_size};

pub async fn run(docker: &Docker, variants: &[String]) -> anyhow::Result<()> {
    let catalogue = Catalogue::load()?;
    let cache_path = catalogue.root.join(CACHE_FILE);
    let mut cache = FactsCache::open(&cache_path, false);
    for v in catalogue.select(variants)? {
        let VariantFacts {
            facts: i,
            stand_ins,
            cached,
            ..
        } = variant_facts(docker, &catalogue, v, &mut cache).await?;
        // Saved after each image: the next one may take minutes, and an interrupted run keeps
        // what was measured. A cache that cannot be written costs time, nothing else.
        if !cached {
            let _ = cache.save(&cache_path);
        }
        println!("{}", catalogue.image(v));
        println!(
            "  size on disk      {} ({} bytes)",
            human_size(i.size),
            group_digits(i.size)
        );
        println!("  compressed        {}", human_size(i.compressed_size));
        println!("  layers            {}", i.layers);
        println!("  files             {}", group_digits(i.files));
        println!("  packages          {}", i.packages);
        println!("  /bin/sh           {}", if i.shell { "yes" } else { "no" });
        println!(
            "  package manager   {}",
            if i.package_manager { "yes" } else { "no" }
        );
        println!(
            "  cargo / rustc     {}",
            if i.toolchain { "yes" } else { "no" }
        );
        println!("  user              {}", i.user);
        println!("  entrypoint        {:?}", i.entrypoint);
        println!(
            "  wasted (dive)     {} (efficiency {:.1}%)",
            human_size(i.wasted_bytes),
            i.efficiency * 100.0
        );
        for (base, upstream) in &stand_ins {
            println!("  stand-in base     {base} (local stand-in for {upstream})");
        }
    }
    Ok(())
}
