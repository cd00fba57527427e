//! The encryption schemes a [`KeySet`](crate::KeySet) offers.

use std::fmt;
use std::str::FromStr;

/// An encryption scheme for tokens.
///
/// Both produce url-safe base64 text; [`KeySet::decrypt`](crate::KeySet::decrypt)
/// tells them apart by their first bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
#[non_exhaustive]
pub enum Scheme {
    /// Fernet (AES-128-CBC with HMAC-SHA256), readable by Python's `cryptography`.
    #[default]
    Fernet,
    /// medanon's AES-256-GCM token, with optional associated data.
    AesGcm,
}

impl Scheme {
    /// The name used on the command line and in messages: `fernet` or `aes-gcm`.
    pub fn name(self) -> &'static str {
        match self {
            Scheme::Fernet => "fernet",
            Scheme::AesGcm => "aes-gcm",
        }
    }
}

impl fmt::Display for Scheme {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// The error returned when parsing an unknown scheme name.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown encryption scheme (expected `fernet` or `aes-gcm`)")]
pub struct UnknownScheme;

impl FromStr for Scheme {
    type Err = UnknownScheme;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.to_ascii_lowercase().as_str() {
            "fernet" => Ok(Scheme::Fernet),
            "aes-gcm" | "aes-256-gcm" | "aesgcm" => Ok(Scheme::AesGcm),
            _ => Err(UnknownScheme),
        }
    }
}
