//! Why a build failed, in words a learner can act on: the engine's error, the end of the log
//! and a [`LikelyCause`] recognised from both, with its advice.

use std::path::Path;

/// How many lines of build log a failure shows.
pub const TAIL_LINES: usize = 30;

/// What probably went wrong, so a failure says what to do rather than only what happened.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LikelyCause {
    /// A FROM image is neither present nor pullable.
    MissingBaseImage,
    /// cargo could not fetch crates (no network, or a TLS-intercepting proxy whose CA the
    /// builder image does not trust).
    CratesUnreachable,
    /// Cargo.lock does not match the manifests and the build uses `--locked`.
    StaleLockfile,
    /// The Rust code does not compile.
    CompileError,
    /// The Dockerfile uses BuildKit-only syntax.
    BuildKitOnlySyntax,
    /// A COPY source is not in the build context (missing, or excluded by .dockerignore).
    MissingContextFile,
    /// The disk is full.
    NoSpace,
    /// The build ran past its time limit and was cancelled.
    TimedOut,
    /// The Dockerfile does not parse (an unknown instruction, a bad flag).
    SyntaxError,
    /// Nothing recognisable.
    Unknown,
}

impl LikelyCause {
    /// Classifies a failed build from its error and log.
    pub(crate) fn diagnose(error: &str, log: &str) -> LikelyCause {
        let all = format!("{log}\n{error}");
        let has = |needles: &[&str]| needles.iter().any(|n| all.contains(n));
        if error.starts_with(TIMED_OUT) {
            LikelyCause::TimedOut
        } else if has(&["no space left on device"]) {
            LikelyCause::NoSpace
        } else if has(&[
            "pull access denied",
            "manifest unknown",
            "repository does not exist",
            "failed to resolve reference",
            "not found: manifest",
        ]) || (error.contains("no such host") && !log.contains("cargo"))
        {
            LikelyCause::MissingBaseImage
        } else if has(&[
            "requires BuildKit",
            "Unknown flag: mount",
            "Unknown flag: chmod",
            "Unknown flag: link",
        ]) {
            LikelyCause::BuildKitOnlySyntax
        } else if has(&[
            "SSL certificate problem",
            "certificate verify failed",
            "invalid peer certificate",
            "failed to download from",
            "Couldn't resolve host",
            "Could not resolve host",
            "failed to get `",
            "failed to query replaced source registry",
            "download of config.json failed",
        ]) {
            LikelyCause::CratesUnreachable
        } else if has(&[
            "needs to be updated but --locked",
            "lock file",
            "--locked was passed",
        ]) {
            LikelyCause::StaleLockfile
        } else if has(&["dockerfile parse error", "unknown instruction"]) {
            LikelyCause::SyntaxError
        } else if has(&["error[E", "could not compile", "error: aborting due to"]) {
            LikelyCause::CompileError
        } else if has(&["COPY failed", "ADD failed", "no such file or directory"]) {
            LikelyCause::MissingContextFile
        } else {
            LikelyCause::Unknown
        }
    }

    /// What to do about it.
    pub(crate) fn advice(self) -> &'static str {
        match self {
            LikelyCause::MissingBaseImage => {
                "a base image is missing and cannot be pulled: run `just bases` (docker/bases/build-bases.sh) to pull it or build a local stand-in"
            }
            LikelyCause::CratesUnreachable => {
                "cargo inside the build cannot fetch crates: check the network, and behind a TLS-intercepting proxy make sure the builder image trusts its CA (the stand-in recipes copy /usr/local/share/ca-certificates/*.crt into it; rebuild with `docker/bases/build-bases.sh --force`)"
            }
            LikelyCause::StaleLockfile => {
                "Cargo.lock is out of date for --locked: run `cargo build` on the host and commit Cargo.lock"
            }
            LikelyCause::CompileError => {
                "the calculator does not compile: run `cargo build -p calculator` on the host to see the error with full context"
            }
            LikelyCause::BuildKitOnlySyntax => {
                "the Dockerfile uses BuildKit-only syntax that the legacy builder rejects: run `harness lint` (rule CK008)"
            }
            LikelyCause::MissingContextFile => {
                "a COPY source is missing from the build context: check the path and that .dockerignore does not exclude it"
            }
            LikelyCause::NoSpace => {
                "the disk is full: `docker system prune` frees unused images and build cache"
            }
            LikelyCause::TimedOut => {
                "a step ran past the time limit: does a RUN wait for input, serve, or sleep? Every RUN must finish by itself. On a slow machine raise the limit: CALC_KIT_BUILD_TIMEOUT=SECONDS"
            }
            LikelyCause::SyntaxError => {
                "the Dockerfile does not parse: check the instruction on the line named (FROM, RUN, COPY, ENV, USER, ENTRYPOINT...)"
            }
            LikelyCause::Unknown => "see the build log above",
        }
    }
}

/// How the error of a build cancelled by its limit begins ("the build did not finish within
/// 5 s; step 2/2 `RUN sleep 100000` was running").
pub const TIMED_OUT: &str = "the build did not finish within";

/// A failed build: which, why, the end of the log and what to do.
#[derive(Debug, Clone, thiserror::Error)]
#[error("building {image} from {dockerfile} failed: {error}\n--- last lines of the build log ---\n{tail}\n--- likely cause: {advice}", advice = cause.advice())]
pub struct BuildError {
    /// The tag that was being built.
    pub(crate) image: String,
    /// The Dockerfile.
    pub(crate) dockerfile: String,
    /// The engine's (or the preparation's) error message.
    pub error: String,
    /// The last [`TAIL_LINES`] lines of the log.
    pub tail: String,
    /// The diagnosis.
    pub cause: LikelyCause,
}

impl BuildError {
    pub(super) fn new(image: &str, dockerfile: &Path, error: String, log: &str) -> BuildError {
        let lines: Vec<&str> = log.lines().collect();
        let tail = lines[lines.len().saturating_sub(TAIL_LINES)..].join("\n");
        BuildError {
            image: image.to_string(),
            dockerfile: dockerfile.display().to_string(),
            cause: LikelyCause::diagnose(&error, log),
            error,
            tail,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn causes_are_recognised() {
        use LikelyCause::*;
        let d = LikelyCause::diagnose;
        assert_eq!(
            d("pull access denied for rust, repository does not exist", ""),
            MissingBaseImage
        );
        assert_eq!(
            d(
                "The command '/bin/sh -c cargo build' returned a non-zero code: 101",
                "error: failed to get `lexopt` as a dependency\nCaused by: [60] SSL peer certificate or SSH remote key was not OK (SSL certificate problem: unable to get local issuer certificate)"
            ),
            CratesUnreachable
        );
        assert_eq!(
            d(
                "returned a non-zero code: 101",
                "error[E0425]: cannot find value `x`\nerror: could not compile `calculator`"
            ),
            CompileError
        );
        assert_eq!(
            d(
                "returned a non-zero code: 101",
                "error: the lock file /src/Cargo.lock needs to be updated but --locked was passed to prevent this"
            ),
            StaleLockfile
        );
        assert_eq!(
            d("the --mount option requires BuildKit", ""),
            BuildKitOnlySyntax
        );
        assert_eq!(
            d("COPY failed: file not found in build context", ""),
            MissingContextFile
        );
        assert_eq!(d("something else", ""), Unknown);
        assert_eq!(
            d(
                "the build did not finish within 5 s; step 2/2 `RUN sleep 9` was running",
                ""
            ),
            TimedOut
        );
        assert_eq!(
            d(
                "dockerfile parse error line 2: unknown instruction: RUNN",
                ""
            ),
            SyntaxError
        );
    }

    #[test]
    fn errors_show_the_tail_and_the_advice() {
        let log: String = (1..=100).map(|i| format!("line {i}\n")).collect();
        let e = BuildError::new(
            "x:y",
            Path::new("d.Dockerfile"),
            "could not compile".into(),
            &log,
        );
        let text = e.to_string();
        assert!(
            text.contains("line 100") && text.contains("line 71") && !text.contains("line 70\n")
        );
        assert!(text.contains("likely cause: the calculator does not compile"));
    }
}
