//! The verdict on each claim, computed from the measured rows, so a claim that does not hold
//! says so.

use super::{EQUAL_WITHIN, VariantClaims, Verdict};

fn times(a: f64, b: f64) -> String {
    if b <= 0.0 {
        return "n/a".into();
    }
    let r = a / b;
    if r >= 10.0 {
        format!("{r:.0}")
    } else {
        format!("{r:.1}")
    }
}

/// The spread of the medians of `values`: (max - min) / min.
pub(crate) fn relative_spread(values: &[f64]) -> f64 {
    let min = values.iter().copied().fold(f64::INFINITY, f64::min);
    let max = values.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    if min > 0.0 { (max - min) / min } else { 0.0 }
}

/// The verdict per claim, computed from the rows: the largest against the smallest image
/// for size and pulls, the full range for the run figures.
pub fn verdicts(rows: &[VariantClaims], probed: usize) -> Vec<Verdict> {
    let mut out = Vec::new();
    // A claim compares images: with one there is nothing to say.
    if rows.len() < 2 {
        return out;
    }
    let (Some(big), Some(small)) = (
        rows.iter().max_by_key(|r| r.registry_bytes),
        rows.iter().min_by_key(|r| r.registry_bytes),
    ) else {
        return out;
    };
    let v = |claim: &str, holds: bool, text: String| Verdict {
        claim: claim.into(),
        verdict: if holds { "holds" } else { "does not hold" }.into(),
        text,
    };
    out.push(v(
        "smaller",
        big.registry_bytes > small.registry_bytes,
        format!(
            "{} stores {}x fewer bytes in the registry than {} ({} vs {} bytes)",
            small.name,
            times(big.registry_bytes as f64, small.registry_bytes as f64),
            big.name,
            small.registry_bytes,
            big.registry_bytes
        ),
    ));
    out.push(v(
        "pulls faster",
        small.pull_seconds < big.pull_seconds,
        format!(
            "{} pulls {}x faster than {} ({:.3} s vs {:.2} s unshaped; {:.2} s vs {:.1} s at the classroom bandwidth)",
            small.name,
            times(big.pull_seconds, small.pull_seconds),
            big.name,
            small.pull_seconds,
            big.pull_seconds,
            small.pull_seconds_shaped,
            big.pull_seconds_shaped
        ),
    ));
    let most = rows
        .iter()
        .max_by_key(|r| (r.intruder_tools.len(), r.executables));
    let least = rows
        .iter()
        .min_by_key(|r| (r.intruder_tools.len(), r.executables));
    if let (Some(most), Some(least)) = (most, least) {
        out.push(v(
            "more secure",
            (least.intruder_tools.len(), least.executables)
                < (most.intruder_tools.len(), most.executables),
            format!(
                "{} runs {} of the {probed} intruder tools and has {} executables and {} setuid files; {} runs {} and has {} executables and {} setuid files",
                least.name,
                least.intruder_tools.len(),
                least.executables,
                least.setuid_files.len(),
                most.name,
                most.intruder_tools.len(),
                most.executables,
                most.setuid_files.len()
            ),
        ));
    }
    let spread_verdict = |claim: &str,
                          what: &str,
                          values: Vec<f64>,
                          unit: &dyn Fn(f64) -> String| {
        let spread = relative_spread(&values);
        let (lo, hi) = (
            values.iter().copied().fold(f64::INFINITY, f64::min),
            values.iter().copied().fold(f64::NEG_INFINITY, f64::max),
        );
        if spread <= EQUAL_WITHIN {
            Verdict {
                claim: claim.into(),
                verdict: "does not hold".into(),
                text: format!(
                    "{what} are within {:.0}% of each other ({} to {}): the image's size does not change it",
                    spread * 100.0,
                    unit(lo),
                    unit(hi)
                ),
            }
        } else {
            let fastest = rows
                .iter()
                .zip(&values)
                .min_by(|a, b| a.1.total_cmp(b.1))
                .map(|(r, _)| r.name.as_str())
                .unwrap_or_default();
            Verdict {
                claim: claim.into(),
                verdict: "depends".into(),
                text: format!(
                    "{what} range from {} to {} ({:.0}% apart), lowest for {fastest}",
                    unit(lo),
                    unit(hi),
                    spread * 100.0
                ),
            }
        }
    };
    let secs = |s: f64| format!("{s:.3} s");
    let mib = |b: f64| format!("{:.1} MiB", b / 1_048_576.0);
    out.push(spread_verdict(
        "starts faster",
        "start-to-answer medians",
        rows.iter().map(|r| r.start_seconds).collect(),
        &secs,
    ));
    out.push(spread_verdict(
        "less memory",
        "peak memory figures",
        rows.iter().map(|r| r.memory_peak_bytes as f64).collect(),
        &mib,
    ));
    out.push(spread_verdict(
        "computes faster",
        "script times",
        rows.iter().map(|r| r.script_seconds).collect(),
        &secs,
    ));
    out
}
