//! Builds, runs, inspects and grades the calc-kit Dockerfile variants.
//!
//! Every consumer (the `harness` binary behind the justfile, the container tests, the demo,
//! the lab grader, the report and the bench) goes through these modules, so that a
//! fact about an image is measured in exactly one place:
//!
//! - [`manifest`]: what each variant is and what must hold for it (`docker/variants.toml`),
//!   the TOML reading the lab's exercises also go through, and where the workspace and its
//!   target directory are;
//! - [`docker`]: the engine, build contexts, base images, builds, containers and runs;
//! - [`dockerfile`]: reading Dockerfiles, and the harness's own lint rules;
//! - [`image`]: image facts from the engine and from the layer tars;
//! - [`lab`]: the graded lab: exercises, skeletons, grading with one hint;
//! - [`measure`]: every variant built, inspected and run, the figures demo, report and
//!   bench share, and the bench's timings and goals;
//! - [`render`]: numbers and sizes, bar charts, the demo's terminal view and its progress,
//!   the results, bench and claims pages, the lab's grading and watch views;
//! - [`host`]: the calculator built and run on the host, the reference for every image.
//!
//! The library returns results, text and progress events; the binary's commands
//! (`src/commands/`) decide what goes to stdout and stderr, and `main` prints an error once.
//! Views that draw live hand their lines to what their caller gives them: the demo's
//! progress a terminal, the lab's grading view a function (the graded lab's test writes
//! through it to the real stderr, so `cargo test`'s capture does not hold the lines back);
//! their spinners are indicatif's own, on stderr.

pub mod docker;
pub mod dockerfile;
pub mod host;
pub mod image;
pub mod lab;
pub mod manifest;
pub mod measure;
pub mod render;

/// The label every container the harness creates carries, so that leftovers can be found and
/// removed even after a crash (see [`docker::run::sweep`]).
pub const CONTAINER_LABEL: &str = "io.calc-kit.harness";
