//! `harness bench`: the performance table, printed and (for a full run) written to
//! docs/src/performance.md; its progress on stderr, a line per stage and a rewritten line
//! of build steps.

use std::io::Write as _;

use harness::docker::engine::Engine;
use harness::measure::bench::{BenchEvent, BenchOptions, PAGE};

pub async fn run(engine: &Engine, options: BenchOptions) -> anyhow::Result<()> {
    let page = harness::measure::bench::run(engine, &options, &mut show).await?;
    println!("{page}");
    Ok(())
}

fn show(event: BenchEvent) {
    match event {
        BenchEvent::Stage(what) => eprintln!("==> {what}"),
        BenchEvent::Step { label, step, total } => {
            eprint!("\r  {label}: step {step}/{total}   ");
            let _ = std::io::stderr().flush();
        }
        BenchEvent::StepsDone => eprintln!(),
        BenchEvent::Wrote => eprintln!("==> wrote {PAGE}"),
        BenchEvent::NotWritten => {
            eprintln!("==> {PAGE} not written: only a selection of variants was measured")
        }
    }
}
