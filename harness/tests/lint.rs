//! The lint rules against real files: every catalogue Dockerfile passes, and each broken
//! fixture under tests/fixtures/lint/ trips exactly the rule its name says. No engine needed.

use std::path::Path;

use harness::dockerfile::lint::{LintOptions, RULES, lint_file};
use harness::manifest::catalogue::Catalogue;

fn fixtures() -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/lint")
}

#[test]
fn every_catalogue_dockerfile_passes() {
    let catalogue = Catalogue::load().unwrap();
    let mut report = Vec::new();
    for v in &catalogue.variants {
        let path = catalogue.dockerfile_path(v);
        let options = LintOptions {
            allow_root: v.runs_as_root(),
        };
        for f in lint_file(&path, options).unwrap_or_else(|e| panic!("{}: {e}", path.display())) {
            report.push(format!("{}:{f}", v.dockerfile.display()));
        }
    }
    assert!(report.is_empty(), "lint findings:\n{}", report.join("\n"));
}

#[test]
fn the_good_fixture_passes() {
    let findings = lint_file(&fixtures().join("good.Dockerfile"), LintOptions::default()).unwrap();
    assert!(findings.is_empty(), "{findings:?}");
}

#[test]
fn each_rule_has_a_fixture_that_trips_only_it() {
    for rule in RULES {
        let path = fixtures().join(format!("{}-{}.Dockerfile", rule.id, rule.name));
        let findings = lint_file(&path, LintOptions::default())
            .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        assert!(
            !findings.is_empty(),
            "{} did not fire on {}",
            rule.id,
            path.display()
        );
        for f in &findings {
            assert_eq!(f.rule.id, rule.id, "{}: unexpected {f}", path.display());
            let text = f.to_string();
            assert!(
                text.starts_with(&format!("line {}: {} {}:", f.line, rule.id, rule.name)),
                "{text}"
            );
            assert!(text.contains("(why: "), "{text}");
        }
    }
}

#[test]
fn buildkit_only_syntax_is_reported_per_line() {
    let findings = lint_file(
        &fixtures().join("CK008-buildkit-only-syntax.Dockerfile"),
        LintOptions::default(),
    )
    .unwrap();
    let lines: Vec<usize> = findings.iter().map(|f| f.line).collect();
    assert_eq!(lines, [3, 4, 5], "{findings:?}");
}

#[test]
fn the_naive_variant_may_run_as_root_but_nothing_else_may() {
    let text = "FROM rust:1.95-trixie\nCOPY . .\nENTRYPOINT [\"cargo\", \"run\"]\n";
    assert!(harness::dockerfile::lint::lint(text, LintOptions { allow_root: true }).is_empty());
    let findings = harness::dockerfile::lint::lint(text, LintOptions::default());
    assert_eq!(findings.len(), 1);
    assert!(
        findings[0].message.contains("USER 65532:65532"),
        "{}",
        findings[0]
    );
}

#[test]
fn a_base_image_decides_the_user_when_the_last_stage_sets_none() {
    use harness::dockerfile::lint::{BaseUser, lint_file_with_bases};
    let path = fixtures().join("base-user/from-another-image.Dockerfile");
    let base = |user: &str| BaseUser {
        image: "calc-kit/calculator:debian-slim".into(),
        user: user.into(),
    };
    // Without the base image at hand: a finding that says who decides, and no claim of root.
    let findings = lint_file_with_bases(&path, LintOptions::default(), &[]).unwrap();
    assert_eq!(findings.len(), 1, "{findings:?}");
    assert_eq!(findings[0].rule.id, "CK004");
    let text = &findings[0].message;
    assert!(
        text.contains(
            "the last stage sets no USER; its base `calc-kit/calculator:debian-slim` decides"
        ),
        "{text}"
    );
    assert!(!text.contains("runs as root"), "{text}");
    // The base's own configuration, when known, settles it either way.
    let unprivileged =
        lint_file_with_bases(&path, LintOptions::default(), &[base("10001:10001")]).unwrap();
    assert!(unprivileged.is_empty(), "{unprivileged:?}");
    for root in ["", "root", "0:0"] {
        let findings = lint_file_with_bases(&path, LintOptions::default(), &[base(root)]).unwrap();
        assert_eq!(findings.len(), 1, "{root}: {findings:?}");
        assert!(
            findings[0].message.contains("runs as root"),
            "{}",
            findings[0]
        );
    }
    // scratch has no user at all: that one is certain.
    let scratch = harness::dockerfile::lint::lint(
        "FROM scratch\nCOPY calculator /calculator\nENTRYPOINT [\"/calculator\"]\n",
        LintOptions::default(),
    );
    assert_eq!(scratch.len(), 1, "{scratch:?}");
    assert!(
        scratch[0].message.contains("runs as root"),
        "{}",
        scratch[0]
    );
}
