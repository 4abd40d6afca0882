//! `harness lint`: the harness's Dockerfile rules over the catalogue's Dockerfiles or the
//! files named, one line per finding.

use std::path::PathBuf;

use harness::dockerfile::Dockerfile;
use harness::dockerfile::lint::{BaseUser, LintOptions, lint_file_with_bases};
use harness::manifest::catalogue::Catalogue;

pub fn run(files: Vec<PathBuf>) -> anyhow::Result<()> {
    let catalogue = Catalogue::load()?;
    let targets: Vec<(PathBuf, LintOptions)> = if files.is_empty() {
        catalogue
            .variants
            .iter()
            .map(|v| {
                (
                    catalogue.dockerfile_path(v),
                    LintOptions {
                        allow_root: v.runs_as_root(),
                    },
                )
            })
            .collect()
    } else {
        files
            .into_iter()
            .map(|f| (f, LintOptions::default()))
            .collect()
    };
    let base_users = base_users(&targets);
    let mut failures = 0;
    for (path, options) in targets {
        let shown = path
            .strip_prefix(&catalogue.root)
            .unwrap_or(&path)
            .display()
            .to_string();
        let findings = lint_file_with_bases(&path, options, &base_users)
            .map_err(|e| anyhow::anyhow!("{shown}: {e}"))?;
        if findings.is_empty() {
            println!("ok   {shown}");
        }
        for f in &findings {
            println!("FAIL {shown}:{f}");
        }
        failures += findings.len();
    }
    anyhow::ensure!(failures == 0, "{failures} lint finding(s)");
    Ok(())
}

/// The configured user of every base image the files start FROM that the engine has locally,
/// so a final stage without USER is judged by its real base. Without an engine, or for a base
/// not present, nothing is known and lint says that the base decides.
fn base_users(targets: &[(PathBuf, LintOptions)]) -> Vec<BaseUser> {
    let mut bases: Vec<String> = targets
        .iter()
        .filter_map(|(path, _)| std::fs::read_to_string(path).ok())
        .flat_map(|text| {
            Dockerfile::parse(&text)
                .stages
                .into_iter()
                .map(|s| s.base)
                .collect::<Vec<_>>()
        })
        .filter(|b| !b.eq_ignore_ascii_case("scratch"))
        .collect();
    bases.sort();
    bases.dedup();
    let Ok(rt) = tokio::runtime::Runtime::new() else {
        return Vec::new();
    };
    rt.block_on(async {
        let Ok(engine) = harness::docker::engine::connect().await else {
            return Vec::new();
        };
        let mut known = Vec::new();
        for image in bases {
            if let Ok(inspect) = engine.docker.inspect_image(&image).await {
                let user = inspect.config.and_then(|c| c.user).unwrap_or_default();
                known.push(BaseUser { image, user });
            }
        }
        known
    })
}
