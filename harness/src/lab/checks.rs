//! The checks an exercise can name, with what each needs and the advice it gives.

use std::fmt;

use serde::Deserialize;

/// One thing an exercise requires. The manifest names them in kebab-case; they run in the
/// manifest's order and grading of an exercise stops at the first that fails.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Check {
    /// The Dockerfile has a build stage and a separate final stage that copies from it.
    MultiStage,
    /// The last FROM is the base the exercise is about (the solution's, tag aside).
    FinalBase,
    /// The harness's lint rules find nothing.
    Lint,
    /// The image builds.
    Builds,
    /// The calculator's binary has no ELF interpreter: it is statically linked.
    Static,
    /// `docker run IMAGE 6 '*' 7` prints 42 and exits 0.
    Answers,
    /// The transcript piped in gives the same stdout, stderr and status as on the host.
    Transcript,
    /// The image size is within the exercise's bounds.
    Size,
    /// The container does not run as root.
    NonRoot,
    /// The image has no /bin/sh.
    NoShell,
    /// After a one-line change in the calculator's sources, a `cargo` step of the rebuild is
    /// answered from the layer cache.
    DependencyCache,
    /// The exercise's own build context (the workspace filtered by the learner's
    /// `.dockerignore`) holds no `target/` or `.git` and stays under its size bound.
    Context,
    /// `docker build --target debug` builds, and in that image `busybox sh -c 'echo ok'`
    /// prints `ok`: a debug stage with a shell beside the shell-less default.
    DebugTarget,
}

impl Check {
    /// The manifest's name for the check.
    pub fn name(self) -> &'static str {
        match self {
            Check::MultiStage => "multi-stage",
            Check::FinalBase => "final-base",
            Check::Lint => "lint",
            Check::Builds => "builds",
            Check::Static => "static",
            Check::Answers => "answers",
            Check::Transcript => "transcript",
            Check::Size => "size",
            Check::NonRoot => "non-root",
            Check::NoShell => "no-shell",
            Check::DependencyCache => "dependency-cache",
            Check::Context => "context",
            Check::DebugTarget => "debug-target",
        }
    }

    /// Whether the check needs the built image (and so an earlier `builds`).
    pub fn needs_image(self) -> bool {
        !matches!(
            self,
            Check::MultiStage | Check::FinalBase | Check::Lint | Check::Builds | Check::Context
        )
    }

    /// What to do when the check fails, when the manifest has no hint of its own for it.
    pub fn default_advice(self) -> &'static str {
        match self {
            Check::MultiStage => {
                "start a second stage with another FROM for the runtime, and COPY --from=<build stage> only what runs"
            }
            Check::FinalBase => "the last FROM decides what the image is made of",
            Check::Lint => "fix that line; `harness lint FILE` checks again without building",
            Check::Builds => "`docker build -f FILE .` shows the whole log",
            Check::Static => {
                "set ENV RUSTFLAGS=\"-C target-feature=+crt-static\" before the dependency step and build with --target \"$(rustc -vV | sed -n 's/^host: //p')\""
            }
            Check::Answers => {
                "is the ENTRYPOINT the calculator's path, in exec form (a JSON list)?"
            }
            Check::Transcript => {
                "the image must run the same calculator as `cargo run -p calculator`: build it from calculator/src, in release mode"
            }
            Check::Size => "what else does the last stage copy or install?",
            Check::NonRoot => {
                "add a numeric USER (for example USER 65532:65532) at the end of the last stage"
            }
            Check::NoShell => "the last FROM must be an image without a shell",
            Check::DependencyCache => {
                "COPY only Cargo.toml, Cargo.lock and each member's Cargo.toml first, build the dependencies against placeholder sources, and only then COPY calculator/src"
            }
            Check::Context => {
                "list in the context's .dockerignore what no COPY needs: target/, .git, the docs, the lab"
            }
            Check::DebugTarget => {
                "add a stage `FROM <your final stage> AS debug` that copies a static busybox in (COPY --from=<a stage that installed busybox-static> /bin/busybox /bin/busybox), and keep a shell-less stage last"
            }
        }
    }
}

impl fmt::Display for Check {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}
