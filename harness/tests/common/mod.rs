//! What the engine-backed test files share: one tokio runtime (a bollard client must not
//! outlive the runtime it was made on), the catalogue, and the engine check: connect once, or
//! skip loudly when `CALC_KIT_SKIP_DOCKER=1` asks for it.

use std::io::Write;
use std::sync::LazyLock;

use harness::docker::engine::{self, Engine};
use harness::manifest::catalogue::Catalogue;

pub static RUNTIME: LazyLock<tokio::runtime::Runtime> = LazyLock::new(|| {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("a tokio runtime")
});

pub static CATALOGUE: LazyLock<Catalogue> =
    LazyLock::new(|| Catalogue::load().unwrap_or_else(|e| panic!("{e}")));

/// The engine, or `Ok(None)` when `what` is skipped on request (said on the real stderr, not
/// the captured test output, so it is always seen). `Err` carries the one actionable line,
/// already written to stderr, for the tests to fail with.
pub fn connect_or_skip(what: &str) -> Result<Option<Engine>, String> {
    let mut stderr = std::io::stderr();
    if engine::skip_requested() {
        let _ = writeln!(
            stderr,
            "\n##########################################################################\n## SKIPPED: {what}, because {}=1.\n## Nothing about the Docker images was checked. Unset it to run them.\n##########################################################################\n",
            engine::SKIP_VAR
        );
        return Ok(None);
    }
    match RUNTIME.block_on(engine::connect()) {
        Ok(engine) => {
            let _ = writeln!(stderr, "{}", engine.describe());
            Ok(Some(engine))
        }
        Err(e) => {
            let _ = writeln!(stderr, "error: {e}");
            Err(e.to_string())
        }
    }
}
