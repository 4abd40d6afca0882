//! What an image is: facts from the engine and from its saved layers.

pub(crate) mod analysis;
pub mod archive;
pub mod elf;
pub(crate) mod facts;
pub(crate) mod filesystem;
pub mod inspect;
pub(crate) mod layers;
pub mod sbom;
pub mod surface;
#[cfg(test)]
pub(crate) mod testing;
