//! The checks a catalogue passes before anyone uses it: no key that no table has (serde
//! alone would name the key without its table), and values that make sense together (names
//! that are image tags, size bounds that are an interval, roles at the ends of the size
//! ordering).

use std::path::Path;

use super::{Catalogue, CatalogueError, parse_uid_gid};

/// The keys each table may have; anything else is a typo that serde would name without its
/// table, so it is caught first, here, with the table and the variant named.
const TOP_KEYS: &[&str] = &["repository", "bases", "roles", "attack_surface", "variant"];
const BASES_KEYS: &[&str] = &["script", "label"];
const ROLES_KEYS: &[&str] = &["baseline", "smallest"];
const ATTACK_SURFACE_KEYS: &[&str] = &["tools"];
const VARIANT_KEYS: &[&str] = &[
    "name",
    "dockerfile",
    "title",
    "teaches",
    "final_base",
    "size_rank",
    "min_size_mb",
    "max_size_mb",
    "user",
    "shell",
    "package_manager",
    "toolchain",
    "hardened",
    "static_binary",
    "intruder_tools",
];

/// The first key of `table` not in `known`.
fn unknown_key<'a>(table: &'a toml::Table, known: &[&str]) -> Option<&'a str> {
    table
        .keys()
        .map(String::as_str)
        .find(|k| !known.contains(k))
}

/// Rejects a key no table of the catalogue has, naming the file, the table and the key.
pub(super) fn check_keys(table: &toml::Table, path: &Path) -> Result<(), CatalogueError> {
    let unknown = |table: String, key: &str, known: &[&str]| CatalogueError::UnknownKey {
        path: path.to_path_buf(),
        table,
        key: key.to_string(),
        known: known.join(", "),
    };
    if let Some(key) = unknown_key(table, TOP_KEYS) {
        return Err(unknown("the top level".into(), key, TOP_KEYS));
    }
    for (name, known) in [
        ("bases", BASES_KEYS),
        ("roles", ROLES_KEYS),
        ("attack_surface", ATTACK_SURFACE_KEYS),
    ] {
        if let Some(toml::Value::Table(t)) = table.get(name)
            && let Some(key) = unknown_key(t, known)
        {
            return Err(unknown(format!("[{name}]"), key, known));
        }
    }
    if let Some(toml::Value::Array(variants)) = table.get("variant") {
        for (i, v) in variants.iter().enumerate() {
            if let toml::Value::Table(t) = v
                && let Some(key) = unknown_key(t, VARIANT_KEYS)
            {
                let which = match t.get("name").and_then(toml::Value::as_str) {
                    Some(name) => format!("[[variant]] `{name}`"),
                    None => format!("[[variant]] number {}", i + 1),
                };
                return Err(unknown(which, key, VARIANT_KEYS));
            }
        }
    }
    Ok(())
}

impl Catalogue {
    pub(super) fn validate(&self) -> Result<(), CatalogueError> {
        let invalid = |variant: &str, key: &'static str, message: String| CatalogueError::Invalid {
            path: self.path.clone(),
            variant: variant.to_string(),
            key,
            message,
        };
        if self.repository.is_empty() || self.repository.contains(':') {
            return Err(invalid(
                "-",
                "repository",
                format!(
                    "`{}` must be an image repository without a tag, like `calc-kit/calculator`",
                    self.repository
                ),
            ));
        }
        if self.variants.is_empty() {
            return Err(invalid("-", "variant", "no [[variant]] tables".to_string()));
        }
        let mut seen = std::collections::HashSet::new();
        for v in &self.variants {
            let name_ok = !v.name.is_empty()
                && v.name.chars().all(|c| {
                    c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '_' || c == '.'
                });
            if !name_ok {
                return Err(invalid(
                    &v.name,
                    "name",
                    "must be a valid image tag: lowercase letters, digits, `-`, `_`, `.`".into(),
                ));
            }
            if !seen.insert(v.name.as_str()) {
                return Err(invalid(&v.name, "name", "appears twice".into()));
            }
            if !(v.min_size_mb >= 0.0 && v.min_size_mb < v.max_size_mb) {
                return Err(invalid(
                    &v.name,
                    "max_size_mb",
                    format!(
                        "bounds {} .. {} MB are not an interval (min must be below max)",
                        v.min_size_mb, v.max_size_mb
                    ),
                ));
            }
            if !v.runs_as_root() && parse_uid_gid(&v.user).is_none() {
                return Err(invalid(
                    &v.name,
                    "user",
                    format!("`{}` must be \"root\" or numeric \"uid:gid\"", v.user),
                ));
            }
            for tool in &v.intruder_tools {
                if !self.attack_surface.tools.contains(tool) {
                    return Err(invalid(
                        &v.name,
                        "intruder_tools",
                        format!(
                            "`{tool}` is not among [attack_surface] tools ({})",
                            self.attack_surface.tools.join(", ")
                        ),
                    ));
                }
            }
            if v.toolchain && !v.shell {
                // cargo needs a shell for build scripts only, but a toolchain image without one
                // would be a contradiction a reader trips over.
                return Err(invalid(
                    &v.name,
                    "toolchain",
                    "a toolchain image always has a shell".into(),
                ));
            }
        }
        let roles = [
            ("baseline", &self.roles.baseline),
            ("smallest", &self.roles.smallest),
        ];
        for (role, name) in roles {
            if self.get(name).is_none() {
                return Err(CatalogueError::Role {
                    path: self.path.clone(),
                    role,
                    message: format!("no [[variant]] is named `{name}`"),
                });
            }
        }
        let ranks = || self.variants.iter().map(|v| v.size_rank);
        let (lowest, highest) = (ranks().min().unwrap_or(0), ranks().max().unwrap_or(0));
        let rank_of = |name: &str| self.get(name).map(|v| v.size_rank).unwrap_or(0);
        // The baseline must be of the lowest rank and the smallest of the highest, or the
        // chain of size pairs would not run from one to the other.
        let ends = [
            ("baseline", &self.roles.baseline, "lowest", lowest),
            ("smallest", &self.roles.smallest, "highest", highest),
        ];
        for (role, name, end, rank) in ends {
            if rank_of(name) != rank {
                return Err(CatalogueError::Role {
                    path: self.path.clone(),
                    role,
                    message: format!(
                        "`{name}` has size_rank {}, but the {role} must have the {end} ({rank})",
                        rank_of(name)
                    ),
                });
            }
        }
        Ok(())
    }
}
