//! What the SBOM is made of and what a scanner says of it: the crates the calculator links
//! (`cargo metadata`), and vulnerability counts from grype or trivy where one is installed
//! with a database.

use std::collections::BTreeMap;
use std::path::Path;

use super::NO_DATABASE;
use crate::image::sbom::{Crate, MetadataError, TARGET, linked_crates};

/// The crates the calculator links, from `cargo metadata` of the workspace.
pub fn calculator_crates(root: &Path) -> Result<Vec<Crate>, MetadataError> {
    let out = std::process::Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()))
        .current_dir(root)
        .args([
            "metadata",
            "--format-version",
            "1",
            "--locked",
            "--filter-platform",
            TARGET,
        ])
        .output()
        .map_err(|e| MetadataError(e.to_string()))?;
    if !out.status.success() {
        return Err(MetadataError(
            String::from_utf8_lossy(&out.stderr).trim().to_string(),
        ));
    }
    linked_crates(&String::from_utf8_lossy(&out.stdout), "calculator")
}

/// Why no vulnerability count could be taken: its text is the document's
/// `vulnerabilities_reason`.
#[derive(Debug, thiserror::Error)]
pub(crate) enum ScanError {
    /// The scanner could not be started.
    #[error("{program}: {source}")]
    Spawn {
        /// The scanner.
        program: String,
        /// Why.
        source: std::io::Error,
    },
    /// The scanner ran and failed (most often: it has no database).
    #[error("{db} ({program}: {last_line})", db = NO_DATABASE)]
    Failed {
        /// The scanner.
        program: String,
        /// The last line of its standard error.
        last_line: String,
    },
    /// The scanner's JSON is not what it documents.
    #[error("{what}: {source}")]
    Report {
        /// Which document.
        what: &'static str,
        /// Why.
        source: serde_json::Error,
    },
    /// trivy is installed without a database.
    #[error("{db} (trivy has none downloaded)", db = NO_DATABASE)]
    NoTrivyDatabase,
    /// Neither scanner is on `PATH`.
    #[error("{db}: neither grype nor trivy is installed", db = NO_DATABASE)]
    NoScanner,
}

/// A vulnerability scanner found on `PATH`, run on an SBOM: the counts by severity and which
/// scanner and database gave them.
pub(crate) fn scan(sbom: &Path) -> Result<(BTreeMap<String, u64>, String), ScanError> {
    let on_path = |name: &str| {
        std::env::var_os("PATH")
            .is_some_and(|p| std::env::split_paths(&p).any(|d| d.join(name).is_file()))
    };
    let run = |program: &str, args: &[&str]| -> Result<String, ScanError> {
        let out = std::process::Command::new(program)
            .args(args)
            .output()
            .map_err(|source| ScanError::Spawn {
                program: program.to_string(),
                source,
            })?;
        if out.status.success() {
            Ok(String::from_utf8_lossy(&out.stdout).into_owned())
        } else {
            Err(ScanError::Failed {
                program: program.to_string(),
                last_line: String::from_utf8_lossy(&out.stderr)
                    .lines()
                    .last()
                    .unwrap_or("failed")
                    .to_string(),
            })
        }
    };
    let report = |what: &'static str| move |source| ScanError::Report { what, source };
    let path = sbom.to_string_lossy();
    let mut counts = BTreeMap::new();
    if on_path("grype") {
        let status = run("grype", &["db", "status"])?;
        let built = status
            .lines()
            .find_map(|l| l.trim().strip_prefix("Built:"))
            .map_or("unknown date".to_string(), |d| d.trim().to_string());
        let report: serde_json::Value =
            serde_json::from_str(&run("grype", &[&format!("sbom:{path}"), "-o", "json"])?)
                .map_err(report("grype's report"))?;
        for m in report["matches"].as_array().into_iter().flatten() {
            let severity = m["vulnerability"]["severity"].as_str().unwrap_or("Unknown");
            *counts.entry(severity.to_ascii_lowercase()).or_insert(0) += 1;
        }
        return Ok((counts, format!("grype, database built {built}")));
    }
    if on_path("trivy") {
        let version: serde_json::Value =
            serde_json::from_str(&run("trivy", &["version", "--format", "json"])?)
                .map_err(report("trivy version"))?;
        let Some(updated) = version["VulnerabilityDB"]["UpdatedAt"].as_str() else {
            return Err(ScanError::NoTrivyDatabase);
        };
        let report: serde_json::Value = serde_json::from_str(&run(
            "trivy",
            &["sbom", "--skip-db-update", "--format", "json", &path],
        )?)
        .map_err(report("trivy's report"))?;
        for r in report["Results"].as_array().into_iter().flatten() {
            for v in r["Vulnerabilities"].as_array().into_iter().flatten() {
                let severity = v["Severity"].as_str().unwrap_or("UNKNOWN");
                *counts.entry(severity.to_ascii_lowercase()).or_insert(0) += 1;
            }
        }
        return Ok((counts, format!("trivy, database updated {updated}")));
    }
    Err(ScanError::NoScanner)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_reasons_for_no_count_name_the_scanner_and_the_database() {
        assert_eq!(
            ScanError::NoScanner.to_string(),
            "no vulnerability database: neither grype nor trivy is installed"
        );
        let failed = ScanError::Failed {
            program: "grype".into(),
            last_line: "failed to load vulnerability db".into(),
        };
        assert_eq!(
            failed.to_string(),
            "no vulnerability database (grype: failed to load vulnerability db)"
        );
    }
}
