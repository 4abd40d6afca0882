//! The build context: the repository root as a tar, minus what `.dockerignore` excludes,
//! matched as Docker matches it. testcontainers' buildable images ignore `.dockerignore`, and
//! an unfiltered context here would ship `target/` (gigabytes) to the engine on every build.
//!
//! Docker's rules, which this module follows: patterns are relative to the context root
//! (a leading `/` is dropped, paths are cleaned); `*` and `?` do not cross `/`; `**` matches
//! any number of directories, including none; a pattern that matches a directory excludes
//! everything under it; `!` re-includes; the last matching pattern wins; `#` lines are
//! comments. The Dockerfile and `.dockerignore` are always sent, as the docker CLI does.

use std::io;
use std::path::{Path, PathBuf};

use globset::{GlobBuilder, GlobMatcher};

/// Why a context could not be assembled.
#[derive(Debug, thiserror::Error)]
pub enum ContextError {
    /// A `.dockerignore` line is not a valid pattern.
    #[error("{file}:{line}: invalid pattern `{pattern}`: {message}")]
    Pattern {
        /// The ignore file.
        file: PathBuf,
        /// 1-based line.
        line: usize,
        /// The pattern as written.
        pattern: String,
        /// The matcher's complaint.
        message: String,
    },
    /// Reading a file of the context failed.
    #[error("cannot add {path} to the build context: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// Why.
        source: io::Error,
    },
}

#[derive(Debug, Clone)]
struct Pattern {
    text: String,
    exclusion: bool,
    matcher: GlobMatcher,
}

/// A parsed `.dockerignore`.
#[derive(Debug, Clone, Default)]
pub struct DockerIgnore {
    patterns: Vec<Pattern>,
}

impl DockerIgnore {
    /// Reads `<root>/.dockerignore`; a missing file excludes nothing, as in Docker.
    pub fn load(root: &Path) -> Result<DockerIgnore, ContextError> {
        let file = root.join(".dockerignore");
        match std::fs::read_to_string(&file) {
            Ok(text) => DockerIgnore::parse(&text, &file),
            Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(DockerIgnore::default()),
            Err(source) => Err(ContextError::Io { path: file, source }),
        }
    }

    /// Parses ignore-file text; `file` names it in errors.
    pub fn parse(text: &str, file: &Path) -> Result<DockerIgnore, ContextError> {
        let mut patterns = Vec::new();
        for (i, raw) in text.lines().enumerate() {
            let line = raw.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let (exclusion, body) = match line.strip_prefix('!') {
                Some(rest) => (true, rest.trim()),
                None => (false, line),
            };
            let cleaned = clean(body);
            if cleaned.is_empty() {
                continue;
            }
            let matcher = GlobBuilder::new(&cleaned)
                .literal_separator(true)
                .backslash_escape(true)
                .build()
                .map_err(|e| ContextError::Pattern {
                    file: file.to_path_buf(),
                    line: i + 1,
                    pattern: line.to_string(),
                    message: e.kind().to_string(),
                })?
                .compile_matcher();
            patterns.push(Pattern {
                text: cleaned,
                exclusion,
                matcher,
            });
        }
        Ok(DockerIgnore { patterns })
    }

    /// Whether `rel` (slash-separated, relative to the context root) is left out of the
    /// context. A pattern that matches a parent directory matches the path too.
    pub fn is_excluded(&self, rel: &str) -> bool {
        let rel = clean(rel);
        let parents: Vec<&str> = rel.match_indices('/').map(|(i, _)| &rel[..i]).collect();
        let mut excluded = false;
        for p in &self.patterns {
            // An exception can only change the answer for something already excluded, and
            // vice versa: skip the work otherwise.
            if p.exclusion != excluded {
                continue;
            }
            let hit = p.matcher.is_match(&rel) || parents.iter().any(|d| p.matcher.is_match(d));
            if hit {
                excluded = !p.exclusion;
            }
        }
        excluded
    }

    /// Whether an excluded directory must still be walked because an exception pattern could
    /// re-include something inside it. Docker makes the same decision to avoid walking
    /// `target/`.
    pub fn may_reinclude_under(&self, dir: &str) -> bool {
        let dir_slash = format!("{}/", clean(dir));
        self.patterns.iter().filter(|p| p.exclusion).any(|p| {
            let literal_end = p.text.find(['*', '?', '[', '\\']).unwrap_or(p.text.len());
            let literal = &p.text[..literal_end];
            literal.starts_with(&dir_slash) || dir_slash.starts_with(literal)
        })
    }
}

/// Cleans a path or pattern the way Go's `filepath.Clean` does for our purposes: no leading
/// `/` or `./`, no empty or `.` components, no trailing `/`.
fn clean(p: &str) -> String {
    let mut parts: Vec<&str> = Vec::new();
    for part in p.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                parts.pop();
            }
            other => parts.push(other),
        }
    }
    parts.join("/")
}

/// What went into a context, for the build log and for tests.
#[derive(Debug, Clone)]
pub struct Context {
    /// The tar, ready to send to the engine.
    pub tar: Vec<u8>,
    /// The files included (relative, slash-separated), in tar order.
    pub files: Vec<String>,
}

/// Builds the context tar for `root`, honouring its `.dockerignore`; `dockerfile` (relative
/// to root) is always included, as the docker CLI does.
pub fn build_context(root: &Path, dockerfile: &Path) -> Result<Context, ContextError> {
    build_context_with(root, dockerfile, &[])
}

/// Like [`build_context`], with the contents of some files (relative, slash-separated paths)
/// replaced or added in memory. The lab uses it to rebuild after "a one-line change" in the
/// sources without touching the learner's tree.
pub fn build_context_with(
    root: &Path,
    dockerfile: &Path,
    overrides: &[(String, Vec<u8>)],
) -> Result<Context, ContextError> {
    build_context_ignoring(root, dockerfile, &DockerIgnore::load(root)?, overrides)
}

/// The files (relative, slash-separated, directories included) a context of `root` filtered
/// by `ignore` holds, without reading any of them: what a context check measures before
/// anything is sent.
pub fn context_files(root: &Path, ignore: &DockerIgnore) -> Result<Vec<String>, ContextError> {
    let mut files = Vec::new();
    walk(root, root, ignore, &mut files)?;
    Ok(files)
}

/// Like [`build_context_with`], filtered by `ignore` instead of the root's `.dockerignore`.
/// The lab's context exercise uses it: the learner's ignore file decides, as it would at the
/// root of a context of its own.
pub fn build_context_ignoring(
    root: &Path,
    dockerfile: &Path,
    ignore: &DockerIgnore,
    overrides: &[(String, Vec<u8>)],
) -> Result<Context, ContextError> {
    let mut files = context_files(root, ignore)?;
    let always = [
        dockerfile.to_string_lossy().replace('\\', "/"),
        ".dockerignore".to_string(),
    ];
    for f in always {
        if !files.contains(&f) && root.join(&f).is_file() {
            files.push(f);
        }
    }
    for (rel, _) in overrides {
        if !files.contains(rel) {
            files.push(rel.clone());
        }
    }
    let mut builder = tar::Builder::new(Vec::new());
    builder.follow_symlinks(false);
    for rel in &files {
        let path = root.join(rel);
        let io_err = |source| ContextError::Io {
            path: path.clone(),
            source,
        };
        if let Some((_, content)) = overrides.iter().find(|(o, _)| o == rel) {
            let mut header = tar::Header::new_gnu();
            header.set_mode(0o644);
            header.set_size(content.len() as u64);
            builder
                .append_data(&mut header, rel, content.as_slice())
                .map_err(io_err)?;
            continue;
        }
        let meta = std::fs::symlink_metadata(&path).map_err(io_err)?;
        let mut header = tar::Header::new_gnu();
        // Deterministic headers (owner root, fixed mtime): the builder's cache keys on
        // content and mode, and nothing about the host should leak into an image.
        header.set_metadata_in_mode(&meta, tar::HeaderMode::Deterministic);
        if meta.file_type().is_symlink() {
            let target = std::fs::read_link(&path).map_err(io_err)?;
            builder
                .append_link(&mut header, rel, target)
                .map_err(io_err)?;
        } else if meta.is_dir() {
            builder
                .append_data(&mut header, rel, io::empty())
                .map_err(io_err)?;
        } else {
            let file = std::fs::File::open(&path).map_err(io_err)?;
            builder
                .append_data(&mut header, rel, file)
                .map_err(io_err)?;
        }
    }
    let tar = builder.into_inner().map_err(|source| ContextError::Io {
        path: root.to_path_buf(),
        source,
    })?;
    Ok(Context { tar, files })
}

fn walk(
    root: &Path,
    dir: &Path,
    ignore: &DockerIgnore,
    out: &mut Vec<String>,
) -> Result<(), ContextError> {
    let io_err = |source| ContextError::Io {
        path: dir.to_path_buf(),
        source,
    };
    let mut entries: Vec<_> = std::fs::read_dir(dir)
        .map_err(io_err)?
        .collect::<Result<_, _>>()
        .map_err(io_err)?;
    entries.sort_by_key(|e| e.file_name());
    for entry in entries {
        let path = entry.path();
        let rel = path
            .strip_prefix(root)
            .expect("walk stays under root")
            .to_string_lossy()
            .replace('\\', "/");
        let file_type = entry.file_type().map_err(|source| ContextError::Io {
            path: path.clone(),
            source,
        })?;
        let excluded = ignore.is_excluded(&rel);
        if file_type.is_dir() {
            if !excluded {
                out.push(rel.clone());
            }
            if !excluded || ignore.may_reinclude_under(&rel) {
                walk(root, &path, ignore, out)?;
            }
        } else if !excluded {
            out.push(rel);
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ignore(text: &str) -> DockerIgnore {
        DockerIgnore::parse(text, Path::new(".dockerignore")).unwrap()
    }

    #[test]
    fn the_kits_own_rules() {
        let i = ignore("target/\n.git/\n.ci/\ndocs/\n**/*.md\n!README.md\n");
        for excluded in [
            "target",
            "target/release/calculator",
            ".git/HEAD",
            "docs/src/intro.md",
            "calculator/NOTES.md",
            "CHANGELOG.md",
        ] {
            assert!(i.is_excluded(excluded), "{excluded} should be excluded");
        }
        for kept in [
            "README.md",
            "Cargo.toml",
            "calculator/src/main.rs",
            "docker/scratch.Dockerfile",
            "targets.txt",
        ] {
            assert!(!i.is_excluded(kept), "{kept} should be kept");
        }
        assert!(!i.may_reinclude_under("target"));
    }

    #[test]
    fn docker_pattern_semantics() {
        // `*` does not cross directories; `**` does, including zero of them.
        let i = ignore("*.txt\n");
        assert!(i.is_excluded("a.txt"));
        assert!(!i.is_excluded("dir/a.txt"));
        let i = ignore("**/*.txt\n");
        assert!(i.is_excluded("a.txt") && i.is_excluded("x/y/a.txt"));
        let i = ignore("a/**/b\n");
        assert!(i.is_excluded("a/b") && i.is_excluded("a/x/y/b") && !i.is_excluded("b"));
        // `?` is one character, not a slash; classes work.
        let i = ignore("file?\n[abc].rs\n");
        assert!(i.is_excluded("file1") && !i.is_excluded("file12") && i.is_excluded("b.rs"));
        // Leading slash and ./ are dropped; patterns are anchored at the root.
        let i = ignore("/build\n./out\n");
        assert!(i.is_excluded("build/x") && i.is_excluded("out") && !i.is_excluded("src/build"));
        // Comments and blank lines.
        let i = ignore("# target\n\n");
        assert!(!i.is_excluded("target"));
    }

    #[test]
    fn exceptions_and_order() {
        let i = ignore("*.md\n!README*.md\nREADME-secret.md\n");
        assert!(i.is_excluded("CHANGES.md"));
        assert!(!i.is_excluded("README.md"));
        assert!(i.is_excluded("README-secret.md"));
        // An exception inside an excluded directory forces the walk into it.
        let i = ignore("docs\n!docs/keep.txt\n");
        assert!(i.is_excluded("docs/other.txt"));
        assert!(!i.is_excluded("docs/keep.txt"));
        assert!(i.may_reinclude_under("docs"));
        assert!(!i.may_reinclude_under("target"));
    }

    #[test]
    fn a_context_from_a_tree() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        for f in [
            "Cargo.toml",
            "src/main.rs",
            "target/big",
            "docs/a.md",
            "docs/keep.txt",
            "d/x.Dockerfile",
        ] {
            let p = root.join(f);
            std::fs::create_dir_all(p.parent().unwrap()).unwrap();
            std::fs::write(p, f).unwrap();
        }
        std::fs::write(
            root.join(".dockerignore"),
            "target\ndocs\n!docs/keep.txt\nd\n.dockerignore\n",
        )
        .unwrap();
        let ctx = build_context(root, Path::new("d/x.Dockerfile")).unwrap();
        assert_eq!(
            ctx.files,
            [
                "Cargo.toml",
                "docs/keep.txt",
                "src",
                "src/main.rs",
                "d/x.Dockerfile",
                ".dockerignore"
            ]
        );
        let mut archive = tar::Archive::new(ctx.tar.as_slice());
        let names: Vec<String> = archive
            .entries()
            .unwrap()
            .map(|e| e.unwrap().path().unwrap().to_string_lossy().into_owned())
            .collect();
        assert!(names.contains(&"src/main.rs".to_string()));
        assert!(!names.iter().any(|n| n.starts_with("target")));

        let changed = build_context_with(
            root,
            Path::new("d/x.Dockerfile"),
            &[("src/main.rs".to_string(), b"changed".to_vec())],
        )
        .unwrap();
        assert_eq!(changed.files, ctx.files);
        let mut archive = tar::Archive::new(changed.tar.as_slice());
        let main = archive
            .entries()
            .unwrap()
            .map(|e| e.unwrap())
            .find(|e| e.path().unwrap().to_string_lossy() == "src/main.rs")
            .map(|mut e| {
                let mut text = String::new();
                std::io::Read::read_to_string(&mut e, &mut text).unwrap();
                text
            });
        assert_eq!(main.as_deref(), Some("changed"));
        assert_eq!(
            std::fs::read_to_string(root.join("src/main.rs")).unwrap(),
            "src/main.rs"
        );
    }
}
