//! Formatting, no decisions and no printing: numbers and sizes ([`format`]), bar charts
//! ([`chart`]), what the demo and the results page both draw of a survey ([`survey`]), the
//! demo's terminal view ([`demo`]) and its live progress ([`progress`]), the generated
//! results page ([`report`]), the bench's page ([`bench`]), the claims' table and page
//! ([`claims`]), the lab's grading progress ([`grading`]) and its watch mode ([`watch`]).

pub(crate) mod bench;
pub mod chart;
pub mod claims;
pub mod demo;
pub mod format;
pub mod grading;
pub mod progress;
pub mod report;
pub(crate) mod survey;
pub mod watch;
