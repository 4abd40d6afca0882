//! Synthetic layers and saved images, for the tests of everything that reads them.

/// One tar member: a file with its mode, a directory (a path ending in `/`), or a
/// symbolic link (`name->target`).
pub(crate) enum Member<'a> {
    File(&'a str, u32, &'a [u8]),
    Dir(&'a str, u32),
    Link(&'a str),
}

/// A regular file of mode 0o644.
pub(crate) fn file<'a>(path: &'a str, content: &'a [u8]) -> Member<'a> {
    Member::File(path, 0o644, content)
}

/// A tar of `members`.
pub(crate) fn tar_of(members: &[Member]) -> Vec<u8> {
    let mut b = tar::Builder::new(Vec::new());
    for member in members {
        let mut h = tar::Header::new_gnu();
        match member {
            Member::File(path, mode, content) => {
                h.set_entry_type(tar::EntryType::Regular);
                h.set_size(content.len() as u64);
                h.set_mode(*mode);
                h.set_cksum();
                b.append_data(&mut h, path, *content).unwrap();
            }
            Member::Dir(path, mode) => {
                h.set_entry_type(tar::EntryType::Directory);
                h.set_size(0);
                h.set_mode(*mode);
                h.set_cksum();
                b.append_data(&mut h, path, std::io::empty()).unwrap();
            }
            Member::Link(spec) => {
                let (name, target) = spec.split_once("->").unwrap();
                h.set_entry_type(tar::EntryType::Symlink);
                h.set_size(0);
                h.set_mode(0o777);
                b.append_link(&mut h, name, target).unwrap();
            }
        }
    }
    b.into_inner().unwrap()
}

/// A `docker save` archive of `layers` (bottom first) and `config`, in a temporary file;
/// the manifest comes last, as the engine writes it.
pub(crate) fn saved(layers: &[Vec<u8>], config: &str) -> tempfile::NamedTempFile {
    let names: Vec<String> = (0..layers.len())
        .map(|i| format!("l{i}/layer.tar"))
        .collect();
    let manifest = serde_json::json!([{
        "Config": "cfg.json",
        "RepoTags": ["calc-kit/synthetic:test"],
        "Layers": names,
    }])
    .to_string();
    let mut members = vec![Member::File("cfg.json", 0o644, config.as_bytes())];
    for (name, layer) in names.iter().zip(layers) {
        members.push(Member::File(name, 0o644, layer));
    }
    members.push(Member::File("manifest.json", 0o644, manifest.as_bytes()));
    let file = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(file.path(), tar_of(&members)).unwrap();
    file
}
