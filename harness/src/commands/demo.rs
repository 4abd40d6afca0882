//! `harness demo`: measures every variant (building with live progress on stderr), then
//! prints the table, the chart and the answers on stdout.

use console::Term;
use harness::docker::engine::Docker;
use harness::manifest::catalogue::Catalogue;
use harness::measure::{MeasureOptions, measure};
use harness::render::demo::{Style, render};
use harness::render::progress::ProgressView;

pub async fn run(docker: &Docker, options: MeasureOptions) -> anyhow::Result<()> {
    let catalogue = Catalogue::load()?;
    let style = Style::detect();
    let mut view = ProgressView::new(&options.question, Term::buffered_stderr());
    let measured = measure(docker, &catalogue, &options, &mut |p| view.handle(p)).await;
    let m = measured.inspect_err(|_| view.fail())?;
    print!("{}", render(&m, &style));
    // The claims are measured by `just claims` only (minutes); here the last results, if any.
    let ids: Vec<(String, String)> = m
        .rows
        .iter()
        .map(|r| (r.name.clone(), r.id.clone()))
        .collect();
    let last = harness::measure::claims::Claims::load_last(&catalogue.root);
    print!(
        "\n{}",
        harness::render::claims::summary(last.as_ref(), &ids)
    );
    Ok(())
}
