//! The survey every report consumes ([`survey`]: build all, facts, answers) and the bench's
//! timings and goals ([`bench`]).

pub mod bench;
pub mod claims;
pub(crate) mod facts;
pub(crate) mod measurement;
pub mod survey;

pub use survey::*;
