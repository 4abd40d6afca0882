//! Everything that talks to a Docker engine: the one client constructor ([`engine`]), build
//! contexts ([`context`]), image references ([`reference`]), base images and their stand-ins ([`bases`]), builds ([`build`]) and
//! containers and runs ([`run`]).

pub mod bases;
pub mod build;
pub mod context;
pub mod engine;
pub mod memory;
pub mod probe;
pub mod reference;
pub mod registry;
pub mod run;
pub mod save;
pub mod shape;
