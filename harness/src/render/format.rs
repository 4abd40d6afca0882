//! Numbers and sizes printed one way everywhere (tests, demo, report, bench).
//!
//! Sizes are decimal (1 MB = 1,000,000 bytes) because that is what `docker images` prints and
//! what the catalogue's bounds mean; a learner comparing our table with `docker images` must
//! see the same figures.

/// Bytes in a decimal megabyte, the unit of the catalogue's size bounds.
pub(crate) const MB: f64 = 1_000_000.0;

/// Groups the digits of `n` in threes with commas, so file counts and byte counts can be read
/// at a glance on a projector (`1234567` becomes `1,234,567`).
pub fn group_digits(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// A size the way `docker images` shows it (decimal units, three significant digits), so our
/// figures and Docker's agree: `1363148` becomes `1.36 MB`.
pub fn human_size(bytes: u64) -> String {
    const UNITS: [&str; 5] = ["B", "kB", "MB", "GB", "TB"];
    let mut value = bytes as f64;
    let mut unit = 0;
    while value >= 1000.0 && unit < UNITS.len() - 1 {
        value /= 1000.0;
        unit += 1;
    }
    if unit == 0 {
        return format!("{bytes} B");
    }
    let decimals = if value >= 100.0 {
        0
    } else if value >= 10.0 {
        1
    } else {
        2
    };
    format!("{value:.decimals$} {}", UNITS[unit])
}

/// Megabytes as a float, for comparing with the catalogue's bounds.
pub fn megabytes(bytes: u64) -> f64 {
    bytes as f64 / MB
}

/// How much smaller `after` is than `before`, stated both ways a reader understands and never
/// as the nonsense "800% reduction": `1.2 GB -> 1.4 MB` is "99.9% smaller (857x smaller)".
///
/// A reduction cannot exceed 100%; the factor carries the drama.
pub fn reduction(before: u64, after: u64) -> String {
    if before == 0 {
        return "n/a".to_string();
    }
    if after >= before {
        let pct = (after - before) as f64 / before as f64 * 100.0;
        return format!("{pct:.1}% larger");
    }
    let pct = (before - after) as f64 / before as f64 * 100.0;
    // Never round a real reduction up to a claim of 100%.
    let mut pct_text = format!("{pct:.1}%");
    if after > 0 && pct_text == "100.0%" {
        pct_text = "99.9%".to_string();
    }
    if after == 0 {
        return format!("{pct_text} smaller");
    }
    let factor = before as f64 / after as f64;
    let factor_text = if factor >= 10.0 {
        group_digits(factor.round() as u64)
    } else {
        format!("{factor:.1}")
    };
    format!("{pct_text} smaller ({factor_text}x smaller)")
}

/// A duration in seconds with one decimal, the precision a build time deserves.
pub fn seconds(d: std::time::Duration) -> String {
    format!("{:.1} s", d.as_secs_f64())
}

/// Text made safe for a Markdown table cell: a `|` would end the cell.
pub(crate) fn markdown_cell(text: &str) -> String {
    text.replace('|', "\\|")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markdown_cells_escape_the_column_bar() {
        assert_eq!(markdown_cell("a | b"), "a \\| b");
        assert_eq!(markdown_cell("plain"), "plain");
    }

    #[test]
    fn digits_are_grouped_in_threes() {
        for (n, want) in [
            (0, "0"),
            (7, "7"),
            (999, "999"),
            (1000, "1,000"),
            (12345, "12,345"),
            (123456, "123,456"),
            (1234567, "1,234,567"),
            (u64::MAX, "18,446,744,073,709,551,615"),
        ] {
            assert_eq!(group_digits(n), want, "{n}");
        }
    }

    #[test]
    fn sizes_match_docker_images() {
        for (n, want) in [
            (0, "0 B"),
            (999, "999 B"),
            (1000, "1.00 kB"),
            (1_363_148, "1.36 MB"),
            (17_800_000, "17.8 MB"),
            (83_000_000, "83.0 MB"),
            (125_000_000, "125 MB"),
            (1_210_000_000, "1.21 GB"),
        ] {
            assert_eq!(human_size(n), want, "{n}");
        }
    }

    #[test]
    fn reductions_are_stated_correctly() {
        assert_eq!(
            reduction(1_200_000_000, 1_400_000),
            "99.9% smaller (857x smaller)"
        );
        assert_eq!(reduction(100, 50), "50.0% smaller (2.0x smaller)");
        assert_eq!(reduction(100, 100), "0.0% larger");
        assert_eq!(reduction(100, 150), "50.0% larger");
        assert_eq!(
            reduction(1_260_000_000, 1_360_000),
            "99.9% smaller (926x smaller)"
        );
        // 99.99% must not be rounded up to a claim that nothing is left.
        assert_eq!(
            reduction(10_000_000_000, 1_000_000),
            "99.9% smaller (10,000x smaller)"
        );
    }

    #[test]
    fn megabytes_are_decimal() {
        assert_eq!(megabytes(1_500_000), 1.5);
    }
}
