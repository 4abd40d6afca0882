//! A table that reads the same in a terminal and as Markdown.

use std::fmt::Write as _;

use crate::render::format::markdown_cell;

/// A table that reads the same in a terminal and as Markdown: columns padded to their
/// widest cell.
#[derive(Debug, Clone, Default)]
pub struct Table {
    /// Column titles.
    pub header: Vec<String>,
    /// Rows; a short row is padded with empty cells.
    pub rows: Vec<Vec<String>>,
}

impl Table {
    /// Renders the table as padded Markdown. `|` inside a cell is escaped.
    pub(crate) fn render(&self) -> String {
        let columns = self
            .rows
            .iter()
            .map(Vec::len)
            .chain([self.header.len()])
            .max()
            .unwrap_or(0);
        let cell = |row: &[String], i: usize| -> String {
            row.get(i).map(|c| markdown_cell(c)).unwrap_or_default()
        };
        let mut widths = vec![3; columns];
        for row in std::iter::once(&self.header).chain(&self.rows) {
            for (i, w) in widths.iter_mut().enumerate() {
                *w = (*w).max(cell(row, i).chars().count());
            }
        }
        let line = |row: &[String]| -> String {
            let mut out = String::from("|");
            for (i, w) in widths.iter().enumerate() {
                let c = cell(row, i);
                let pad = w - c.chars().count();
                let _ = write!(out, " {c}{} |", " ".repeat(pad));
            }
            out.push('\n');
            out
        };
        let mut out = line(&self.header);
        out.push('|');
        for w in &widths {
            let _ = write!(out, " {} |", "-".repeat(*w));
        }
        out.push('\n');
        for row in &self.rows {
            out.push_str(&line(row));
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tables_are_padded_markdown() {
        let t = Table {
            header: vec!["".into(), "Size".into()],
            rows: vec![vec!["scratch".into(), "1.38 MB".into()], vec!["a|b".into()]],
        };
        assert_eq!(
            t.render(),
            "|         | Size    |\n\
             | ------- | ------- |\n\
             | scratch | 1.38 MB |\n\
             | a\\|b    |         |\n"
        );
    }
}
