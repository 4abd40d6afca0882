//! Every fenced `dockerfile` block of the chapters is accounted for, and the ones that can be
//! built are built. A block is one of:
//!
//! - an excerpt of a Dockerfile under `docker/`: its instructions appear there, in order
//!   and next to each other (comments and blank lines aside). `cargo test` builds those
//!   Dockerfiles, so the excerpt is checked here only for still matching its file;
//! - a whole Dockerfile (its first instruction is `FROM`): built as it is, with the
//!   repository root as the build context, like the kit's own Dockerfiles;
//! - a fragment preceded by `<!-- dockerfile: built after LINE; LINE -->`: built after those
//!   lines, for example `FROM rust:1.95-slim-trixie AS build; WORKDIR /src`;
//! - a block preceded by `<!-- dockerfile: not built: REASON -->`: listed with its reason.
//!
//! `buildkit, ` before `built after` marks a block only BuildKit can build (`RUN --mount`):
//! it is built with `docker buildx build` where buildx is installed, and reported as NOT
//! BUILT, loudly, where it is not. Builds use the docker CLI, so they share the layer cache
//! with every other build on the machine: a second run takes seconds.

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::repo::{self, Repo};

/// A build that runs longer than this is stopped and reported (a cold build here takes
/// under two minutes; compiling cargo-chef is the slowest).
const BUILD_LIMIT: Duration = Duration::from_secs(15 * 60);

#[derive(Debug, PartialEq)]
enum Marker {
    None,
    NotBuilt(String),
    BuiltAfter {
        prelude: Vec<String>,
        buildkit: bool,
    },
}

#[derive(Debug)]
struct Block {
    page: String,
    line: usize,
    text: String,
    marker: Marker,
}

pub fn run(args: &[String]) -> Result<(), String> {
    let list_only = args.iter().any(|a| a == "--list");
    let repo = Repo::discover()?;
    let mut blocks = Vec::new();
    let mut errors = Vec::new();
    repo::walk(&repo.src(), &mut |p| {
        if p.extension().is_some_and(|x| x == "md") {
            let page = repo::slashed(p.strip_prefix(&repo.root).unwrap_or(p));
            match repo::read(p) {
                Ok(text) => match blocks_of(&page, &text) {
                    Ok(mut b) => blocks.append(&mut b),
                    Err(mut e) => errors.append(&mut e),
                },
                Err(e) => errors.push(e),
            }
        }
    })?;
    let dockerfiles = dockerfiles(&repo)?;
    let skip_docker = std::env::var_os("CALC_KIT_SKIP_DOCKER").is_some_and(|v| v == "1");
    if !list_only && !skip_docker {
        engine_answers()?;
    }
    let buildx = !list_only && !skip_docker && buildx_available();
    let (mut excerpts, mut built, mut not_built, mut skipped) = (0, 0, 0, 0);
    for (i, block) in blocks.iter().enumerate() {
        let at = format!("{}:{}", block.page, block.line);
        let mut to_build = None;
        match &block.marker {
            Marker::NotBuilt(reason) => {
                not_built += 1;
                println!("  - {at}: not built on purpose: {reason}");
            }
            Marker::BuiltAfter { prelude, buildkit } => {
                let mut text = prelude.join("\n");
                text.push('\n');
                text.push_str(&block.text);
                to_build = Some((text, *buildkit));
            }
            Marker::None => {
                if let Some(file) = excerpt_of(&block.text, &block.page, &dockerfiles) {
                    excerpts += 1;
                    let by = if file.matches('/').count() == 1 {
                        "cargo test builds it"
                    } else {
                        "a recipe of the kit builds it"
                    };
                    println!("  = {at}: an excerpt of {file} ({by})");
                } else if first_instruction(&block.text).is_some_and(|w| w == "FROM") {
                    to_build = Some((block.text.clone(), false));
                } else {
                    errors.push(format!(
                        "{at}: this dockerfile block is not an excerpt of any Dockerfile under docker/ \
                         and not a whole Dockerfile: put `<!-- dockerfile: built after FROM IMAGE; ... -->` \
                         or `<!-- dockerfile: not built: REASON -->` on the line before it"
                    ));
                }
            }
        }
        let Some((text, buildkit)) = to_build else {
            continue;
        };
        if list_only {
            println!("  + {at}: would be built");
            continue;
        }
        if skip_docker {
            skipped += 1;
            println!("  ! {at}: SKIPPED: CALC_KIT_SKIP_DOCKER=1, this block was NOT BUILT");
            continue;
        }
        if buildkit && !buildx {
            skipped += 1;
            println!(
                "  ! {at}: NOT BUILT: only BuildKit builds it and `docker buildx` is not installed here"
            );
            continue;
        }
        let tag = format!("calc-kit/docs-snippet:{}", i + 1);
        let started = Instant::now();
        match build(&repo.root, &text, &tag, buildkit) {
            Ok(()) => {
                built += 1;
                println!(
                    "  + {at}: built as {tag} in {:.1} s",
                    started.elapsed().as_secs_f64()
                );
            }
            Err(e) => errors.push(format!("{at}: does not build: {e}")),
        }
    }
    println!(
        "check-snippets: {} dockerfile blocks: {excerpts} excerpts of the kit's Dockerfiles, {built} built, {not_built} not built on purpose, {skipped} NOT BUILT here",
        blocks.len()
    );
    if skip_docker {
        println!(
            "check-snippets: SKIPPED the builds (CALC_KIT_SKIP_DOCKER=1): the buildable blocks were NOT checked"
        );
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(errors.join("\n"))
    }
}

/// The fenced `dockerfile` blocks of one page, with the marker on the line before each.
fn blocks_of(page: &str, text: &str) -> Result<Vec<Block>, Vec<String>> {
    let mut out = Vec::new();
    let mut errors = Vec::new();
    let lines: Vec<&str> = text.lines().collect();
    let mut i = 0;
    while i < lines.len() {
        let trimmed = lines[i].trim_start();
        let Some(info) = trimmed.strip_prefix("```") else {
            i += 1;
            continue;
        };
        let lang = info
            .split([',', ' '])
            .next()
            .unwrap_or("")
            .to_ascii_lowercase();
        let start = i;
        i += 1;
        let body_start = i;
        while i < lines.len() && !lines[i].trim_start().starts_with("```") {
            i += 1;
        }
        let body = lines[body_start..i.min(lines.len())].join("\n");
        i += 1;
        if lang != "dockerfile" {
            continue;
        }
        let previous = lines[..start].iter().rev().find(|l| !l.trim().is_empty());
        let marker = match previous.map(|l| l.trim()) {
            Some(l) if l.starts_with("<!-- dockerfile:") => match parse_marker(l) {
                Ok(m) => m,
                Err(e) => {
                    errors.push(format!("{page}:{}: {e}", start + 1));
                    continue;
                }
            },
            _ => Marker::None,
        };
        out.push(Block {
            page: page.to_string(),
            line: start + 1,
            text: body,
            marker,
        });
    }
    if errors.is_empty() {
        Ok(out)
    } else {
        Err(errors)
    }
}

fn parse_marker(line: &str) -> Result<Marker, String> {
    let inner = line
        .strip_prefix("<!-- dockerfile:")
        .and_then(|l| l.strip_suffix("-->"))
        .ok_or("a dockerfile marker is one line: `<!-- dockerfile: ... -->`")?
        .trim();
    if let Some(reason) = inner.strip_prefix("not built:") {
        let reason = reason.trim();
        if reason.is_empty() {
            return Err("`not built:` needs a reason".into());
        }
        return Ok(Marker::NotBuilt(reason.to_string()));
    }
    let (buildkit, rest) = match inner.strip_prefix("buildkit,") {
        Some(rest) => (true, rest.trim()),
        None => (false, inner),
    };
    if let Some(prelude) = rest.strip_prefix("built after") {
        let prelude: Vec<String> = prelude
            .split(';')
            .map(|l| l.trim().to_string())
            .filter(|l| !l.is_empty())
            .collect();
        if prelude.first().is_none_or(|l| !l.starts_with("FROM ")) {
            return Err("`built after` needs lines that start with a FROM".into());
        }
        return Ok(Marker::BuiltAfter { prelude, buildkit });
    }
    Err(format!(
        "unknown dockerfile marker `{inner}`: use `built after LINE; LINE`, `buildkit, built after ...` or `not built: REASON`"
    ))
}

/// Instructions without comments and blank lines, each trimmed at its end.
fn instructions(text: &str) -> Vec<&str> {
    text.lines()
        .map(str::trim_end)
        .filter(|l| !l.trim().is_empty() && !l.trim_start().starts_with('#'))
        .collect()
}

fn first_instruction(text: &str) -> Option<String> {
    instructions(text)
        .first()
        .and_then(|l| l.split_whitespace().next())
        .map(str::to_ascii_uppercase)
}

/// Every Dockerfile under docker/, as (path, instructions).
fn dockerfiles(repo: &Repo) -> Result<Vec<(String, String)>, String> {
    let mut out = Vec::new();
    let mut errors = Vec::new();
    repo::walk(&repo.root.join("docker"), &mut |p| {
        if p.to_string_lossy().ends_with("Dockerfile") {
            match repo::read(p) {
                Ok(text) => {
                    out.push((repo::slashed(p.strip_prefix(&repo.root).unwrap_or(p)), text))
                }
                Err(e) => errors.push(e),
            }
        }
    })?;
    if let Some(e) = errors.pop() {
        return Err(e);
    }
    Ok(out)
}

/// A Dockerfile whose instructions contain the block's, in order and contiguous: the one
/// the chapter is named after (variants/scratch.md, docker/scratch.Dockerfile) if it does,
/// else a variant's, else any other.
fn excerpt_of<'a>(block: &str, page: &str, dockerfiles: &'a [(String, String)]) -> Option<&'a str> {
    let wanted = instructions(block);
    if wanted.is_empty() {
        return None;
    }
    let stem = Path::new(page)
        .file_stem()
        .and_then(|s| s.to_str())
        .unwrap_or("");
    let own = format!("docker/{stem}.Dockerfile");
    let mut ordered: Vec<&(String, String)> = dockerfiles.iter().collect();
    ordered.sort_by_key(|(path, _)| (*path != own, path.matches('/').count() != 1));
    ordered.into_iter().find_map(|(path, text)| {
        let have = instructions(text);
        have.windows(wanted.len())
            .any(|w| w == wanted.as_slice())
            .then_some(path.as_str())
    })
}

fn engine_answers() -> Result<(), String> {
    let ok = Command::new("docker")
        .args(["info", "--format", "{{.ServerVersion}}"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    if ok {
        Ok(())
    } else {
        Err("no Docker engine answers (`docker info` failed): start one (`sudo systemctl start docker`, or Docker Desktop), or set CALC_KIT_SKIP_DOCKER=1 to skip building the Dockerfile snippets".into())
    }
}

fn buildx_available() -> bool {
    Command::new("docker")
        .args(["buildx", "version"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

/// `docker build` of `text` with the repository root as context, as the docs tell readers
/// to build; the last lines of the log on failure.
///
/// The Dockerfile is written under `target/docs-snippets/` (excluded by the root's
/// `.dockerignore`) and named with `-f`, not piped in with `-f -`: the classic builder's CLI
/// adds a piped Dockerfile to the context under a random name, so a `COPY . .` snippet
/// would miss the cache and compile everything again on every run.
fn build(root: &Path, text: &str, tag: &str, buildkit: bool) -> Result<(), String> {
    let dir = root.join("target").join("docs-snippets");
    std::fs::create_dir_all(&dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    let name = format!("{}.Dockerfile", tag.replace(['/', ':'], "-"));
    let file = dir.join(&name);
    std::fs::write(&file, text).map_err(|e| format!("cannot write {}: {e}", file.display()))?;
    let relative = format!("target/docs-snippets/{name}");
    let mut command = Command::new("docker");
    if buildkit {
        command.args(["buildx", "build", "--load"]);
    } else {
        command.arg("build");
    }
    command
        .args(["-f", relative.as_str(), "-t", tag, "."])
        .current_dir(root)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    if !buildkit {
        // The classic builder, which every Dockerfile of the kit must also build with.
        command.env("DOCKER_BUILDKIT", "0");
    }
    let mut child = command
        .spawn()
        .map_err(|e| format!("cannot run docker: {e}"))?;
    let started = Instant::now();
    // Read the output on threads so that a chatty build cannot fill its pipe and stall.
    let mut stdout = child.stdout.take().ok_or("no stdout")?;
    let mut stderr = child.stderr.take().ok_or("no stderr")?;
    let out = std::thread::spawn(move || {
        let mut s = String::new();
        std::io::Read::read_to_string(&mut stdout, &mut s).ok();
        s
    });
    let err = std::thread::spawn(move || {
        let mut s = String::new();
        std::io::Read::read_to_string(&mut stderr, &mut s).ok();
        s
    });
    let status = loop {
        if let Some(status) = child.try_wait().map_err(|e| e.to_string())? {
            break status;
        }
        if started.elapsed() > BUILD_LIMIT {
            child.kill().ok();
            child.wait().ok();
            return Err(format!(
                "stopped after {} s (the limit); the classic builder may leave its build container running: `docker ps` shows it",
                BUILD_LIMIT.as_secs()
            ));
        }
        std::thread::sleep(Duration::from_millis(200));
    };
    let log = format!(
        "{}{}",
        out.join().unwrap_or_default(),
        err.join().unwrap_or_default()
    );
    if status.success() {
        Ok(())
    } else {
        let tail: Vec<&str> = log.lines().rev().take(15).collect();
        let tail: Vec<&str> = tail.into_iter().rev().collect();
        Err(format!(
            "docker build failed ({status}):\n      {}",
            tail.join("\n      ")
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markers_parse_and_bad_ones_are_errors() {
        assert_eq!(
            parse_marker("<!-- dockerfile: not built: an outline -->").unwrap(),
            Marker::NotBuilt("an outline".into())
        );
        assert_eq!(
            parse_marker("<!-- dockerfile: buildkit, built after FROM a; WORKDIR /src -->")
                .unwrap(),
            Marker::BuiltAfter {
                prelude: vec!["FROM a".into(), "WORKDIR /src".into()],
                buildkit: true
            }
        );
        assert!(parse_marker("<!-- dockerfile: not built: -->").is_err());
        assert!(parse_marker("<!-- dockerfile: built after WORKDIR /src -->").is_err());
        assert!(parse_marker("<!-- dockerfile: maybe -->").is_err());
    }

    #[test]
    fn blocks_carry_the_marker_of_the_line_before() {
        let page = "x\n\n<!-- dockerfile: not built: two forms -->\n\n```dockerfile\nENTRYPOINT a\n```\n\n```sh\nls\n```\n```Dockerfile\nFROM scratch\n```\n";
        let blocks = blocks_of("p.md", page).unwrap();
        assert_eq!(blocks.len(), 2);
        assert_eq!(blocks[0].line, 5);
        assert_eq!(blocks[0].marker, Marker::NotBuilt("two forms".into()));
        assert_eq!(blocks[1].marker, Marker::None);
        assert_eq!(blocks[1].text, "FROM scratch");
    }

    #[test]
    fn excerpts_match_contiguous_instructions_only() {
        let files = vec![
            (
                "docker/bench/y.Dockerfile".to_string(),
                "WORKDIR /src\n".to_string(),
            ),
            (
                "docker/x.Dockerfile".to_string(),
                "FROM a AS build\n# why\nWORKDIR /src\n\nCOPY . .\nRUN make\n".to_string(),
            ),
        ];
        assert_eq!(
            excerpt_of("WORKDIR /src", "docs/src/variants/x.md", &files),
            Some("docker/x.Dockerfile"),
            "the chapter's own Dockerfile first"
        );
        assert_eq!(
            excerpt_of("WORKDIR /src\nCOPY . .", "p.md", &files),
            Some("docker/x.Dockerfile")
        );
        assert_eq!(
            excerpt_of("# note\nCOPY . .\n\nRUN make", "p.md", &files),
            Some("docker/x.Dockerfile")
        );
        assert_eq!(excerpt_of("WORKDIR /src\nRUN make", "p.md", &files), None);
        assert_eq!(excerpt_of("RUN make -j", "p.md", &files), None);
    }
}
