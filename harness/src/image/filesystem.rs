//! An image's final filesystem as paths and what they are, and the questions the kit asks
//! of it the way the kernel would answer them inside the container: where a symbolic link
//! leads, whether `/bin/sh` is a shell, where cargo is.

use std::collections::BTreeMap;

/// What kind of entry a path is in the image's filesystem.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Node {
    /// A regular file.
    File {
        /// Its size in bytes.
        size: u64,
        /// Its permission bits (`0o755`).
        mode: u32,
    },
    /// A directory.
    Dir,
    /// A symbolic link to this target.
    Symlink(String),
    /// A hard link to this path.
    Hardlink(String),
    /// Anything else (device, fifo).
    Other,
}

/// The image's final filesystem, all layers applied (whiteouts honoured).
#[derive(Debug, Clone, Default)]
pub struct Filesystem {
    /// Paths without a leading `/`, mapped to what they are.
    pub entries: BTreeMap<String, Node>,
}

impl Filesystem {
    /// Resolves symlinks (absolute and relative, in any component, as the kernel would inside
    /// the container) and returns the final path and node: `/bin/sh` on a merged-/usr Debian
    /// is `usr/bin/dash`.
    pub fn resolve(&self, path: &str) -> Option<(String, &Node)> {
        let mut pending: Vec<String> = path
            .split('/')
            .filter(|s| !s.is_empty())
            .map(String::from)
            .rev()
            .collect();
        let mut current: Vec<String> = Vec::new();
        let mut hops = 0;
        while let Some(part) = pending.pop() {
            match part.as_str() {
                "." => continue,
                ".." => {
                    current.pop();
                    continue;
                }
                _ => {}
            }
            current.push(part);
            let joined = current.join("/");
            // Tars need not list parent directories: a missing one is implied.
            if let Some(Node::Symlink(target)) = self.entries.get(&joined) {
                hops += 1;
                if hops > 40 {
                    return None;
                }
                current.pop();
                if target.starts_with('/') {
                    current.clear();
                }
                for p in target.split('/').filter(|s| !s.is_empty()).rev() {
                    pending.push(p.to_string());
                }
            }
        }
        let joined = current.join("/");
        if joined.is_empty() {
            return Some((joined, &Node::Dir));
        }
        self.entries.get(&joined).map(|n| (joined.clone(), n))
    }

    /// Whether `path` exists and is (after links) a file: "is there a /bin/sh".
    pub fn has_file(&self, path: &str) -> bool {
        matches!(
            self.resolve(path),
            Some((_, Node::File { .. } | Node::Hardlink(_)))
        )
    }

    /// Whether `path` resolves (through symbolic and hard links) to a regular file that
    /// someone may execute. This is what "the image has a shell" means: `/bin/sh` resolves to
    /// an executable file; a dangling link is no shell.
    pub fn is_executable(&self, path: &str) -> bool {
        let mut node = self.resolve(path);
        for _ in 0..40 {
            match node {
                Some((_, Node::File { mode, .. })) => return mode & 0o111 != 0,
                Some((_, Node::Hardlink(target))) => node = self.resolve(&format!("/{target}")),
                _ => return false,
            }
        }
        false
    }

    /// Whether the image has a shell: `/bin/sh` is executable (see [`Self::is_executable`]).
    pub fn has_shell(&self) -> bool {
        self.is_executable("/bin/sh")
    }

    /// Size of the file at `path` after links, if it is one.
    pub fn file_size(&self, path: &str) -> Option<u64> {
        match self.resolve(path)? {
            (_, Node::File { size, .. }) => Some(*size),
            _ => None,
        }
    }

    /// Number of non-directory entries (files, links, devices): what "files in the image"
    /// means in the tables.
    pub fn file_count(&self) -> u64 {
        self.entries.values().filter(|n| **n != Node::Dir).count() as u64
    }

    /// Paths of files named `name` in any `bin` or `sbin` directory, like `which -a` over
    /// every possible PATH: finds cargo in /usr/local/cargo/bin without knowing the layout.
    pub fn find_program(&self, name: &str) -> Vec<String> {
        self.entries
            .iter()
            .filter(|(path, node)| {
                let (dir, base) = path.rsplit_once('/').unwrap_or(("", path));
                base == name
                    && (dir.ends_with("bin") || dir.ends_with("sbin"))
                    && matches!(
                        node,
                        Node::File { .. } | Node::Symlink(_) | Node::Hardlink(_)
                    )
            })
            .map(|(p, _)| format!("/{p}"))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_shell_is_an_executable_bin_sh() {
        let fs = |entries: &[(&str, Node)]| Filesystem {
            entries: entries
                .iter()
                .map(|(p, n)| (p.to_string(), n.clone()))
                .collect(),
        };
        let dash = Node::File {
            size: 125_000,
            mode: 0o755,
        };
        let merged = fs(&[
            ("bin", Node::Symlink("usr/bin".into())),
            ("usr/bin/sh", Node::Symlink("dash".into())),
            ("usr/bin/dash", dash.clone()),
        ]);
        assert!(merged.has_shell());
        let hard = fs(&[
            ("bin/sh", Node::Hardlink("bin/dash".into())),
            ("bin/dash", dash),
        ]);
        assert!(hard.has_shell());
        let dangling = fs(&[("bin/sh", Node::Symlink("/bin/busybox".into()))]);
        assert!(!dangling.has_shell(), "a dangling link is no shell");
        let not_executable = fs(&[(
            "bin/sh",
            Node::File {
                size: 10,
                mode: 0o644,
            },
        )]);
        assert!(!not_executable.has_shell());
        assert!(!fs(&[]).has_shell());
    }
}
