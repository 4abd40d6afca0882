//! What the demo's terminal view and the results page both draw of one survey: the bars of
//! the size chart, the stand-in base images by name, and how many builds the layer cache
//! answered. One function each, so that the two views cannot disagree; the sentences around
//! them are each view's own.

use crate::measure::Measurement;
use crate::render::chart::Bar;

/// The bars of the size chart, one per variant.
pub(crate) fn size_bars(m: &Measurement) -> Vec<Bar> {
    m.rows
        .iter()
        .map(|r| Bar {
            label: r.name.clone(),
            value: r.facts.size,
        })
        .collect()
}

/// Each stand-in base image of `stand_ins` (`(base, upstream)` pairs), named with the upstream
/// image it stands for when the two names differ: `base (for upstream)`. With `code`, every
/// name is in backticks, for Markdown.
pub(crate) fn stand_in_names(stand_ins: &[(String, String)], code: bool) -> Vec<String> {
    let name = |n: &str| {
        if code {
            format!("`{n}`")
        } else {
            n.to_string()
        }
    };
    stand_ins
        .iter()
        .map(|(base, upstream)| {
            if base == upstream {
                name(base)
            } else {
                format!("{} (for {})", name(base), name(upstream))
            }
        })
        .collect()
}

/// Of the builds this run made, how many came entirely from the layer cache, and how many
/// there were: `(cached, built)`; `None` when nothing was built.
pub(crate) fn cached_builds(m: &Measurement) -> Option<(usize, usize)> {
    let built: Vec<_> = m.rows.iter().filter_map(|r| r.build).collect();
    let cached = built.iter().filter(|b| b.fully_cached()).count();
    (!built.is_empty()).then_some((cached, built.len()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::measure::survey::tests::sample;

    #[test]
    fn stand_ins_are_named_once_or_with_their_upstream() {
        let stand_ins = [
            (
                "debian:trixie-slim".to_string(),
                "debian:trixie-slim".to_string(),
            ),
            (
                "calc-kit/distroless-cc:trixie".to_string(),
                "gcr.io/distroless/cc-debian13".to_string(),
            ),
        ];
        assert_eq!(
            stand_in_names(&stand_ins, false),
            [
                "debian:trixie-slim",
                "calc-kit/distroless-cc:trixie (for gcr.io/distroless/cc-debian13)"
            ]
        );
        assert_eq!(
            stand_in_names(&stand_ins, true),
            [
                "`debian:trixie-slim`",
                "`calc-kit/distroless-cc:trixie` (for `gcr.io/distroless/cc-debian13`)"
            ]
        );
    }

    #[test]
    fn cached_builds_count_only_what_was_built() {
        // The sample's five builds ran nothing: every step but the FROMs came from the cache.
        let mut m = sample();
        assert_eq!(cached_builds(&m), Some((5, 5)));
        if let Some(b) = m.rows[0].build.as_mut() {
            b.cached_steps -= 1;
        }
        assert_eq!(cached_builds(&m), Some((4, 5)));
        m.rows[1].build = None;
        assert_eq!(cached_builds(&m), Some((3, 4)));
        for row in &mut m.rows {
            row.build = None;
        }
        assert_eq!(cached_builds(&m), None);
        assert_eq!(size_bars(&m).len(), m.rows.len());
    }
}
