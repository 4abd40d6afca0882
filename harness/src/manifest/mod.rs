//! The TOML files that drive everything: the variant catalogue (`docker/variants.toml`) and,
//! with the lab, the exercises (`docker/lab/exercises.toml`). Both are read and parsed here,
//! with one error type for a file that cannot be read or is not what it should be; and
//! where the workspace they live in is ([`workspace`]).

use std::path::{Path, PathBuf};

pub mod catalogue;
pub(crate) mod workspace;

/// A manifest file that cannot be read, or is not valid TOML of the expected shape.
#[derive(Debug, thiserror::Error)]
pub enum TomlError {
    /// The file could not be read.
    #[error("cannot read {path}: {source}")]
    Read {
        /// The file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// Not valid TOML, or a key is missing or of the wrong type; the parser's message names
    /// the key and shows the line.
    #[error("{path}: {message}")]
    Parse {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        message: String,
    },
}

/// The text of the manifest at `path`.
pub(crate) fn read(path: &Path) -> Result<String, TomlError> {
    std::fs::read_to_string(path).map_err(|source| TomlError::Read {
        path: path.to_path_buf(),
        source,
    })
}

/// `text` (the manifest at `path`) deserialised.
pub(crate) fn parse<T: serde::de::DeserializeOwned>(
    text: &str,
    path: &Path,
) -> Result<T, TomlError> {
    toml::from_str(text).map_err(|e| TomlError::Parse {
        path: path.to_path_buf(),
        message: e.to_string().trim_end().to_string(),
    })
}
