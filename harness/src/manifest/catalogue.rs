//! The variant catalogue, `docker/variants.toml`: the one place that says what each
//! Dockerfile variant is and what must hold for its image.
//!
//! Tests, the demo, the report and the docs all read it through this module, so a new variant
//! is one table in that file and nothing else.

use std::path::{Path, PathBuf};

use serde::Deserialize;

use super::TomlError;

/// Where the catalogue lives, relative to the workspace root.
pub const CATALOGUE_PATH: &str = "docker/variants.toml";

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

impl Variant {
    /// Whether the catalogue expects the container to run as root (only the naive variant),
    /// which relaxes the lint rule and the structure check on the user.
    pub fn runs_as_root(&self) -> bool {
        is_root_user(&self.user)
    }

    /// The image tag this variant is built under.
    pub fn image(&self, repository: &str) -> String {
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
    pub fn load_from(root: &Path) -> Result<Catalogue, CatalogueError> {
        let path = root.join(CATALOGUE_PATH);
        let text = super::read(&path)?;
        Catalogue::parse(&text, root, &path)
    }

    /// Parses catalogue text; `root` resolves the Dockerfile paths and `path` names the file
    /// in errors.
    pub fn parse(text: &str, root: &Path, path: &Path) -> Result<Catalogue, CatalogueError> {
        let table: toml::Table = super::parse(text, path)?;
        check_keys(&table, path)?;
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

    fn validate(&self) -> Result<(), CatalogueError> {
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
        if rank_of(&self.roles.baseline) != lowest {
            return Err(CatalogueError::Role {
                path: self.path.clone(),
                role: "baseline",
                message: format!(
                    "`{}` has size_rank {}, but the baseline must have the lowest ({lowest})",
                    self.roles.baseline,
                    rank_of(&self.roles.baseline)
                ),
            });
        }
        if rank_of(&self.roles.smallest) != highest {
            return Err(CatalogueError::Role {
                path: self.path.clone(),
                role: "smallest",
                message: format!(
                    "`{}` has size_rank {}, but the smallest must have the highest ({highest})",
                    self.roles.smallest,
                    rank_of(&self.roles.smallest)
                ),
            });
        }
        Ok(())
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

/// Rejects a key no table of the catalogue has, naming the file, the table and the key.
fn check_keys(table: &toml::Table, path: &Path) -> Result<(), CatalogueError> {
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

/// Parses a numeric `uid:gid` (or a bare `uid`).
pub fn parse_uid_gid(user: &str) -> Option<(u32, Option<u32>)> {
    match user.split_once(':') {
        Some((u, g)) => Some((u.parse().ok()?, Some(g.parse().ok()?))),
        None => Some((user.parse().ok()?, None)),
    }
}

/// Whether a `USER` spec (`user[:group]`, by name or number) names root, uid 0. The group does
/// not matter: uid 0 with any group is still root.
pub fn is_root_user(user: &str) -> bool {
    let uid = user.split(':').next().unwrap_or_default().trim();
    uid == "root" || uid == "0"
}

/// The workspace's cargo target directory: `CARGO_TARGET_DIR` when set, else `<root>/target`.
pub fn target_dir(root: &Path) -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| root.join("target"))
}

/// The target directory as a test binary finds it: `CARGO_TARGET_DIR` when set, else the
/// directory the running test binary was built in (`<target>/debug/deps/<test>-<hash>`),
/// else `<root>/target`.
pub fn test_target_dir(root: &Path) -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .or_else(|| {
            std::env::current_exe()
                .ok()
                .and_then(|exe| exe.ancestors().nth(3).map(Path::to_path_buf))
        })
        .unwrap_or_else(|| root.join("target"))
}

/// Finds the workspace root: first from where this crate was compiled (the usual case: tests
/// and `cargo run`), then by walking up from the current directory (an installed binary run
/// inside a checkout).
pub fn workspace_root() -> Result<PathBuf, CatalogueError> {
    let compiled = Path::new(env!("CARGO_MANIFEST_DIR"));
    if let Some(root) = find_workspace_root(compiled) {
        return Ok(root);
    }
    let cwd = std::env::current_dir().unwrap_or_else(|_| PathBuf::from("."));
    find_workspace_root(&cwd).ok_or(CatalogueError::NoWorkspace { start: cwd })
}

/// Walks up from `start` to the first directory whose Cargo.toml has a `[workspace]` table.
pub fn find_workspace_root(start: &Path) -> Option<PathBuf> {
    start.ancestors().find_map(|dir| {
        let manifest = std::fs::read_to_string(dir.join("Cargo.toml")).ok()?;
        let is_workspace = manifest
            .lines()
            .any(|l| l.trim_start().starts_with("[workspace]"));
        is_workspace.then(|| dir.to_path_buf())
    })
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    const GOOD: &str = r#"
repository = "calc-kit/calculator"

[bases]
script = "docker/bases/build-bases.sh"
label = "io.calc-kit.stand-in"

[roles]
baseline = "scratch"
smallest = "scratch"

[attack_surface]
tools = ["sh", "curl"]

[[variant]]
name = "scratch"
dockerfile = "docker/scratch.Dockerfile"
title = "Multi-stage to scratch"
teaches = "Nothing but the binary."
final_base = "scratch"
size_rank = 1
min_size_mb = 0.5
max_size_mb = 1.5
user = "65532:65532"
shell = false
package_manager = false
toolchain = false
hardened = true
static_binary = true
intruder_tools = []
"#;

    fn parse(text: &str) -> Result<Catalogue, CatalogueError> {
        Catalogue::parse(
            text,
            Path::new("/nonexistent"),
            Path::new("docker/variants.toml"),
        )
    }

    #[test]
    fn a_good_catalogue_parses() {
        let c = parse(GOOD).unwrap();
        assert_eq!(c.repository, "calc-kit/calculator");
        let v = c.get("scratch").unwrap();
        assert_eq!(c.image(v), "calc-kit/calculator:scratch");
        assert!(!v.runs_as_root());
        assert!(v.hardened && v.static_binary && !v.shell);
        assert_eq!(v.max_size_mb, 1.5);
        assert!(
            c.select(&["nope".into()])
                .unwrap_err()
                .to_string()
                .contains("unknown variant `nope`")
        );
        assert!(
            c.select(&["nope".into()])
                .unwrap_err()
                .to_string()
                .contains("scratch")
        );
        assert_eq!(c.select(&[]).unwrap().len(), 1);
    }

    #[test]
    fn a_missing_key_names_the_key_and_the_file() {
        let text = GOOD.replace("shell = false\n", "");
        let err = parse(&text).unwrap_err().to_string();
        assert!(err.contains("docker/variants.toml"), "{err}");
        assert!(err.contains("shell"), "{err}");
    }

    #[test]
    fn a_wrong_type_names_the_key() {
        let text = GOOD.replace("max_size_mb = 1.5", "max_size_mb = \"small\"");
        let err = parse(&text).unwrap_err().to_string();
        assert!(err.contains("max_size_mb"), "{err}");
    }

    #[test]
    fn inverted_bounds_are_rejected() {
        let text = GOOD.replace("min_size_mb = 0.5", "min_size_mb = 2.0");
        let err = parse(&text).unwrap_err().to_string();
        assert!(
            err.contains("scratch") && err.contains("max_size_mb"),
            "{err}"
        );
    }

    #[test]
    fn a_named_user_is_rejected() {
        let text = GOOD.replace("65532:65532", "nonroot");
        let err = parse(&text).unwrap_err().to_string();
        assert!(err.contains("`user`"), "{err}");
    }

    #[test]
    fn duplicate_names_are_rejected() {
        let text = format!("{GOOD}\n{}", &GOOD[GOOD.find("[[variant]]").unwrap()..]);
        assert!(parse(&text).unwrap_err().to_string().contains("twice"));
    }

    #[test]
    fn an_intruder_tool_must_be_one_that_is_probed() {
        let text = GOOD.replace("intruder_tools = []", "intruder_tools = [\"nc\"]");
        let err = parse(&text).unwrap_err().to_string();
        assert!(
            err.contains("intruder_tools") && err.contains("`nc`"),
            "{err}"
        );
        let text = GOOD.replace("intruder_tools = []", "intruder_tools = [\"curl\"]");
        assert_eq!(parse(&text).unwrap().variants[0].intruder_tools, ["curl"]);
    }

    #[test]
    fn the_real_catalogue_loads() {
        let c = Catalogue::load().unwrap();
        assert!(c.root.join("Cargo.toml").is_file());
        assert!(!c.variants.is_empty());
        assert!(c.variants.iter().any(|v| v.name == "scratch"));
    }

    #[test]
    fn unknown_keys_name_the_file_the_table_and_the_key() {
        for (text, table, key) in [
            (
                GOOD.replace("hardened = true", "hardened = true\nstatic = true"),
                "[[variant]] `scratch`",
                "static",
            ),
            (
                GOOD.replace(
                    "smallest = \"scratch\"",
                    "smallest = \"scratch\"\nlargest = \"x\"",
                ),
                "[roles]",
                "largest",
            ),
            (GOOD.replace("label = ", "lable = "), "[bases]", "lable"),
            (
                format!("registry = \"x\"\n{GOOD}"),
                "the top level",
                "registry",
            ),
        ] {
            let err = parse(&text).unwrap_err().to_string();
            assert!(err.contains("docker/variants.toml"), "{err}");
            assert!(err.contains(table), "{table}: {err}");
            assert!(err.contains(&format!("unknown key `{key}`")), "{err}");
        }
    }

    #[test]
    fn bases_and_roles_are_read() {
        let c = parse(GOOD).unwrap();
        assert_eq!(c.bases.script, Path::new("docker/bases/build-bases.sh"));
        assert_eq!(c.bases.label, "io.calc-kit.stand-in");
        assert_eq!(c.baseline().name, "scratch");
        assert_eq!(c.smallest().name, "scratch");
        let err = parse(&GOOD.replace("baseline = \"scratch\"", "baseline = \"naive\""))
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("[roles] `baseline`") && err.contains("`naive`"),
            "{err}"
        );
        let err = parse(&GOOD.replace(
            "[roles]\nbaseline = \"scratch\"\nsmallest = \"scratch\"\n",
            "",
        ))
        .unwrap_err()
        .to_string();
        assert!(err.contains("roles"), "{err}");
    }

    /// The real catalogue plus one more variant (debian-slim's Dockerfile under a new name,
    /// at debian-slim's size rank), with the baseline and the smallest renamed: the roles
    /// and the size ordering come from the data, not from any name in the code.
    pub(crate) fn extended() -> Catalogue {
        let root = workspace_root().unwrap();
        let text = std::fs::read_to_string(root.join(CATALOGUE_PATH)).unwrap();
        let slim = &text[text.find("name = \"debian-slim\"").unwrap()..];
        let slim = &slim[..slim.find("[[variant]]").unwrap()];
        let extra = format!(
            "\n[[variant]]\n{}",
            slim.replace("name = \"debian-slim\"", "name = \"debian-slim-again\"")
                .replace(
                    "docker/debian-slim.Dockerfile",
                    "docker/debian-slim-again.Dockerfile"
                )
        );
        let text = format!("{text}{extra}")
            .replace("\"naive\"", "\"single-stage\"")
            .replace("\"scratch\"", "\"empty-base\"");
        Catalogue::parse(&text, &root, Path::new(CATALOGUE_PATH)).unwrap()
    }

    #[test]
    fn an_extra_variant_and_renamed_roles_come_from_the_data() {
        let c = extended();
        let names: Vec<&str> = c.variants.iter().map(|v| v.name.as_str()).collect();
        assert!(names.contains(&"debian-slim-again"), "{names:?}");
        assert_eq!(c.select(&[]).unwrap().len(), c.variants.len());
        assert_eq!(c.baseline().name, "single-stage");
        assert_eq!(c.smallest().name, "empty-base");
        let pairs: Vec<(&str, &str)> = c
            .size_pairs()
            .iter()
            .map(|(a, b)| (a.name.as_str(), b.name.as_str()))
            .collect();
        // Both rank-2 variants sit between the baseline and the next rank...
        for mid in ["debian-slim", "debian-slim-again"] {
            assert!(pairs.contains(&("single-stage", mid)), "{pairs:?}");
            assert!(pairs.contains(&(mid, "distroless-cc")), "{pairs:?}");
        }
        // ...and are not compared with each other.
        assert!(
            !pairs
                .iter()
                .any(|p| *p == ("debian-slim", "debian-slim-again")
                    || *p == ("debian-slim-again", "debian-slim"))
        );
        assert_eq!(pairs.last().unwrap().1, "empty-base");
    }

    #[test]
    fn the_real_size_pairs_chain_baseline_to_smallest() {
        let c = Catalogue::load().unwrap();
        let pairs = c.size_pairs();
        assert_eq!(pairs.len(), c.variants.len() - 1);
        assert_eq!(pairs[0].0.name, c.roles.baseline);
        assert_eq!(pairs.last().unwrap().1.name, c.roles.smallest);
    }

    #[test]
    fn uid_gid() {
        assert_eq!(parse_uid_gid("65532:65532"), Some((65532, Some(65532))));
        assert_eq!(parse_uid_gid("10001"), Some((10001, None)));
        assert_eq!(parse_uid_gid("nonroot"), None);
        for root in ["root", "0", "0:0", "root:root", " 0 "] {
            assert!(is_root_user(root), "{root}");
        }
        for other in ["65532:65532", "10001", "nonroot", "", "100:0"] {
            assert!(!is_root_user(other), "{other}");
        }
    }
}
