//! Formatting, no decisions: numbers and sizes ([`format`]), bar charts ([`chart`]), the
//! demo's terminal view ([`demo`]) and the generated results page ([`report`]).

pub mod chart;
pub mod claims;
pub mod demo;
pub mod format;
pub mod progress;
pub mod report;
