//! Everything that talks to a Docker engine: the one client constructor ([`engine`]), build
//! contexts ([`context`]), image references ([`reference`]), base images and their stand-ins
//! ([`bases`]), builds ([`build`]), the containers the harness owns ([`container`]: labels,
//! guard, sweep), containers attached on stdin ([`attach`]), files in and out of containers
//! ([`files`]) and runs ([`run`]); time limits ([`limits`]), a local registry and pull timing
//! ([`registry`]), intruder-tool probes ([`probe`]), peak memory of a kept-alive run
//! ([`memory`]), `docker save` ([`save`]), loopback shaping ([`shape`]), cross-process build
//! locks ([`lock`]), free disk ([`disk`]), `just clean` ([`clean`]) and the cleanup on
//! cancellation, signals and parent death ([`cleanup`]).

pub(crate) mod attach;
pub(crate) mod bases;
pub mod build;
pub mod clean;
pub mod cleanup;
pub(crate) mod container;
pub mod context;
pub mod disk;
pub mod engine;
pub(crate) mod files;
pub mod limits;
pub(crate) mod lock;
pub(crate) mod memory;
pub mod probe;
pub(crate) mod reference;
pub mod registry;
pub mod run;
pub mod save;
pub mod shape;
