//! The crate's error type.
//!
//! Errors name the file, the frame and the step that failed, never a pixel
//! value or an attribute's value.

use std::path::PathBuf;

/// A `Result` with this crate's [`Error`] as the default error type.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Everything that can go wrong with pixel data.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The object has no Pixel Data (or Float/Double Float Pixel Data).
    #[error("no pixel data")]
    NoPixelData,

    /// The pixel data is compressed with a transfer syntax no decoder here handles.
    #[error("unsupported transfer syntax {uid} ({name})")]
    UnsupportedTransferSyntax {
        /// The transfer syntax UID.
        uid: String,
        /// Its name, or "unknown".
        name: String,
    },

    /// Pixel data of a kind no decoder here handles (float samples, 64-bit
    /// or 4-sample pixels, a frame above the size cap).
    #[error("unsupported pixel data: {0}")]
    UnsupportedPixelData(String),

    /// An Image Pixel module attribute is missing or out of range.
    #[error("invalid pixel description: {0}")]
    InvalidPixelInfo(String),

    /// Decoding a frame failed.
    #[error("cannot decode frame {frame}: {reason}")]
    Decode {
        /// The frame index (0-based).
        frame: usize,
        /// The decoder's message.
        reason: String,
    },

    /// A frame index beyond the number of frames.
    #[error("frame {frame} requested, the object has {frames}")]
    FrameOutOfRange {
        /// The frame requested (0-based).
        frame: usize,
        /// The number of frames.
        frames: usize,
    },

    /// An invalid option or rule.
    #[error("invalid argument: {0}")]
    InvalidArgument(String),

    /// The OCR engine could not be run (the `tesseract` program is missing
    /// or failed).
    #[error("OCR unavailable: {0}")]
    OcrUnavailable(String),

    /// Reading or writing a file failed.
    #[error("{}: {source}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },

    /// The attribute layer failed (reading or writing the object).
    #[error(transparent)]
    Tags(#[from] medanon_tags::Error),
}
