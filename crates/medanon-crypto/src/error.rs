//! The crate's error type.
//!
//! Messages name the step that failed and the file or scheme involved, never a
//! key, a plaintext or a token: all of those can be secret or identifying.

use std::fmt;
use std::io;
use std::path::PathBuf;

use crate::Scheme;

/// A `Result` with this crate's [`Error`] as the default error type.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Everything that can go wrong in `medanon-crypto`.
///
/// Variants carry the scheme, path or line number involved but never secret
/// material or decrypted data, so an error can be logged or shown safely.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// Key text or bytes do not form a valid key.
    #[error("invalid {kind} key: {reason}")]
    InvalidKey {
        /// Which key was being read.
        kind: KeyKind,
        /// What is wrong with it.
        reason: &'static str,
    },

    /// A token is not well formed (bad encoding, wrong length, unknown version).
    #[error("malformed {scheme} token: {reason}")]
    MalformedToken {
        /// The token scheme.
        scheme: Scheme,
        /// What is wrong with it.
        reason: &'static str,
    },

    /// The text is neither a Fernet token nor a medanon AES-GCM token.
    #[error("not a fernet or medanon aes-gcm token")]
    UnrecognizedToken,

    /// A well-formed token failed authentication: the key or the associated
    /// data is not the one it was made with, or the token was altered.
    #[error(
        "{scheme} token failed authentication: wrong key, wrong associated data, or the token was altered"
    )]
    Authentication {
        /// The token scheme.
        scheme: Scheme,
    },

    /// A Fernet token is older than the time-to-live the caller allowed.
    #[error("fernet token has expired: it is older than the allowed {ttl_secs} s")]
    Expired {
        /// The time-to-live that was checked, in seconds.
        ttl_secs: u64,
    },

    /// A Fernet token's timestamp lies further in the future than clock skew explains.
    #[error("fernet token timestamp lies in the future (more than 60 s ahead of this clock)")]
    FutureTimestamp,

    /// Associated data was given for a scheme that has none (Fernet).
    #[error("fernet tokens carry no associated data; use the aes-gcm scheme for that")]
    AssociatedDataUnsupported,

    /// Decrypted data was asked for as text but is not UTF-8.
    #[error("decrypted data is not valid UTF-8 text")]
    NotUtf8,

    /// The random number source failed.
    #[error("the random number generator failed")]
    Random,

    /// A pseudonym format template is invalid.
    #[error("invalid pseudonym format: {reason}")]
    InvalidFormat {
        /// What is wrong with it.
        reason: String,
    },

    /// A UID root is not a valid DICOM UID prefix.
    #[error("invalid UID root: {reason}")]
    InvalidUidRoot {
        /// What is wrong with it.
        reason: &'static str,
    },

    /// A date-shift range is empty or would allow a zero shift only.
    #[error("invalid date shift range {min_days}..={max_days} days: {reason}")]
    InvalidDateShiftRange {
        /// Smallest shift asked for.
        min_days: i32,
        /// Largest shift asked for.
        max_days: i32,
        /// What is wrong with it.
        reason: &'static str,
    },

    /// The key file does not exist.
    #[error("key file {} not found (create one with `medanon keygen --out FILE`)", path.display())]
    KeyFileNotFound {
        /// The path that was tried.
        path: PathBuf,
    },

    /// The key file exists but could not be read.
    #[error("cannot read key file {}: {source}", path.display())]
    ReadKeyFile {
        /// The key file.
        path: PathBuf,
        /// The I/O error.
        source: io::Error,
    },

    /// The key file's content is not a key file or a Fernet key.
    #[error("key file {}{}: {reason}", path.display(), LineSuffix(*line))]
    KeyFileFormat {
        /// The key file (empty when parsed from text).
        path: PathBuf,
        /// The 1-based line, when the problem is on one line.
        line: Option<usize>,
        /// What is wrong (never the value itself).
        reason: String,
    },

    /// A key file exists where a new one was to be written.
    #[error(
        "key file {} already exists; refusing to replace a key (what was encrypted with it could no longer be decrypted)",
        path.display()
    )]
    KeyFileExists {
        /// The existing file.
        path: PathBuf,
    },

    /// Writing a key file failed; no partial key file is left behind.
    #[error("cannot write key file {}: {source}", path.display())]
    WriteKeyFile {
        /// The key file.
        path: PathBuf,
        /// The I/O error.
        source: io::Error,
    },
}

/// The kinds of key a [`KeySet`](crate::KeySet) holds, named in errors.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum KeyKind {
    /// The Fernet key.
    Fernet,
    /// The AES-256-GCM key.
    AesGcm,
    /// The HMAC-SHA256 pseudonym key.
    Pseudonym,
}

impl fmt::Display for KeyKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            KeyKind::Fernet => "fernet",
            KeyKind::AesGcm => "aes-gcm",
            KeyKind::Pseudonym => "pseudonym",
        })
    }
}

/// Formats `, line N` when a line number is known.
struct LineSuffix(Option<usize>);

impl fmt::Display for LineSuffix {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            Some(line) => write!(f, ", line {line}"),
            None => Ok(()),
        }
    }
}
