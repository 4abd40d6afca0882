//! Where the repository is, and where it is published: the one place every tool learns
//! the repository's URL (the workspace's `Cargo.toml`) and the branch the book is built from.

use std::collections::BTreeSet;
use std::fs;
use std::path::{Component, Path, PathBuf};
use std::process::Command;

/// The branch the Pages workflow publishes, so the branch repository links point into.
pub const BRANCH: &str = "main";

pub struct Repo {
    /// The repository's root directory (the one holding `docs/book.toml`).
    pub root: PathBuf,
    /// `repository` of `[workspace.package]`, without a trailing slash.
    pub url: String,
}

impl Repo {
    /// Finds the repository from the current directory or any directory above it.
    pub fn discover() -> Result<Repo, String> {
        let cwd = std::env::current_dir().map_err(|e| format!("no current directory: {e}"))?;
        let root = cwd
            .ancestors()
            .find(|d| d.join("docs/book.toml").is_file() && d.join("Cargo.toml").is_file())
            .ok_or_else(|| {
                format!(
                    "{} is not inside the calc-kit repository (no docs/book.toml above it)",
                    cwd.display()
                )
            })?
            .to_path_buf();
        let manifest = root.join("Cargo.toml");
        let text = read(&manifest)?;
        let table: toml::Table = text
            .parse()
            .map_err(|e| format!("{}: {e}", manifest.display()))?;
        let url = table
            .get("workspace")
            .and_then(|w| w.get("package"))
            .and_then(|p| p.get("repository"))
            .and_then(|r| r.as_str())
            .ok_or_else(|| {
                format!(
                    "{} has no [workspace.package] repository",
                    manifest.display()
                )
            })?
            .trim_end_matches('/')
            .to_string();
        Ok(Repo { root, url })
    }

    /// The book's source folder, `docs/src`.
    pub fn src(&self) -> PathBuf {
        self.root.join("docs/src")
    }

    /// The URL of a repository path (relative to the root) on the code host.
    pub fn web_url(&self, path: &str, is_dir: bool) -> String {
        let kind = if is_dir { "tree" } else { "blob" };
        format!("{}/{kind}/{BRANCH}/{path}", self.url)
    }

    /// The files git tracks, as paths relative to the root: what a clone, and so the code
    /// host, has. Falls back to the files on disk outside a git checkout.
    pub fn tracked_files(&self) -> Result<BTreeSet<String>, String> {
        let out = Command::new("git")
            .args(["ls-files", "-z", "--cached"])
            .current_dir(&self.root)
            .output();
        match out {
            Ok(out) if out.status.success() => Ok(out
                .stdout
                .split(|b| *b == 0)
                .filter(|p| !p.is_empty())
                .map(|p| String::from_utf8_lossy(p).into_owned())
                .collect()),
            _ => {
                let mut files = BTreeSet::new();
                walk(&self.root, &mut |p| {
                    if let Ok(rel) = p.strip_prefix(&self.root) {
                        files.insert(slashed(rel));
                    }
                })?;
                Ok(files)
            }
        }
    }
}

pub fn read(path: &Path) -> Result<String, String> {
    fs::read_to_string(path).map_err(|e| format!("cannot read {}: {e}", path.display()))
}

/// Every file under `dir`, in sorted order, skipping `target` and hidden directories.
pub fn walk(dir: &Path, f: &mut dyn FnMut(&Path)) -> Result<(), String> {
    let mut entries: Vec<PathBuf> = fs::read_dir(dir)
        .map_err(|e| format!("cannot read {}: {e}", dir.display()))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .collect();
    entries.sort();
    for path in entries {
        let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
        if path.is_dir() {
            if name != "target" && !name.starts_with('.') {
                walk(&path, f)?;
            }
        } else {
            f(&path);
        }
    }
    Ok(())
}

/// `a/b/../c` as `a/c`, without touching the filesystem. None when `..` climbs above the
/// start of the path.
pub fn normalise(path: &Path) -> Option<PathBuf> {
    let mut out = PathBuf::new();
    for c in path.components() {
        match c {
            Component::ParentDir => {
                if !out.pop() {
                    return None;
                }
            }
            Component::CurDir => {}
            other => out.push(other),
        }
    }
    Some(out)
}

/// A relative path with forward slashes, as URLs and git write them.
pub fn slashed(path: &Path) -> String {
    path.components()
        .map(|c| c.as_os_str().to_string_lossy())
        .collect::<Vec<_>>()
        .join("/")
}
