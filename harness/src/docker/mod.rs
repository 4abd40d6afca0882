//! Everything that talks to a Docker engine: the one client constructor ([`engine`]), build
//! contexts ([`context`]), image references ([`reference`]), base images and their stand-ins
//! ([`bases`]), builds ([`build`]) and containers and runs ([`run`]); time limits
//! ([`limits`]), cross-process build locks ([`lock`]), free disk ([`disk`]), `just clean`
//! ([`clean`]) and the cleanup on cancellation, signals and parent death ([`cleanup`]).

pub mod bases;
pub mod build;
pub mod clean;
pub mod cleanup;
pub mod context;
pub mod disk;
pub mod engine;
pub mod limits;
pub mod lock;
pub mod reference;
pub mod run;
