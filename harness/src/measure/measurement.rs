//! What a survey produces: one row per variant (its facts, its build, the calculator's
//! answer) and the engine that ran it, with the reductions stated against the baseline.

use std::time::Duration;

use bollard::Docker;

use super::facts::Facts;
use crate::docker::build::Built;
use crate::render::format::reduction;

/// The engine that produced a measurement, as the report's header states it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct EngineInfo {
    /// Engine version, e.g. `20.10.24+dfsg1`.
    pub version: String,
    /// API version, e.g. `1.41`.
    pub api_version: String,
    /// The engine's OS and architecture (the platform images are built for), e.g.
    /// `linux/amd64`.
    pub platform: String,
}

impl EngineInfo {
    /// Asks the engine; a field it does not report reads `unknown`.
    pub async fn query(docker: &Docker) -> EngineInfo {
        let v = docker.version().await.unwrap_or_default();
        let or_unknown = |s: Option<String>| s.unwrap_or_else(|| "unknown".to_string());
        EngineInfo {
            version: or_unknown(v.version),
            api_version: or_unknown(v.api_version),
            platform: format!("{}/{}", or_unknown(v.os), or_unknown(v.arch)),
        }
    }
}

/// How a build went, without its log.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BuildSummary {
    /// Wall time of the engine's build.
    pub duration: Duration,
    /// Steps in the Dockerfile.
    pub steps: usize,
    /// Steps answered from the layer cache.
    pub cached_steps: usize,
    /// `FROM` steps, which the builder never reports as cached: nothing runs for them.
    pub from_steps: usize,
}

impl BuildSummary {
    /// The summary of `built`, whose Dockerfile had `from_steps` FROM instructions.
    pub fn new(built: &Built, from_steps: usize) -> BuildSummary {
        BuildSummary {
            duration: built.duration,
            steps: built.steps,
            cached_steps: built.cached_steps,
            from_steps,
        }
    }

    /// Steps that really ran (neither cached nor a FROM).
    pub fn steps_run(&self) -> usize {
        self.steps
            .saturating_sub(self.cached_steps)
            .saturating_sub(self.from_steps)
    }

    /// Nothing ran: the build time says nothing about compiling.
    pub fn fully_cached(&self) -> bool {
        self.steps > 0 && self.steps_run() == 0
    }
}

/// The calculator's answer in one image.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Answer {
    /// Standard output, trailing newline removed.
    pub stdout: String,
    /// Standard error, trailing newline removed.
    pub stderr: String,
    /// Exit status.
    pub exit_code: i64,
    /// `docker run` from create to exit.
    pub elapsed: Duration,
}

impl Answer {
    /// What to show: the output, or the error and status when it failed.
    pub fn shown(&self) -> String {
        if self.exit_code == 0 {
            self.stdout.clone()
        } else {
            format!("exit {}: {}", self.exit_code, self.stderr)
        }
    }
}

/// One variant, measured.
#[derive(Debug, Clone)]
pub struct Row {
    /// Catalogue name.
    pub name: String,
    /// Catalogue title.
    pub title: String,
    /// The final stage's base image, as the catalogue names it.
    pub final_base: String,
    /// The tag measured.
    pub image: String,
    /// Its image id.
    pub id: String,
    /// What the image is.
    pub facts: Facts,
    /// The facts came from the cache.
    pub facts_cached: bool,
    /// This run's build, when the variant was built.
    pub build: Option<BuildSummary>,
    /// `(base, upstream)` for every base image of its Dockerfile that is a local stand-in.
    pub stand_ins: Vec<(String, String)>,
    /// The calculator's answer to the question.
    pub answer: Answer,
}

impl Row {
    /// Whether the final stage's base is a local stand-in (its size is the stand-in's).
    pub fn final_base_is_stand_in(&self) -> bool {
        self.stand_ins
            .iter()
            .any(|(base, _)| *base == self.final_base)
    }
}

/// A whole run: every measured variant plus what produced the figures.
#[derive(Debug, Clone)]
pub struct Measurement {
    /// The engine.
    pub engine: EngineInfo,
    /// The architecture the harness itself runs on (`x86_64`, `aarch64`).
    pub host_arch: String,
    /// When (UTC, `YYYY-MM-DD`).
    pub date: String,
    /// The question every image was asked.
    pub question: String,
    /// The catalogue's baseline variant (its `[roles]`), which reductions are measured against.
    pub baseline: String,
    /// One row per variant, in catalogue order.
    pub rows: Vec<Row>,
}

impl Measurement {
    /// The row reductions are computed against: the catalogue's baseline when measured, else
    /// the largest.
    pub fn baseline(&self) -> Option<&Row> {
        self.rows
            .iter()
            .find(|r| r.name == self.baseline)
            .or_else(|| self.rows.iter().max_by_key(|r| r.facts.size))
    }

    /// `row`'s reduction against the baseline, stated correctly ("99.9% smaller (1,207x
    /// smaller)"); `None` for the baseline itself.
    pub fn reduction(&self, row: &Row) -> Option<String> {
        let base = self.baseline()?;
        (base.name != row.name).then(|| reduction(base.facts.size, row.facts.size))
    }

    /// Every stand-in base image used by any variant, `(base, upstream)`, sorted, once each.
    pub fn stand_ins(&self) -> Vec<(String, String)> {
        let mut all: Vec<(String, String)> = self
            .rows
            .iter()
            .flat_map(|r| r.stand_ins.iter().cloned())
            .collect();
        all.sort();
        all.dedup();
        all
    }

    /// Whether every image gave the same successful answer.
    pub fn answers_agree(&self) -> bool {
        let mut answers = self.rows.iter().map(|r| &r.answer);
        match answers.next() {
            None => true,
            Some(first) => {
                first.exit_code == 0
                    && answers.all(|a| a.exit_code == 0 && a.stdout == first.stdout)
            }
        }
    }
}
