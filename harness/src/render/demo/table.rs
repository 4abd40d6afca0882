//! The demo's side-by-side table: one row per variant, one column per fact, fitted to the
//! width it is given by abbreviating headers and cells, then dropping the least telling
//! columns.

use comfy_table::presets::UTF8_FULL_CONDENSED;
use comfy_table::{CellAlignment, ContentArrangement, Table, TableStyle};

use super::{Style, text_width};
use crate::measure::{Measurement, Row};
use crate::render::format::{group_digits, human_size, seconds};

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
fn short_base(base: &str) -> String {
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

/// The side-by-side table, no wider than `style.width` where that is possible: all columns
/// with full headers; else abbreviated headers and cells; else dropping columns in
/// [`Column::DROP_ORDER`] until it fits (variant, size and reduction always stay); else the
/// reduction as a factor alone.
pub(super) fn render_table(m: &Measurement, style: &Style) -> String {
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
}
