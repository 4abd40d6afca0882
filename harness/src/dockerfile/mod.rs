//! Dockerfiles as text: the reader ([`parse`]: instructions, stages, base images) and the
//! harness's own rules ([`lint`]).

pub mod lint;
mod parse;

pub use parse::*;
