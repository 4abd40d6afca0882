//! Time limits for builds and container runs: no Dockerfile and no image can make the harness
//! wait forever. The defaults fit a cold build of the naive image on a 2-core CI machine (about
//! a minute here, crates fetched included) with a wide margin; two variables change them.

use std::time::Duration;

/// Seconds a build may take before it is cancelled (its step container stopped and removed).
pub(crate) const BUILD_TIMEOUT_VAR: &str = "CALC_KIT_BUILD_TIMEOUT";

/// Seconds a container run may take before it is declared hung and removed.
pub(crate) const RUN_TIMEOUT_VAR: &str = "CALC_KIT_RUN_TIMEOUT";

/// The build limit when [`BUILD_TIMEOUT_VAR`] is not set: 15 minutes, about fifteen times a
/// cold naive build measured here, so a slow runner or a slow crates mirror still fits.
pub(crate) const DEFAULT_BUILD_TIMEOUT: Duration = Duration::from_secs(15 * 60);

/// The run limit when [`RUN_TIMEOUT_VAR`] is not set: a calculator answers in well under a
/// second; 30 s leaves room for a loaded machine (the seed's calculator looped forever on end
/// of input; ours must not).
pub(crate) const DEFAULT_RUN_TIMEOUT: Duration = Duration::from_secs(30);

/// A limit variable that does not hold a positive number of seconds.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{var}={value:?} is not a time limit: give a positive number of seconds, e.g. {var}=600")]
pub struct LimitError {
    /// The variable.
    pub(crate) var: &'static str,
    /// What it held.
    pub(crate) value: String,
}

/// Parses a limit in seconds (a positive integer or decimal number).
pub fn parse_seconds(var: &'static str, value: &str) -> Result<Duration, LimitError> {
    let error = || LimitError {
        var,
        value: value.to_string(),
    };
    let seconds: f64 = value.trim().parse().map_err(|_| error())?;
    if !seconds.is_finite() || seconds <= 0.0 || seconds > 7.0 * 24.0 * 3600.0 {
        return Err(error());
    }
    Ok(Duration::from_secs_f64(seconds))
}

fn from_env(var: &'static str, default: Duration) -> Result<Duration, LimitError> {
    match std::env::var(var) {
        Ok(value) if !value.trim().is_empty() => parse_seconds(var, &value),
        _ => Ok(default),
    }
}

/// The build time limit: [`BUILD_TIMEOUT_VAR`], else [`DEFAULT_BUILD_TIMEOUT`].
pub(crate) fn build_timeout() -> Result<Duration, LimitError> {
    from_env(BUILD_TIMEOUT_VAR, DEFAULT_BUILD_TIMEOUT)
}

/// The run time limit: [`RUN_TIMEOUT_VAR`], else [`DEFAULT_RUN_TIMEOUT`].
pub(crate) fn run_timeout() -> Result<Duration, LimitError> {
    from_env(RUN_TIMEOUT_VAR, DEFAULT_RUN_TIMEOUT)
}

/// A limit as a verdict says it: `5 s`, `900 s`, `2.5 s`.
pub fn seconds(limit: Duration) -> String {
    let s = limit.as_secs_f64();
    if s.fract() == 0.0 {
        format!("{s:.0} s")
    } else {
        format!("{s:.1} s")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn limits_parse_and_bad_values_say_what_to_write() {
        assert_eq!(
            parse_seconds(BUILD_TIMEOUT_VAR, "600"),
            Ok(Duration::from_secs(600))
        );
        assert_eq!(
            parse_seconds(RUN_TIMEOUT_VAR, " 2.5 "),
            Ok(Duration::from_millis(2500))
        );
        for bad in ["0", "-3", "ten", "inf", "NaN", "1e12"] {
            let e = parse_seconds(BUILD_TIMEOUT_VAR, bad).unwrap_err();
            assert!(
                e.to_string().contains("CALC_KIT_BUILD_TIMEOUT=600"),
                "{bad}: {e}"
            );
        }
        assert_eq!(seconds(Duration::from_secs(5)), "5 s");
        assert_eq!(seconds(Duration::from_millis(2500)), "2.5 s");
    }
}
