//! A pulled layer applied to a directory as a pull applies it: gunzipped, unpacked in order
//! over what the layers below left, whiteouts honoured; and the bytes it moved counted.

use std::io::Read;
use std::path::Path;

/// A reader that counts the bytes read through it.
pub(super) struct Counted<R> {
    pub(super) inner: R,
    pub(super) count: u64,
}

impl<R: Read> Read for Counted<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.count += n as u64;
        Ok(n)
    }
}

/// Gunzips and unpacks one layer over `dest`. Whiteouts are applied the way a pull applies
/// them; device nodes and ownership are skipped (the time is in the bytes, not in mknod).
pub(super) fn unpack_layer(reader: &mut impl Read, dest: &Path) -> std::io::Result<()> {
    let gz = flate2::read::GzDecoder::new(reader);
    let mut archive = tar::Archive::new(gz);
    archive.set_preserve_permissions(false);
    archive.set_preserve_ownerships(false);
    archive.set_unpack_xattrs(false);
    archive.set_overwrite(true);
    for entry in archive.entries()? {
        let mut entry = entry?;
        let path = entry.path()?.into_owned();
        let base = path.file_name().and_then(|b| b.to_str()).unwrap_or("");
        if let Some(hidden) = base.strip_prefix(".wh.") {
            let parent = dest.join(path.parent().unwrap_or(Path::new("")));
            if hidden == ".wh..opq" {
                if let Ok(children) = std::fs::read_dir(&parent) {
                    for child in children.flatten() {
                        remove_any(&child.path());
                    }
                }
            } else {
                remove_any(&parent.join(hidden));
            }
            continue;
        }
        let kind = entry.header().entry_type();
        if matches!(
            kind,
            tar::EntryType::Block | tar::EntryType::Char | tar::EntryType::Fifo
        ) {
            continue;
        }
        // An upper layer's entry replaces what a lower one left at that path (a file, a
        // link, or a directory replaced by a non-directory), as the engine's overlay does.
        let target = dest.join(&path);
        if let Ok(existing) = std::fs::symlink_metadata(&target)
            && !(existing.is_dir() && kind == tar::EntryType::Directory)
        {
            remove_any(&target);
        }
        entry.unpack_in(dest).map_err(|e| {
            let mut text = e.to_string();
            let mut cause: Option<&dyn std::error::Error> = std::error::Error::source(&e);
            while let Some(c) = cause {
                text = format!("{text}: {c}");
                cause = c.source();
            }
            std::io::Error::other(text)
        })?;
    }
    Ok(())
}

fn remove_any(path: &Path) {
    if path.is_dir() && !path.is_symlink() {
        let _ = std::fs::remove_dir_all(path);
    } else {
        let _ = std::fs::remove_file(path);
    }
}
