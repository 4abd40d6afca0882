//! Image references (`name[:tag][@digest]`) taken apart the way Docker reads them, for the
//! lint rules and for testcontainers, which wants the name and the tag separately.

/// An image reference in its parts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct ImageRef<'a> {
    /// Registry, path and name: `gcr.io/distroless/cc-debian13`, `localhost:5000/calc`.
    pub(crate) name: &'a str,
    /// The tag, when one is written.
    pub(crate) tag: Option<&'a str>,
    /// The digest after `@`, when one is written.
    pub(crate) digest: Option<&'a str>,
}

impl<'a> ImageRef<'a> {
    /// Splits `reference`: the tag is after the last `:` that follows the last `/` (so a
    /// registry port is not a tag), the digest after `@`.
    pub(crate) fn parse(reference: &'a str) -> ImageRef<'a> {
        let (rest, digest) = match reference.split_once('@') {
            Some((r, d)) => (r, Some(d)),
            None => (reference, None),
        };
        let last_slash = rest.rfind('/').map(|i| i + 1).unwrap_or(0);
        let (name, tag) = match rest[last_slash..].rfind(':') {
            Some(i) => (&rest[..last_slash + i], Some(&rest[last_slash + i + 1..])),
            None => (rest, None),
        };
        ImageRef { name, tag, digest }
    }

    /// The tag, or `latest` as Docker assumes when none is written.
    pub(crate) fn tag_or_latest(&self) -> &'a str {
        self.tag.unwrap_or("latest")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn registry_ports_are_not_tags() {
        let r = ImageRef::parse("localhost:5000/calc");
        assert_eq!(
            (r.name, r.tag, r.digest),
            ("localhost:5000/calc", None, None)
        );
        assert_eq!(r.tag_or_latest(), "latest");
        let r = ImageRef::parse("gcr.io/distroless/cc-debian13:nonroot");
        assert_eq!(
            (r.name, r.tag),
            ("gcr.io/distroless/cc-debian13", Some("nonroot"))
        );
        let r = ImageRef::parse("debian@sha256:abc");
        assert_eq!(
            (r.name, r.tag, r.digest),
            ("debian", None, Some("sha256:abc"))
        );
        let r = ImageRef::parse("calc-kit/calculator:scratch");
        assert_eq!(
            (r.name, r.tag_or_latest()),
            ("calc-kit/calculator", "scratch")
        );
    }
}
