//! `harness lint`: the harness's Dockerfile rules over the catalogue's Dockerfiles or the
//! files named, one line per finding.

use std::path::PathBuf;

use harness::dockerfile::lint::{LintOptions, lint_file};
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
    let mut failures = 0;
    for (path, options) in targets {
        let shown = path
            .strip_prefix(&catalogue.root)
            .unwrap_or(&path)
            .display()
            .to_string();
        let findings = lint_file(&path, options).map_err(|e| anyhow::anyhow!("{shown}: {e}"))?;
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
