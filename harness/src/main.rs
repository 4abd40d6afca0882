//! `harness`: the justfile's entry point to the library (build, inspect, lint, sweep, lab,
//! demo, report, bench). The command line is defined in [`cli`]; each subcommand is a file
//! of [`commands`], the only code that prints; an error is printed once, here.

use std::process::ExitCode;

use clap::Parser;

mod cli;
mod commands;

use cli::{Cli, Command};

fn main() -> ExitCode {
    let cli = Cli::parse();
    harness::docker::cleanup::on_signal_exit(|signal, removed| {
        eprintln!("\nharness: {signal} received: removed {removed} container(s) this run started");
    });
    let result = match cli.command {
        Command::Lint { files } => commands::lint::run(files),
        Command::Lab(action) => commands::lab::run(action),
        other => match tokio::runtime::Runtime::new() {
            Ok(rt) => rt.block_on(commands::with_engine(other)),
            Err(e) => Err(anyhow::Error::new(e).context("cannot start the async runtime")),
        },
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("harness: {e:#}");
            ExitCode::FAILURE
        }
    }
}
