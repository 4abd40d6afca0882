//! The TOML files that drive everything: the variant catalogue (`docker/variants.toml`) and,
//! with the lab, the exercises (`docker/lab/exercises.toml`).

pub mod catalogue;
