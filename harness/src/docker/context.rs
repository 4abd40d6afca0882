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
use std::os::unix::fs::MetadataExt;
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

    /// Makes sure `rel` is sent even if a pattern excludes it, by appending the exception
    /// `!rel` as the docker CLI does for the Dockerfile and `.dockerignore`.
    pub fn always_send(&mut self, rel: &str) -> Result<(), ContextError> {
        if self.is_excluded(rel) {
            let extra = DockerIgnore::parse(&format!("!{rel}"), Path::new(rel))?;
            self.patterns.extend(extra.patterns);
        }
        Ok(())
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
    /// The entries included (relative, slash-separated; directories too), in tar order.
    pub files: Vec<String>,
}

/// Builds the context tar for `root`, honouring its `.dockerignore`; `dockerfile` (relative
/// to root) is always included, as the docker CLI does.
///
/// The tar is the one `docker build` sends for the same tree: entries in the order of a
/// lexical walk (a directory's entry, then what is under it), directories as entries of their
/// own with a trailing `/`, real permission bits and modification times (whole seconds),
/// owner 0:0 with no user or group names, POSIX ustar headers written as Go's `archive/tar`
/// writes them. The legacy builder keys its `COPY` cache on every entry's name, mode, owner,
/// size and type (not its time), so any of these that differed from the CLI's would make the
/// CLI and the harness build different images from the same sources, each missing the
/// other's cache.
pub fn build_context(root: &Path, dockerfile: &Path) -> Result<Context, ContextError> {
    build_context_with(root, dockerfile, &[])
}

/// Like [`build_context`], with the contents of some files (relative, slash-separated paths)
/// replaced or added in memory. The lab uses it to rebuild after "a one-line change" in the
/// sources without touching the learner's tree. A replaced file keeps its mode and time; an
/// added one is 0644 at time 0, and goes at the end of the tar.
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
    let mut ignore = ignore.clone();
    let dockerfile = dockerfile.to_string_lossy().replace('\\', "/");
    // The CLI appends `!.dockerignore` and `!<dockerfile>` to the patterns when they are
    // excluded, so both are sent in their place in the walk.
    for always in [".dockerignore", dockerfile.as_str()] {
        ignore.always_send(always)?;
    }
    let mut files = context_files(root, &ignore)?;
    for f in [dockerfile.as_str(), ".dockerignore"] {
        if !files.iter().any(|e| e == f) && root.join(f).is_file() {
            files.push(f.to_string());
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
        let meta = match std::fs::symlink_metadata(&path) {
            Ok(meta) => Some(meta),
            Err(e)
                if e.kind() == io::ErrorKind::NotFound
                    && overrides.iter().any(|(o, _)| o == rel) =>
            {
                None
            }
            Err(e) => return Err(io_err(e)),
        };
        let entry = match (overrides.iter().find(|(o, _)| o == rel), &meta) {
            (Some((_, content)), meta) => Entry {
                name: rel.clone(),
                mode: meta.as_ref().map_or(0o644, |m| m.mode() & 0o7777),
                mtime: meta.as_ref().map_or(0, |m| m.mtime()),
                kind: Kind::File(content.clone()),
            },
            (None, Some(meta)) => {
                let file_type = meta.file_type();
                let kind = if file_type.is_symlink() {
                    let target = std::fs::read_link(&path).map_err(io_err)?;
                    Kind::Symlink(target.to_string_lossy().into_owned())
                } else if file_type.is_dir() {
                    Kind::Dir
                } else if file_type.is_file() {
                    Kind::File(std::fs::read(&path).map_err(io_err)?)
                } else {
                    // Sockets, FIFOs and devices have no place in a source tree, and reading
                    // a FIFO would block: they are left out.
                    continue;
                };
                Entry {
                    name: rel.clone(),
                    mode: meta.mode() & 0o7777,
                    mtime: meta.mtime(),
                    kind,
                }
            }
            (None, None) => unreachable!("a missing file is only accepted as an override"),
        };
        entry.append(&mut builder).map_err(io_err)?;
    }
    let tar = builder.into_inner().map_err(|source| ContextError::Io {
        path: root.to_path_buf(),
        source,
    })?;
    Ok(Context { tar, files })
}

/// One tar entry, with the fields the docker CLI sets.
#[derive(Debug, Clone)]
struct Entry {
    name: String,
    mode: u32,
    mtime: i64,
    kind: Kind,
}

#[derive(Debug, Clone)]
enum Kind {
    File(Vec<u8>),
    Dir,
    Symlink(String),
}

impl Entry {
    fn typeflag(&self) -> u8 {
        match self.kind {
            Kind::File(_) => b'0',
            Kind::Dir => b'5',
            Kind::Symlink(_) => b'2',
        }
    }

    /// The name as it goes into the header: a directory's ends in `/`.
    fn tar_name(&self) -> String {
        match self.kind {
            Kind::Dir => format!("{}/", self.name),
            _ => self.name.clone(),
        }
    }

    fn data(&self) -> &[u8] {
        match &self.kind {
            Kind::File(bytes) => bytes,
            _ => &[],
        }
    }

    fn link(&self) -> &str {
        match &self.kind {
            Kind::Symlink(target) => target,
            _ => "",
        }
    }

    /// Appends the entry: a ustar header exactly as Go's writer makes it when the fields fit
    /// one, else (names over 255 bytes, non-ASCII names) through the tar crate's extensions,
    /// which differ from Go's PAX records in bytes but give the engine the same fields.
    fn append(&self, builder: &mut tar::Builder<Vec<u8>>) -> io::Result<()> {
        if let Some(block) = self.go_ustar_header() {
            let header = tar::Header::from_byte_slice(&block);
            return builder.append(header, self.data());
        }
        let mut header = tar::Header::new_ustar();
        header.set_mode(self.mode);
        header.set_uid(0);
        header.set_gid(0);
        header.set_mtime(u64::try_from(self.mtime).unwrap_or(0));
        header.set_entry_type(tar::EntryType::new(self.typeflag()));
        header.set_size(self.data().len() as u64);
        match &self.kind {
            Kind::Symlink(target) => builder.append_link(&mut header, &self.name, target),
            _ => builder.append_data(&mut header, self.tar_name(), self.data()),
        }
    }

    /// The 512-byte header Go's `archive/tar` writes in USTAR format for these fields, or
    /// `None` when they need PAX records there.
    fn go_ustar_header(&self) -> Option<[u8; 512]> {
        let name = self.tar_name();
        let link = self.link();
        let size = self.data().len() as u64;
        let mtime = u64::try_from(self.mtime).ok()?;
        if !name.is_ascii() || !link.is_ascii() || link.len() > 100 {
            return None;
        }
        if size >= 1 << 33 || mtime >= 1 << 33 {
            return None;
        }
        let (prefix, short) = split_ustar_path(&name)?;
        let mut block = [0u8; 512];
        block[..short.len()].copy_from_slice(short.as_bytes());
        octal(&mut block[100..108], u64::from(self.mode));
        octal(&mut block[108..116], 0);
        octal(&mut block[116..124], 0);
        octal(&mut block[124..136], size);
        octal(&mut block[136..148], mtime);
        block[156] = self.typeflag();
        block[157..157 + link.len()].copy_from_slice(link.as_bytes());
        block[257..263].copy_from_slice(b"ustar\0");
        block[263..265].copy_from_slice(b"00");
        octal(&mut block[329..337], 0);
        octal(&mut block[337..345], 0);
        block[345..345 + prefix.len()].copy_from_slice(prefix.as_bytes());
        // The checksum is summed with its own field as spaces, then written as six octal
        // digits, a NUL and a space.
        block[148..156].fill(b' ');
        let sum: u64 = block.iter().map(|&b| u64::from(b)).sum();
        octal(&mut block[148..155], sum);
        Some(block)
    }
}

/// Writes `value` as zero-padded octal filling `field` but its last byte, which is NUL.
fn octal(field: &mut [u8], value: u64) {
    let digits = format!("{value:0width$o}", width = field.len() - 1);
    field[..digits.len()].copy_from_slice(digits.as_bytes());
    field[digits.len()] = 0;
}

/// Splits a name for ustar's prefix (155 bytes) and name (100 bytes) fields as Go does: the
/// whole name when it fits, else at the last `/` that leaves a prefix that fits.
fn split_ustar_path(name: &str) -> Option<(&str, &str)> {
    if name.len() <= 100 {
        return Some(("", name));
    }
    let mut length = name.len();
    if length > 156 {
        length = 156;
    } else if name.ends_with('/') {
        length -= 1;
    }
    let i = name[..length].rfind('/')?;
    let (prefix, short) = (&name[..i], &name[i + 1..]);
    if i == 0 || short.is_empty() || short.len() > 100 || prefix.len() > 155 {
        return None;
    }
    Some((prefix, short))
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
            // The walk's order: the Dockerfile and .dockerignore, though excluded, are sent in
            // their place, as the CLI's appended exceptions `!<dockerfile>` and
            // `!.dockerignore` place them.
            [
                ".dockerignore",
                "Cargo.toml",
                "d/x.Dockerfile",
                "docs/keep.txt",
                "src",
                "src/main.rs",
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

    #[test]
    fn entries_as_the_docker_cli_writes_them() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        let write = |rel: &str, mode: u32| {
            let p = root.join(rel);
            std::fs::create_dir_all(p.parent().unwrap()).unwrap();
            std::fs::write(&p, rel).unwrap();
            std::fs::set_permissions(&p, std::fs::Permissions::from_mode(mode)).unwrap();
        };
        write("a.txt", 0o664);
        write("a/b/run.sh", 0o755);
        write("a/secret", 0o600);
        write("lab/x.Dockerfile", 0o644);
        write("lab/other", 0o644);
        std::fs::set_permissions(root.join("a/b"), std::fs::Permissions::from_mode(0o775)).unwrap();
        std::os::unix::fs::symlink("a.txt", root.join("link")).unwrap();
        std::fs::write(root.join(".dockerignore"), "lab\n").unwrap();
        let ctx = build_context(root, Path::new("lab/x.Dockerfile")).unwrap();

        let mut archive = tar::Archive::new(ctx.tar.as_slice());
        let mut seen = Vec::new();
        for entry in archive.entries().unwrap() {
            let entry = entry.unwrap();
            let h = entry.header();
            let raw_name = String::from_utf8_lossy(&h.as_bytes()[..100])
                .trim_end_matches('\0')
                .to_string();
            let meta =
                std::fs::symlink_metadata(root.join(raw_name.trim_end_matches('/'))).unwrap();
            // POSIX ustar as Go writes it: magic, version, checksum as six digits, NUL, space.
            assert_eq!(&h.as_bytes()[257..265], b"ustar\x0000", "{raw_name}");
            assert_eq!(h.as_bytes()[154..156], [0, b' '], "{raw_name}");
            assert_eq!((h.uid().unwrap(), h.gid().unwrap()), (0, 0));
            assert_eq!(h.username().unwrap(), Some(""));
            assert_eq!(
                h.mtime().unwrap() as i64,
                meta.mtime(),
                "{raw_name}: real mtime"
            );
            seen.push((raw_name, h.mode().unwrap(), h.entry_type().as_byte()));
        }
        let expected: Vec<(String, u32, u8)> = [
            (".dockerignore", 0o644, b'0'),
            ("a/", 0o755, b'5'),
            ("a/b/", 0o775, b'5'),
            ("a/b/run.sh", 0o755, b'0'),
            ("a/secret", 0o600, b'0'),
            ("a.txt", 0o664, b'0'),
            // Inside an excluded directory: sent in its place, without its directory.
            ("lab/x.Dockerfile", 0o644, b'0'),
            ("link", 0o777, b'2'),
        ]
        .into_iter()
        .map(|(n, m, t)| (n.to_string(), m, t))
        .collect();
        assert_eq!(seen, expected);
        assert_eq!(ctx.tar.len() % 512, 0);
        assert!(ctx.tar.ends_with(&[0; 1024]));
    }

    #[test]
    fn long_names_split_as_go_splits_them() {
        let long = format!("{}/{}", "d".repeat(120), "f".repeat(90));
        assert_eq!(split_ustar_path(&long), Some((&long[..120], &long[121..])));
        assert_eq!(split_ustar_path("short/name"), Some(("", "short/name")));
        // No slash to split at, or a last part over 100 bytes: Go needs PAX records.
        assert_eq!(split_ustar_path(&"x".repeat(101)), None);
        assert_eq!(split_ustar_path(&format!("a/{}", "y".repeat(101))), None);
    }
}
