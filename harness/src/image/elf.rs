//! The one thing the kit reads from an ELF file: whether it asks for an interpreter (the
//! dynamic loader), which is what "statically linked" means for the lab and the catalogue.

/// The ELF interpreter (`/lib64/ld-linux-x86-64.so.2`) a 64-bit little-endian executable asks
/// for, `None` for a static one. `bytes` must hold the program headers.
pub fn elf_interpreter(bytes: &[u8]) -> Result<Option<String>, String> {
    if bytes.len() < 64 || &bytes[..4] != b"\x7fELF" {
        return Err("not an ELF file".into());
    }
    if bytes[4] != 2 || bytes[5] != 1 {
        return Err("not a 64-bit little-endian ELF file".into());
    }
    let u16_at = |o: usize| u16::from_le_bytes([bytes[o], bytes[o + 1]]) as usize;
    let u64_at = |o: usize| {
        bytes
            .get(o..o + 8)
            .map(|b| u64::from_le_bytes(b.try_into().expect("8 bytes")) as usize)
    };
    let phoff = u64_at(0x20).ok_or("truncated header")?;
    let (phentsize, phnum) = (u16_at(0x36), u16_at(0x38));
    for i in 0..phnum {
        let at = phoff + i * phentsize;
        let header = bytes
            .get(at..at + phentsize.max(0x28))
            .ok_or("program headers beyond what was read")?;
        const PT_INTERP: u32 = 3;
        if u32::from_le_bytes(header[..4].try_into().expect("4 bytes")) == PT_INTERP {
            let offset = u64_at(at + 8).ok_or("truncated header")?;
            let size = u64_at(at + 32).ok_or("truncated header")?;
            let name = bytes
                .get(offset..offset + size)
                .ok_or("interpreter name beyond what was read")?;
            let name = String::from_utf8_lossy(name)
                .trim_end_matches('\0')
                .to_string();
            return Ok(Some(name));
        }
    }
    Ok(None)
}
