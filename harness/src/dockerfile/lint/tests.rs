use super::rules::{has_heredoc, split_image};
use super::*;

fn ids(text: &str, allow_root: bool) -> Vec<&'static str> {
    lint(text, LintOptions { allow_root })
        .iter()
        .map(|f| f.rule.id)
        .collect()
}

const GOOD: &str = r#"FROM rust:1.95-slim-trixie AS builder
RUN apt-get update \
 && apt-get install -y --no-install-recommends pkg-config
COPY . .
FROM scratch
COPY --from=builder /src/calculator /calculator
USER 65532:65532
ENTRYPOINT ["/calculator"]
"#;

#[test]
fn a_good_dockerfile_passes() {
    assert!(
        ids(GOOD, false).is_empty(),
        "{:?}",
        lint(GOOD, LintOptions::default())
    );
}

#[test]
fn each_rule_fires() {
    assert_eq!(
        ids(&GOOD.replace("rust:1.95-slim-trixie", "rust"), false),
        ["CK001"]
    );
    assert_eq!(
        ids(&GOOD.replace("rust:1.95-slim-trixie", "rust:latest"), false),
        ["CK002"]
    );
    assert_eq!(
        ids(&GOOD.replace("[\"/calculator\"]", "/calculator"), false),
        ["CK003"]
    );
    assert_eq!(ids(&GOOD.replace("65532:65532", "root"), false), ["CK004"]);
    assert_eq!(
        ids(&GOOD.replace("USER 65532:65532\n", ""), false),
        ["CK004"]
    );
    assert_eq!(
        ids(&GOOD.replace("--from=builder", "--from=build"), false),
        ["CK005"]
    );
    assert_eq!(
        ids(&GOOD.replace(" --no-install-recommends", ""), false),
        ["CK006"]
    );
    assert_eq!(
        ids(&GOOD.replace("COPY . .", "COPY --chmod=755 . ."), false),
        ["CK008"]
    );
    assert_eq!(
        ids(
            &GOOD.replace("COPY . .", "RUN --mount=type=cache,target=/x true"),
            false
        ),
        ["CK008"]
    );
    assert_eq!(
        ids(&GOOD.replace("COPY . .", "RUN <<EOF"), false),
        ["CK008"]
    );
}

#[test]
fn apt_lists_matter_only_in_shipped_stages() {
    let single = "FROM debian:trixie-slim\nRUN apt-get update && apt-get install -y --no-install-recommends bc\nUSER 1:1\nENTRYPOINT [\"bc\"]\n";
    assert_eq!(ids(single, false), ["CK007"]);
    let fixed = single.replace("bc\nUSER", "bc && rm -rf /var/lib/apt/lists/*\nUSER");
    assert!(ids(&fixed, false).is_empty());
}

#[test]
fn root_is_allowed_when_the_catalogue_says_so() {
    let naive = "FROM rust:1.95-trixie\nCOPY . .\nCMD [\"cargo\", \"run\"]\n";
    assert_eq!(ids(naive, false), ["CK004"]);
    assert!(ids(naive, true).is_empty());
}

#[test]
fn nonroot_distroless_needs_no_user() {
    let d = "FROM rust:1.95-slim-trixie AS b\nFROM gcr.io/distroless/cc-debian13:nonroot\nCOPY --from=b /x /x\nENTRYPOINT [\"/x\"]\n";
    assert!(ids(d, false).is_empty());
}

#[test]
fn copy_from_a_later_stage_is_caught() {
    let d = "FROM rust:1 AS a\nCOPY --from=b /x /x\nFROM rust:1 AS b\nUSER 1\n";
    let f = lint(d, LintOptions::default());
    assert_eq!(f.len(), 1);
    assert!(f[0].message.contains("not earlier"), "{}", f[0]);
}

#[test]
fn registry_ports_are_not_tags() {
    assert_eq!(
        split_image("localhost:5000/calc"),
        ("localhost:5000/calc", None, None)
    );
    assert_eq!(
        split_image("gcr.io/distroless/cc-debian13:nonroot").1,
        Some("nonroot")
    );
    assert_eq!(split_image("debian@sha256:abc").2, Some("sha256:abc"));
    assert!(ids("FROM debian@sha256:abc\nUSER 1\n", false).is_empty());
}

#[test]
fn heredocs() {
    assert!(has_heredoc("<<EOF"));
    assert!(has_heredoc("cat <<-'X' > f"));
    assert!(!has_heredoc("cat <<< hello"));
    assert!(!has_heredoc("echo $((1 << 2))"));
}

#[test]
fn messages_teach() {
    let f = &lint(
        &GOOD.replace("[\"/calculator\"]", "/calculator --quiet"),
        LintOptions::default(),
    )[0];
    let text = f.to_string();
    assert!(
        text.starts_with("line 8: CK003 shell-form-entrypoint:"),
        "{text}"
    );
    assert!(
        text.contains(r#"ENTRYPOINT ["/calculator", "--quiet"]"#),
        "{text}"
    );
    assert!(text.contains("why:"), "{text}");
}
