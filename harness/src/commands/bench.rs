//! `harness bench`: the performance table, printed and (for a full run) written to
//! docs/src/performance.md.

use harness::docker::engine::Engine;
use harness::measure::bench::BenchOptions;

pub async fn run(engine: &Engine, options: BenchOptions) -> anyhow::Result<()> {
    let page = harness::measure::bench::run(engine, &options)
        .await
        .map_err(anyhow::Error::msg)?;
    println!("{page}");
    Ok(())
}
