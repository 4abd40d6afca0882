//! `.dockerignore`, matched as Docker matches it: patterns are relative to the context root
//! (a leading `/` is dropped, paths are cleaned); `*` and `?` do not cross `/`; `**` matches
//! any number of directories, including none; a pattern that matches a directory excludes
//! everything under it; `!` re-includes; the last matching pattern wins; `#` lines are
//! comments.

use std::io;
use std::path::Path;

use globset::{GlobBuilder, GlobMatcher};

use super::ContextError;

#[derive(Debug, Clone)]
struct Pattern {
    text: String,
    exclusion: bool,
    matcher: GlobMatcher,
}

/// A parsed `.dockerignore`.
#[derive(Debug, Clone, Default)]
pub(crate) struct DockerIgnore {
    patterns: Vec<Pattern>,
}

impl DockerIgnore {
    /// Reads `<root>/.dockerignore`; a missing file excludes nothing, as in Docker.
    pub(crate) fn load(root: &Path) -> Result<DockerIgnore, ContextError> {
        let file = root.join(".dockerignore");
        match std::fs::read_to_string(&file) {
            Ok(text) => DockerIgnore::parse(&text, &file),
            Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(DockerIgnore::default()),
            Err(source) => Err(ContextError::Io { path: file, source }),
        }
    }

    /// Parses ignore-file text; `file` names it in errors.
    pub(crate) fn parse(text: &str, file: &Path) -> Result<DockerIgnore, ContextError> {
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

    /// Makes sure `rel` is sent even if a pattern excludes it, by appending the exception
    /// `!rel` as the docker CLI does for the Dockerfile and `.dockerignore`.
    pub(crate) fn always_send(&mut self, rel: &str) -> Result<(), ContextError> {
        if self.is_excluded(rel) {
            let extra = DockerIgnore::parse(&format!("!{rel}"), Path::new(rel))?;
            self.patterns.extend(extra.patterns);
        }
        Ok(())
    }

    /// Whether `rel` (slash-separated, relative to the context root) is left out of the
    /// context. A pattern that matches a parent directory matches the path too.
    pub(crate) fn is_excluded(&self, rel: &str) -> bool {
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
    pub(crate) fn may_reinclude_under(&self, dir: &str) -> bool {
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
}
