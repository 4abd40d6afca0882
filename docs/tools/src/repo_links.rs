//! The mdBook preprocessor behind `[preprocessor.repo-links]` in `docs/book.toml`.
//!
//! A chapter links to repository files by relative path (`../../docker/lab/exercises.toml`),
//! which works on the code host and next to a local build, but not on a site that serves
//! only the book. This preprocessor rewrites every such link, and only those, to the file's
//! page on the code host; links between chapters are left to mdBook. A link to a path that
//! does not exist, or climbs out of the repository, fails the build: a published book must
//! not carry a broken link that the Markdown sources hide.

use std::io::Read;
use std::path::{Path, PathBuf};

use pulldown_cmark::{Event, Options, Parser, Tag};
use serde_json::Value;

use crate::repo::{self, Repo};

pub fn run(args: &[String]) -> Result<(), String> {
    if args.first().map(String::as_str) == Some("supports") {
        // Links are rewritten in the Markdown, which every renderer reads.
        return Ok(());
    }
    let mut input = String::new();
    std::io::stdin()
        .read_to_string(&mut input)
        .map_err(|e| format!("cannot read mdBook's input: {e}"))?;
    let mut parsed: Value =
        serde_json::from_str(&input).map_err(|e| format!("mdBook's input is not JSON: {e}"))?;
    let repo = Repo::discover()?;
    check_config(&parsed[0], &repo)?;
    let tracked = repo.tracked_files()?;
    let exists = |rel: &str| -> Option<bool> {
        if tracked.contains(rel) {
            Some(false)
        } else if tracked.iter().any(|f| f.starts_with(&format!("{rel}/"))) {
            Some(true)
        } else {
            None
        }
    };
    let mut errors = Vec::new();
    let mut rewritten = 0;
    let book = parsed
        .get_mut(1)
        .ok_or("mdBook's input has no book after the context")?;
    visit(
        book,
        &mut |content, source| match rewrite(content, source, &repo, &exists) {
            Ok((text, n)) => {
                rewritten += n;
                Some(text)
            }
            Err(mut e) => {
                errors.append(&mut e);
                None
            }
        },
    );
    if !errors.is_empty() {
        return Err(format!(
            "links to repository files that cannot be published:\n  {}",
            errors.join("\n  ")
        ));
    }
    eprintln!(
        "repo-links: {rewritten} links to repository files point to {}",
        repo.url
    );
    serde_json::to_writer(std::io::stdout(), book)
        .map_err(|e| format!("cannot write the book: {e}"))
}

/// mdBook's `git-repository-url` (the icon in the menu bar) must name the same repository
/// as the workspace, which stays the one place the URL is written.
fn check_config(context: &Value, repo: &Repo) -> Result<(), String> {
    let configured = &context["config"]["output"]["html"]["git-repository-url"];
    match configured.as_str() {
        Some(url) if url.trim_end_matches('/') != repo.url => Err(format!(
            "docs/book.toml's git-repository-url is {url}, the workspace's repository is {}: make them agree",
            repo.url
        )),
        _ => Ok(()),
    }
}

/// Calls `f` with the content and source path of every chapter, wherever it is nested, and
/// stores what it returns as the new content.
fn visit(value: &mut Value, f: &mut dyn FnMut(&str, &Path) -> Option<String>) {
    match value {
        Value::Object(map) => {
            let source = map
                .get("source_path")
                .and_then(Value::as_str)
                .map(PathBuf::from);
            if let (Some(source), Some(Value::String(content))) = (source, map.get("content"))
                && let Some(new) = f(content, &source)
            {
                map.insert("content".into(), Value::String(new));
            }
            for v in map.values_mut() {
                visit(v, f);
            }
        }
        Value::Array(items) => items.iter_mut().for_each(|v| visit(v, f)),
        _ => {}
    }
}

/// The Markdown options mdBook renders with, so that links in tables and footnotes are seen.
fn options() -> Options {
    Options::ENABLE_TABLES
        | Options::ENABLE_FOOTNOTES
        | Options::ENABLE_STRIKETHROUGH
        | Options::ENABLE_TASKLISTS
        | Options::ENABLE_HEADING_ATTRIBUTES
}

/// The chapter's text with every link to a repository file outside the book pointing to the
/// code host, and how many were rewritten; or one message per link that cannot be.
pub fn rewrite(
    content: &str,
    source: &Path,
    repo: &Repo,
    exists: &dyn Fn(&str) -> Option<bool>,
) -> Result<(String, usize), Vec<String>> {
    let chapter_dir = source.parent().unwrap_or(Path::new(""));
    let mut edits: Vec<(usize, usize, String)> = Vec::new();
    let mut errors = Vec::new();
    for (event, range) in Parser::new_ext(content, options()).into_offset_iter() {
        let (dest, is_image) = match &event {
            Event::Start(Tag::Link { dest_url, .. }) => (dest_url.to_string(), false),
            Event::Start(Tag::Image { dest_url, .. }) => (dest_url.to_string(), true),
            _ => continue,
        };
        let line = content[..range.start].matches('\n').count() + 1;
        let at = format!("{}:{line}", source.display());
        let Some(target) = outside_book(&dest, chapter_dir) else {
            continue;
        };
        let (path, fragment) = match target {
            Ok(t) => t,
            Err(e) => {
                errors.push(format!("{at}: {dest}: {e}"));
                continue;
            }
        };
        if is_image {
            errors.push(format!(
                "{at}: image {dest} is outside docs/src: a published book cannot show it; move it under docs/src"
            ));
            continue;
        }
        let Some(is_dir) = exists(&path) else {
            errors.push(format!(
                "{at}: {dest}: {path} is not a file or folder git tracks in the repository"
            ));
            continue;
        };
        // The destination as written sits after the link text: `](dest` or `](<dest>`.
        let text = &content[range.clone()];
        let Some(pos) = text.rfind(&format!("]({dest}")) else {
            errors.push(format!(
                "{at}: {dest}: only inline links `[text](path)` to repository files can be rewritten"
            ));
            continue;
        };
        let start = range.start + pos + 2;
        let mut url = repo.web_url(&path, is_dir);
        if let Some(f) = fragment {
            url.push('#');
            url.push_str(&f);
        }
        edits.push((start, start + dest.len(), url));
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    let n = edits.len();
    let mut out = content.to_string();
    for (start, end, url) in edits.into_iter().rev() {
        out.replace_range(start..end, &url);
    }
    Ok((out, n))
}

/// For a link to a repository path outside the book's sources: that path relative to the
/// repository root, and the fragment. None for a link the book serves itself (a chapter, an
/// image under docs/src) or one that is not a path (a URL, an anchor on the same page).
fn outside_book(
    dest: &str,
    chapter_dir: &Path,
) -> Option<Result<(String, Option<String>), String>> {
    if dest.is_empty()
        || dest.starts_with('#')
        || dest.starts_with('/')
        || dest.contains("://")
        || dest.starts_with("mailto:")
    {
        return None;
    }
    let (path, fragment) = match dest.split_once('#') {
        Some((p, f)) => (p, Some(f.to_string())),
        None => (dest, None),
    };
    // Chapters live in docs/src; the repository root is two folders up.
    let in_repo = Path::new("docs/src").join(chapter_dir).join(path);
    let Some(resolved) = repo::normalise(&in_repo) else {
        return Some(Err("climbs out of the repository".into()));
    };
    if resolved.starts_with("docs/src") {
        return None;
    }
    Some(Ok((repo::slashed(&resolved), fragment)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn repo() -> Repo {
        Repo {
            root: PathBuf::from("/nowhere"),
            url: "https://example.org/kit".into(),
        }
    }

    fn exists(p: &str) -> Option<bool> {
        match p {
            "docker/lab/exercises.toml" | "justfile" => Some(false),
            "docker/lab" => Some(true),
            _ => None,
        }
    }

    #[test]
    fn rewrites_repository_links_and_leaves_chapter_links() {
        let text = "See [the exercises](../../docker/lab/exercises.toml#L3), \
                    [the lab](lab.md), [a folder](../../docker/lab/), \
                    `[code](../../justfile)` and [web](https://x.org/a).\n\n\
                    | a | [b](../../justfile) |\n|---|---|\n| c | d |\n";
        let (out, n) = rewrite(text, Path::new("x.md"), &repo(), &exists).unwrap();
        assert_eq!(n, 3, "{out}");
        assert!(out.contains("(https://example.org/kit/blob/main/docker/lab/exercises.toml#L3)"));
        assert!(out.contains("[the lab](lab.md)"));
        assert!(out.contains("(https://example.org/kit/tree/main/docker/lab)"));
        assert!(
            out.contains("`[code](../../justfile)`"),
            "code spans are not links"
        );
        assert!(out.contains("| [b](https://example.org/kit/blob/main/justfile) |"));
    }

    #[test]
    fn a_missing_or_escaping_path_is_an_error_with_its_line() {
        let text = "ok\n[gone](../nothing.txt) [out](../../../../etc/passwd)\n";
        let errors = rewrite(text, Path::new("lab.md"), &repo(), &exists).unwrap_err();
        assert_eq!(errors.len(), 2, "{errors:?}");
        assert!(errors[0].starts_with("lab.md:2: ../nothing.txt: docs/nothing.txt is not"));
        assert!(errors[1].contains("climbs out of the repository"));
    }
}
