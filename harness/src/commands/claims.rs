//! `harness claims`: builds what is missing (like the demo), measures every claim with a
//! progress line per step on stderr, and prints the side-by-side table and the verdicts, or
//! the JSON document. Ctrl-C and SIGTERM stop it cleanly: dropping the measurement stops the
//! registry, removes its data, the temporary tag, the unpacked layers and the shaping on lo.

use console::Term;
use harness::docker::engine::Engine;
use harness::manifest::catalogue::Catalogue;
use harness::measure::claims::{ClaimsOptions, measure_claims};
use harness::measure::{MeasureOptions, measure};
use harness::render::claims::{notes, table, verdict_lines};
use harness::render::progress::ProgressView;

/// How to print the results.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// The table, its notes and the verdicts.
    Table,
    /// One JSON document (docs/claims.schema.json).
    Json,
}

pub async fn run(engine: &Engine, options: ClaimsOptions, format: Format) -> anyhow::Result<()> {
    let catalogue = Catalogue::load()?;
    let docker = &engine.docker;
    let build = MeasureOptions {
        variants: options.variants.clone(),
        ..MeasureOptions::default()
    };
    let mut view = ProgressView::new(&build.question, Term::buffered_stderr());
    measure(docker, &catalogue, &build, &mut |p| view.handle(p))
        .await
        .inspect_err(|_| view.fail())?;
    let mut progress = |line: String| eprintln!("==> {line}");
    let described = engine.describe();
    let work = measure_claims(docker, &catalogue, &options, &described, &mut progress);
    let (claims, cached) = tokio::select! {
        r = work => r?,
        s = interrupted() => anyhow::bail!("{s}: stopped; the registry, its data, temporary tags and shaping were removed"),
    };
    if cached {
        eprintln!(
            "==> unchanged images: the results of {} (harness claims --fresh measures again)",
            claims.measured_at
        );
    }
    match format {
        Format::Json => println!("{}", serde_json::to_string_pretty(&claims)?),
        Format::Table => {
            println!(
                "Claims, measured {} ({})\n",
                claims.measured_at, claims.engine
            );
            print!("{}", table(&claims));
            println!();
            for n in notes(&claims) {
                println!("  {n}");
            }
            println!();
            for v in verdict_lines(&claims) {
                println!("{v}");
            }
        }
    }
    Ok(())
}

/// Resolves on Ctrl-C or SIGTERM, naming which.
async fn interrupted() -> &'static str {
    let mut term = match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
        Ok(s) => s,
        Err(_) => {
            let _ = tokio::signal::ctrl_c().await;
            return "interrupted";
        }
    };
    tokio::select! {
        _ = tokio::signal::ctrl_c() => "interrupted",
        _ = term.recv() => "terminated",
    }
}
