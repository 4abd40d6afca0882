//! The catalogue's unit tests, and the extended catalogue (one more variant, renamed roles)
//! that other modules' tests load to show that nothing depends on a variant's name.

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

/// The baseline must be of the lowest size rank and the smallest of the highest; either
/// out of place is named with its rank and the rank it needs.
#[test]
fn roles_must_sit_at_the_ends_of_the_size_ordering() {
    let variant = &GOOD[GOOD.find("[[variant]]").unwrap()..];
    let with_other_at = |rank: u32| {
        let other = variant
            .replace("name = \"scratch\"", "name = \"other\"")
            .replace("size_rank = 1", &format!("size_rank = {rank}"));
        format!("{GOOD}\n{other}")
    };
    let err = parse(&with_other_at(0)).unwrap_err().to_string();
    assert!(
        err.contains("[roles] `baseline`: `scratch` has size_rank 1, but the baseline must have the lowest (0)"),
        "{err}"
    );
    let err = parse(&with_other_at(2)).unwrap_err().to_string();
    assert!(
        err.contains("[roles] `smallest`: `scratch` has size_rank 1, but the smallest must have the highest (2)"),
        "{err}"
    );
    assert_eq!(parse(&with_other_at(1)).unwrap().variants.len(), 2);
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
