//! The walkthrough keeps its promises: every internal link resolves (anchors included),
//! every chapter is reachable from SUMMARY.md, every command the docs show names a recipe,
//! subcommand or file that exists, and every calculator example prints what the docs say.
//!
//! No Docker engine is needed: a `docker run ... calc-kit/calculator:TAG ARGS` example is
//! checked against the calculator library, which is what every image runs.

use std::collections::BTreeSet;
use std::fs;
use std::path::{Component, Path, PathBuf};
use std::process::Command;

use calculator::{Outcome, Session};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("harness/ sits in the workspace root")
        .to_path_buf()
}

/// Every Markdown page a reader can reach: the README, the docs folder's README and the book.
fn pages() -> Vec<PathBuf> {
    fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
        let mut entries: Vec<_> = fs::read_dir(dir)
            .unwrap_or_else(|e| panic!("cannot read {}: {e}", dir.display()))
            .map(|e| e.expect("a directory entry").path())
            .collect();
        entries.sort();
        for path in entries {
            if path.is_dir() {
                walk(&path, out);
            } else if path.extension().is_some_and(|x| x == "md") {
                out.push(path);
            }
        }
    }
    let root = root();
    let mut out = vec![root.join("README.md"), root.join("docs/README.md")];
    walk(&root.join("docs/src"), &mut out);
    out
}

fn read(path: &Path) -> String {
    fs::read_to_string(path).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()))
}

fn shown(path: &Path) -> String {
    path.strip_prefix(root())
        .unwrap_or(path)
        .display()
        .to_string()
}

/// The text of a page outside fenced code blocks and inline code, where links live.
fn prose(text: &str) -> String {
    let mut out = String::new();
    let mut fenced = false;
    for line in text.lines() {
        if line.trim_start().starts_with("```") {
            fenced = !fenced;
            continue;
        }
        if !fenced {
            // Inline code spans are not links: `[x](y)` inside backticks is an example.
            let mut in_code = false;
            for c in line.chars() {
                if c == '`' {
                    in_code = !in_code;
                } else if !in_code {
                    out.push(c);
                }
            }
            out.push('\n');
        }
    }
    out
}

/// `[text](target)` links, as (line number, target).
fn links(text: &str) -> Vec<(usize, String)> {
    let mut out = Vec::new();
    for (n, line) in prose(text).lines().enumerate() {
        let mut rest = line;
        while let Some(start) = rest.find("](") {
            let after = &rest[start + 2..];
            let Some(end) = after.find(')') else { break };
            let target = after[..end].trim();
            // A title after the address: [x](path "title").
            let target = target.split_whitespace().next().unwrap_or("");
            out.push((n + 1, target.to_string()));
            rest = &after[end..];
        }
    }
    out
}

/// Heading anchors as mdBook and code hosts make them: lower case, punctuation dropped,
/// spaces to hyphens.
fn anchors(text: &str) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    let mut fenced = false;
    for line in text.lines() {
        if line.trim_start().starts_with("```") {
            fenced = !fenced;
        }
        if fenced || !line.starts_with('#') {
            continue;
        }
        let title = line.trim_start_matches('#').trim();
        let slug: String = title
            .chars()
            .filter_map(|c| {
                if c.is_alphanumeric() || c == '-' || c == '_' {
                    Some(c.to_lowercase().next().unwrap_or(c))
                } else if c == ' ' {
                    Some('-')
                } else {
                    None
                }
            })
            .collect();
        out.insert(slug);
    }
    out
}

fn normalise(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for c in path.components() {
        match c {
            Component::ParentDir => {
                out.pop();
            }
            Component::CurDir => {}
            other => out.push(other),
        }
    }
    out
}

#[test]
fn every_internal_link_resolves() {
    let mut broken = Vec::new();
    for page in pages() {
        let text = read(&page);
        for (line, target) in links(&text) {
            if target.is_empty()
                || target.contains("://")
                || target.starts_with("mailto:")
                || target.starts_with('<')
            {
                continue;
            }
            let (file, anchor) = match target.split_once('#') {
                Some((f, a)) => (f, Some(a)),
                None => (target.as_str(), None),
            };
            let dest = if file.is_empty() {
                page.clone()
            } else {
                normalise(&page.parent().expect("a page has a folder").join(file))
            };
            if !dest.exists() {
                broken.push(format!(
                    "{}:{line}: link to {target}: {} does not exist",
                    shown(&page),
                    shown(&dest)
                ));
                continue;
            }
            if let Some(anchor) = anchor
                && dest.extension().is_some_and(|x| x == "md")
                && !anchors(&read(&dest)).contains(anchor)
            {
                broken.push(format!(
                    "{}:{line}: link to {target}: no heading with anchor #{anchor} in {}",
                    shown(&page),
                    shown(&dest)
                ));
            }
        }
    }
    assert!(broken.is_empty(), "broken links:\n{}", broken.join("\n"));
}

#[test]
fn every_chapter_is_in_the_summary() {
    let src = root().join("docs/src");
    let summary = read(&src.join("SUMMARY.md"));
    let listed: BTreeSet<PathBuf> = links(&summary)
        .into_iter()
        .map(|(_, t)| normalise(&src.join(t)))
        .collect();
    let orphans: Vec<String> = pages()
        .into_iter()
        .filter(|p| p.starts_with(&src) && !p.ends_with("SUMMARY.md") && !listed.contains(p))
        .map(|p| shown(&p))
        .collect();
    assert!(
        orphans.is_empty(),
        "chapters missing from docs/src/SUMMARY.md (a reader of the book never sees them): {}",
        orphans.join(", ")
    );
    assert!(
        listed.len() >= 10,
        "SUMMARY.md lists only {} chapters",
        listed.len()
    );
}

/// A command line from a code block, with the lines of output shown after it.
#[derive(Debug)]
struct Example {
    page: PathBuf,
    line: usize,
    command: String,
    output: Vec<String>,
}

/// Commands in ```console blocks (lines starting with `$ `, followed by their output) and
/// in ```sh / ```bash / ```shell blocks (every line that is not a comment).
fn examples() -> Vec<Example> {
    let mut out = Vec::new();
    for page in pages() {
        let text = read(&page);
        let mut block: Option<String> = None;
        for (n, line) in text.lines().enumerate() {
            let trimmed = line.trim_start();
            if let Some(lang) = trimmed.strip_prefix("```") {
                block = match block {
                    Some(_) => None,
                    None => Some(lang.trim().to_string()),
                };
                continue;
            }
            let Some(lang) = block.as_deref() else {
                continue;
            };
            match lang {
                "console" => {
                    if let Some(command) = line.strip_prefix("$ ") {
                        out.push(Example {
                            page: page.clone(),
                            line: n + 1,
                            command: command.trim().to_string(),
                            output: Vec::new(),
                        });
                    } else if let Some(last) = out.last_mut()
                        && last.page == page
                    {
                        last.output.push(line.to_string());
                    }
                }
                "sh" | "bash" | "shell" => {
                    let command = strip_comment(line).trim().to_string();
                    if !command.is_empty() {
                        out.push(Example {
                            page: page.clone(),
                            line: n + 1,
                            command,
                            output: Vec::new(),
                        });
                    }
                }
                _ => {}
            }
        }
    }
    out
}

/// Drops a trailing `# comment` that is outside quotes.
fn strip_comment(line: &str) -> &str {
    let mut quote = None;
    for (i, c) in line.char_indices() {
        match (quote, c) {
            (None, '\'' | '"') => quote = Some(c),
            (Some(q), _) if c == q => quote = None,
            (None, '#') if i == 0 || line[..i].ends_with(' ') => return &line[..i],
            _ => {}
        }
    }
    line
}

/// Splits a shell command into words, honouring single and double quotes.
fn words(command: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut word = String::new();
    let mut in_word = false;
    let mut quote = None;
    for c in command.chars() {
        match (quote, c) {
            (None, '\'' | '"') => {
                quote = Some(c);
                in_word = true;
            }
            (Some(q), _) if c == q => quote = None,
            (None, ' ' | '\t') => {
                if in_word {
                    out.push(std::mem::take(&mut word));
                    in_word = false;
                }
            }
            _ => {
                word.push(c);
                in_word = true;
            }
        }
    }
    if in_word {
        out.push(word);
    }
    out
}

/// The recipes of the justfile (a recipe line starts in column one and has a colon).
fn recipes() -> BTreeSet<String> {
    read(&root().join("justfile"))
        .lines()
        .filter(|l| l.chars().next().is_some_and(|c| c.is_ascii_lowercase()))
        .filter(|l| !l.contains(":=") && l.contains(':'))
        .filter_map(|l| l.split([' ', ':']).next().map(str::to_string))
        .collect()
}

/// One pipeline stage of a command line.
fn stages(command: &str) -> Vec<Vec<String>> {
    command
        .split(" | ")
        .flat_map(|s| s.split(" && "))
        .map(words)
        .filter(|w| !w.is_empty())
        .collect()
}

#[test]
fn every_just_recipe_named_exists() {
    let recipes = recipes();
    let mut missing = Vec::new();
    for ex in examples() {
        for stage in stages(&ex.command) {
            if stage[0] != "just" {
                continue;
            }
            if let Some(recipe) = stage[1..].iter().find(|w| !w.starts_with('-'))
                && !recipes.contains(recipe)
            {
                missing.push(format!(
                    "{}:{}: `{}`: the justfile has no recipe `{recipe}`",
                    shown(&ex.page),
                    ex.line,
                    ex.command
                ));
            }
        }
    }
    assert!(missing.is_empty(), "{}", missing.join("\n"));
}

#[test]
fn every_harness_subcommand_named_exists() {
    let mut missing = Vec::new();
    for ex in examples() {
        for stage in stages(&ex.command) {
            let Some(dashes) = stage.iter().position(|w| w == "--") else {
                continue;
            };
            let is_harness = stage[0] == "cargo"
                && stage[1] == "run"
                && stage.windows(2).any(|w| w[0] == "-p" && w[1] == "harness");
            let Some(sub) = stage.get(dashes + 1).filter(|_| is_harness) else {
                continue;
            };
            if sub.contains('|') {
                // `build|inspect|lint`: a list of subcommands.
                for s in sub.split('|') {
                    check_subcommand(s, &ex, &mut missing);
                }
            } else {
                check_subcommand(sub, &ex, &mut missing);
            }
        }
    }
    assert!(missing.is_empty(), "{}", missing.join("\n"));
}

fn check_subcommand(sub: &str, ex: &Example, missing: &mut Vec<String>) {
    let status = Command::new(env!("CARGO_BIN_EXE_harness"))
        .args([sub, "--help"])
        .output()
        .expect("the harness binary runs");
    if !status.status.success() {
        missing.push(format!(
            "{}:{}: `{}`: `harness {sub}` is not a subcommand",
            shown(&ex.page),
            ex.line,
            ex.command
        ));
    }
}

#[test]
fn every_repository_path_named_exists() {
    let root = root();
    let mut missing = Vec::new();
    let prefixes = [
        "docker/",
        "calculator/",
        "harness/",
        "docs/",
        ".github/",
        ".ci/",
    ];
    // Build outputs (docs/book/, target/) are named but never committed.
    let ignored: Vec<String> = read(&root.join(".gitignore"))
        .lines()
        .map(|l| l.trim().trim_start_matches('/').to_string())
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .collect();
    // The learner's own files, which `just lab` creates from the skeletons: named in the
    // lab chapter, never committed.
    let exercises: toml::Table = toml::from_str(&read(&root.join("docker/lab/exercises.toml")))
        .expect("docker/lab/exercises.toml parses");
    let learner: Vec<String> = exercises["exercise"]
        .as_array()
        .into_iter()
        .flatten()
        .flat_map(|e| ["dockerfile", "context"].map(|k| e.get(k).and_then(|v| v.as_str())))
        .flatten()
        .map(String::from)
        .collect();
    for page in pages() {
        let text = read(&page);
        for (n, line) in text.lines().enumerate() {
            for span in line.split('`').skip(1).step_by(2) {
                for word in words(span) {
                    let word = word.trim_end_matches([',', '.', ':', ';', ')']);
                    let placeholder =
                        word.contains(['<', '*', '{', '$', '|']) || word.contains("NAME");
                    if placeholder
                        || !prefixes.iter().any(|p| word.starts_with(p))
                        || ignored.iter().any(|i| word.starts_with(i.as_str()))
                        || learner.iter().any(|l| word.starts_with(l.as_str()))
                    {
                        continue;
                    }
                    if !root.join(word).exists() {
                        missing.push(format!(
                            "{}:{}: `{word}` does not exist in the repository",
                            shown(&page),
                            n + 1
                        ));
                    }
                }
            }
        }
    }
    assert!(missing.is_empty(), "{}", missing.join("\n"));
}

/// The calculator's input for an example: arguments after the image (or the binary), or
/// the lines a `printf` pipes in. None when the example is not a calculator run.
fn calculator_input(ex: &Example) -> Option<Vec<String>> {
    let stages = stages(&ex.command);
    let last = stages.last()?;
    let args: Vec<String> = if last[0] == "docker" && last.get(1).is_some_and(|w| w == "run") {
        let image = last
            .iter()
            .position(|w| w.starts_with("calc-kit/calculator:"))?;
        if last.iter().any(|w| w == "--entrypoint") {
            return None;
        }
        last[image + 1..].to_vec()
    } else if last[0] == "calculator" {
        last[1..].to_vec()
    } else if last[0] == "cargo" && last.windows(2).any(|w| w == ["-p", "calculator"]) {
        let dashes = last.iter().position(|w| w == "--");
        dashes.map(|d| last[d + 1..].to_vec()).unwrap_or_default()
    } else {
        return None;
    };
    if args
        .iter()
        .any(|a| a.starts_with('-') && !a.starts_with("-e"))
    {
        return None;
    }
    if !args.is_empty() {
        if args.iter().any(|a| a == "-e") {
            return Some(
                args.chunks(2)
                    .filter(|c| c[0] == "-e")
                    .filter_map(|c| c.get(1).cloned())
                    .collect(),
            );
        }
        return Some(vec![args.join(" ")]);
    }
    let feed = stages.first()?;
    if stages.len() == 2 && feed[0] == "printf" {
        let text = feed.get(1)?.replace("\\n", "\n");
        return Some(text.lines().map(str::to_string).collect());
    }
    None
}

#[test]
fn calculator_examples_print_what_the_docs_say() {
    let mut checked = 0;
    let mut wrong = Vec::new();
    for ex in examples() {
        if ex.output.iter().all(|l| l.trim().is_empty()) {
            continue;
        }
        let Some(lines) = calculator_input(&ex) else {
            continue;
        };
        let mut session = Session::new();
        let mut printed = Vec::new();
        for line in &lines {
            match session.eval_line(line) {
                Ok(Outcome::Value(v)) => printed.push(v.to_string()),
                Ok(Outcome::Text(t)) => printed.extend(t.lines().map(str::to_string)),
                Ok(Outcome::Silent) => {}
                Ok(Outcome::Exit) => break,
                Err(e) => printed.extend(e.report(line).lines().map(str::to_string)),
            }
        }
        let shown_output: Vec<String> = ex
            .output
            .iter()
            .map(|l| l.trim_end().to_string())
            .filter(|l| !l.is_empty())
            .collect();
        checked += 1;
        if printed != shown_output {
            wrong.push(format!(
                "{}:{}: `{}` prints {:?}, the docs show {:?}",
                shown(&ex.page),
                ex.line,
                ex.command,
                printed,
                shown_output
            ));
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
    assert!(
        checked >= 5,
        "only {checked} calculator examples with output were found in the docs"
    );
}

#[test]
fn shell_words_and_comments_split_as_a_shell_would() {
    assert_eq!(words("calculator 6 '*' 7"), ["calculator", "6", "*", "7"]);
    assert_eq!(words("printf '1+2\\n'"), ["printf", "1+2\\n"]);
    assert_eq!(words(r#"a "b c" d"#), ["a", "b c", "d"]);
    assert_eq!(strip_comment("just demo     # build"), "just demo     ");
    assert_eq!(strip_comment("echo '#x'"), "echo '#x'");
    assert_eq!(
        anchors("# Faster rebuilds: why?\n")
            .into_iter()
            .next()
            .unwrap(),
        "faster-rebuilds-why"
    );
}
