//! Command-line arguments.

use std::path::PathBuf;

use clap::{Parser, Subcommand, ValueEnum};

/// De-identify medical images (DICOM, NIfTI) so they can be shared for research.
#[derive(Debug, Parser)]
#[command(name = "medanon", version, about, propagate_version = true)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Create a key file (mode 0600) with new Fernet, AES-256-GCM and pseudonym keys.
    Keygen {
        /// Where to write the key file.
        #[arg(long, value_name = "FILE")]
        out: PathBuf,
        /// Replace an existing key file (what it encrypted can then no longer be decrypted).
        #[arg(long)]
        force: bool,
    },
    /// Encrypt TEXT and print the token.
    Encrypt {
        /// Key file, or a file holding a bare Fernet key.
        #[arg(long, value_name = "FILE")]
        key: PathBuf,
        /// Token scheme.
        #[arg(long, value_enum, default_value_t = SchemeArg::Fernet)]
        scheme: SchemeArg,
        /// Associated data the token is bound to (aes-gcm only).
        #[arg(long, value_name = "TEXT")]
        aad: Option<String>,
        /// The text to encrypt; `-` reads standard input (keeps it out of the process list).
        text: String,
    },
    /// Decrypt TOKEN (fernet or aes-gcm, told apart automatically) and print the text.
    Decrypt {
        /// Key file, or a file holding a bare Fernet key.
        #[arg(long, value_name = "FILE")]
        key: PathBuf,
        /// Reject fernet tokens older than this many seconds.
        #[arg(long, value_name = "SECONDS")]
        ttl: Option<u64>,
        /// Associated data the token was bound to (aes-gcm only).
        #[arg(long, value_name = "TEXT")]
        aad: Option<String>,
        /// The token; `-` reads standard input.
        token: String,
    },
}

/// `--scheme` values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum SchemeArg {
    /// Fernet, readable by Python's `cryptography`.
    Fernet,
    /// AES-256-GCM with associated data.
    AesGcm,
}

impl From<SchemeArg> for medanon::crypto::Scheme {
    fn from(arg: SchemeArg) -> Self {
        match arg {
            SchemeArg::Fernet => medanon::crypto::Scheme::Fernet,
            SchemeArg::AesGcm => medanon::crypto::Scheme::AesGcm,
        }
    }
}
