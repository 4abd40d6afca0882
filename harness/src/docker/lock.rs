//! Builds of the same tag are serialised across processes: the watch mode and `cargo test`
//! in two terminals, or two test runs, would otherwise race to tag the same image and each
//! see the other's half-made result. One lock file per tag under the system's temporary
//! directory; the operating system releases it when the holder exits, however it exits.

use std::fs::{File, OpenOptions};
use std::path::PathBuf;
use std::time::{Duration, Instant};

/// The held lock; dropping it releases the tag.
#[derive(Debug)]
pub(crate) struct TagLock {
    _file: File,
}

/// Why a lock was not taken.
#[derive(Debug, thiserror::Error)]
pub(crate) enum LockError {
    /// The lock file cannot be opened.
    #[error("cannot open the build lock {path}: {source}")]
    Open {
        /// The lock file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// Another process held it for the whole limit.
    #[error("another run kept building {tag} for {waited:?} (lock {path})")]
    Busy {
        /// The tag.
        tag: String,
        /// How long we waited.
        waited: Duration,
        /// The lock file.
        path: PathBuf,
    },
}

/// The lock file of `tag`: its characters outside `[A-Za-z0-9._-]` become `_`.
pub(crate) fn lock_path(tag: &str) -> PathBuf {
    let name: String = tag
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || "._-".contains(c) {
                c
            } else {
                '_'
            }
        })
        .collect();
    std::env::temp_dir()
        .join("calc-kit-build-locks")
        .join(format!("{name}.lock"))
}

/// Takes the lock of `tag`, waiting at most `limit` for another process to finish with it;
/// `waiting` hears once that we wait, and for whom.
pub(crate) async fn lock_tag(
    tag: &str,
    limit: Duration,
    waiting: &mut (dyn FnMut(String) + Send),
) -> Result<TagLock, LockError> {
    let path = lock_path(tag);
    let open = || -> Result<File, LockError> {
        if let Some(dir) = path.parent() {
            let _ = std::fs::create_dir_all(dir);
        }
        OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&path)
            .map_err(|source| LockError::Open {
                path: path.clone(),
                source,
            })
    };
    let file = open()?;
    let started = Instant::now();
    let mut said = false;
    loop {
        match try_lock(&file) {
            Ok(true) => return Ok(TagLock { _file: file }),
            Ok(false) => {}
            Err(source) => {
                return Err(LockError::Open {
                    path: path.clone(),
                    source,
                });
            }
        }
        if !said {
            waiting(format!(
                "another run is building {tag}: waiting for it to finish"
            ));
            said = true;
        }
        if started.elapsed() >= limit {
            return Err(LockError::Busy {
                tag: tag.to_string(),
                waited: started.elapsed(),
                path,
            });
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

/// flock(2) without waiting: `Ok(false)` when another open file holds it. (std's
/// `File::try_lock` does the same from Rust 1.89, above this crate's rust-version.)
#[cfg(unix)]
fn try_lock(file: &File) -> std::io::Result<bool> {
    use std::os::fd::AsRawFd;
    // SAFETY: flock on a descriptor this function borrows, open for its whole call.
    if unsafe { libc::flock(file.as_raw_fd(), libc::LOCK_EX | libc::LOCK_NB) } == 0 {
        return Ok(true);
    }
    let error = std::io::Error::last_os_error();
    if error.raw_os_error() == Some(libc::EWOULDBLOCK) {
        Ok(false)
    } else {
        Err(error)
    }
}

/// Elsewhere the lock is not taken: builds are still serialised within the process.
#[cfg(not(unix))]
fn try_lock(_file: &File) -> std::io::Result<bool> {
    Ok(true)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lock_files_are_named_after_the_tag() {
        let p = lock_path("calc-kit/lab:01-multi-stage");
        assert_eq!(
            p.file_name().unwrap().to_str().unwrap(),
            "calc-kit_lab_01-multi-stage.lock"
        );
    }

    #[tokio::test]
    async fn a_second_holder_waits_until_the_first_lets_go() {
        let tag = format!("calc-kit/lock-test:{}", std::process::id());
        let first = lock_tag(&tag, Duration::from_secs(5), &mut |_| {})
            .await
            .expect("first lock");
        let mut heard = Vec::new();
        let busy = lock_tag(&tag, Duration::from_millis(300), &mut |m| heard.push(m)).await;
        assert!(matches!(busy, Err(LockError::Busy { .. })), "{busy:?}");
        assert_eq!(heard.len(), 1, "said once that it waits: {heard:?}");
        drop(first);
        lock_tag(&tag, Duration::from_secs(5), &mut |_| {})
            .await
            .expect("free again once dropped");
        let _ = std::fs::remove_file(lock_path(&tag));
    }
}
