//! Sources of randomness, as a trait object so tests can inject fixed bytes.

use std::fmt;

use rand_core::{OsRng, RngCore};

use crate::{Error, Result};

/// A source of cryptographically secure random bytes.
///
/// medanon uses it for new keys and AES-GCM nonces. [`OsRandom`] is the one to
/// use; tests can implement the trait to get reproducible output (never do
/// that outside tests: a repeated AES-GCM nonce breaks the cipher).
pub trait SecureRandom: Send + Sync {
    /// Fills `dest` with random bytes.
    ///
    /// # Errors
    /// [`Error::Random`] when the source fails.
    fn fill(&self, dest: &mut [u8]) -> Result<()>;
}

/// The operating system's random number generator (`getrandom`).
#[derive(Debug, Clone, Copy, Default)]
pub struct OsRandom;

impl SecureRandom for OsRandom {
    fn fill(&self, dest: &mut [u8]) -> Result<()> {
        OsRng.try_fill_bytes(dest).map_err(|_| Error::Random)
    }
}

impl fmt::Debug for dyn SecureRandom {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("dyn SecureRandom")
    }
}
