//! The demo recording's text: the comparing chapter embeds the asciinema recording of
//! `just demo`, and below it the same run as plain text, for readers without JavaScript and
//! on the code host. The text is what the terminal showed at the end of the recording,
//! rendered by a terminal emulator tall enough that nothing scrolls away.

use std::num::NonZeroU16;
use std::path::PathBuf;

use serde_json::Value;

use crate::repo::{self, Repo};

/// The recording, relative to the repository root.
const CAST: &str = "docs/src/demo/just-demo.cast";
/// The chapter that embeds it.
const CHAPTER: &str = "docs/src/comparing.md";
const BEGIN: &str = "<!-- BEGIN DEMO TEXT:";
const END: &str = "<!-- END DEMO TEXT -->";

fn paths() -> Result<(PathBuf, PathBuf), String> {
    let repo = Repo::discover()?;
    Ok((repo.root.join(CAST), repo.root.join(CHAPTER)))
}

/// `demo-text`: writes the recording's text between the chapter's markers.
pub fn write(_args: &[String]) -> Result<(), String> {
    let (cast, chapter) = paths()?;
    let text = render(&repo::read(&cast)?)?;
    let page = repo::read(&chapter)?;
    let new = splice(&page, &text).map_err(|e| format!("{}: {e}", chapter.display()))?;
    std::fs::write(&chapter, new)
        .map_err(|e| format!("cannot write {}: {e}", chapter.display()))?;
    println!(
        "demo-text: {} lines of {} written into {}",
        text.lines().count(),
        CAST,
        CHAPTER
    );
    Ok(())
}

/// `check-demo`: the chapter's text is the recording's, so neither was changed alone.
pub fn check(_args: &[String]) -> Result<(), String> {
    let (cast, chapter) = paths()?;
    let text = render(&repo::read(&cast)?)?;
    let page = repo::read(&chapter)?;
    let expected = splice(&page, &text).map_err(|e| format!("{}: {e}", chapter.display()))?;
    if expected != page {
        return Err(format!(
            "the text of the demo in {CHAPTER} is not what {CAST} shows: run `just record-demo` again, or `cargo run --manifest-path docs/tools/Cargo.toml -- demo-text` after editing the recording"
        ));
    }
    println!(
        "check-demo: {CHAPTER} shows the text of {CAST} ({} lines)",
        text.lines().count()
    );
    Ok(())
}

/// The chapter with `text` as a `text` code block between the markers.
fn splice(page: &str, text: &str) -> Result<String, String> {
    let begin = page
        .find(BEGIN)
        .ok_or("no `<!-- BEGIN DEMO TEXT:` marker")?;
    let after_begin = begin
        + page[begin..]
            .find("-->")
            .ok_or("the BEGIN DEMO TEXT marker is not closed")?
        + 3;
    let end = page[after_begin..]
        .find(END)
        .ok_or("no `<!-- END DEMO TEXT -->` marker after the BEGIN marker")?
        + after_begin;
    Ok(format!(
        "{}\n\n```text\n{text}\n```\n\n{}",
        &page[..after_begin],
        &page[end..]
    ))
}

/// The screen at the end of an asciicast v2 recording, as plain text.
pub fn render(cast: &str) -> Result<String, String> {
    let mut lines = cast.lines();
    let header: Value = serde_json::from_str(lines.next().ok_or("the recording is empty")?)
        .map_err(|e| format!("the recording's header is not JSON: {e}"))?;
    if header["version"] != 2 {
        return Err("not an asciicast v2 recording".into());
    }
    let width = header["width"]
        .as_u64()
        .and_then(|w| u16::try_from(w).ok())
        .and_then(NonZeroU16::new)
        .ok_or("the recording's header has no width")?;
    // Tall enough for the whole run: nothing scrolls off the top.
    let rows = NonZeroU16::new(4000).expect("4000 is not zero");
    let mut term = vt100::Parser::new(rows, width, 0);
    for (n, line) in lines.enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let event: Value = serde_json::from_str(line)
            .map_err(|e| format!("line {} of the recording is not JSON: {e}", n + 2))?;
        if event[1] == "o" {
            let data = event[2].as_str().ok_or("an output event without text")?;
            term.process(data.as_bytes());
        }
    }
    let screen = term.screen().contents();
    let mut out: Vec<&str> = screen.lines().map(str::trim_end).collect();
    while out.last().is_some_and(|l| l.is_empty()) {
        out.pop();
    }
    while out.first().is_some_and(|l| l.is_empty()) {
        out.remove(0);
    }
    Ok(out.join("\n"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn progress_lines_end_as_their_last_state() {
        let cast = concat!(
            r#"{"version": 2, "width": 40, "height": 5}"#,
            "\n",
            r#"[0.1, "o", "building naive 1/9\r"]"#,
            "\n",
            r#"[0.2, "o", "\u001b[2Kbuilt naive in 3 s\r\nnext\r\n"]"#,
            "\n",
            r#"[0.3, "i", "ignored"]"#,
            "\n"
        );
        assert_eq!(render(cast).unwrap(), "built naive in 3 s\nnext");
    }

    #[test]
    fn splice_replaces_only_between_the_markers() {
        let page = "a\n<!-- BEGIN DEMO TEXT: x -->\nold\n<!-- END DEMO TEXT -->\nb\n";
        let new = splice(page, "new").unwrap();
        assert_eq!(
            new,
            "a\n<!-- BEGIN DEMO TEXT: x -->\n\n```text\nnew\n```\n\n<!-- END DEMO TEXT -->\nb\n"
        );
        assert_eq!(splice(&new, "new").unwrap(), new);
        assert!(splice("no markers", "x").is_err());
    }
}
