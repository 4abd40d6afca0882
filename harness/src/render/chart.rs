//! Bar charts of image sizes on a logarithmic scale, as terminal text (`just demo`) and as SVG
//! (`just report`).
//!
//! On a linear scale the scratch image is a thousandth of the naive one: no bar at all. On a
//! log scale every factor of ten is the same length, so each step from naive to scratch is
//! visible, and the ticks say how far apart the images are in orders of magnitude.

use std::fmt::Write as _;

use crate::render::format::human_size;

/// A logarithmic axis from `lower` to `upper` (both positive).
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct LogScale {
    /// Value at the axis's start: a power of ten at least one decade below the smallest bar,
    /// so the smallest bar still has a length.
    pub lower: f64,
    /// Value at the axis's end: the largest bar, which fills the width.
    pub upper: f64,
}

impl LogScale {
    /// The axis for these values: from one decade below the smallest value's decade to the
    /// largest value. Zeros are ignored; with nothing to show, 1 to 10.
    pub fn fit(values: &[u64]) -> LogScale {
        let positive = values.iter().copied().filter(|v| *v > 0);
        let (Some(min), Some(max)) = (positive.clone().min(), positive.max()) else {
            return LogScale {
                lower: 1.0,
                upper: 10.0,
            };
        };
        let lower = 10f64.powi((min as f64).log10().floor() as i32 - 1).max(1.0);
        let upper = (max as f64).max(lower * 10.0);
        LogScale { lower, upper }
    }

    /// Where `value` sits on the axis, from 0.0 (start) to 1.0 (end), clamped.
    pub fn fraction(&self, value: u64) -> f64 {
        if value == 0 {
            return 0.0;
        }
        let span = self.upper.log10() - self.lower.log10();
        (((value as f64).log10() - self.lower.log10()) / span).clamp(0.0, 1.0)
    }

    /// The powers of ten on the axis, start included: where the ticks go.
    pub fn ticks(&self) -> Vec<u64> {
        let mut out = Vec::new();
        let mut t = self.lower;
        while t <= self.upper * 1.000_001 {
            out.push(t.round() as u64);
            t *= 10.0;
        }
        out
    }
}

/// A power of ten as a short size: `100 kB`, `1 MB`, `10 GB` (decimal units, as elsewhere).
pub(crate) fn decade_label(value: u64) -> String {
    const UNITS: [&str; 5] = ["B", "kB", "MB", "GB", "TB"];
    let mut v = value;
    let mut unit = 0;
    while v >= 1000 && v.is_multiple_of(1000) && unit < UNITS.len() - 1 {
        v /= 1000;
        unit += 1;
    }
    format!("{v} {}", UNITS[unit])
}

/// The eighths of a cell a bar of `fraction` fills in `width` cells; a non-zero fraction
/// gets at least one eighth, so no measured image disappears.
pub(crate) fn bar_eighths(fraction: f64, width: usize) -> usize {
    let eighths = (fraction.clamp(0.0, 1.0) * width as f64 * 8.0).round() as usize;
    if fraction > 0.0 { eighths.max(1) } else { 0 }
}

/// A bar of `fraction` of `width` cells: block characters with eighth-cell resolution, or
/// `#` (rounded to whole cells, at least one) when only ASCII will do.
pub(crate) fn text_bar(fraction: f64, width: usize, unicode: bool) -> String {
    let eighths = bar_eighths(fraction, width);
    if !unicode {
        let cells = ((eighths + 4) / 8).max(usize::from(eighths > 0));
        return "#".repeat(cells);
    }
    const PARTIAL: [&str; 8] = ["", "▏", "▎", "▍", "▌", "▋", "▊", "▉"];
    let mut bar = "█".repeat(eighths / 8);
    bar.push_str(PARTIAL[eighths % 8]);
    bar
}

/// One bar: a label and a size in bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Bar {
    /// What the bar is (a variant name).
    pub label: String,
    /// Bytes.
    pub value: u64,
}

/// How the terminal chart may draw.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct TextStyle {
    /// Columns available.
    pub width: usize,
    /// Block and box-drawing characters (a terminal) rather than ASCII.
    pub unicode: bool,
    /// ANSI colours.
    pub colour: bool,
}

/// The narrowest and widest bar area the text chart uses.
const BAR_MIN: usize = 10;
const BAR_MAX: usize = 60;

/// The chart as lines of text no wider than `style.width` (unless even the labels do not
/// fit): label, size, bar; then an axis with a tick and a label at each power of ten.
pub(crate) fn render_text(bars: &[Bar], style: TextStyle) -> String {
    let scale = LogScale::fit(&bars.iter().map(|b| b.value).collect::<Vec<_>>());
    let sizes: Vec<String> = bars.iter().map(|b| human_size(b.value)).collect();
    let label_w = bars
        .iter()
        .map(|b| b.label.chars().count())
        .max()
        .unwrap_or(0);
    let size_w = sizes.iter().map(|s| s.len()).max().unwrap_or(0);
    let indent = label_w + 2 + size_w + 2;
    let bar_w = style
        .width
        .saturating_sub(indent + 1)
        .clamp(BAR_MIN, BAR_MAX);

    let mut out = String::new();
    for (bar, size) in bars.iter().zip(&sizes) {
        let mut drawn = text_bar(scale.fraction(bar.value), bar_w, style.unicode);
        if style.colour {
            drawn = console::style(drawn).cyan().force_styling(true).to_string();
        }
        let _ = writeln!(out, "{:<label_w$}  {size:>size_w$}  {drawn}", bar.label);
    }

    // The axis: a ruler with a tick at each power of ten, and the ticks' labels below,
    // skipping a label that would run into the one before it.
    let ticks = scale.ticks();
    let position =
        |t: u64| ((scale.fraction(t) * bar_w as f64).round() as usize).min(bar_w.saturating_sub(1));
    let (line, tick) = if style.unicode {
        ('─', '┴')
    } else {
        ('-', '+')
    };
    let mut ruler: Vec<char> = vec![line; bar_w];
    for t in &ticks {
        ruler[position(*t)] = tick;
    }
    let mut labels = String::new();
    for t in &ticks {
        let text = decade_label(*t);
        let at = position(*t);
        let used = labels.chars().count();
        let fits_before = used == 0 || at > used;
        let fits_after = at + text.len() <= style.width.saturating_sub(indent).max(bar_w);
        if fits_before && fits_after {
            labels.push_str(&" ".repeat(at - used));
            labels.push_str(&text);
        }
    }
    let pad = " ".repeat(indent);
    let _ = writeln!(out, "{pad}{}", ruler.into_iter().collect::<String>());
    let _ = writeln!(out, "{pad}{labels}");
    out
}

/// Escapes text for SVG (XML) content and attribute values.
pub(crate) fn xml_escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            c => out.push(c),
        }
    }
    out
}

/// The frame of a horizontal bar chart on a log axis, shared by the size and pull charts:
/// where the plot sits and where its axis runs.
pub(crate) struct Frame {
    /// The picture's width.
    pub(crate) width: f64,
    /// The picture's height.
    pub(crate) height: f64,
    /// Where the bars start (the labels stand left of it).
    pub(crate) left: f64,
    /// Where the first row starts.
    pub(crate) top: f64,
    /// The width of the plot, from `left`.
    pub(crate) plot: f64,
    /// Where the axis runs, below the last row.
    pub(crate) axis_y: f64,
}

impl Frame {
    /// A frame `width` wide whose bars run from `left` to `right` before the edge, with
    /// `rows` of rows from `top` and `bottom` below the axis.
    pub(crate) fn new(
        width: f64,
        left: f64,
        right: f64,
        top: f64,
        rows: f64,
        bottom: f64,
    ) -> Frame {
        let axis_y = top + rows;
        Frame {
            width,
            height: axis_y + bottom,
            left,
            top,
            plot: width - left - right,
            axis_y,
        }
    }

    /// The opening of the document: the root element with its size and accessible name, the
    /// title (already escaped), a white background, the visible title, and a grid line and
    /// a label (as `label` writes it) at every tick of `scale`.
    pub(crate) fn begin(
        &self,
        title: &str,
        scale: &LogScale,
        label: &dyn Fn(u64) -> String,
    ) -> String {
        let (width, height) = (self.width, self.height);
        let mut svg = String::new();
        let _ = writeln!(
            svg,
            r#"<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" viewBox="0 0 {width} {height}" role="img" aria-label="{title}" font-family="sans-serif" font-size="13">"#
        );
        let _ = writeln!(svg, "  <title>{title}</title>");
        let _ = writeln!(
            svg,
            r##"  <rect x="0" y="0" width="{width}" height="{height}" fill="#ffffff"/>"##
        );
        let _ = writeln!(
            svg,
            r##"  <text x="{x}" y="24" font-size="15" font-weight="bold" fill="#222222">{title}</text>"##,
            x = self.left
        );
        for t in scale.ticks() {
            let x = self.left + scale.fraction(t) * self.plot;
            let _ = writeln!(
                svg,
                r##"  <line x1="{x:.1}" y1="{y1:.1}" x2="{x:.1}" y2="{y2:.1}" stroke="#cccccc" stroke-width="1"/>"##,
                y1 = self.top - 6.0,
                y2 = self.axis_y + 4.0
            );
            let _ = writeln!(
                svg,
                r##"  <text x="{x:.1}" y="{y:.1}" text-anchor="middle" fill="#555555">{label}</text>"##,
                y = self.axis_y + 20.0,
                label = label(t)
            );
        }
        svg
    }
}

/// The width of every chart in the book, so that they line up on a page.
pub(crate) const WIDTH: f64 = 760.0;
/// Where the bars of every chart start: the column of variant names left of it.
pub(crate) const LEFT: f64 = 150.0;

/// The chart as a standalone SVG document: one horizontal bar per image on a log axis,
/// gridlines and labels at each power of ten, the size at the end of each bar. Plain SVG 1.1
/// with no scripts, fonts or external references, so it renders the same in mdBook, on a code
/// host and in a browser.
pub(crate) fn render_svg(bars: &[Bar], title: &str) -> String {
    const RIGHT: f64 = 90.0;
    const TOP: f64 = 44.0;
    const ROW: f64 = 32.0;
    const BAR: f64 = 20.0;
    const BOTTOM: f64 = 40.0;
    let scale = LogScale::fit(&bars.iter().map(|b| b.value).collect::<Vec<_>>());
    let frame = Frame::new(WIDTH, LEFT, RIGHT, TOP, ROW * bars.len() as f64, BOTTOM);
    let (plot, axis_y) = (frame.plot, frame.axis_y);
    let mut svg = frame.begin(&xml_escape(title), &scale, &|t| {
        xml_escape(&decade_label(t))
    });
    let _ = writeln!(
        svg,
        r##"  <line x1="{LEFT}" y1="{axis_y:.1}" x2="{x2:.1}" y2="{axis_y:.1}" stroke="#888888" stroke-width="1"/>"##,
        x2 = LEFT + plot
    );

    for (i, bar) in bars.iter().enumerate() {
        let y = TOP + ROW * i as f64 + (ROW - BAR) / 2.0;
        let mid = y + BAR / 2.0 + 4.5;
        let w = (scale.fraction(bar.value) * plot).max(1.0);
        let label = xml_escape(&bar.label);
        let size = xml_escape(&human_size(bar.value));
        let _ = writeln!(
            svg,
            r##"  <text x="{x:.1}" y="{mid:.1}" text-anchor="end" fill="#222222">{label}</text>"##,
            x = LEFT - 10.0
        );
        let _ = writeln!(
            svg,
            r##"  <rect x="{LEFT}" y="{y:.1}" width="{w:.1}" height="{BAR}" fill="#3a76c4"><title>{label}: {size}</title></rect>"##
        );
        let _ = writeln!(
            svg,
            r##"  <text x="{x:.1}" y="{mid:.1}" fill="#222222">{size}</text>"##,
            x = LEFT + w + 6.0
        );
    }
    svg.push_str("</svg>\n");
    svg
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bars() -> Vec<Bar> {
        [
            ("naive", 1_748_939_926),
            ("debian-slim", 79_500_000),
            ("distroless-cc", 18_000_000),
            ("distroless-static", 2_810_000),
            ("scratch", 1_448_112),
        ]
        .into_iter()
        .map(|(l, v)| Bar {
            label: l.to_string(),
            value: v,
        })
        .collect()
    }

    #[test]
    fn the_scale_starts_a_decade_below_the_smallest_and_ends_at_the_largest() {
        let s = LogScale::fit(&[1_448_112, 1_748_939_926]);
        assert_eq!(s.lower, 100_000.0);
        assert_eq!(s.upper, 1_748_939_926.0);
        assert_eq!(s.fraction(1_748_939_926), 1.0);
        assert_eq!(s.fraction(100_000), 0.0);
        assert_eq!(s.fraction(0), 0.0);
        assert_eq!(s.fraction(10), 0.0, "below the axis is clamped");
        assert_eq!(
            s.ticks(),
            [100_000, 1_000_000, 10_000_000, 100_000_000, 1_000_000_000]
        );
        // Each decade is the same length: that is what log scale means.
        let d1 = s.fraction(1_000_000) - s.fraction(100_000);
        let d2 = s.fraction(1_000_000_000) - s.fraction(100_000_000);
        assert!((d1 - d2).abs() < 1e-12);
        assert_eq!(LogScale::fit(&[]).ticks(), [1, 10]);
        assert_eq!(LogScale::fit(&[0, 5]).lower, 1.0);
        let same = LogScale::fit(&[2_000_000, 2_000_000]);
        assert_eq!(same.fraction(2_000_000), 1.0);
        assert_eq!(same.ticks(), [100_000, 1_000_000]);
    }

    #[test]
    fn bar_lengths_follow_the_log_of_the_size() {
        let s = LogScale::fit(&bars().iter().map(|b| b.value).collect::<Vec<_>>());
        let width = 40;
        let cells = |v| bar_eighths(s.fraction(v), width) as f64 / 8.0;
        assert_eq!(cells(1_748_939_926), 40.0);
        // scratch: log10(1.448e6 / 1e5) / log10(1.749e9 / 1e5) of 40 cells, about 11.
        let want = (1_448_112f64 / 1e5).log10() / (1_748_939_926f64 / 1e5).log10() * 40.0;
        assert!((cells(1_448_112) - want).abs() <= 1.0 / 16.0);
        assert!(cells(1_448_112) > 10.0, "scratch is visible");
        // Ten times the size is always the same number of cells longer.
        let step = cells(10_000_000) - cells(1_000_000);
        assert!((cells(100_000_000) - cells(10_000_000) - step).abs() <= 1.0 / 8.0);
        assert_eq!(bar_eighths(1e-9, 40), 1, "a measured image never vanishes");
        assert_eq!(bar_eighths(0.0, 40), 0);
    }

    #[test]
    fn text_bars_use_eighths_or_ascii() {
        assert_eq!(text_bar(1.0, 4, true), "████");
        assert_eq!(text_bar(0.5 + 1.0 / 32.0, 4, true), "██▏");
        assert_eq!(text_bar(0.5 + 1.0 / 16.0, 4, true), "██▎");
        assert_eq!(text_bar(0.5, 4, false), "##");
        assert_eq!(text_bar(0.01, 4, false), "#");
        assert_eq!(text_bar(0.0, 4, false), "");
    }

    #[test]
    fn decades_read_as_sizes() {
        assert_eq!(decade_label(100_000), "100 kB");
        assert_eq!(decade_label(1_000_000), "1 MB");
        assert_eq!(decade_label(10_000_000_000), "10 GB");
        assert_eq!(decade_label(1), "1 B");
    }

    #[test]
    fn the_text_chart_fits_the_width_and_is_plain_when_asked() {
        for width in [40, 60, 80, 120, 200] {
            let text = render_text(
                &bars(),
                TextStyle {
                    width,
                    unicode: false,
                    colour: false,
                },
            );
            for line in text.lines() {
                assert!(line.len() <= width, "{width}: {line:?} is too wide");
                assert!(line.is_ascii());
            }
            assert_eq!(text.lines().count(), 7);
            assert!(text.contains("scratch") && text.contains("1.45 MB"));
            if width >= 80 {
                assert!(text.contains("100 kB") && text.contains("1 GB"), "{text}");
            }
        }
        let fancy = render_text(
            &bars(),
            TextStyle {
                width: 80,
                unicode: true,
                colour: true,
            },
        );
        assert!(fancy.contains('█') && fancy.contains("\u{1b}["));
    }

    #[test]
    fn the_svg_is_well_formed_and_labels_every_bar() {
        let mut b = bars();
        b[0].label = "naive <&> \"quoted\"".into();
        let svg = render_svg(&b, "Image size & more");
        let doc = roxmltree::Document::parse(&svg).expect("well-formed XML");
        let root = doc.root_element();
        assert_eq!(root.tag_name().name(), "svg");
        assert_eq!(
            root.tag_name().namespace(),
            Some("http://www.w3.org/2000/svg")
        );
        let texts: Vec<String> = doc
            .descendants()
            .filter(|n| n.has_tag_name("text"))
            .filter_map(|n| n.text().map(str::to_string))
            .collect();
        for want in [
            "naive <&> \"quoted\"",
            "scratch",
            "1.45 MB",
            "1.75 GB",
            "1 GB",
            "100 kB",
        ] {
            assert!(
                texts.iter().any(|t| t == want),
                "{want} missing in {texts:?}"
            );
        }
        let rects = doc.descendants().filter(|n| n.has_tag_name("rect")).count();
        assert_eq!(rects, 1 + b.len(), "background plus one bar each");
    }
}
