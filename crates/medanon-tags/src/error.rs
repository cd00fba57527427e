//! The crate's error type.
//!
//! Errors name the file, the attribute tag and the step that failed, never
//! an attribute's value: values are patient data.

use std::path::PathBuf;

/// A `Result` with this crate's [`Error`] as the default error type.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Everything that can go wrong while de-identifying.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The input could not be read.
    #[error("cannot read {}: {source}", path.display())]
    ReadInput {
        /// The input file.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },

    /// The input is not a DICOM file (no preamble, no meta, no plausible data set).
    #[error("{} is not a DICOM file", path.display())]
    NotDicom {
        /// The input file.
        path: PathBuf,
    },

    /// The input looks like DICOM but cannot be parsed (truncated, corrupt).
    #[error("cannot parse {}: {reason}", path.display())]
    Parse {
        /// The input file.
        path: PathBuf,
        /// The parser's message (tags and lengths, never values).
        reason: String,
    },

    /// The input exceeds a configured limit and was not parsed.
    #[error("{} exceeds a limit: {reason}", path.display())]
    LimitExceeded {
        /// The input file.
        path: PathBuf,
        /// Which limit.
        reason: String,
    },

    /// The data set cannot be de-identified as it is.
    #[error("cannot de-identify {}: {reason}", path.display())]
    Unsupported {
        /// The input file (empty for objects given in memory).
        path: PathBuf,
        /// What is wrong.
        reason: String,
    },

    /// The output could not be written; no partial file was left.
    #[error("cannot write {}: {reason}", path.display())]
    Write {
        /// The output file.
        path: PathBuf,
        /// What went wrong.
        reason: String,
    },

    /// The output file exists and overwriting was not allowed.
    #[error("{} already exists (allow overwriting to replace it)", path.display())]
    OutputExists {
        /// The output file.
        path: PathBuf,
    },

    /// The output path is the input file.
    #[error("refusing to write {} over its own input", path.display())]
    OutputIsInput {
        /// The path.
        path: PathBuf,
    },

    /// Encryption or decryption of the original attributes failed.
    #[error("{0}")]
    Crypto(#[from] medanon_crypto::Error),

    /// Re-identification is not possible for this object.
    #[error("cannot re-identify {}: {reason}", path.display())]
    Reidentify {
        /// The input file (empty for objects given in memory).
        path: PathBuf,
        /// What is wrong.
        reason: String,
    },

    /// A bug in medanon or a library: processing this file panicked. The
    /// file was skipped; other files are not affected.
    #[error("internal error while processing {} (please report it); the file was skipped", path.display())]
    Internal {
        /// The input file.
        path: PathBuf,
    },
}

impl Error {
    /// The same error naming `new` as its file, when it names none yet
    /// (errors of objects parsed from memory have an empty path).
    pub fn with_path(mut self, new: &std::path::Path) -> Self {
        let slot = match &mut self {
            Error::ReadInput { path, .. }
            | Error::NotDicom { path }
            | Error::Parse { path, .. }
            | Error::LimitExceeded { path, .. }
            | Error::Unsupported { path, .. }
            | Error::Reidentify { path, .. }
            | Error::Internal { path } => Some(path),
            _ => None,
        };
        if let Some(path) = slot.filter(|p| p.as_os_str().is_empty()) {
            *path = new.to_owned();
        }
        self
    }
}
