//! `just demo`: every variant built with live progress, then a side-by-side table, a log-scale
//! bar chart of the sizes, and the calculator answering one question in every image.
//!
//! Made for a projector and for a log file alike: progress goes to stderr (a live bar on a
//! terminal, one line per finished build otherwise), results to stdout. Box drawing and
//! colour only on a terminal (colour also off with `NO_COLOR`); the table fits the width of
//! the terminal or `COLUMNS`, abbreviating and then dropping columns when it is narrow (the
//! table is [`table`]'s job).

use console::{Term, measure_text_width, style};

use crate::measure::Measurement;
use crate::render::chart::{TextStyle, render_text};
use crate::render::format::seconds;
use crate::render::survey::{cached_builds, size_bars, stand_in_names};

mod table;

use table::render_table;

/// The width used when neither `COLUMNS` nor a terminal says otherwise.
pub(crate) const DEFAULT_WIDTH: usize = 100;

/// How stdout may be drawn on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Style {
    /// Columns available.
    pub width: usize,
    /// Box-drawing and block characters: stdout is a terminal.
    pub unicode: bool,
    /// ANSI colour: stdout is a terminal and `NO_COLOR` is not set.
    pub colour: bool,
}

impl Style {
    /// Looks at stdout and the environment: `COLUMNS` wins, then the terminal's width (of
    /// stdout, else of stderr, so `just demo | tee log` still fits the screen), else
    /// [`DEFAULT_WIDTH`].
    pub fn detect() -> Style {
        let out = Term::stdout();
        let columns = std::env::var("COLUMNS")
            .ok()
            .and_then(|c| c.trim().parse::<usize>().ok())
            .filter(|c| *c > 0);
        let terminal = out
            .size_checked()
            .or_else(|| Term::stderr().size_checked())
            .map(|(_, cols)| cols as usize);
        Style {
            width: columns.or(terminal).unwrap_or(DEFAULT_WIDTH),
            unicode: out.is_term(),
            colour: console::colors_enabled(),
        }
    }

    /// Plain ASCII without colour at `width`: what a pipe gets, and what tests compare.
    #[cfg(test)]
    pub(crate) fn plain(width: usize) -> Style {
        Style {
            width,
            unicode: false,
            colour: false,
        }
    }

    fn paint(
        &self,
        text: &str,
        f: impl FnOnce(console::StyledObject<&str>) -> console::StyledObject<&str>,
    ) -> String {
        if self.colour {
            f(style(text)).force_styling(true).to_string()
        } else {
            text.to_string()
        }
    }
}

/// Width in terminal columns of the widest line.
pub(crate) fn text_width(text: &str) -> usize {
    text.lines().map(measure_text_width).max().unwrap_or(0)
}

/// The calculator's answers: one line per image with the `docker run` time, then whether
/// they agree.
fn render_answers(m: &Measurement, style: &Style) -> String {
    let name_w = m.rows.iter().map(|r| r.name.len()).max().unwrap_or(0);
    let time_w = 7;
    let indent = 2 + name_w + 2 + time_w + 2;
    let mut out = String::new();
    for r in &m.rows {
        let answer = r.answer.shown();
        // An answer too long for the line goes on a line of its own, cut to the width.
        let own_line = indent + measure_text_width(&answer) > style.width;
        let room = if own_line {
            style.width.saturating_sub(4).max(8)
        } else {
            style.width - indent
        };
        let answer = console::truncate_str(&answer, room, "...");
        let answer = if r.answer.exit_code == 0 {
            style.paint(&answer, |s| s.green())
        } else {
            style.paint(&answer, |s| s.red())
        };
        let head = format!(
            "  {:<name_w$}  {:>time_w$}",
            r.name,
            seconds(r.answer.elapsed)
        );
        if own_line {
            out.push_str(&format!("{head}\n    {answer}\n"));
        } else {
            out.push_str(&format!("{head}  {answer}\n"));
        }
    }
    let n = m.rows.len();
    if m.answers_agree() {
        out.push_str(&wrap(
            &format!(
                "All {n} images give the same answer (the time is `docker run`'s, container start to exit)."
            ),
            style.width,
        ));
    } else {
        out.push_str(&style.paint(
            "The images do NOT all give the same answer: run `cargo test` to see which and why.",
            |s| s.red().bold(),
        ));
        out.push('\n');
    }
    out
}

/// The lines under the table: what the marks mean, the engine, and the stand-ins.
fn render_notes(m: &Measurement, style: &Style) -> String {
    let mut notes = Vec::new();
    if let Some((cached, built)) = cached_builds(m) {
        notes.push(format!(
            "Build time is this run's: {cached} of {built} builds came entirely from the layer cache (`just bench` times cold builds and rebuilds after a one-line change)."
        ));
    }
    notes.push(format!(
        "Docker engine {} (API {}, {}); host {}; {}.",
        m.engine.version, m.engine.api_version, m.engine.platform, m.host_arch, m.date
    ));
    let stand_ins = m.stand_ins();
    if !stand_ins.is_empty() {
        let names = stand_in_names(&stand_ins, false);
        let line = format!(
            "* Local stand-in base images were used, built by docker/bases/build-bases.sh because no registry was reachable: {}. Sizes of images built on them are the stand-ins' sizes, close to but not the upstream images'.",
            names.join(", ")
        );
        notes.push(style.paint(&line, |s| s.yellow()));
    }
    let mut out = String::new();
    for note in notes {
        out.push_str(&wrap(&note, style.width));
    }
    out
}

/// Wraps prose at spaces to `width` columns (colour codes do not count).
fn wrap(text: &str, width: usize) -> String {
    let width = width.max(20);
    let mut out = String::new();
    let mut line = String::new();
    for word in text.split(' ') {
        if !line.is_empty() && measure_text_width(&line) + 1 + measure_text_width(word) > width {
            out.push_str(&line);
            out.push('\n');
            line.clear();
        }
        if !line.is_empty() {
            line.push(' ');
        }
        line.push_str(word);
    }
    if !line.is_empty() {
        out.push_str(&line);
        out.push('\n');
    }
    out
}

/// Everything the demo prints on stdout after the builds.
pub fn render(m: &Measurement, style: &Style) -> String {
    let heading = |text: &str| style.paint(wrap(text, style.width).trim_end(), |s| s.bold());
    let mut out = String::new();
    out.push('\n');
    out.push_str(&heading("Every variant, side by side"));
    out.push('\n');
    out.push_str(&render_table(m, style));
    out.push('\n');
    out.push_str(&render_notes(m, style));
    out.push('\n');
    out.push_str(&heading(
        "Size on disk, log scale (each tick is 10x the one before)",
    ));
    out.push('\n');
    out.push_str(&render_text(
        &size_bars(m),
        TextStyle {
            width: style.width,
            unicode: style.unicode,
            colour: style.colour,
        },
    ));
    out.push('\n');
    out.push_str(&heading(&format!(
        "The same question in every image: calculator {}",
        m.question
    )));
    out.push('\n');
    out.push_str(&render_answers(m, style));
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::measure::survey::tests::sample;

    #[test]
    fn the_whole_output_is_plain_and_fits_when_piped() {
        let m = sample();
        for width in [60, 80, 100] {
            let text = render(&m, &Style::plain(width));
            assert!(text.is_ascii(), "{text}");
            assert!(!text.contains('\u{1b}'));
            for line in text.lines() {
                assert!(measure_text_width(line) <= width, "{width}: {line:?}");
            }
            assert!(text.contains("1267650600228229401496703205376"));
            assert!(text.contains("All 5 images give the same answer"));
            assert!(text.contains("stand-in base images were used"));
            assert!(text.contains("debian:trixie-slim"));
        }
    }

    #[test]
    fn disagreeing_answers_are_called_out() {
        let mut m = sample();
        m.rows[2].answer.stdout = "0".into();
        let text = render_answers(&m, &Style::plain(80));
        assert!(text.contains("do NOT all give the same answer"));
    }

    #[test]
    fn prose_wraps_at_spaces() {
        assert_eq!(
            wrap("aaaa bbbb cccc dddd eeee ffff", 20),
            "aaaa bbbb cccc dddd\neeee ffff\n"
        );
    }
}
