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
pub fn cells(c: &Claims) -> (Vec<String>, Vec<Vec<String>>) {
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
