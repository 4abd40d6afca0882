//! The `dependency-cache` check's reading of a rebuild: whether a cargo step came from the
//! layer cache, decided from the builder's events as soon as it is known.

use crate::docker::build::BuildEvent;
use crate::render::progress::started_step;

/// What the cache watcher concluded from the rebuild's events.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum CacheDecision {
    /// A RUN step that calls cargo was answered from the cache.
    CargoCached,
    /// The first step that ran again, before any cached cargo step.
    BrokeAt {
        /// 1-based step.
        step: usize,
        /// Steps in the Dockerfile.
        total: usize,
        /// The instruction.
        instruction: String,
    },
}

/// Follows the legacy builder's output: after each `Step n/m` line comes either
/// `---> Using cache` (the step was cached) or something else (it ran). FROM steps never say
/// "Using cache" and do not count.
#[derive(Debug, Default)]
pub(crate) struct CacheWatcher {
    pending: Option<(usize, usize, String)>,
}

impl CacheWatcher {
    /// Feeds one build event; returns the decision once it is known.
    pub(crate) fn event(&mut self, event: BuildEvent) -> Option<CacheDecision> {
        if let Some((step, total, instruction)) = started_step(&event) {
            let previous = self.pending.replace((step, total, instruction.to_string()));
            return previous.and_then(Self::ran);
        }
        match event {
            BuildEvent::Cached => {
                let (_, _, instruction) = self.pending.take()?;
                let upper = instruction.to_ascii_uppercase();
                (upper.starts_with("RUN") && instruction.contains("cargo"))
                    .then_some(CacheDecision::CargoCached)
            }
            BuildEvent::Output(_) => self.pending.take().and_then(Self::ran),
            BuildEvent::Step { .. } | BuildEvent::Preparing(_) => None,
        }
    }

    fn ran((step, total, instruction): (usize, usize, String)) -> Option<CacheDecision> {
        if instruction.to_ascii_uppercase().starts_with("FROM") {
            return None;
        }
        Some(CacheDecision::BrokeAt {
            step,
            total,
            instruction,
        })
    }
}
#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_cache_watcher_decides_early() {
        let step = |n: usize, i: &str| BuildEvent::Step {
            step: n,
            total: 9,
            instruction: i.into(),
        };
        let out = |s: &str| BuildEvent::Output(s.into());
        let mut w = CacheWatcher::default();
        assert_eq!(
            w.event(step(1, "FROM rust:1.95-slim-trixie AS build")),
            None
        );
        assert_eq!(w.event(out(" ---> 1234")), None);
        assert_eq!(w.event(step(2, "WORKDIR /src")), None);
        assert_eq!(w.event(BuildEvent::Cached), None);
        assert_eq!(w.event(step(3, "RUN cargo build --release")), None);
        assert_eq!(
            w.event(BuildEvent::Cached),
            Some(CacheDecision::CargoCached)
        );

        let mut w = CacheWatcher::default();
        w.event(step(1, "FROM rust:1.95-slim-trixie"));
        w.event(out(" ---> 1234"));
        w.event(step(2, "COPY . ."));
        assert_eq!(
            w.event(out(" ---> 5678")),
            Some(CacheDecision::BrokeAt {
                step: 2,
                total: 9,
                instruction: "COPY . .".into()
            })
        );
    }
}
