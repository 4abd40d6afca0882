//! The variant catalogue, `docker/variants.toml`: the one place that says what each
//! Dockerfile variant is and what must hold for its image.
//!
//! Tests, the demo, the report and the docs all read it through this module, so a new variant
//! is one table in that file and nothing else. Here: the catalogue's types, loading and
//! lookups; in [`check`], what a catalogue must pass before it is used (no unknown key,
//! values that make sense together).

use std::path::{Path, PathBuf};

use serde::Deserialize;

use super::TomlError;

mod check;
#[cfg(test)]
pub(crate) mod tests;

pub(crate) use super::workspace::workspace_root;
/// Re-exported from [`super::workspace`], where the lookups live, for the callers that
/// import them from here.
pub use super::workspace::{target_dir, test_target_dir};

/// Where the catalogue lives, relative to the workspace root.
pub(crate) const CATALOGUE_PATH: &str = "docker/variants.toml";

/// A catalogue that cannot be used, with the file and the key to fix.
#[derive(Debug, thiserror::Error)]
pub enum CatalogueError {
    /// The workspace root could not be found, so neither could the catalogue.
    #[error(
        "cannot find the calc-kit workspace (a Cargo.toml with [workspace]) above {start}: run from inside the repository"
    )]
    NoWorkspace {
        /// Where the search started.
        start: PathBuf,
    },
    /// The file cannot be read, is not valid TOML or lacks a required key.
    #[error(transparent)]
    File(#[from] TomlError),
    /// A variant name (from the command line) that the catalogue does not have.
    #[error("unknown variant `{name}` (the catalogue {path} has: {known})")]
    UnknownVariant {
        /// The name asked for.
        name: String,
        /// The catalogue file.
        path: PathBuf,
        /// The variants it has, comma-separated.
        known: String,
    },
    /// A key that no table of the catalogue has (a typo, or a key of another table).
    #[error("{path}: {table}: unknown key `{key}` (the keys here are: {known})")]
    UnknownKey {
        /// The catalogue file.
        path: PathBuf,
        /// The table, as the file spells it (`[roles]`, ``[[variant]] `naive` ``).
        table: String,
        /// The unknown key.
        key: String,
        /// The keys that table may have.
        known: String,
    },
    /// A role names no variant, or a variant whose size rank contradicts the role.
    #[error("{path}: [roles] `{role}`: {message}")]
    Role {
        /// The catalogue file.
        path: PathBuf,
        /// The role key.
        role: &'static str,
        /// What is wrong.
        message: String,
    },
    /// A value parses but makes no sense.
    #[error("{path}: variant `{variant}`, key `{key}`: {message}")]
    Invalid {
        /// The catalogue file.
        path: PathBuf,
        /// The `name` of the offending `[[variant]]` table.
        variant: String,
        /// The key whose value is wrong.
        key: &'static str,
        /// What is wrong and what is expected.
        message: String,
    },
}

/// The whole catalogue, plus where it came from so that paths in it can be resolved.
#[derive(Debug, Clone)]
pub struct Catalogue {
    /// Image repository every variant is tagged into: `<repository>:<name>`.
    pub repository: String,
    /// Where base images come from when no registry answers, and how stand-ins are marked.
    pub bases: Bases,
    /// Which variant plays which part in the tables and goals.
    pub roles: Roles,
    /// What is probed for in every image.
    pub attack_surface: AttackSurface,
    /// The variants, in the file's order (which is the teaching order, biggest first).
    pub variants: Vec<Variant>,
    /// The workspace root: the build context and the base for every relative path.
    pub root: PathBuf,
    /// The catalogue file itself, for error messages.
    pub path: PathBuf,
}

/// The `[bases]` table: the recipe script that makes missing base images (a pull, else a
/// local stand-in) and the label every stand-in carries, whose value names the upstream image.
#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct Bases {
    /// The script, relative to the workspace root.
    pub script: PathBuf,
    /// The label on a stand-in (inherited by every image built FROM it).
    pub label: String,
}

/// The `[roles]` table: variants by the part they play, so that no code names a variant.
#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct Roles {
    /// The variant every reduction is measured against.
    pub baseline: String,
    /// The smallest variant: the subject of the size and floor goals.
    pub smallest: String,
}

/// One Dockerfile variant and the expectations its image must meet, in the spirit of
/// container-structure-test: declarative facts, checked by the harness.
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Variant {
    /// Short name; also the image tag and the Dockerfile's stem.
    pub name: String,
    /// The Dockerfile, relative to the workspace root.
    pub dockerfile: PathBuf,
    /// Title shown in the demo and report.
    pub title: String,
    /// One sentence: what this variant teaches.
    pub teaches: String,
    /// The final stage's base image as the Dockerfile names it.
    pub final_base: String,
    /// Place in the size ordering: an image of a higher rank must be smaller than every image
    /// of a lower rank; images of equal rank are not compared.
    pub size_rank: u32,
    /// Lower size bound in decimal MB: catches an image that lost what it must ship.
    pub min_size_mb: f64,
    /// Upper size bound in decimal MB: the point of the variant.
    pub max_size_mb: f64,
    /// The user the container runs as: `root` or `uid:gid`.
    pub user: String,
    /// Whether `/bin/sh` exists in the image.
    pub shell: bool,
    /// Whether apt/dpkg exist in the image.
    pub package_manager: bool,
    /// Whether cargo and rustc exist in the image.
    pub toolchain: bool,
    /// Whether the image must also run read-only, without capabilities, privileges or network.
    pub hardened: bool,
    /// Whether the calculator in it is statically linked.
    pub static_binary: bool,
    /// Of the catalogue's `[attack_surface] tools`, exactly those that must run in the image;
    /// every other one must be absent (`executable file not found`).
    pub intruder_tools: Vec<String>,
}

/// The `[attack_surface]` table: what `harness claims` and the tests try to run in every image.
#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct AttackSurface {
    /// The tools an intruder reaches for after a compromise, as program names looked up on
    /// the image's PATH.
    pub tools: Vec<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawCatalogue {
    repository: String,
    bases: Bases,
    roles: Roles,
    attack_surface: AttackSurface,
    #[serde(rename = "variant")]
    variants: Vec<Variant>,
}

impl Variant {
    /// Whether the catalogue expects the container to run as root (only the naive variant),
    /// which relaxes the lint rule and the structure check on the user.
    pub fn runs_as_root(&self) -> bool {
        is_root_user(&self.user)
    }

    /// The image tag this variant is built under.
    pub(crate) fn image(&self, repository: &str) -> String {
        format!("{repository}:{}", self.name)
    }
}

impl Catalogue {
    /// Loads the catalogue of the workspace this harness was built in (or, failing that, the
    /// one above the current directory), so tests and the binary need no path argument.
    pub fn load() -> Result<Catalogue, CatalogueError> {
        Catalogue::load_from(&workspace_root()?)
    }

    /// Loads the catalogue of the workspace at `root`.
    pub(crate) fn load_from(root: &Path) -> Result<Catalogue, CatalogueError> {
        let path = root.join(CATALOGUE_PATH);
        let text = super::read(&path)?;
        Catalogue::parse(&text, root, &path)
    }

    /// Parses catalogue text; `root` resolves the Dockerfile paths and `path` names the file
    /// in errors.
    pub(crate) fn parse(text: &str, root: &Path, path: &Path) -> Result<Catalogue, CatalogueError> {
        let table: toml::Table = super::parse(text, path)?;
        check::check_keys(&table, path)?;
        let raw: RawCatalogue = super::parse(text, path)?;
        let catalogue = Catalogue {
            repository: raw.repository,
            bases: raw.bases,
            roles: raw.roles,
            attack_surface: raw.attack_surface,
            variants: raw.variants,
            root: root.to_path_buf(),
            path: path.to_path_buf(),
        };
        catalogue.validate()?;
        Ok(catalogue)
    }

    /// The baseline variant (see [`Roles::baseline`]).
    pub fn baseline(&self) -> &Variant {
        self.get(&self.roles.baseline)
            .expect("validated: the baseline is a variant")
    }

    /// The smallest variant (see [`Roles::smallest`]).
    pub fn smallest(&self) -> &Variant {
        self.get(&self.roles.smallest)
            .expect("validated: the smallest is a variant")
    }

    /// Every `(larger, smaller)` pair the size ordering promises: each variant against each of
    /// the next rank up (equal ranks are not compared), so a chain of such pairs runs from the
    /// baseline to the smallest. In catalogue order within a rank.
    pub fn size_pairs(&self) -> Vec<(&Variant, &Variant)> {
        let mut ranks: Vec<u32> = self.variants.iter().map(|v| v.size_rank).collect();
        ranks.sort_unstable();
        ranks.dedup();
        let of = |rank: u32| self.variants.iter().filter(move |v| v.size_rank == rank);
        ranks
            .windows(2)
            .flat_map(|w| of(w[0]).flat_map(move |a| of(w[1]).map(move |b| (a, b))))
            .collect()
    }

    /// Looks a variant up by name.
    pub fn get(&self, name: &str) -> Option<&Variant> {
        self.variants.iter().find(|v| v.name == name)
    }

    /// The image tag of `variant` in this catalogue's repository.
    pub fn image(&self, variant: &Variant) -> String {
        variant.image(&self.repository)
    }

    /// The absolute path of `variant`'s Dockerfile.
    pub fn dockerfile_path(&self, variant: &Variant) -> PathBuf {
        self.root.join(&variant.dockerfile)
    }

    /// Selects variants by name, in catalogue order; no names means all. An unknown name is an
    /// error that lists the known ones.
    pub fn select(&self, names: &[String]) -> Result<Vec<&Variant>, CatalogueError> {
        if names.is_empty() {
            return Ok(self.variants.iter().collect());
        }
        for n in names {
            if self.get(n).is_none() {
                let known: Vec<_> = self.variants.iter().map(|v| v.name.as_str()).collect();
                return Err(CatalogueError::UnknownVariant {
                    name: n.clone(),
                    path: self.path.clone(),
                    known: known.join(", "),
                });
            }
        }
        Ok(self
            .variants
            .iter()
            .filter(|v| names.iter().any(|n| n == &v.name))
            .collect())
    }
}

/// Parses a numeric `uid:gid` (or a bare `uid`).
pub(crate) fn parse_uid_gid(user: &str) -> Option<(u32, Option<u32>)> {
    match user.split_once(':') {
        Some((u, g)) => Some((u.parse().ok()?, Some(g.parse().ok()?))),
        None => Some((user.parse().ok()?, None)),
    }
}

/// Whether a `USER` spec (`user[:group]`, by name or number) names root, uid 0. The group does
/// not matter: uid 0 with any group is still root.
pub(crate) fn is_root_user(user: &str) -> bool {
    let uid = user.split(':').next().unwrap_or_default().trim();
    uid == "root" || uid == "0"
}
