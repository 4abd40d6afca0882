//! The built book's links, checked as a reader of the published site would follow them:
//! every internal link and image resolves to a file inside the built site (and its `#anchor`
//! to an element of that page), and every link to the repository names a file or folder that
//! git tracks. Links to other sites are counted, not fetched: the check runs offline.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use crate::repo::{self, BRANCH, Repo};

pub fn run(args: &[String]) -> Result<(), String> {
    let repo = Repo::discover()?;
    let book = match args.first() {
        Some(dir) => PathBuf::from(dir),
        None => repo.root.join("docs/book"),
    };
    if !book.join("index.html").is_file() {
        return Err(format!(
            "{} holds no built book (no index.html): run `just docs` first",
            book.display()
        ));
    }
    let report = check(&book, &repo)?;
    println!(
        "check-site: {} pages; {} internal links and images resolve, {} links to repository files name tracked files, {} links to other sites (not fetched)",
        report.pages, report.internal, report.repository, report.external
    );
    if report.broken.is_empty() {
        Ok(())
    } else {
        Err(format!(
            "{} broken links in the built book:\n  {}",
            report.broken.len(),
            report.broken.join("\n  ")
        ))
    }
}

#[derive(Default)]
pub struct Report {
    pub pages: usize,
    pub internal: usize,
    pub repository: usize,
    pub external: usize,
    pub broken: Vec<String>,
}

pub fn check(book: &Path, repo: &Repo) -> Result<Report, String> {
    let mut files = BTreeSet::new();
    repo::walk(book, &mut |p| {
        if let Ok(rel) = p.strip_prefix(book) {
            files.insert(repo::slashed(rel));
        }
    })?;
    let mut ids: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    let mut pages = BTreeMap::new();
    for file in files.iter().filter(|f| f.ends_with(".html")) {
        let html = repo::read(&book.join(file))?;
        ids.insert(
            file.clone(),
            attribute_values(&html, "id").into_iter().collect(),
        );
        pages.insert(file.clone(), html);
    }
    let tracked = repo.tracked_files()?;
    let repo_prefix = format!("{}/", repo.url);
    let mut report = Report {
        pages: pages.len(),
        ..Report::default()
    };
    for (page, html) in &pages {
        // 404.html carries <base href="SITE-URL">: its links are relative to the site root.
        let base = if html.contains("<base href=\"/") {
            String::new()
        } else {
            parent(page)
        };
        let links = attribute_values(html, "href")
            .into_iter()
            .chain(attribute_values(html, "src"));
        for link in links {
            let link = link.replace("&amp;", "&");
            if link.is_empty()
                || link.starts_with("javascript:")
                || link.starts_with("mailto:")
                || link.starts_with("data:")
            {
                continue;
            }
            if let Some(rest) = link.strip_prefix(&repo_prefix) {
                report.repository += 1;
                if let Err(e) = repository_link(rest, &tracked) {
                    report.broken.push(format!("{page}: {link}: {e}"));
                }
                continue;
            }
            if link == repo.url {
                report.repository += 1;
                continue;
            }
            if link.contains("://") || link.starts_with("//") {
                report.external += 1;
                continue;
            }
            report.internal += 1;
            if let Err(e) = internal_link(&link, &base, page, &files, &ids) {
                report.broken.push(format!("{page}: {link}: {e}"));
            }
        }
    }
    Ok(report)
}

/// `blob/BRANCH/PATH` or `tree/BRANCH/PATH` (with an optional `#fragment`).
fn repository_link(rest: &str, tracked: &BTreeSet<String>) -> Result<(), String> {
    let rest = rest.split('#').next().unwrap_or(rest);
    let (kind, path) = rest
        .split_once('/')
        .ok_or("not a link to a file or folder of the repository")?;
    let path = path
        .strip_prefix(&format!("{BRANCH}/"))
        .ok_or_else(|| format!("not on the published branch `{BRANCH}`"))?;
    let path = path.trim_end_matches('/');
    let ok = match kind {
        "blob" => tracked.contains(path),
        "tree" => tracked.iter().any(|f| f.starts_with(&format!("{path}/"))),
        _ => return Err(format!("`{kind}` is neither blob nor tree")),
    };
    if ok {
        Ok(())
    } else {
        Err(format!("git tracks no {kind} {path} in the repository"))
    }
}

fn internal_link(
    link: &str,
    base: &str,
    page: &str,
    files: &BTreeSet<String>,
    ids: &BTreeMap<String, BTreeSet<String>>,
) -> Result<(), String> {
    let (path, fragment) = match link.split_once('#') {
        Some((p, f)) => (p, Some(f)),
        None => (link, None),
    };
    let path = path.split('?').next().unwrap_or(path);
    let target = if path.is_empty() {
        page.to_string()
    } else {
        let joined = if path.starts_with('/') {
            // An absolute path is on this site only under its root, mdBook's `site-url`.
            let site = site_url();
            PathBuf::from(path.strip_prefix(site.as_str()).ok_or_else(|| {
                format!("an absolute path outside the site's root {site} (mdBook's site-url)")
            })?)
        } else {
            Path::new(base).join(path)
        };
        let resolved = repo::normalise(&joined).ok_or("points outside the built site")?;
        let mut target = repo::slashed(&resolved);
        if target.is_empty() || files.iter().any(|f| f.starts_with(&format!("{target}/"))) {
            target = format!(
                "{}index.html",
                if target.is_empty() {
                    String::new()
                } else {
                    format!("{target}/")
                }
            );
        }
        target
    };
    let target = percent_decode(&target);
    if !files.contains(&target) {
        return Err(format!("{target} is not in the built site"));
    }
    if let (Some(fragment), Some(page_ids)) = (fragment, ids.get(&target))
        && !fragment.is_empty()
        && !page_ids.contains(&percent_decode(fragment))
    {
        return Err(format!("{target} has no element with id `{fragment}`"));
    }
    Ok(())
}

/// Where the site is served from: mdBook's `site-url`, which the Pages workflow sets through
/// mdBook's environment override (book.toml leaves it at its default, `/`).
fn site_url() -> String {
    let url = std::env::var("MDBOOK_OUTPUT__HTML__SITE_URL").unwrap_or_else(|_| "/".into());
    if url.ends_with('/') {
        url
    } else {
        format!("{url}/")
    }
}

fn parent(page: &str) -> String {
    match page.rsplit_once('/') {
        Some((dir, _)) => dir.to_string(),
        None => String::new(),
    }
}

/// The values of every `NAME="..."` attribute in the page. mdBook escapes quotes in text and
/// code as `&quot;`, so a literal `NAME="` only occurs inside a tag.
pub fn attribute_values(html: &str, name: &str) -> Vec<String> {
    let needle = format!("{name}=\"");
    let mut out = Vec::new();
    let mut rest = html;
    while let Some(i) = rest.find(&needle) {
        let preceded_by_space = rest[..i]
            .chars()
            .next_back()
            .is_some_and(char::is_whitespace);
        rest = &rest[i + needle.len()..];
        let Some(end) = rest.find('"') else { break };
        if preceded_by_space {
            out.push(rest[..end].to_string());
        }
        rest = &rest[end..];
    }
    out
}

fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%'
            && i + 2 < bytes.len()
            && let Ok(b) = u8::from_str_radix(&s[i + 1..i + 3], 16)
        {
            out.push(b);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn site(pages: &[(&str, &str)]) -> (BTreeSet<String>, BTreeMap<String, BTreeSet<String>>) {
        let files = pages.iter().map(|(p, _)| p.to_string()).collect();
        let ids = pages
            .iter()
            .map(|(p, html)| {
                (
                    p.to_string(),
                    attribute_values(html, "id").into_iter().collect(),
                )
            })
            .collect();
        (files, ids)
    }

    #[test]
    fn internal_links_resolve_to_files_and_anchors() {
        let (files, ids) = site(&[
            ("index.html", r#"<h1 id="top">x</h1>"#),
            ("theory/sizes.html", r#"<h2 id="sidebar-reductions">y</h2>"#),
            ("images/sizes.svg", ""),
        ]);
        let ok = |link: &str, base: &str, page: &str| internal_link(link, base, page, &files, &ids);
        assert!(ok("theory/sizes.html#sidebar-reductions", "", "index.html").is_ok());
        assert!(ok("../images/sizes.svg", "theory", "theory/sizes.html").is_ok());
        assert!(ok("#top", "", "index.html").is_ok());
        assert!(ok("./", "", "index.html").is_ok());
        let e = ok("theory/sizes.html#nope", "", "index.html").unwrap_err();
        assert!(e.contains("no element with id `nope`"), "{e}");
        let e = ok(
            "../../docker/lab/exercises.toml",
            "theory",
            "theory/sizes.html",
        )
        .unwrap_err();
        assert_eq!(e, "points outside the built site");
        assert!(ok("lab.html", "", "index.html").is_err());
    }

    #[test]
    fn repository_links_name_tracked_files_on_the_branch() {
        let tracked: BTreeSet<String> = ["docker/lab/exercises.toml".to_string()].into();
        assert!(repository_link("blob/main/docker/lab/exercises.toml", &tracked).is_ok());
        assert!(repository_link("tree/main/docker/lab", &tracked).is_ok());
        assert!(repository_link("tree/main/docker/lab/", &tracked).is_ok());
        assert!(repository_link("blob/main/docker/lab", &tracked).is_err());
        assert!(repository_link("blob/dev/docker/lab/exercises.toml", &tracked).is_err());
        assert!(repository_link("blob/main/docker/nothing", &tracked).is_err());
    }

    #[test]
    fn attributes_are_read_from_tags_only() {
        let html = r#"<a href="a.html">x</a> <code>href=&quot;no&quot;</code><img src="i.svg" data-src="n">"#;
        assert_eq!(attribute_values(html, "href"), ["a.html"]);
        assert_eq!(attribute_values(html, "src"), ["i.svg"]);
    }
}
