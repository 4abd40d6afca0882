//! The harness's own Dockerfile rules: the hadolint checks that matter for small, safe images,
//! plus one hadolint cannot know about here (every Dockerfile must also build with the legacy
//! builder, which is what the `docker build` on these machines uses).
//!
//! Each finding names the rule, the line, what to do and why, because the reader is a learner
//! and the message is the lesson.
//!
//! Here: what a rule and a finding are, and the entry points that read a Dockerfile and run
//! every rule over it; the rules themselves, their table and their checks, are in [`rules`].

use std::fmt;
use std::path::Path;

use crate::dockerfile::Dockerfile;

mod rules;
#[cfg(test)]
mod tests;

pub use rules::RULES;

/// A lint rule: its id for reference, a short name, and the reason it exists.
#[derive(Debug, PartialEq, Eq)]
pub struct Rule {
    /// Stable id (`CK001`...), used by fixtures and docs.
    pub id: &'static str,
    /// Short kebab-case name.
    pub name: &'static str,
    /// Why the rule matters, said once here and appended to every finding.
    pub why: &'static str,
}

/// One rule violation at one line.
#[derive(Debug, Clone)]
pub struct Finding {
    /// The rule broken.
    pub rule: &'static Rule,
    /// 1-based line of the instruction.
    pub line: usize,
    /// What is wrong here and what to do instead.
    pub message: String,
}

impl fmt::Display for Finding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "line {}: {} {}: {} (why: {})",
            self.line, self.rule.id, self.rule.name, self.message, self.rule.why
        )
    }
}

/// What the catalogue allows for a given Dockerfile.
#[derive(Debug, Clone, Copy, Default)]
pub struct LintOptions {
    /// The variant is meant to run as root (the naive one, which shows the problem).
    pub allow_root: bool,
}

/// Lints a Dockerfile file; findings are sorted by line.
pub fn lint_file(path: &Path, options: LintOptions) -> std::io::Result<Vec<Finding>> {
    Ok(lint(&std::fs::read_to_string(path)?, options))
}

/// Lints Dockerfile text; findings are sorted by line.
pub fn lint(text: &str, options: LintOptions) -> Vec<Finding> {
    lint_with_bases(text, options, &[])
}

/// Like [`lint_file`], knowing the configured user of some base images.
pub fn lint_file_with_bases(
    path: &Path,
    options: LintOptions,
    base_users: &[BaseUser],
) -> std::io::Result<Vec<Finding>> {
    Ok(lint_with_bases(
        &std::fs::read_to_string(path)?,
        options,
        base_users,
    ))
}

/// The user a base image is configured to run as (its `Config.User`, empty for root), when
/// the image is at hand to read: a final stage without `USER` runs as its base's user.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BaseUser {
    /// The image reference, as the `FROM` line writes it.
    pub image: String,
    /// Its configured user (empty when it sets none: root).
    pub user: String,
}

/// Like [`lint`], knowing the configured user of the base images in `base_users`; a base not
/// listed there is not assumed to run as anyone in particular.
fn lint_with_bases(text: &str, options: LintOptions, base_users: &[BaseUser]) -> Vec<Finding> {
    let d = Dockerfile::parse(text);
    let mut out = Vec::new();
    for stage in &d.stages {
        rules::check_base(&d, stage, &mut out);
        for ins in &stage.instructions {
            rules::check_instruction(&d, stage, ins, &mut out);
        }
    }
    rules::check_entrypoints(&d, &mut out);
    if !options.allow_root {
        rules::check_user(&d, base_users, &mut out);
    }
    rules::check_apt_lists(&d, &mut out);
    out.sort_by_key(|f| (f.line, f.rule.id));
    out
}
