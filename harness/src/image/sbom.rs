//! A software bill of materials per image, in CycloneDX 1.5 JSON: the Debian packages of the
//! image's own package database (see [`crate::image::surface`]) and the Rust crates the
//! calculator's binary links, with versions from `Cargo.lock` as `cargo metadata` resolves
//! them. Scanners (trivy, grype) read this format; syft reads the Debian part of it from the
//! image itself, which is how the tests check it.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::{Value, json};

use crate::image::surface::DebPackage;

/// The target every image's calculator is built for.
pub const TARGET: &str = "x86_64-unknown-linux-gnu";

/// The CycloneDX version written.
pub(crate) const SPEC_VERSION: &str = "1.5";

/// A Rust crate linked into the binary.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, serde::Serialize, serde::Deserialize)]
pub struct Crate {
    /// Its name.
    pub name: String,
    /// Its version, as locked.
    pub version: String,
}

/// `cargo metadata` output that cannot be used.
#[derive(Debug, thiserror::Error)]
#[error("cargo metadata: {0}")]
pub struct MetadataError(pub String);

/// The crates `root_package` links, itself included, from `cargo metadata --format-version 1
/// --filter-platform TARGET` output: normal dependencies only (no dev or build ones), and no
/// proc-macros (they run in the compiler, not in the binary), followed transitively.
pub(crate) fn linked_crates(
    metadata: &str,
    root_package: &str,
) -> Result<Vec<Crate>, MetadataError> {
    let m: Value = serde_json::from_str(metadata).map_err(|e| MetadataError(e.to_string()))?;
    let err = |what: &str| MetadataError(what.to_string());
    let mut packages: BTreeMap<&str, (&str, &str, bool)> = BTreeMap::new();
    for p in m["packages"].as_array().ok_or_else(|| err("no packages"))? {
        let id = p["id"]
            .as_str()
            .ok_or_else(|| err("a package without id"))?;
        let proc_macro = p["targets"].as_array().is_some_and(|ts| {
            ts.iter().any(|t| {
                t["kind"]
                    .as_array()
                    .is_some_and(|k| k.iter().any(|k| k == "proc-macro"))
            })
        });
        packages.insert(
            id,
            (
                p["name"].as_str().unwrap_or_default(),
                p["version"].as_str().unwrap_or_default(),
                proc_macro,
            ),
        );
    }
    let nodes = m["resolve"]["nodes"]
        .as_array()
        .ok_or_else(|| err("no resolve graph (run without --no-deps)"))?;
    let by_id: BTreeMap<&str, &Value> = nodes
        .iter()
        .filter_map(|n| Some((n["id"].as_str()?, n)))
        .collect();
    let root = packages
        .iter()
        .find(|(_, (name, _, _))| *name == root_package)
        .map(|(id, _)| *id)
        .ok_or_else(|| MetadataError(format!("no package `{root_package}`")))?;
    let mut seen = BTreeSet::new();
    let mut stack = vec![root];
    while let Some(id) = stack.pop() {
        if !seen.insert(id) {
            continue;
        }
        let Some(node) = by_id.get(id) else { continue };
        for dep in node["deps"].as_array().into_iter().flatten() {
            let normal = dep["dep_kinds"]
                .as_array()
                .is_some_and(|ks| ks.iter().any(|k| k["kind"].is_null()));
            let Some(pkg) = dep["pkg"].as_str() else {
                continue;
            };
            if normal && packages.get(pkg).is_some_and(|p| !p.2) {
                stack.push(pkg);
            }
        }
    }
    let mut crates: Vec<Crate> = seen
        .into_iter()
        .filter_map(|id| packages.get(id))
        .map(|(name, version, _)| Crate {
            name: name.to_string(),
            version: version.to_string(),
        })
        .collect();
    crates.sort();
    Ok(crates)
}

/// What an SBOM describes.
#[derive(Debug, Clone)]
pub(crate) struct SbomInput<'a> {
    /// The image reference.
    pub image: &'a str,
    /// The engine's image id.
    pub image_id: &'a str,
    /// The Debian packages found in it.
    pub packages: &'a [DebPackage],
    /// The Rust crates of the calculator in it.
    pub crates: &'a [Crate],
    /// When it was written, RFC 3339.
    pub timestamp: &'a str,
}

fn purl_escape(s: &str) -> String {
    s.replace('%', "%25")
        .replace(':', "%3A")
        .replace('+', "%2B")
        .replace('~', "%7E")
}

/// The CycloneDX document for one image.
pub(crate) fn cyclonedx(input: &SbomInput) -> Value {
    let mut components = Vec::new();
    for p in input.packages {
        let mut purl = format!(
            "pkg:deb/debian/{}@{}",
            purl_escape(&p.name),
            purl_escape(&p.version)
        );
        if !p.architecture.is_empty() {
            purl.push_str(&format!("?arch={}", p.architecture));
        }
        components.push(json!({
            "type": "library",
            "bom-ref": purl,
            "name": p.name,
            "version": p.version,
            "purl": purl,
            "properties": [{"name": "calc-kit:source", "value": "dpkg"}],
        }));
    }
    for c in input.crates {
        let purl = format!("pkg:cargo/{}@{}", c.name, c.version);
        components.push(json!({
            "type": if c.name == "calculator" { "application" } else { "library" },
            "bom-ref": purl,
            "name": c.name,
            "version": c.version,
            "purl": purl,
            "properties": [{"name": "calc-kit:source", "value": "Cargo.lock"}],
        }));
    }
    json!({
        "bomFormat": "CycloneDX",
        "specVersion": SPEC_VERSION,
        "version": 1,
        "metadata": {
            "timestamp": input.timestamp,
            "tools": {"components": [{"type": "application", "name": "calc-kit harness", "version": env!("CARGO_PKG_VERSION")}]},
            "component": {
                "type": "container",
                "bom-ref": input.image_id,
                "name": input.image,
                "version": input.image_id,
            },
        },
        "components": components,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const METADATA: &str = r#"{
      "packages": [
        {"id": "app", "name": "calculator", "version": "0.1.0", "targets": [{"kind": ["bin"]}]},
        {"id": "num", "name": "num-bigint", "version": "0.4.6", "targets": [{"kind": ["lib"]}]},
        {"id": "derive", "name": "some-derive", "version": "1.0.0", "targets": [{"kind": ["proc-macro"]}]},
        {"id": "syn", "name": "syn", "version": "2.0.0", "targets": [{"kind": ["lib"]}]},
        {"id": "test", "name": "pretty", "version": "1.0.0", "targets": [{"kind": ["lib"]}]},
        {"id": "cc", "name": "cc", "version": "1.2.0", "targets": [{"kind": ["lib"]}]}
      ],
      "resolve": {"nodes": [
        {"id": "app", "deps": [
          {"pkg": "num", "dep_kinds": [{"kind": null}]},
          {"pkg": "derive", "dep_kinds": [{"kind": null}]},
          {"pkg": "test", "dep_kinds": [{"kind": "dev"}]},
          {"pkg": "cc", "dep_kinds": [{"kind": "build"}]}
        ]},
        {"id": "num", "deps": []},
        {"id": "derive", "deps": [{"pkg": "syn", "dep_kinds": [{"kind": null}]}]},
        {"id": "syn", "deps": []}, {"id": "test", "deps": []}, {"id": "cc", "deps": []}
      ]}
    }"#;

    #[test]
    fn only_normal_non_macro_dependencies_are_linked() {
        let crates = linked_crates(METADATA, "calculator").unwrap();
        let names: Vec<_> = crates.iter().map(|c| c.name.as_str()).collect();
        assert_eq!(names, ["calculator", "num-bigint"]);
        assert!(linked_crates(METADATA, "absent").is_err());
        assert!(linked_crates("{", "calculator").is_err());
    }

    #[test]
    fn cyclonedx_lists_both_kinds_with_purls() {
        let packages = [DebPackage {
            name: "libc6".into(),
            version: "2.41-12+deb13u1".into(),
            architecture: "amd64".into(),
        }];
        let crates = [Crate {
            name: "num-bigint".into(),
            version: "0.4.6".into(),
        }];
        let doc = cyclonedx(&SbomInput {
            image: "calc-kit/calculator:distroless-cc",
            image_id: "sha256:abc",
            packages: &packages,
            crates: &crates,
            timestamp: "2026-12-01T00:00:00Z",
        });
        assert_eq!(doc["bomFormat"], "CycloneDX");
        let purls: Vec<_> = doc["components"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["purl"].as_str().unwrap().to_string())
            .collect();
        assert_eq!(
            purls,
            [
                "pkg:deb/debian/libc6@2.41-12%2Bdeb13u1?arch=amd64",
                "pkg:cargo/num-bigint@0.4.6"
            ]
        );
    }
}
