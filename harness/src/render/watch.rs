//! Drawing the watch mode ([`crate::lab::watch::Watch`]): the whole screen on a terminal,
//! redrawn after every input, or one line per finished grading when stdout is not a
//! terminal. Text in, text out: the command decides when and where it goes.

use console::style;

use crate::lab::watch::{Panel, Verdict, Watch};

/// How the screen may look.
#[derive(Debug, Clone, Copy)]
pub struct Look {
    /// Columns available.
    pub width: usize,
    /// Rows available (the diff and the hint are cut to fit).
    pub height: usize,
    /// Whether to colour.
    pub colour: bool,
}

fn paint(
    text: &str,
    colour: bool,
    how: fn(console::StyledObject<&str>) -> console::StyledObject<&str>,
) -> String {
    if colour {
        how(style(text)).force_styling(true).to_string()
    } else {
        text.to_string()
    }
}

/// `[########------------] 2/6 exercises pass`.
pub(crate) fn progress_bar(passed: usize, total: usize, width: usize) -> String {
    let cells = width.clamp(10, 40);
    let filled = (passed * cells).checked_div(total).unwrap_or(0);
    format!(
        "[{}{}] {passed}/{total} exercises pass",
        "#".repeat(filled),
        "-".repeat(cells - filled)
    )
}

fn cut(line: &str, width: usize) -> String {
    if line.chars().count() <= width {
        line.to_string()
    } else {
        let mut s: String = line.chars().take(width.saturating_sub(1)).collect();
        s.push('…');
        s
    }
}

/// Wraps `text` at spaces to `width` columns, with `indent` before every line.
fn wrap(text: &str, width: usize, indent: &str) -> Vec<String> {
    let room = width.saturating_sub(indent.len()).max(20);
    let mut lines = Vec::new();
    for paragraph in text.lines() {
        let mut line = String::new();
        for word in paragraph.split(' ') {
            if !line.is_empty() && line.chars().count() + 1 + word.chars().count() > room {
                lines.push(format!("{indent}{line}"));
                line.clear();
            }
            if !line.is_empty() {
                line.push(' ');
            }
            line.push_str(word);
        }
        lines.push(format!("{indent}{line}"));
    }
    lines
}

fn mark(v: &Verdict, colour: bool) -> String {
    match v {
        Verdict::Graded { passed: true, .. }
        | Verdict::NotGraded {
            passed_before: true,
        } => paint("✓", colour, |s| s.green()),
        Verdict::Graded { passed: false, .. } => paint("✗", colour, |s| s.red()),
        Verdict::Grading { .. } => paint("…", colour, |s| s.yellow()),
        Verdict::NotGraded { .. } => "·".to_string(),
    }
}

/// The whole screen.
pub fn screen(w: &Watch, look: Look) -> String {
    let width = look.width.max(40);
    let mut out: Vec<String> = Vec::new();
    let total = w.entries.len();
    out.push(format!(
        "{}  {}",
        paint("calc-kit lab", look.colour, |s| s.bold()),
        progress_bar(w.passed_count(), total, width.saturating_sub(40))
    ));
    let e = &w.entries[w.current];
    out.push(String::new());
    out.push(format!(
        "{} {}   {}",
        mark(&w.verdicts[w.current], look.colour),
        paint(&e.label, look.colour, |s| s.bold()),
        e.dockerfile.display()
    ));
    out.extend(wrap(&e.asks, width, "  "));
    out.push(format!("  chapter: {}", e.chapter));
    out.push(String::new());
    let verdict = match &w.verdicts[w.current] {
        Verdict::NotGraded { passed_before } => format!(
            "{}save {} to grade it, or press r",
            if *passed_before {
                "passed in an earlier session; "
            } else {
                "not graded yet: "
            },
            e.dockerfile.display()
        ),
        Verdict::Grading { detail } => format!("grading… {detail}"),
        Verdict::Graded { line, .. } => line.clone(),
    };
    out.push(cut(&verdict, width));
    // What is left for the panel: its heading, a note and the key line take six rows.
    let room = look.height.saturating_sub(out.len() + 6).max(5);
    match &w.panel {
        Panel::Verdict => {}
        Panel::Hint => {
            out.push(String::new());
            match &w.verdicts[w.current] {
                Verdict::Graded {
                    hint: Some(hint), ..
                } => {
                    out.push(paint("hint:", look.colour, |s| s.bold()));
                    out.extend(wrap(hint, width, "  ").into_iter().take(room));
                }
                Verdict::Graded { passed: true, .. } => {
                    out.push("it passes: no hint needed".into())
                }
                _ => out.push("no hint yet: the hint is for a failed check".into()),
            }
        }
        Panel::List => {
            out.push(String::new());
            for (i, (entry, v)) in w.entries.iter().zip(&w.verdicts).enumerate() {
                let pointer = if i == w.current { ">" } else { " " };
                let state = match v {
                    Verdict::Graded { passed: true, .. } => "passes".to_string(),
                    Verdict::NotGraded {
                        passed_before: true,
                    } => "passed before".to_string(),
                    Verdict::Graded { line, .. } => line
                        .split_once(": ")
                        .map(|(_, rest)| rest.to_string())
                        .unwrap_or_else(|| line.clone()),
                    Verdict::Grading { .. } => "grading…".into(),
                    Verdict::NotGraded { .. } => "not graded yet".into(),
                };
                let state = cut(&state, width.saturating_sub(32));
                out.push(format!(
                    "{pointer} {} {:<26} {state}",
                    mark(v, look.colour),
                    entry.label
                ));
            }
        }
        Panel::Passed { label, diff } => {
            out.push(String::new());
            out.push(paint(
                &format!("✓ {label} passes. Your file beside the kit's reference solution:"),
                look.colour,
                |s| s.green(),
            ));
            let lines: Vec<&str> = diff.lines().collect();
            for line in lines.iter().take(room) {
                let line = cut(line, width);
                out.push(if line.starts_with('+') && !line.starts_with("+++") {
                    paint(&line, look.colour, |s| s.green())
                } else if line.starts_with('-') && !line.starts_with("---") {
                    paint(&line, look.colour, |s| s.red())
                } else {
                    line
                });
            }
            if lines.len() > room {
                out.push(format!(
                    "  … {} more lines: harness lab solution",
                    lines.len() - room
                ));
            }
            if diff.trim().is_empty() {
                out.push("  (identical to the reference)".into());
            }
        }
    }
    if let Some(note) = &w.note {
        out.push(String::new());
        out.push(cut(note, width));
    }
    out.push(String::new());
    out.push(paint(
        "h hint · l list · n/p next/previous · r re-grade · q quit",
        look.colour,
        |s| s.dim(),
    ));
    out.join("\n")
}

/// The one line of a finished grading when stdout is not a terminal: time, exercise, verdict.
pub fn plain_line(w: &Watch, index: usize, clock: &str) -> Option<String> {
    match &w.verdicts[index] {
        Verdict::Graded { line, .. } => Some(format!(
            "{clock} {}  {}",
            line,
            progress_bar(w.passed_count(), w.entries.len(), 12)
        )),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_progress_bar_fills_with_passes() {
        assert_eq!(progress_bar(0, 6, 12), "[------------] 0/6 exercises pass");
        assert_eq!(progress_bar(3, 6, 12), "[######------] 3/6 exercises pass");
        assert_eq!(progress_bar(6, 6, 12), "[############] 6/6 exercises pass");
        assert_eq!(progress_bar(0, 0, 12), "[------------] 0/0 exercises pass");
    }

    #[test]
    fn long_text_is_wrapped_and_cut() {
        let lines = wrap("one two three four five six seven", 26, "  ");
        assert!(
            lines.len() > 1 && lines.iter().all(|l| l.chars().count() <= 26),
            "{lines:?}"
        );
        assert_eq!(cut("abcdef", 4), "abc…");
    }
}
