//! Base images: before a build, every image a Dockerfile starts FROM must exist locally.
//! Where no registry answers (these machines, many classrooms), `docker/bases/build-bases.sh`
//! tries a pull and otherwise builds a stand-in under the upstream name; this module runs it
//! for exactly the images that are missing, and reports which bases are stand-ins.

use std::path::{Path, PathBuf};

use bollard::Docker;

use crate::docker::engine::{is_not_found, short_reason};
use crate::dockerfile::Dockerfile;
use crate::manifest::catalogue::Bases;

/// A base image could not be made available.
#[derive(Debug, thiserror::Error)]
pub(crate) enum BasesError {
    /// Asking the engine failed.
    #[error("cannot inspect base image {image}: {reason}")]
    Engine {
        /// The image.
        image: String,
        /// Why.
        reason: String,
    },
    /// The recipe script is missing or could not start.
    #[error(
        "base image(s) {images} are missing and {script} cannot run ({reason}): pull them on a machine with registry access, or load a bundle (`just load-bundle FILE`)"
    )]
    Script {
        /// The missing images.
        images: String,
        /// The script path.
        script: PathBuf,
        /// Why.
        reason: ScriptError,
    },
    /// The script ran but the images are still missing.
    #[error(
        "base image(s) {images} are missing and `{script}` did not make them (exit {status}); its last lines:\n{tail}\nRun it by hand to see everything; it needs root and debootstrap for the Debian stand-ins"
    )]
    Failed {
        /// The images still missing.
        images: String,
        /// The script path.
        script: String,
        /// Its exit status.
        status: String,
        /// The last lines of its output.
        tail: String,
    },
}

/// Why the recipe script could not run to its end.
#[derive(Debug, thiserror::Error)]
pub(crate) enum ScriptError {
    /// There is no script at the path.
    #[error("{} does not exist", path.display())]
    Missing {
        /// Where it was looked for.
        path: PathBuf,
    },
    /// Starting `bash` with it, or waiting for it, failed.
    #[error("{action} bash: {source}")]
    Process {
        /// What was being done ("starting", "waiting for").
        action: &'static str,
        /// Why.
        source: std::io::Error,
    },
}

/// The base images a Dockerfile needs from outside (not `scratch`, not its own stages).
pub(crate) fn base_images(dockerfile_text: &str) -> Vec<String> {
    Dockerfile::parse(dockerfile_text).external_images()
}

/// Whether `image` exists in the local engine.
pub(crate) async fn is_present(docker: &Docker, image: &str) -> Result<bool, BasesError> {
    match docker.inspect_image(image).await {
        Ok(_) => Ok(true),
        Err(e) if is_not_found(&e) => Ok(false),
        Err(e) => Err(BasesError::Engine {
            image: image.to_string(),
            reason: short_reason(&e),
        }),
    }
}

/// The upstream reference a local image stands in for, if it is a stand-in (it carries the
/// catalogue's stand-in `label`); `None` for real images and missing ones.
pub(crate) async fn stand_in_for(docker: &Docker, label: &str, image: &str) -> Option<String> {
    let inspect = docker.inspect_image(image).await.ok()?;
    inspect
        .config?
        .labels?
        .get(label)
        .filter(|v| !v.is_empty())
        .cloned()
}

/// `(base as the Dockerfile names it, upstream it stands in for)` for every base image of
/// `dockerfile_text` that is a local stand-in: what every report says about its sizes.
pub(crate) async fn stand_ins(
    docker: &Docker,
    label: &str,
    dockerfile_text: &str,
) -> Vec<(String, String)> {
    let mut found = Vec::new();
    for base in base_images(dockerfile_text) {
        if let Some(upstream) = stand_in_for(docker, label, &base).await {
            found.push((base, upstream));
        }
    }
    found
}

/// Makes sure every base image of the Dockerfile at `dockerfile` (relative to `root`) is
/// present, running the recipe script for the missing ones. Each line the script prints goes
/// to `log` as it comes (building a stand-in takes a minute; silence would look like a hang).
/// Returns the images that had to be made.
pub(crate) async fn ensure_bases(
    docker: &Docker,
    bases: &Bases,
    root: &Path,
    dockerfile: &Path,
    log: &mut (dyn FnMut(&str) + Send),
) -> Result<Vec<String>, BasesError> {
    let text = std::fs::read_to_string(root.join(dockerfile)).unwrap_or_default();
    let mut missing = Vec::new();
    for image in base_images(&text) {
        if !is_present(docker, &image).await? {
            missing.push(image);
        }
    }
    if missing.is_empty() {
        return Ok(missing);
    }
    let script = root.join(&bases.script);
    log(&format!(
        "missing base image(s) {}: running {}",
        missing.join(", "),
        bases.script.display()
    ));
    let (status, tail) =
        run_script(&script, &missing, log)
            .await
            .map_err(|reason| BasesError::Script {
                images: missing.join(", "),
                script: script.clone(),
                reason,
            })?;
    let mut still = Vec::new();
    for image in &missing {
        if !is_present(docker, image).await? {
            still.push(image.clone());
        }
    }
    if still.is_empty() {
        Ok(missing)
    } else {
        Err(BasesError::Failed {
            images: still.join(", "),
            script: format!("bash {} {}", bases.script.display(), still.join(" ")),
            status,
            tail,
        })
    }
}

async fn run_script(
    script: &Path,
    images: &[String],
    log: &mut (dyn FnMut(&str) + Send),
) -> Result<(String, String), ScriptError> {
    use tokio::io::{AsyncBufReadExt, BufReader};
    if !script.is_file() {
        return Err(ScriptError::Missing {
            path: script.to_path_buf(),
        });
    }
    let mut child = tokio::process::Command::new("bash")
        .arg(script)
        .args(images)
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .map_err(|source| ScriptError::Process {
            action: "starting",
            source,
        })?;
    let stdout = child.stdout.take().expect("piped");
    let stderr = child.stderr.take().expect("piped");
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel::<String>();
    for reader in [
        Box::new(stdout) as Box<dyn tokio::io::AsyncRead + Send + Unpin>,
        Box::new(stderr),
    ] {
        let tx = tx.clone();
        tokio::spawn(async move {
            let mut lines = BufReader::new(reader).lines();
            while let Ok(Some(line)) = lines.next_line().await {
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
    }
    drop(tx);
    let mut tail: std::collections::VecDeque<String> = Default::default();
    while let Some(line) = rx.recv().await {
        log(&line);
        if tail.len() == 20 {
            tail.pop_front();
        }
        tail.push_back(line);
    }
    let status = child.wait().await.map_err(|source| ScriptError::Process {
        action: "waiting for",
        source,
    })?;
    let status = status
        .code()
        .map(|c| c.to_string())
        .unwrap_or_else(|| "signal".into());
    Ok((status, Vec::from(tail).join("\n")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_missing_recipe_script_is_named() {
        let script = Path::new("/nonexistent/build-bases.sh");
        let e = run_script(script, &["rust:1.95-slim-trixie".into()], &mut |_| {})
            .await
            .unwrap_err();
        assert!(matches!(e, ScriptError::Missing { .. }), "{e:?}");
        assert_eq!(e.to_string(), "/nonexistent/build-bases.sh does not exist");
    }

    #[test]
    fn bases_skip_stages_and_scratch() {
        let text = "FROM rust:1.95-slim-trixie AS build\nFROM build AS test\nFROM scratch\nCOPY --from=build /a /a\n";
        assert_eq!(base_images(text), vec!["rust:1.95-slim-trixie".to_string()]);
    }
}
