//! `harness report`: measures (building where needed, with progress on stderr) and writes
//! the results page and its chart.

use console::Term;
use harness::docker::engine::Docker;
use harness::manifest::catalogue::Catalogue;
use harness::measure::{MeasureOptions, measure};
use harness::render::progress::ProgressView;
use harness::render::report::write;

pub async fn run(docker: &Docker, options: MeasureOptions) -> anyhow::Result<()> {
    let catalogue = Catalogue::load()?;
    let mut view = ProgressView::new(&options.question, Term::buffered_stderr());
    let measured = measure(docker, &catalogue, &options, &mut |p| view.handle(p)).await;
    let m = measured.inspect_err(|_| view.fail())?;
    let (page, chart) = write(&catalogue.root, &m)?;
    // The claims page shows the last `just claims` results; it never measures them itself.
    let last = harness::measure::claims::Claims::load_last(&catalogue.root);
    let claims = harness::render::claims::write_page(&catalogue.root, last.as_ref())?;
    for path in [page, chart].into_iter().chain(claims) {
        println!(
            "wrote {}",
            path.strip_prefix(&catalogue.root)
                .unwrap_or(&path)
                .display()
        );
    }
    Ok(())
}
