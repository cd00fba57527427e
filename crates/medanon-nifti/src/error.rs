//! The crate's error type. Messages name the file and the step, never a
//! header text field or a sidecar value (they may identify the subject).

use std::path::PathBuf;

/// A `Result` with this crate's [`Error`] as the default error type.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Everything that can go wrong in `medanon-nifti`.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A file could not be read.
    #[error("cannot read {}: {source}", path.display())]
    Read {
        /// The file.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// The file is not a NIfTI-1 or NIfTI-2 image.
    #[error("{} is not a NIfTI image: {reason}", path.display())]
    NotNifti {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        reason: String,
    },
    /// The header is NIfTI but describes something this crate cannot hold.
    #[error("{}: unsupported image: {reason}", path.display())]
    Unsupported {
        /// The file.
        path: PathBuf,
        /// What is not supported.
        reason: String,
    },
    /// The image data is shorter than the header says, or corrupt.
    #[error("{}: corrupt image data: {reason}", path.display())]
    Corrupt {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        reason: String,
    },
    /// A DICOM series could not be assembled into a volume (or written back).
    #[error("DICOM series: {reason}")]
    Series {
        /// What is wrong (mixed series, gaps, a single slice, ...).
        reason: String,
    },
    /// An argument is out of range (slice index, window, size).
    #[error("invalid argument: {0}")]
    InvalidArgument(String),
    /// The output could not be written; no partial file was left.
    #[error("cannot write {}: {reason}", path.display())]
    Write {
        /// The output.
        path: PathBuf,
        /// What went wrong.
        reason: String,
    },
}
