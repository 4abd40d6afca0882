//! The build context: the repository root as a tar, minus what `.dockerignore` excludes
//! ([`DockerIgnore`], matched as Docker matches it), each entry written as the docker CLI
//! writes it. testcontainers' buildable images ignore `.dockerignore`, and an unfiltered
//! context here would ship `target/` (gigabytes) to the engine on every build. The Dockerfile
//! and `.dockerignore` are always sent, as the docker CLI does.

mod entry;
mod ignore;

use std::io;
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};

use entry::{Entry, Kind};
pub(crate) use ignore::DockerIgnore;

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

/// What went into a context, for the build log and for tests.
#[derive(Debug, Clone)]
pub struct Context {
    /// The tar, ready to send to the engine.
    pub tar: Vec<u8>,
    /// The entries included (relative, slash-separated; directories too), in tar order.
    pub(crate) files: Vec<String>,
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
pub(crate) fn build_context_with(
    root: &Path,
    dockerfile: &Path,
    overrides: &[(String, Vec<u8>)],
) -> Result<Context, ContextError> {
    build_context_ignoring(root, dockerfile, &DockerIgnore::load(root)?, overrides)
}

/// The files (relative, slash-separated, directories included) a context of `root` filtered
/// by `ignore` holds, without reading any of them: what a context check measures before
/// anything is sent.
pub(crate) fn context_files(
    root: &Path,
    ignore: &DockerIgnore,
) -> Result<Vec<String>, ContextError> {
    let mut files = Vec::new();
    walk(root, root, ignore, &mut files)?;
    Ok(files)
}

/// Like [`build_context_with`], filtered by `ignore` instead of the root's `.dockerignore`.
/// The lab's context exercise uses it: the learner's ignore file decides, as it would at the
/// root of a context of its own.
pub(crate) fn build_context_ignoring(
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
}
