//! The claims, side by side: the terminal table and verdicts of `harness claims`, the short
//! summary `just demo` shows, and the generated "Claims" page with its chart (pull time on a
//! log scale).

use std::fmt::Write as _;

use crate::measure::claims::{Claims, VariantClaims};
use crate::render::format::human_size;

fn secs(s: f64) -> String {
    if s < 0.1 {
        format!("{:.0} ms", s * 1000.0)
    } else if s < 10.0 {
        format!("{s:.2} s")
    } else {
        format!("{s:.0} s")
    }
}

fn mib(bytes: u64) -> String {
    format!("{:.1} MiB", bytes as f64 / 1_048_576.0)
}

fn shaped(v: &VariantClaims) -> String {
    let mark = if v.pull_shaped_method == "computed" {
        "*"
    } else {
        ""
    };
    format!("{}{mark}", secs(v.pull_seconds_shaped))
}

fn vulns(v: &VariantClaims) -> String {
    match &v.vulnerabilities {
        Some(counts) => counts.values().sum::<u64>().to_string(),
        None => "null".into(),
    }
}

/// The header and cells of the table, one row per variant, grouped by claim.
pub(crate) fn cells(c: &Claims) -> (Vec<String>, Vec<Vec<String>>) {
    let header = [
        "variant",
        "smaller: disk",
        "registry",
        "pull",
        &format!("pull@{}M", c.bandwidth_mbit),
        "secure: tools",
        "execs",
        "setuid",
        "pkgs",
        "vulns",
        "faster: start",
        "memory",
        "script",
    ]
    .map(String::from)
    .to_vec();
    let rows = c
        .variants
        .iter()
        .map(|v| {
            vec![
                v.name.clone(),
                human_size(v.disk_bytes),
                human_size(v.registry_bytes),
                secs(v.pull_seconds),
                shaped(v),
                format!("{}/{}", v.intruder_tools.len(), c.probed_tools.len()),
                v.executables.to_string(),
                v.setuid_files.len().to_string(),
                v.packages.to_string(),
                vulns(v),
                secs(v.start_seconds),
                mib(v.memory_peak_bytes),
                secs(v.script_seconds),
            ]
        })
        .collect();
    (header, rows)
}

/// A plain-text table (also valid inside a Markdown code block).
pub fn table(c: &Claims) -> String {
    let (header, rows) = cells(c);
    let mut widths: Vec<usize> = header.iter().map(|h| h.chars().count()).collect();
    for r in &rows {
        for (w, cell) in widths.iter_mut().zip(r) {
            *w = (*w).max(cell.chars().count());
        }
    }
    let line = |cells: &[String]| {
        let mut out = String::new();
        for (i, (cell, w)) in cells.iter().zip(&widths).enumerate() {
            if i == 0 {
                let _ = write!(out, "{cell:<w$}");
            } else {
                let _ = write!(out, "  {cell:>w$}");
            }
        }
        out.trim_end().to_string()
    };
    let mut out = line(&header);
    out.push('\n');
    for r in &rows {
        out.push_str(&line(r));
        out.push('\n');
    }
    out
}

/// The notes under the table: methods and footnotes.
pub fn notes(c: &Claims) -> Vec<String> {
    let mut notes = vec![
        format!("pulls: {}", c.pull_method),
        format!("pull@{}M: {}", c.bandwidth_mbit, c.shaping),
    ];
    if c.variants
        .iter()
        .any(|v| v.pull_shaped_method == "computed")
    {
        notes.push(format!(
            "* computed, not measured: registry bytes at {} Mbit/s plus the measured unshaped pull",
            c.bandwidth_mbit
        ));
    }
    notes.push(format!(
        "tools: of the {} probed ({}), how many really ran in a container of the image",
        c.probed_tools.len(),
        c.probed_tools.join(", ")
    ));
    if let Some(v) = c.variants.first() {
        notes.push(format!("vulns: {}", v.vulnerabilities_reason));
    }
    notes.push(format!(
        "start: docker run IMAGE 6 '*' 7, median of {} interleaved runs; memory: cgroup v1 max_usage over a {}-line script on stdin; script: the calculator's own time for it",
        c.variants.first().map_or(0, |v| v.start.runs),
        c.script_lines
    ));
    notes
}

/// The verdict lines.
pub fn verdict_lines(c: &Claims) -> Vec<String> {
    c.verdicts
        .iter()
        .map(|v| format!("{}: {}: {}", v.claim, v.verdict, v.text))
        .collect()
}

/// What `just demo` shows after its chart: one line per verdict, or how to get them.
pub fn summary(last: Option<&Claims>, current_ids: &[(String, String)]) -> String {
    match last {
        None => "Claims (smaller, more secure, faster): not measured yet; run `just claims` (a few minutes).\n".into(),
        Some(c) => {
            let mut out = format!("Claims, measured {}", c.measured_at);
            if !c.matches(current_ids) {
                out.push_str(" on images that have changed since; run `just claims` again");
            }
            out.push_str(":\n");
            for l in verdict_lines(c) {
                let _ = writeln!(out, "  {l}");
            }
            out
        }
    }
}

/// The generated page, relative to the workspace root.
pub(crate) const CLAIMS_PAGE: &str = "docs/src/claims.md";

/// Its chart.
pub(crate) const PULL_CHART: &str = "docs/src/images/pulls.svg";

fn micros_label(us: u64) -> String {
    let s = us as f64 / 1e6;
    if s >= 1.0 {
        format!("{s:.0} s")
    } else if s >= 0.001 {
        format!("{:.0} ms", s * 1000.0)
    } else {
        format!("{us} µs")
    }
}

/// Pull times on a log axis: for each variant one bar unshaped and one at the classroom
/// bandwidth (hatched when computed). Plain SVG 1.1, like the size chart.
pub(crate) fn pull_chart_svg(c: &Claims) -> String {
    use crate::render::chart::{Frame, LEFT, LogScale, WIDTH, xml_escape};
    const RIGHT: f64 = 110.0;
    const TOP: f64 = 48.0;
    const ROW: f64 = 44.0;
    const BAR: f64 = 16.0;
    let us = |s: f64| (s * 1e6).max(1.0) as u64;
    let values: Vec<u64> = c
        .variants
        .iter()
        .flat_map(|v| [us(v.pull_seconds), us(v.pull_seconds_shaped)])
        .collect();
    let scale = LogScale::fit(&values);
    let frame = Frame::new(WIDTH, LEFT, RIGHT, TOP, ROW * c.variants.len() as f64, 56.0);
    let (plot, axis_y) = (frame.plot, frame.axis_y);
    let title = xml_escape(&format!(
        "Pull time of each variant, unshaped and at {} Mbit/s (log scale)",
        c.bandwidth_mbit
    ));
    let mut svg = frame.begin(&title, &scale, &micros_label);
    for (i, v) in c.variants.iter().enumerate() {
        let y = TOP + ROW * i as f64;
        let _ = writeln!(
            svg,
            r##"  <text x="{:.1}" y="{:.1}" text-anchor="end" fill="#222222">{}</text>"##,
            LEFT - 8.0,
            y + BAR + 4.0,
            xml_escape(&v.name)
        );
        let bars = [
            (v.pull_seconds, "#4878a8", "", 0.0),
            (
                v.pull_seconds_shaped,
                "#e0a040",
                if v.pull_shaped_method == "computed" {
                    " (computed)"
                } else {
                    ""
                },
                BAR + 2.0,
            ),
        ];
        for (seconds, colour, note, dy) in bars {
            let w = (scale.fraction(us(seconds)) * plot).max(1.0);
            let opacity = if note.is_empty() { "1" } else { "0.45" };
            let _ = writeln!(
                svg,
                r#"  <rect x="{LEFT}" y="{:.1}" width="{w:.1}" height="{BAR}" fill="{colour}" fill-opacity="{opacity}"/>"#,
                y + dy
            );
            let _ = writeln!(
                svg,
                r##"  <text x="{:.1}" y="{:.1}" fill="#222222">{}{}</text>"##,
                LEFT + w + 6.0,
                y + dy + BAR - 3.0,
                secs(seconds),
                note
            );
        }
    }
    let _ = writeln!(
        svg,
        r##"  <text x="{LEFT}" y="{:.1}" fill="#555555">blue: unshaped; orange: at {} Mbit/s (pale: computed from bytes)</text>"##,
        axis_y + 42.0,
        c.bandwidth_mbit
    );
    svg.push_str("</svg>\n");
    svg
}

/// The generated section of the claims page.
pub(crate) fn markdown(c: Option<&Claims>) -> String {
    let Some(c) = c else {
        return "No claims have been measured on this machine yet: run `just claims` (a few minutes), then `just report`.\n".into();
    };
    let mut out = String::new();
    let _ = writeln!(out, "Measured {} on {}.\n", c.measured_at, c.engine);
    out.push_str("![Pull times](images/pulls.svg)\n\n");
    let (header, rows) = cells(c);
    let _ = writeln!(out, "| {} |", header.join(" | "));
    let _ = writeln!(
        out,
        "|{}",
        header
            .iter()
            .enumerate()
            .map(|(i, _)| if i == 0 { " --- |" } else { " ---: |" })
            .collect::<String>()
    );
    for r in rows {
        let _ = writeln!(out, "| {} |", r.join(" | "));
    }
    out.push('\n');
    for n in notes(c) {
        let _ = writeln!(out, "- {}", n.replace('*', "\\*"));
    }
    out.push_str("\n**Verdicts**, computed from the numbers above:\n\n");
    for v in &c.verdicts {
        let _ = writeln!(out, "- **{}: {}.** {}", v.claim, v.verdict, v.text);
    }
    out.push_str("\nSetuid and setgid files, and world-writable directories, per variant:\n\n");
    for v in &c.variants {
        let list = |l: &[String]| {
            if l.is_empty() {
                "none".to_string()
            } else {
                l.iter()
                    .map(|p| format!("`{p}`"))
                    .collect::<Vec<_>>()
                    .join(", ")
            }
        };
        let _ = writeln!(
            out,
            "- {}: setuid {}; setgid {}; world-writable {}; tools that ran: {}; SBOM `{}`",
            v.name,
            list(&v.setuid_files),
            list(&v.setgid_files),
            list(&v.world_writable_dirs),
            list(&v.intruder_tools),
            v.sbom
        );
    }
    out
}

/// Writes the claims page's generated section (from the last results, or a line saying how
/// to get them) and, when there are results, the pull chart.
pub fn write_page(
    root: &std::path::Path,
    last: Option<&Claims>,
) -> Result<Vec<std::path::PathBuf>, crate::render::report::ReportError> {
    use crate::render::report::{ReportError, replace_generated};
    let io = |path: &std::path::Path| {
        let path = path.display().to_string();
        move |error| ReportError::Io { path, error }
    };
    let page_path = root.join(CLAIMS_PAGE);
    let page = std::fs::read_to_string(&page_path).map_err(io(&page_path))?;
    let updated = replace_generated(&page, &markdown(last), CLAIMS_PAGE)?;
    let mut written = Vec::new();
    if let Some(c) = last {
        let chart = root.join(PULL_CHART);
        std::fs::write(&chart, pull_chart_svg(c)).map_err(io(&chart))?;
        written.push(chart);
    }
    std::fs::write(&page_path, updated).map_err(io(&page_path))?;
    written.insert(0, page_path);
    Ok(written)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::measure::claims::tests::sample;

    #[test]
    fn table_page_and_chart_show_every_variant_and_verdict() {
        let c = sample();
        let t = table(&c);
        assert_eq!(t.lines().count(), 3);
        assert!(t.lines().nth(2).unwrap().starts_with("scratch"));
        assert!(t.contains("0/1"), "{t}");
        let page = markdown(Some(&c));
        assert!(page.contains("| naive |") && page.contains("images/pulls.svg"));
        assert!(page.contains("**smaller: holds.**"), "{page}");
        assert!(page.contains("computed, not measured"), "{page}");
        assert!(markdown(None).contains("just claims"));
        let svg = pull_chart_svg(&c);
        assert!(svg.starts_with("<svg") && svg.trim_end().ends_with("</svg>"));
        assert_eq!(svg.matches("<rect").count(), 1 + 2 * c.variants.len());
        assert!(svg.contains("(computed)"));
    }

    #[test]
    fn the_demo_summary_says_what_to_run() {
        assert!(summary(None, &[]).contains("run `just claims`"));
        let c = sample();
        let stale = summary(Some(&c), &[("naive".into(), "sha256:x".into())]);
        assert!(stale.contains("changed since"), "{stale}");
    }
}
