//! One entry of a context tar, written as the docker CLI writes it: a POSIX ustar header
//! exactly as Go's `archive/tar` makes it when the fields fit one, else the tar crate's
//! extensions. The legacy builder keys its `COPY` cache on these headers, so they must match
//! the CLI's byte for byte (see [`super::build_context`]).

use std::io;

/// One tar entry, with the fields the docker CLI sets.
#[derive(Debug, Clone)]
pub(super) struct Entry {
    pub(super) name: String,
    pub(super) mode: u32,
    pub(super) mtime: i64,
    pub(super) kind: Kind,
}

#[derive(Debug, Clone)]
pub(super) enum Kind {
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
    pub(super) fn append(&self, builder: &mut tar::Builder<Vec<u8>>) -> io::Result<()> {
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

#[cfg(test)]
mod tests {
    use super::*;

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
