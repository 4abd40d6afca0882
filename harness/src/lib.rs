//! Builds, runs, inspects and grades the calc-kit Dockerfile variants.
//!
//! Every consumer (the `harness` binary behind the justfile, the container tests, the demo,
//! the lab grader, the report and the bench) goes through these modules, so that a
//! fact about an image is measured in exactly one place:
//!
//! - [`catalogue`]: what each variant is and what must hold for it (`docker/variants.toml`);
//! - [`engine`]: reaching a Docker engine, or saying in one line how to get one;
//! - [`context`]: the build context, honouring `.dockerignore` as Docker does;
//! - [`dockerfile`]: reading Dockerfiles (instructions, stages, base images);
//! - [`bases`]: making sure the base images exist, building offline stand-ins if not;
//! - [`build`]: building a variant with progress and a diagnosis when it fails;
//! - [`run`]: running the calculator in a container in every way the kit promises;
//! - [`inspect`]: image facts from the engine and from the layer tars;
//! - [`lint`]: the harness's own Dockerfile rules, with messages that teach;
//! - [`lab`]: the graded lab: exercises, skeletons, grading with one hint;
//! - [`measure`]: every variant built, inspected and run, the figures demo, report and
//!   bench share;
//! - [`demo`], [`chart`], [`report`]: `just demo` on the terminal, bar charts, and the
//!   generated results page of the docs;
//! - [`format`]: numbers and sizes printed the same way everywhere;
//! - [`host`]: the calculator built and run on the host, the reference for every image;
//! - [`bench`]: the performance figures and goals of `just bench`.

pub mod bases;
pub mod bench;
pub mod build;
pub mod catalogue;
pub mod chart;
pub mod context;
pub mod demo;
pub mod dockerfile;
pub mod engine;
pub mod format;
pub mod host;
pub mod inspect;
pub mod lab;
pub mod lint;
pub mod measure;
pub mod report;
pub mod run;

/// The label every container the harness creates carries, so that leftovers can be found and
/// removed even after a crash (see [`run::sweep`]).
pub const CONTAINER_LABEL: &str = "io.calc-kit.harness";

/// The label the offline base-image recipes put on a stand-in; its value names the upstream
/// image it stands in for. Reports must say when sizes were measured on stand-ins.
pub const STAND_IN_LABEL: &str = "io.calc-kit.stand-in";
