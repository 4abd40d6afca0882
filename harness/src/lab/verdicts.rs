//! What each check concludes from what was measured: pure functions of a Dockerfile, a
//! program's output, an image's filesystem or a context's files, one line for the learner.
//!
//! One job, over 500 lines only because each verdict's tests sit beside it (about 190 lines):
//! the wording a learner reads is what they pin down, and splitting the verdicts by check
//! would scatter a dozen small functions that share `Miss`, `fail` and `shorten`.

use std::collections::BTreeMap;
use std::path::Path;

use crate::dockerfile::Dockerfile;
use crate::dockerfile::lint::{LintOptions, lint_file};
use crate::image::elf::elf_interpreter;
use crate::image::inspect::Filesystem;
use crate::lab::grade::TRANSCRIPT_PATH;
use crate::manifest::catalogue::Variant;
use crate::render::format::human_size;

/// A failed check as the learner reads it: what was measured, in their terms, and advice
/// of its own when the check knows better than its default (or the manifest's hint).
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Miss {
    /// What was measured: one line.
    pub(crate) verdict: String,
    /// Advice for this failure in particular; `None` gives the exercise's advice.
    pub(crate) advice: Option<String>,
}

impl Miss {
    /// A failure with the exercise's advice.
    pub(crate) fn new(verdict: impl Into<String>) -> Miss {
        Miss {
            verdict: verdict.into(),
            advice: None,
        }
    }

    /// A failure with advice of its own.
    pub(crate) fn advise(verdict: impl Into<String>, advice: impl Into<String>) -> Miss {
        Miss {
            verdict: verdict.into(),
            advice: Some(advice.into()),
        }
    }
}

/// What one check concluded.
pub(crate) type CheckResult = Result<(), Miss>;

pub(crate) fn fail(verdict: impl Into<String>) -> CheckResult {
    Err(Miss::new(verdict))
}
/// The stage the `debug-target` check builds.
pub(crate) const DEBUG_STAGE: &str = "debug";

/// The `debug-target` verdict for what `busybox sh -c 'echo ok'` did in the image `debug`.
pub(crate) fn debug_shell_verdict(
    debug: &str,
    out: Result<crate::docker::run::Output, crate::docker::run::RunError>,
) -> CheckResult {
    match out {
        Err(e) => {
            let reason = e.to_string();
            if reason.contains("executable file not found") || reason.contains("no such file") {
                fail(format!(
                    "in {debug}, `busybox sh -c 'echo ok'` finds no busybox: {}",
                    shorten(&reason, 160)
                ))
            } else {
                fail(format!(
                    "in {debug}, `busybox sh -c 'echo ok'` did not run: {}",
                    shorten(&reason, 160)
                ))
            }
        }
        Ok(out) if out.exit_code == 0 && out.stdout_text().trim() == "ok" => Ok(()),
        Ok(out) => fail(format!(
            "in {debug}, `busybox sh -c 'echo ok'` exited {} and printed {:?} (stderr {:?}), not `ok`",
            out.exit_code,
            shorten(&out.stdout_text(), 60),
            shorten(&out.stderr_text(), 120)
        )),
    }
}

/// Whether `rel` (relative, slash-separated) is or lies under a `target` or `.git` folder,
/// at any depth: what no image build needs and what makes a context huge.
pub(crate) fn never_in_context(rel: &str) -> bool {
    rel.split('/')
        .any(|part| part == "target" || part == ".git")
}

/// The `context` verdict for the workspace at `root` filtered by the ignore file `file`: no
/// `target/` or `.git` entry, and at most `max_mb` decimal MB of files. A failure names the
/// largest top-level entries sent.
pub(crate) fn context_verdict(root: &Path, file: &Path, max_mb: f64) -> CheckResult {
    let shown = file
        .strip_prefix(root)
        .unwrap_or(file)
        .display()
        .to_string();
    let text = match std::fs::read_to_string(file) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return Err(Miss::advise(
                format!("{shown} does not exist"),
                "run `just lab` to create it from its skeleton",
            ));
        }
        Err(e) => return fail(format!("cannot read {shown}: {e}")),
    };
    let ignore = crate::docker::context::DockerIgnore::parse(&text, Path::new(&shown))
        .map_err(|e| Miss::new(e.to_string()))?;
    let files = crate::docker::context::context_files(root, &ignore)
        .map_err(|e| Miss::new(e.to_string()))?;
    let mut total = 0u64;
    let mut by_top: BTreeMap<String, u64> = BTreeMap::new();
    for rel in &files {
        let size = std::fs::symlink_metadata(root.join(rel))
            .map(|m| if m.is_file() { m.len() } else { 0 })
            .unwrap_or(0);
        total += size;
        let top = rel.split('/').next().unwrap_or(rel).to_string();
        *by_top.entry(top).or_default() += size;
    }
    let mut largest: Vec<_> = by_top.into_iter().collect();
    largest.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    let largest: Vec<String> = largest
        .iter()
        .take(3)
        .map(|(name, size)| format!("{name} {}", human_size(*size)))
        .collect();
    let summary = format!(
        "the context sends {} entries, {} (largest: {})",
        files.len(),
        human_size(total),
        largest.join(", ")
    );
    // The first build-output entry and the first version-control one, each named.
    let bad: Vec<&str> = ["target", ".git"]
        .iter()
        .filter_map(|name| {
            files
                .iter()
                .find(|rel| never_in_context(rel) && rel.split('/').any(|p| p == *name))
                .map(String::as_str)
        })
        .collect();
    if !bad.is_empty() {
        return fail(format!("{summary}; it includes {}", bad.join(" and ")));
    }
    let max = (max_mb * 1e6) as u64;
    if total > max {
        return fail(format!("{summary}: above the bound of {}", human_size(max)));
    }
    Ok(())
}

pub(crate) fn shorten(text: &str, max: usize) -> String {
    let one_line = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if one_line.chars().count() <= max {
        one_line
    } else {
        let cut: String = one_line.chars().take(max).collect();
        format!("{cut}...")
    }
}

pub(crate) fn multi_stage(d: &Dockerfile) -> CheckResult {
    let Some(last) = d.final_stage() else {
        return fail("your Dockerfile has no FROM");
    };
    if d.stages.len() < 2 {
        return fail(format!(
            "your Dockerfile has one stage (one FROM, line {}): the toolchain and everything it built ship in the image",
            last.line
        ));
    }
    let copies_from = last.instructions.iter().any(|i| {
        i.keyword.eq_ignore_ascii_case("COPY")
            && crate::dockerfile::flag_value(&i.args, "from").is_some()
    });
    if !copies_from {
        return fail(format!(
            "your last stage (line {}) copies nothing from the build stage (no COPY --from=...)",
            last.line
        ));
    }
    Ok(())
}

/// The image name without its tag or digest: `debian:trixie-slim` -> `debian`.
pub(crate) fn repository_of(image: &str) -> &str {
    let image = image.split('@').next().unwrap_or(image);
    let slash = image.rfind('/').map(|i| i + 1).unwrap_or(0);
    match image[slash..].find(':') {
        Some(i) => &image[..slash + i],
        None => image,
    }
}

pub(crate) fn final_base(d: &Dockerfile, solution: &Variant) -> CheckResult {
    let Some(last) = d.final_stage() else {
        return fail("your Dockerfile has no FROM");
    };
    if repository_of(&last.base) == repository_of(&solution.final_base) {
        return Ok(());
    }
    fail(format!(
        "your last FROM (line {}) is `{}`; this exercise ships on `{}`",
        last.line, last.base, solution.final_base
    ))
}

pub(crate) fn lint_check(path: &Path) -> CheckResult {
    let findings = lint_file(path, LintOptions { allow_root: false })
        .map_err(|e| Miss::new(format!("cannot read {}: {e}", path.display())))?;
    match findings.first() {
        None => Ok(()),
        Some(f) => Err(Miss::advise(
            format!(
                "{} lint finding(s), the first at line {}: {} {}",
                findings.len(),
                f.line,
                f.rule.id,
                f.rule.name
            ),
            format!("{} (why: {})", f.message, f.rule.why),
        )),
    }
}

/// The size check's verdict: "your final image is 1.21 GB; the bound is 1.5 MB".
pub(crate) fn size_verdict(size: u64, min_mb: f64, max_mb: f64) -> CheckResult {
    let mb = crate::render::format::megabytes(size);
    if mb > max_mb {
        fail(format!(
            "your final image is {}; the bound is {max_mb} MB",
            human_size(size)
        ))
    } else if mb < min_mb {
        Err(Miss::advise(
            format!(
                "your final image is {}; it should be at least {min_mb} MB",
                human_size(size)
            ),
            "is the calculator really in it? `docker run` it and see",
        ))
    } else {
        Ok(())
    }
}

/// The non-root check's verdict, naming the USER lines (or their absence).
pub(crate) fn user_verdict(user: &str, d: &Dockerfile) -> CheckResult {
    let name = user.split(':').next().unwrap_or_default();
    if !(name.is_empty() || name == "root" || name == "0") {
        return Ok(());
    }
    let last_user = d.final_stage().and_then(|s| {
        s.instructions
            .iter()
            .rev()
            .find(|i| i.keyword.eq_ignore_ascii_case("USER"))
    });
    match last_user {
        Some(i) => fail(format!(
            "your image runs as root: the last USER (line {}) is `{}`",
            i.line, i.args
        )),
        None => fail(
            "your image runs as root: its last stage has no USER line (and its base sets none)",
        ),
    }
}

/// The answers check's verdict from the output of `docker run IMAGE 6 '*' 7`.
pub(crate) fn answer_verdict(out: &crate::docker::run::Output) -> CheckResult {
    if out.exit_code == 0 && out.stdout == b"42\n" {
        return Ok(());
    }
    let stderr = out.stderr_text();
    let stderr = stderr.trim();
    let said = if stderr.is_empty() {
        String::new()
    } else {
        format!(", stderr {:?}", shorten(stderr, 120))
    };
    let verdict = format!(
        "`docker run IMAGE 6 '*' 7` printed {:?} and exited {}{said}; expected 42 and 0",
        shorten(&out.stdout_text(), 60),
        out.exit_code
    );
    if stderr.contains("no such file or directory") {
        return Err(Miss::advise(
            verdict,
            "\"no such file or directory\" for a program that is there means its loader is missing: a dynamically linked binary on an image without glibc. Build it static, or ship it on an image that has glibc",
        ));
    }
    fail(verdict)
}

/// The transcript check's verdict: where the container's output first differs from the
/// host's.
pub(crate) fn transcript_verdict(
    host: &crate::host::HostRun,
    container: &crate::docker::run::Output,
) -> CheckResult {
    let text = |bytes: &[u8]| String::from_utf8_lossy(bytes).into_owned();
    let first_difference = |a: &str, b: &str| {
        let (a, b): (Vec<&str>, Vec<&str>) = (a.lines().collect(), b.lines().collect());
        (0..a.len().max(b.len()))
            .find(|&i| a.get(i) != b.get(i))
            .map(|i| {
                (
                    i + 1,
                    a.get(i).copied().unwrap_or("(nothing)").to_string(),
                    b.get(i).copied().unwrap_or("(nothing)").to_string(),
                )
            })
    };
    for (stream, h, c) in [
        ("stdout", text(&host.output.stdout), container.stdout_text()),
        ("stderr", text(&host.output.stderr), container.stderr_text()),
    ] {
        if let Some((line, a, b)) = first_difference(&h, &c) {
            return fail(format!(
                "with {TRANSCRIPT_PATH} piped in, {stream} line {line} is {:?} in the container but {:?} on the host",
                shorten(&b, 60),
                shorten(&a, 60)
            ));
        }
    }
    if host.exit_code() != container.exit_code {
        return fail(format!(
            "with {TRANSCRIPT_PATH} piped in, the container exited {} and the host {}",
            container.exit_code,
            host.exit_code()
        ));
    }
    Ok(())
}

/// The `no-shell` check on an image's final filesystem: one definition of "has a shell" for
/// the lab, the tables and the container tests ([`Filesystem::has_shell`]).
pub(crate) fn no_shell_verdict(fs: &Filesystem) -> CheckResult {
    if fs.has_shell() {
        fail("your image has /bin/sh: anyone who gets into the container has a shell")
    } else {
        Ok(())
    }
}
/// The `static` verdict from the image's ENTRYPOINT and what was read of its program
/// (whether it is a symbolic link, and its first bytes; `None` when it is not there).
pub(crate) fn static_verdict(
    entrypoint: &[String],
    program: Option<&(bool, Vec<u8>)>,
) -> CheckResult {
    let Some(path) = entrypoint.first().filter(|p| p.starts_with('/')) else {
        return Err(Miss::advise(
            format!(
                "the ENTRYPOINT {entrypoint:?} does not name the calculator by its absolute path"
            ),
            "write ENTRYPOINT [\"/path/to/calculator\"]",
        ));
    };
    match program {
        None => fail(format!("{path} (the ENTRYPOINT) is not in the image")),
        Some((true, _)) => fail(format!(
            "{path} is a symbolic link: point the ENTRYPOINT at the file itself"
        )),
        Some((false, bytes)) => match elf_interpreter(bytes) {
            Ok(None) => Ok(()),
            Ok(Some(interp)) => fail(format!(
                "{path} is dynamically linked: it needs the loader {interp} and glibc at run time"
            )),
            Err(why) => fail(format!("{path} is not a program the kit can read: {why}")),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::image::elf::elf_interpreter;
    use crate::lab::fixtures::catalogue;
    use crate::lab::fixtures::check;
    use crate::lab::{Failure, Lab};

    #[test]
    fn debug_shell_verdicts_say_what_ran() {
        use crate::docker::run::{Output, RunError};
        let output = |code: i64, stdout: &str| Output {
            stdout: stdout.as_bytes().to_vec(),
            stderr: Vec::new(),
            exit_code: code,
            elapsed: std::time::Duration::ZERO,
        };
        assert_eq!(
            debug_shell_verdict("i-debug", Ok(output(0, "ok\n"))),
            Ok(())
        );
        let Miss { verdict, .. } =
            debug_shell_verdict("i-debug", Ok(output(0, "ko\n"))).unwrap_err();
        assert!(verdict.contains("exited 0 and printed \"ko\""), "{verdict}");
        let Miss { verdict, .. } = debug_shell_verdict("i-debug", Ok(output(127, ""))).unwrap_err();
        assert!(verdict.contains("exited 127"), "{verdict}");
        let missing = RunError::Engine {
            action: "start",
            image: "i-debug".into(),
            reason: "exec: \"busybox\": executable file not found in $PATH".into(),
        };
        let Miss { verdict, .. } = debug_shell_verdict("i-debug", Err(missing)).unwrap_err();
        assert!(verdict.contains("finds no busybox"), "{verdict}");
    }

    #[test]
    fn the_context_check_measures_what_would_be_sent() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        let write = |rel: &str, bytes: usize| {
            let path = root.join(rel);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, vec![b'x'; bytes]).unwrap();
        };
        write("Cargo.toml", 100);
        write("calculator/src/main.rs", 1000);
        write("calculator/target/debug/calculator", 3_000_000);
        write("docs/book.html", 2_000_000);
        write(".git/HEAD", 10);
        let ignore = root.join("ctx/.dockerignore");
        write("ctx/.dockerignore", 0);

        // Nothing left out: the nested target/ is named.
        let Miss { verdict, .. } = context_verdict(root, &ignore, 1.0).unwrap_err();
        assert!(verdict.contains("calculator/target"), "{verdict}");
        assert!(verdict.contains("largest: calculator 3.00 MB"), "{verdict}");

        // A root-only pattern misses the nested build output.
        std::fs::write(&ignore, "target/\n.git\n").unwrap();
        let Miss { verdict, .. } = context_verdict(root, &ignore, 1.0).unwrap_err();
        assert!(verdict.contains("calculator/target"), "{verdict}");

        // No target/ or .git, but the docs are above the bound.
        std::fs::write(&ignore, "**/target/\n.git\n").unwrap();
        let Miss { verdict, .. } = context_verdict(root, &ignore, 1.0).unwrap_err();
        assert!(verdict.contains("above the bound of 1.00 MB"), "{verdict}");
        assert!(verdict.contains("docs 2.00 MB"), "{verdict}");

        std::fs::write(&ignore, "**/target/\n.git\ndocs/\nctx/\n").unwrap();
        assert_eq!(context_verdict(root, &ignore, 1.0), Ok(()));

        // A missing file sends the learner to `just lab`.
        std::fs::remove_file(&ignore).unwrap();
        let Miss { verdict, advice } = context_verdict(root, &ignore, 1.0).unwrap_err();
        assert!(verdict.contains("does not exist"), "{verdict}");
        assert!(advice.unwrap().contains("just lab"));
    }

    #[test]
    fn the_kits_context_solution_is_within_its_bound_and_the_skeleton_is_not() {
        let c = catalogue();
        let lab = Lab::load(&c.root, &c).unwrap();
        for e in lab.exercises.iter().filter(|e| e.context.is_some()) {
            let max = e.max_context_mb.unwrap();
            let solution = lab.context_ignore(e, true).unwrap();
            assert_eq!(context_verdict(&c.root, &solution, max), Ok(()));
            // The skeleton leaves nothing out; with a build directory present, it fails.
            if c.root.join("target").is_dir() {
                let skeleton = lab.context_skeleton(e).unwrap();
                assert!(context_verdict(&c.root, &skeleton, max).is_err());
            }
        }
    }

    #[test]
    fn size_hints_say_what_was_measured_and_the_bound() {
        let Miss { verdict, advice } = size_verdict(1_210_000_000, 0.5, 1.5).unwrap_err();
        assert_eq!(verdict, "your final image is 1.21 GB; the bound is 1.5 MB");
        assert!(advice.is_none());
        let failure = Failure {
            check: check("size"),
            verdict,
            advice: "does the last FROM start from scratch?".into(),
        };
        assert_eq!(
            failure.hint(),
            "your final image is 1.21 GB; the bound is 1.5 MB: does the last FROM start from scratch?"
        );
        assert!(size_verdict(1_400_000, 0.5, 1.5).is_ok());
        assert!(
            size_verdict(100_000, 0.5, 1.5)
                .unwrap_err()
                .verdict
                .contains("at least 0.5 MB")
        );
    }

    #[test]
    fn user_hints_name_the_line() {
        let d = Dockerfile::parse("FROM scratch\nUSER root\n");
        let Miss { verdict: v, .. } = user_verdict("root", &d).unwrap_err();
        assert_eq!(
            v,
            "your image runs as root: the last USER (line 2) is `root`"
        );
        let d = Dockerfile::parse("FROM debian:trixie-slim\n");
        assert!(
            user_verdict("", &d)
                .unwrap_err()
                .verdict
                .contains("no USER line")
        );
        assert!(user_verdict("0:0", &d).is_err());
        assert!(user_verdict("65532:65532", &d).is_ok());
    }

    #[test]
    fn static_structure_hints() {
        let one = Dockerfile::parse("FROM rust:1.95-trixie\nRUN cargo build\n");
        assert!(
            multi_stage(&one)
                .unwrap_err()
                .verdict
                .contains("one stage (one FROM, line 1)")
        );
        let two = Dockerfile::parse(
            "FROM rust:1.95-slim-trixie AS build\nFROM debian:trixie-slim\nCOPY --from=build /out/calculator /c\n",
        );
        assert!(multi_stage(&two).is_ok());
        let catalogue = catalogue();
        let slim = catalogue.get("debian-slim").unwrap();
        assert!(final_base(&two, slim).is_ok());
        let scratch = catalogue.get("scratch").unwrap();
        assert_eq!(
            final_base(&two, scratch).unwrap_err().verdict,
            "your last FROM (line 2) is `debian:trixie-slim`; this exercise ships on `scratch`"
        );
        assert_eq!(
            repository_of("gcr.io/distroless/cc-debian13:nonroot"),
            "gcr.io/distroless/cc-debian13"
        );
        assert_eq!(
            repository_of("localhost:5000/x@sha256:ab"),
            "localhost:5000/x"
        );
    }

    #[test]
    fn answer_hints_explain_a_missing_loader() {
        let out = crate::docker::run::Output {
            stdout: Vec::new(),
            stderr: b"exec /usr/local/bin/calculator: no such file or directory\n".to_vec(),
            exit_code: 1,
            elapsed: std::time::Duration::ZERO,
        };
        let Miss { verdict, advice } = answer_verdict(&out).unwrap_err();
        assert!(verdict.contains("exited 1"), "{verdict}");
        assert!(advice.unwrap().contains("loader is missing"));
    }

    #[test]
    fn elf_interpreters_are_read() {
        let me = std::fs::read(std::env::current_exe().unwrap()).unwrap();
        let interp = elf_interpreter(&me).unwrap();
        // Test binaries are dynamically linked on every platform the kit supports.
        assert!(interp.is_some_and(|i| i.contains("ld-")));
        assert!(elf_interpreter(b"#!/bin/sh\n").is_err());
    }
}
