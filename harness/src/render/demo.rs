//! `just demo`: every variant built with live progress, then a side-by-side table, a log-scale
//! bar chart of the sizes, and the calculator answering one question in every image.
//!
//! Made for a projector and for a log file alike: progress goes to stderr (a live bar on a
//! terminal, one line per finished build otherwise), results to stdout. Box drawing and
//! colour only on a terminal (colour also off with `NO_COLOR`); the table fits the width of
//! the terminal or `COLUMNS`, abbreviating and then dropping columns when it is narrow.
use comfy_table::presets::UTF8_FULL_CONDENSED;
use comfy_table::{CellAlignment, ContentArrangement, Table, TableStyle};
use console::{Term, measure_text_width, style};

use crate::measure::{Measurement, Row};
use crate::render::chart::{Bar, TextStyle, render_text};
use crate::render::format::{group_digits, human_size, seconds};

/// The width used when neither `COLUMNS` nor a terminal says otherwise.
pub const DEFAULT_WIDTH: usize = 100;

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
    pub fn plain(width: usize) -> Style {
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

/// The table's columns, in display order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Column {
    Variant,
    FinalBase,
    Size,
    Compressed,
    Layers,
    Files,
    Packages,
    Shell,
    User,
    Build,
    Reduction,
}

impl Column {
    const ALL: [Column; 11] = [
        Column::Variant,
        Column::FinalBase,
        Column::Size,
        Column::Compressed,
        Column::Layers,
        Column::Files,
        Column::Packages,
        Column::Shell,
        Column::User,
        Column::Build,
        Column::Reduction,
    ];

    /// Dropped first to last when even the abbreviated table is too wide; variant, size and
    /// the reduction always stay. The variant's name already says roughly what its base is.
    const DROP_ORDER: [Column; 8] = [
        Column::Files,
        Column::Layers,
        Column::Build,
        Column::FinalBase,
        Column::Packages,
        Column::User,
        Column::Compressed,
        Column::Shell,
    ];

    fn header(self, level: u8, baseline: &str) -> String {
        let compact = level > 0;
        match (self, compact) {
            (Column::Variant, _) => "variant",
            (Column::FinalBase, false) => "final base",
            (Column::FinalBase, true) => "base",
            (Column::Size, _) => "size",
            (Column::Compressed, false) => "compressed",
            (Column::Compressed, true) => "gzip",
            (Column::Layers, _) => "layers",
            (Column::Files, _) => "files",
            (Column::Packages, false) => "packages",
            (Column::Packages, true) => "pkgs",
            (Column::Shell, _) => "shell",
            (Column::User, _) => "user",
            (Column::Build, false) => "build time",
            (Column::Build, true) => "build",
            (Column::Reduction, false) => return format!("against {baseline}"),
            (Column::Reduction, true) if level > 1 => "smaller",
            (Column::Reduction, true) => return format!("vs {baseline}"),
        }
        .to_string()
    }

    fn right_aligned(self) -> bool {
        matches!(
            self,
            Column::Size
                | Column::Compressed
                | Column::Layers
                | Column::Files
                | Column::Packages
                | Column::Build
        )
    }

    fn cell(self, m: &Measurement, row: &Row, level: u8) -> String {
        let compact = level > 0;
        let f = &row.facts;
        match self {
            Column::Variant => row.name.clone(),
            Column::FinalBase => {
                let base = if compact {
                    short_base(&row.final_base)
                } else {
                    row.final_base.clone()
                };
                if row.final_base_is_stand_in() {
                    format!("{base} *")
                } else {
                    base
                }
            }
            Column::Size => human_size(f.size),
            Column::Compressed => human_size(f.compressed_size),
            Column::Layers => f.layers.to_string(),
            Column::Files => group_digits(f.files),
            Column::Packages => f.packages.to_string(),
            Column::Shell => yes_no(f.shell).to_string(),
            Column::User => f.user.clone(),
            Column::Build => row
                .build
                .map(|b| seconds(b.duration))
                .unwrap_or_else(|| "-".into()),
            Column::Reduction => match m.reduction(row) {
                None => "baseline".into(),
                // "99.9% smaller (1,208x smaller)" -> "99.9%, 1,208x" -> "1,208x"
                Some(text) if level > 1 && text.contains("x smaller)") => text
                    .split_once(" smaller (")
                    .map(|(_, factor)| factor.replace(" smaller)", ""))
                    .unwrap_or(text),
                Some(text) if compact => {
                    text.replace(" smaller (", ", ").replace("x smaller)", "x")
                }
                Some(text) => text,
            },
        }
    }
}

fn yes_no(b: bool) -> &'static str {
    if b { "yes" } else { "no" }
}

/// A base image without its registry host and path: `gcr.io/distroless/cc-debian13:nonroot`
/// becomes `cc-debian13:nonroot`.
pub fn short_base(base: &str) -> String {
    base.rsplit('/').next().unwrap_or(base).to_string()
}

fn table_for(m: &Measurement, columns: &[Column], level: u8, style: &Style) -> String {
    let mut table = Table::new();
    let table_style: TableStyle = if style.unicode {
        UTF8_FULL_CONDENSED.with_rounded_corners()
    } else {
        // Plain: columns separated by spaces, a dashed line under the header.
        TableStyle::new().header_separator(comfy_table::LineStyle::none().fill('-').junction(' '))
    };
    table
        .load_style(table_style)
        .set_content_arrangement(ContentArrangement::Disabled)
        .set_header(
            columns
                .iter()
                .map(|c| c.header(level, &m.baseline))
                .collect::<Vec<_>>(),
        );
    for row in &m.rows {
        table.add_row(
            columns
                .iter()
                .map(|c| c.cell(m, row, level))
                .collect::<Vec<_>>(),
        );
    }
    for (i, c) in columns.iter().enumerate() {
        if let Some(col) = table.column_mut(i) {
            if c.right_aligned() {
                col.set_cell_alignment(CellAlignment::Right);
            }
            if !style.unicode {
                // No borders: two spaces between columns, none before the first.
                col.set_padding((0, 2));
            }
        }
    }
    table
        .lines()
        .map(|l| l.trim_end().to_string())
        .collect::<Vec<_>>()
        .join("\n")
}

/// Width in terminal columns of the widest line.
pub fn text_width(text: &str) -> usize {
    text.lines().map(measure_text_width).max().unwrap_or(0)
}

/// The side-by-side table, no wider than `style.width` where that is possible: all columns
/// with full headers; else abbreviated headers and cells; else dropping columns in
/// [`Column::DROP_ORDER`] until it fits (variant, size and reduction always stay); else the
/// reduction as a factor alone.
pub fn render_table(m: &Measurement, style: &Style) -> String {
    let mut columns: Vec<Column> = Column::ALL.to_vec();
    let full = table_for(m, &columns, 0, style);
    if text_width(&full) <= style.width {
        return full;
    }
    let mut compact = table_for(m, &columns, 1, style);
    for drop in Column::DROP_ORDER {
        if text_width(&compact) <= style.width {
            return compact;
        }
        columns.retain(|c| *c != drop);
        compact = table_for(m, &columns, 1, style);
    }
    if text_width(&compact) <= style.width {
        return compact;
    }
    table_for(m, &columns, 2, style)
}

/// The bars of the size chart, one per variant.
pub fn size_bars(m: &Measurement) -> Vec<Bar> {
    m.rows
        .iter()
        .map(|r| Bar {
            label: r.name.clone(),
            value: r.facts.size,
        })
        .collect()
}

/// The calculator's answers: one line per image with the `docker run` time, then whether
/// they agree.
pub fn render_answers(m: &Measurement, style: &Style) -> String {
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
pub fn render_notes(m: &Measurement, style: &Style) -> String {
    let mut notes = Vec::new();
    let built: Vec<_> = m.rows.iter().filter_map(|r| r.build).collect();
    if !built.is_empty() {
        let cached = built.iter().filter(|b| b.fully_cached()).count();
        notes.push(format!(
            "Build time is this run's: {cached} of {} builds came entirely from the layer cache (`just bench` times cold builds and rebuilds after a one-line change).",
            built.len()
        ));
    }
    notes.push(format!(
        "Docker engine {} (API {}, {}); host {}; {}.",
        m.engine.version, m.engine.api_version, m.engine.platform, m.host_arch, m.date
    ));
    let stand_ins = m.stand_ins();
    if !stand_ins.is_empty() {
        let names: Vec<String> = stand_ins
            .iter()
            .map(|(base, upstream)| {
                if base == upstream {
                    base.clone()
                } else {
                    format!("{base} (for {upstream})")
                }
            })
            .collect();
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
pub fn wrap(text: &str, width: usize) -> String {
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
    fn a_wide_table_has_every_column_and_the_correct_reductions() {
        let m = sample();
        let text = render_table(&m, &Style::plain(200));
        for header in [
            "variant",
            "final base",
            "size",
            "compressed",
            "layers",
            "files",
            "packages",
            "shell",
            "user",
            "build time",
            "against naive",
        ] {
            assert!(text.contains(header), "{header} missing:\n{text}");
        }
        assert!(text.contains("99.9% smaller (1,208x smaller)"), "{text}");
        assert!(text.contains("baseline"));
        assert!(text.contains("rust:1.95-trixie *"));
        assert!(!text.contains('%') || !text.contains("800%"));
        assert!(text.is_ascii(), "plain output is ASCII:\n{text}");
        assert!(text_width(&text) <= 200);
    }

    #[test]
    fn the_table_fits_every_width_it_can() {
        let m = sample();
        for width in [44, 60, 80, 100, 120, 160] {
            for unicode in [false, true] {
                let style = Style {
                    width,
                    unicode,
                    colour: false,
                };
                let text = render_table(&m, &style);
                assert!(
                    text_width(&text) <= width,
                    "width {width} (unicode {unicode}):\n{text}"
                );
                assert!(text.contains("scratch") && text.contains("1.45 MB"));
                assert!(
                    text.contains("1,208x"),
                    "the reduction is never dropped:\n{text}"
                );
            }
        }
        // Narrower than that, the three columns that always stay are all that is left.
        let tiny = render_table(&m, &Style::plain(20));
        assert_eq!(tiny.lines().next().unwrap().split_whitespace().count(), 3);
        // A narrow table abbreviates before it drops, and drops the least telling first.
        let narrow = render_table(&m, &Style::plain(80));
        assert!(
            !narrow.contains("files") && narrow.contains("99.9%, 1,208x"),
            "{narrow}"
        );
    }

    #[test]
    fn short_bases_drop_the_registry_path() {
        assert_eq!(
            short_base("gcr.io/distroless/cc-debian13:nonroot"),
            "cc-debian13:nonroot"
        );
        assert_eq!(short_base("debian:trixie-slim"), "debian:trixie-slim");
    }

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
