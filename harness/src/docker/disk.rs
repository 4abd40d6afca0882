//! Free disk before a build: a Rust build writes a gigabyte or more of layers and cache, and
//! a disk that fills half-way through fails with a message about a step, not about the disk.
//! The engine's data directory is measured when it is on this machine; with a remote engine
//! (`DOCKER_HOST=tcp://...`, a path that does not exist here) the check says nothing.

use std::path::Path;

/// The least free space a build starts with: the largest variant's builder stage and its
/// cache fit in it with room to spare.
pub(crate) const MIN_FREE_BYTES: u64 = 2_000_000_000;

/// Free bytes (for an unprivileged user) on the file system holding `path`, or `None` when
/// it cannot be measured here.
pub fn free_bytes(path: &Path) -> Option<u64> {
    #[cfg(unix)]
    {
        use std::os::unix::ffi::OsStrExt;
        let c_path = std::ffi::CString::new(path.as_os_str().as_bytes()).ok()?;
        // SAFETY: statvfs fills the zeroed struct for a NUL-terminated path it only reads.
        let mut stat: libc::statvfs = unsafe { std::mem::zeroed() };
        if unsafe { libc::statvfs(c_path.as_ptr(), &mut stat) } != 0 {
            return None;
        }
        Some((stat.f_bavail as u64).saturating_mul(stat.f_frsize as u64))
    }
    #[cfg(not(unix))]
    {
        let _ = path;
        None
    }
}

/// `Some(message)` when the disk holding `data_dir` (the engine's data directory) has less
/// than [`MIN_FREE_BYTES`] free.
pub(crate) fn shortage(data_dir: &Path) -> Option<String> {
    let free = free_bytes(data_dir)?;
    (free < MIN_FREE_BYTES).then(|| {
        format!(
            "only {} free on the disk of {} (the engine's data); a build needs at least {}",
            crate::render::format::human_size(free),
            data_dir.display(),
            crate::render::format::human_size(MIN_FREE_BYTES)
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn free_space_is_measured_here_and_not_for_a_path_elsewhere() {
        assert!(free_bytes(Path::new("/")).is_some_and(|b| b > 0));
        assert_eq!(free_bytes(Path::new("/no/such/engine/data")), None);
        assert_eq!(shortage(Path::new("/no/such/engine/data")), None);
    }
}
