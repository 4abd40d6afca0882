//! Formatting, no decisions: numbers and sizes ([`format`]), bar charts ([`chart`]), the
//! demo's terminal view ([`demo`]), the lab's grading progress ([`grading`]) and the
//! generated results page ([`report`]), and the lab's watch mode ([`watch`]).

pub mod chart;
pub mod claims;
pub mod demo;
pub mod format;
pub mod grading;
pub mod progress;
pub mod report;
pub mod watch;
