//! What an image is: facts from the engine and from its saved layers.

pub mod archive;
pub mod elf;
pub mod inspect;
pub(crate) mod layers;
pub mod sbom;
pub mod surface;
