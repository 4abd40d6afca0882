//! Where the workspace is: its root (found from where the harness was compiled, else from the
//! current directory) and its cargo target directory, as the binary and as a test binary
//! find it.

use std::path::{Path, PathBuf};

use super::catalogue::CatalogueError;

/// The workspace's cargo target directory: `CARGO_TARGET_DIR` when set, else `<root>/target`.
pub fn target_dir(root: &Path) -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| root.join("target"))
}

/// The target directory as a test binary finds it: `CARGO_TARGET_DIR` when set, else the
/// directory the running test binary was built in (`<target>/debug/deps/<test>-<hash>`),
/// else `<root>/target`.
pub fn test_target_dir(root: &Path) -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .or_else(|| {
            std::env::current_exe()
                .ok()
                .and_then(|exe| exe.ancestors().nth(3).map(Path::to_path_buf))
        })
        .unwrap_or_else(|| root.join("target"))
}

/// Finds the workspace root: first from where this crate was compiled (the usual case: tests
/// and `cargo run`), then by walking up from the current directory (an installed binary run
/// inside a checkout).
pub(crate) fn workspace_root() -> Result<PathBuf, CatalogueError> {
    let compiled = Path::new(env!("CARGO_MANIFEST_DIR"));
    if let Some(root) = find_workspace_root(compiled) {
        return Ok(root);
    }
    let cwd = std::env::current_dir().unwrap_or_else(|_| PathBuf::from("."));
    find_workspace_root(&cwd).ok_or(CatalogueError::NoWorkspace { start: cwd })
}

/// Walks up from `start` to the first directory whose Cargo.toml has a `[workspace]` table.
fn find_workspace_root(start: &Path) -> Option<PathBuf> {
    start.ancestors().find_map(|dir| {
        let manifest = std::fs::read_to_string(dir.join("Cargo.toml")).ok()?;
        let is_workspace = manifest
            .lines()
            .any(|l| l.trim_start().starts_with("[workspace]"));
        is_workspace.then(|| dir.to_path_buf())
    })
}
