//! One file per subcommand: each loads what it needs from the library, runs it, and prints
//! the result. Nothing below `commands` prints; errors come back here with their context and
//! are printed once, in `main`.

pub mod bench;
pub mod build;
pub mod claims;
pub mod clean;
pub mod demo;
pub mod inspect;
pub mod lab;
pub mod lab_info;
pub mod lab_watch;
pub mod lint;
pub mod report;
pub mod sweep;

use harness::docker::engine;

use crate::cli::Command;

/// Connects to the engine, says which one answered (so a log names what produced it), and
/// runs one of the subcommands that need it.
pub async fn with_engine(command: Command) -> anyhow::Result<()> {
    let engine = engine::connect().await?;
    eprintln!("{}", engine.describe());
    let docker = &engine.docker;
    match command {
        Command::Build { variants } => build::run(docker, &variants).await,
        Command::Inspect { variants } => inspect::run(docker, &variants).await,
        Command::Sweep => sweep::run(docker).await,
        Command::Clean { bases, dry_run } => clean::run(docker, bases, dry_run).await,
        Command::Bench(args) => bench::run(&engine, args.options()).await,
        Command::Demo(args) => demo::run(docker, args.options()).await,
        Command::Report(args) => report::run(docker, args.options()).await,
        Command::Claims(args) => {
            let format = args.format;
            claims::run(&engine, args.options(), format).await
        }
        Command::Lint { .. } | Command::Lab(_) => unreachable!("handled in main"),
    }
}
