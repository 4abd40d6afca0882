//! The walkthrough's book tooling, kept out of the Cargo workspace so that a learner's
//! `cargo test` never compiles it: the mdBook preprocessor that points links to repository
//! files at the code host, the checks of the built site, of the Dockerfile snippets and of
//! the demo recording, and the browser test. `just docs` and `just docs-check` run it.

mod browser;
mod cast;
mod repo;
mod repo_links;
mod site;
mod snippets;

use std::process::ExitCode;

const USAGE: &str = "\
usage: book-tools COMMAND

  repo-links [supports RENDERER]  the mdBook preprocessor (mdBook runs it, see docs/book.toml)
  check-site [BOOK_DIR]           every link and image of the built book resolves
  check-snippets [--list]         build every fenced dockerfile block of the chapters
  check-demo                      the comparing chapter's text matches the demo recording
  demo-text                       write the recording's text into the comparing chapter
  browser [--page P.html] [--screenshots DIR]
                                  load every page in headless Chromium and check it renders
";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.first().map(String::as_str) {
        Some("repo-links") => repo_links::run(&args[1..]),
        Some("check-site") => site::run(&args[1..]),
        Some("check-snippets") => snippets::run(&args[1..]),
        Some("check-demo") => cast::check(&args[1..]),
        Some("demo-text") => cast::write(&args[1..]),
        Some("browser") => browser::run(&args[1..]),
        Some("-h" | "--help") => {
            print!("{USAGE}");
            Ok(())
        }
        _ => Err(format!("no such command\n{USAGE}")),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("book-tools: error: {message}");
            ExitCode::FAILURE
        }
    }
}
