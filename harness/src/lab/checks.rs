//! The checks an exercise can name, as ONE table: [`CHECKS`], as the lint rules are one
//! table. Adding a check is one entry there (its name, whether it needs the built image, its
//! default advice and the function that runs it); the manifest's names and their validation,
//! the grading loop and `harness lab hint` all read the table.
//!
//! A check's function is one of three kinds: it reads the Dockerfile, or it reads the built
//! image's facts ([`Built`]: what `docker save` holds, so it runs with no engine in a unit
//! test), or it is a task of the grader that drives the engine (builds and runs).

use std::fmt;

use futures_util::future::BoxFuture;

use crate::lab::grade::{Built, Grader, Measured, Progress, Subject};
use crate::lab::verdicts::{self, CheckResult};

/// A check's function.
pub(crate) enum Kind {
    /// Reads the Dockerfile (and the files beside it) only.
    Source(fn(&Subject) -> CheckResult),
    /// Reads the built image's facts; `Measured` keeps what the sheet shows of them.
    Image(fn(&Subject, &Built, &mut Measured) -> CheckResult),
    /// Work the grader does and waits for: a build, a container run, a walk of the context.
    Task(for<'a> fn(&'a mut Grader<'_>, &'a Subject, Progress<'a>) -> BoxFuture<'a, CheckResult>),
}

/// One entry of [`CHECKS`].
pub(crate) struct CheckDef {
    /// The manifest's name for it (kebab-case).
    pub(crate) name: &'static str,
    /// Whether it needs the built image (and so an earlier `builds` in the exercise).
    pub(crate) needs_image: bool,
    /// What to do when it fails, when the manifest has no hint of its own for it.
    pub(crate) advice: &'static str,
    /// What runs it.
    pub(crate) run: Kind,
}

/// Every check, defined in exactly this one place, in the order the manifest's comment lists
/// them.
pub(crate) const CHECKS: &[CheckDef] = &[
    // The Dockerfile has a build stage and a separate final stage that copies from it.
    CheckDef {
        name: "multi-stage",
        needs_image: false,
        advice: "start a second stage with another FROM for the runtime, and COPY --from=<build stage> only what runs",
        run: Kind::Source(|s| verdicts::multi_stage(&s.parsed)),
    },
    // The last FROM is the base the exercise is about (the solution's, tag aside).
    CheckDef {
        name: "final-base",
        needs_image: false,
        advice: "the last FROM decides what the image is made of",
        run: Kind::Source(|s| verdicts::final_base(&s.parsed, &s.solution)),
    },
    // The harness's lint rules find nothing.
    CheckDef {
        name: "lint",
        needs_image: false,
        advice: "fix that line; `harness lint FILE` checks again without building",
        run: Kind::Source(|s| verdicts::lint_check(&s.path)),
    },
    // The image builds.
    CheckDef {
        name: "builds",
        needs_image: false,
        advice: "`docker build -f FILE .` shows the whole log",
        run: Kind::Task(|g, s, p| Box::pin(g.builds(s, p))),
    },
    // The calculator's binary has no ELF interpreter: it is statically linked.
    CheckDef {
        name: "static",
        needs_image: true,
        advice: "set ENV RUSTFLAGS=\"-C target-feature=+crt-static\" before the dependency step and build with --target \"$(rustc -vV | sed -n 's/^host: //p')\"",
        run: Kind::Image(|_, b, _| {
            verdicts::static_verdict(&b.facts.entrypoint, b.program.as_ref())
        }),
    },
    // `docker run IMAGE 6 '*' 7` prints 42 and exits 0.
    CheckDef {
        name: "answers",
        needs_image: true,
        advice: "is the ENTRYPOINT the calculator's path, in exec form (a JSON list)?",
        run: Kind::Task(|_, s, _| Box::pin(crate::lab::grade::answers(s))),
    },
    // The transcript piped in gives the same stdout, stderr and status as on the host.
    CheckDef {
        name: "transcript",
        needs_image: true,
        advice: "the image must run the same calculator as `cargo run -p calculator`: build it from calculator/src, in release mode",
        run: Kind::Task(|g, s, _| Box::pin(g.transcript(s))),
    },
    // The image size is within the exercise's bounds.
    CheckDef {
        name: "size",
        needs_image: true,
        advice: "what else does the last stage copy or install?",
        run: Kind::Image(|s, b, measured| {
            measured.size = Some(b.facts.size);
            verdicts::size_verdict(
                b.facts.size,
                s.solution.min_size_mb,
                s.exercise.max_size_mb.unwrap_or(s.solution.max_size_mb),
            )
        }),
    },
    // The container does not run as root.
    CheckDef {
        name: "non-root",
        needs_image: true,
        advice: "add a numeric USER (for example USER 65532:65532) at the end of the last stage",
        run: Kind::Image(|s, b, _| verdicts::user_verdict(&b.facts.user, &s.parsed)),
    },
    // The image has no /bin/sh.
    CheckDef {
        name: "no-shell",
        needs_image: true,
        advice: "the last FROM must be an image without a shell",
        run: Kind::Image(|_, b, _| verdicts::no_shell_verdict(&b.facts.filesystem)),
    },
    // After a one-line change in the calculator's sources, a `cargo` step of the rebuild is
    // answered from the layer cache.
    CheckDef {
        name: "dependency-cache",
        needs_image: true,
        advice: "COPY only Cargo.toml, Cargo.lock and each member's Cargo.toml first, build the dependencies against placeholder sources, and only then COPY calculator/src",
        run: Kind::Task(|g, s, p| Box::pin(g.dependency_cache(s, p))),
    },
    // The exercise's own build context (the workspace filtered by the learner's
    // `.dockerignore`) holds no `target/` or `.git` and stays under its size bound.
    CheckDef {
        name: CONTEXT,
        needs_image: false,
        advice: "list in the context's .dockerignore what no COPY needs: target/, .git, the docs, the lab",
        run: Kind::Task(|g, s, _| Box::pin(g.context(s))),
    },
    // `docker build --target debug` builds, and in that image `busybox sh -c 'echo ok'`
    // prints `ok`: a debug stage with a shell beside the shell-less default.
    CheckDef {
        name: "debug-target",
        needs_image: true,
        advice: "add a stage `FROM <your final stage> AS debug` that copies a static busybox in (COPY --from=<a stage that installed busybox-static> /bin/busybox /bin/busybox), and keep a shell-less stage last",
        run: Kind::Task(|g, s, p| Box::pin(g.debug_target(s, p))),
    },
];

/// The check that makes the image the image checks need.
pub(crate) const BUILDS: &str = "builds";

/// The check that goes with an exercise's own `context` folder.
pub(crate) const CONTEXT: &str = "context";

/// One check of the table `CHECKS`, as the manifest names it. Checks order as the table does.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Check(usize);

impl Check {
    /// The check the manifest calls `name`, if there is one.
    pub(crate) fn named(name: &str) -> Option<Check> {
        CHECKS.iter().position(|c| c.name == name).map(Check)
    }

    pub(crate) fn def(self) -> &'static CheckDef {
        &CHECKS[self.0]
    }

    /// The manifest's name for the check.
    pub fn name(self) -> &'static str {
        self.def().name
    }

    /// Whether the check needs the built image (and so an earlier `builds`).
    pub(crate) fn needs_image(self) -> bool {
        self.def().needs_image
    }

    /// What to do when the check fails, when the manifest has no hint of its own for it.
    pub(crate) fn default_advice(self) -> &'static str {
        self.def().advice
    }
}

impl fmt::Display for Check {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl fmt::Debug for Check {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Check({})", self.name())
    }
}

impl<'de> serde::Deserialize<'de> for Check {
    /// A name of the table; any other is refused with the list, as serde words it for an
    /// enum.
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Check, D::Error> {
        let name = String::deserialize(d)?;
        Check::named(&name).ok_or_else(|| {
            let known: Vec<String> = CHECKS.iter().map(|c| format!("`{}`", c.name)).collect();
            serde::de::Error::custom(format!(
                "unknown variant `{name}`, expected one of {}",
                known.join(", ")
            ))
        })
    }
}

#[cfg(test)]
mod tests {
    //! The image checks on synthetic `docker save` archives: no engine anywhere.

    use std::path::PathBuf;

    use super::*;
    use crate::dockerfile::Dockerfile;
    use crate::image::archive::facts_from_saved_image;
    use crate::image::testing;
    use crate::lab::fixtures::{GOOD, catalogue, check, parse};
    use crate::lab::verdicts::Miss;

    /// One layer's member: a file with its bytes, or a symbolic link to a target.
    enum Member<'a> {
        File(&'a str, Vec<u8>),
        Link(&'a str, &'a str),
    }

    /// A one-layer image saved as `docker save` writes it, with `config` as its config, and
    /// what was read of its ENTRYPOINT's program, as the grader reads it from a container.
    fn built(members: &[Member<'_>], config: &str) -> Built {
        let links: Vec<String> = members
            .iter()
            .map(|m| match m {
                Member::Link(path, target) => format!("{path}->{target}"),
                Member::File(..) => String::new(),
            })
            .collect();
        let layer: Vec<testing::Member> = members
            .iter()
            .zip(&links)
            .map(|(m, link)| match m {
                Member::File(path, bytes) => testing::Member::File(path, 0o755, bytes),
                Member::Link(..) => testing::Member::Link(link),
            })
            .collect();
        let file = testing::saved(&[testing::tar_of(&layer)], config);
        let facts = facts_from_saved_image(file.path(), false).unwrap();
        let program = facts.entrypoint.first().and_then(|p| {
            let p = p.trim_start_matches('/');
            members.iter().find_map(|m| match m {
                Member::File(path, bytes) if *path == p => Some((false, bytes.clone())),
                Member::Link(path, _) if *path == p => Some((true, Vec::new())),
                _ => None,
            })
        });
        Built { facts, program }
    }

    /// An ELF header with one loadable segment and no interpreter, padded to `size` bytes.
    fn static_elf(size: usize) -> Vec<u8> {
        let mut elf = vec![0u8; size.max(120)];
        elf[..6].copy_from_slice(b"\x7fELF\x02\x01");
        elf[0x20] = 64; // program headers right after the header
        elf[0x36] = 56; // one header of 56 bytes
        elf[0x38] = 1;
        elf[64] = 1; // PT_LOAD
        elf
    }

    /// What the exercise of the fixture manifest (solved by `scratch`) checks in `dockerfile`.
    fn subject(dockerfile: &str) -> Subject {
        let lab = parse(GOOD).unwrap();
        Subject {
            exercise: lab.exercises[0].clone(),
            solution: catalogue().get("scratch").unwrap().clone(),
            dockerfile: PathBuf::from("docker/lab/05-scratch.Dockerfile"),
            path: PathBuf::from("/r/docker/lab/05-scratch.Dockerfile"),
            parsed: Dockerfile::parse(dockerfile),
            image: "calc-kit/lab:synthetic".into(),
            ignore: None,
        }
    }

    /// Runs the image check `name` of the table; what it measured comes back too.
    fn run(name: &str, s: &Subject, b: &Built) -> (CheckResult, Measured) {
        let c = check(name);
        assert!(c.needs_image(), "{name} needs the image");
        let Kind::Image(run) = &c.def().run else {
            panic!("{name} is not an image check");
        };
        let mut measured = Measured::default();
        (run(s, b, &mut measured), measured)
    }

    #[test]
    fn a_scratch_image_with_a_static_binary_passes_every_image_check() {
        let s = subject("FROM scratch\nCOPY --from=build /c /calculator\nUSER 65532:65532\n");
        let b = built(
            &[Member::File("calculator", static_elf(1_400_000))],
            r#"{"config":{"User":"65532:65532","Entrypoint":["/calculator"]}}"#,
        );
        for name in ["static", "non-root", "no-shell"] {
            assert_eq!(run(name, &s, &b).0, Ok(()), "{name}");
        }
        let (result, measured) = run("size", &s, &b);
        assert_eq!(result, Ok(()));
        assert_eq!(measured.size, Some(1_400_000));
    }

    #[test]
    fn a_debian_image_with_a_dynamic_binary_fails_them_with_what_was_found() {
        let s =
            subject("FROM debian:trixie-slim\nCOPY --from=build /c /usr/local/bin/calculator\n");
        let dynamic = std::fs::read(std::env::current_exe().unwrap()).unwrap();
        let head = dynamic[..1 << 16].to_vec();
        let b = built(
            &[
                Member::File("usr/bin/dash", b"\x7fELF shell".to_vec()),
                Member::Link("bin", "usr/bin"),
                Member::Link("usr/bin/sh", "dash"),
                Member::File("usr/local/bin/calculator", head),
            ],
            r#"{"config":{"Entrypoint":["/usr/local/bin/calculator"]}}"#,
        );
        let Miss { verdict, .. } = run("static", &s, &b).0.unwrap_err();
        assert!(verdict.contains("is dynamically linked"), "{verdict}");
        let Miss { verdict, .. } = run("no-shell", &s, &b).0.unwrap_err();
        assert!(verdict.contains("has /bin/sh"), "{verdict}");
        let Miss { verdict, .. } = run("non-root", &s, &b).0.unwrap_err();
        assert!(verdict.contains("no USER line"), "{verdict}");
        let Miss { verdict, advice } = run("size", &s, &b).0.unwrap_err();
        assert!(verdict.contains("at least 0.5 MB"), "{verdict}");
        assert!(advice.unwrap().contains("really in it"));
    }

    #[test]
    fn the_static_check_names_a_link_a_missing_program_and_a_relative_entrypoint() {
        let s = subject("FROM scratch\n");
        let link = built(
            &[
                Member::File("calculator", static_elf(200)),
                Member::Link("c", "calculator"),
            ],
            r#"{"config":{"Entrypoint":["/c"]}}"#,
        );
        let Miss { verdict, .. } = run("static", &s, &link).0.unwrap_err();
        assert!(verdict.contains("/c is a symbolic link"), "{verdict}");
        let missing = built(&[], r#"{"config":{"Entrypoint":["/calculator"]}}"#);
        let Miss { verdict, .. } = run("static", &s, &missing).0.unwrap_err();
        assert!(verdict.contains("is not in the image"), "{verdict}");
        let relative = built(&[], r#"{"config":{"Entrypoint":["calculator"]}}"#);
        let Miss { verdict, advice } = run("static", &s, &relative).0.unwrap_err();
        assert!(verdict.contains("absolute path"), "{verdict}");
        assert!(
            advice
                .unwrap()
                .contains("ENTRYPOINT [\"/path/to/calculator\"]")
        );
    }

    #[test]
    fn every_check_of_the_table_has_a_unique_name_and_advice() {
        let mut names: Vec<_> = CHECKS.iter().map(|c| c.name).collect();
        names.sort();
        names.dedup();
        assert_eq!(names.len(), CHECKS.len());
        assert!(CHECKS.iter().all(|c| !c.advice.is_empty()));
        for c in CHECKS {
            let found = Check::named(c.name).unwrap();
            assert_eq!(found.name(), c.name);
            // A check that reads the image's facts needs the image, as the validation says.
            if matches!(c.run, Kind::Image(_)) {
                assert!(c.needs_image, "{}", c.name);
            }
        }
        assert!(Check::named(BUILDS).is_some() && Check::named(CONTEXT).is_some());
        assert!(Check::named("bilds").is_none());
    }
}
