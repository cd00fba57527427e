//! Fernet tokens, interoperable with Python's `cryptography.fernet`.
//!
//! The cipher itself is the `fernet` crate (pure Rust, no OpenSSL). This module
//! adds what the crate lacks: strict key parsing, typed errors that tell a
//! malformed token from a wrong key or an expired one, and no panics on hostile
//! timestamps.

use std::fmt;
use std::time::{SystemTime, UNIX_EPOCH};

use base64::Engine;
use base64::engine::general_purpose::{URL_SAFE, URL_SAFE_NO_PAD};
use zeroize::Zeroizing;

use crate::secret::SecretBytes;
use crate::{Error, KeyKind, Result, Scheme, SecureRandom};

/// Length of the standard Fernet key text: 32 bytes in url-safe base64 with padding.
pub const FERNET_KEY_TEXT_LEN: usize = 44;

/// The clock skew Fernet tolerates for timestamps in the future, in seconds
/// (the value of the specification and of Python's implementation).
const MAX_CLOCK_SKEW_SECS: u64 = 60;

/// Version byte of every Fernet token.
const VERSION: u8 = 0x80;
/// version (1) + timestamp (8) + IV (16).
const HEADER_LEN: usize = 1 + 8 + 16;
/// HMAC-SHA256 tag.
const TAG_LEN: usize = 32;
/// AES block; PKCS#7 padding always adds at least one byte, so the ciphertext
/// is a non-zero multiple of it.
const BLOCK_LEN: usize = 16;

/// A Fernet key: 16 bytes of HMAC-SHA256 signing key and 16 bytes of AES-128 key.
///
/// Its text form is the 44-character url-safe base64 string that Python's
/// `Fernet.generate_key()` makes. The key is wiped from memory on drop and is
/// never shown by `Debug`.
///
/// ```
/// use medanon_crypto::FernetKey;
///
/// let key = FernetKey::from_text("1RG9VEXItg37ZgIXsi5pbEu-NBatR-M7zEzjOycirPg=")?;
/// let token = key.encrypt(b"DOE^JOHN");
/// assert_eq!(key.decrypt(&token)?, b"DOE^JOHN");
/// # Ok::<(), medanon_crypto::Error>(())
/// ```
#[derive(Clone)]
pub struct FernetKey {
    bytes: SecretBytes<32>,
    /// The `fernet` crate's cipher; it zeroizes its own copy on drop.
    cipher: fernet::Fernet,
}

impl FernetKey {
    /// Makes a new random key.
    ///
    /// # Errors
    /// [`Error::Random`] if the random source fails.
    pub fn generate(rng: &dyn SecureRandom) -> Result<Self> {
        let bytes = SecretBytes::<32>::try_fill(|buf| rng.fill(buf))?;
        Self::from_secret(bytes)
    }

    /// Builds a key from its 32 raw bytes (signing key first, as in the text form).
    ///
    /// # Errors
    /// None in practice: every 32-byte string is a Fernet key.
    pub fn from_bytes(bytes: &[u8; 32]) -> Result<Self> {
        Self::from_secret(SecretBytes::new(bytes))
    }

    /// Parses the standard key text (44 characters of url-safe base64).
    /// Surrounding whitespace, such as a final newline, is ignored.
    ///
    /// # Errors
    /// [`Error::InvalidKey`] naming what is wrong (length or encoding).
    pub fn from_text(text: &str) -> Result<Self> {
        let bytes = decode_key_text(text, KeyKind::Fernet)?;
        Self::from_secret(bytes)
    }

    pub(crate) fn from_secret(bytes: SecretBytes<32>) -> Result<Self> {
        let text = encode_key_text(&bytes);
        let cipher = fernet::Fernet::new(&text).ok_or(Error::InvalidKey {
            kind: KeyKind::Fernet,
            reason: "rejected by the fernet cipher",
        })?;
        Ok(FernetKey { bytes, cipher })
    }

    /// The standard key text, as Python's `Fernet(key)` accepts it.
    pub fn to_text(&self) -> Zeroizing<String> {
        encode_key_text(&self.bytes)
    }

    pub(crate) fn secret(&self) -> &SecretBytes<32> {
        &self.bytes
    }

    /// Encrypts `plaintext` into a token stamped with the current time.
    ///
    /// The IV comes from the operating system's random generator inside the
    /// `fernet` crate.
    pub fn encrypt(&self, plaintext: &[u8]) -> String {
        self.encrypt_at_time(plaintext, now())
    }

    /// Encrypts `plaintext` into a token stamped with `unix_time` (seconds).
    pub fn encrypt_at_time(&self, plaintext: &[u8], unix_time: u64) -> String {
        self.cipher.encrypt_at_time(plaintext, unix_time)
    }

    /// Decrypts a token, whatever its age (Python's `Fernet.decrypt(token)`).
    ///
    /// # Errors
    /// [`Error::MalformedToken`] if it is not a Fernet token,
    /// [`Error::Authentication`] if the key is wrong or the token was altered.
    pub fn decrypt(&self, token: &str) -> Result<Vec<u8>> {
        self.decrypt_at_time(token, None, now())
    }

    /// Decrypts a token that must be at most `ttl_secs` seconds old
    /// (Python's `Fernet.decrypt(token, ttl)`).
    ///
    /// # Errors
    /// As [`decrypt`](Self::decrypt), plus [`Error::Expired`] and
    /// [`Error::FutureTimestamp`].
    pub fn decrypt_with_ttl(&self, token: &str, ttl_secs: u64) -> Result<Vec<u8>> {
        self.decrypt_at_time(token, Some(ttl_secs), now())
    }

    /// Decrypts a token as if the time were `now` (Unix seconds), checking its
    /// age against `ttl_secs` when given. Like Python, the timestamp is only
    /// checked when a time-to-live is given.
    ///
    /// # Errors
    /// As [`decrypt_with_ttl`](Self::decrypt_with_ttl).
    pub fn decrypt_at_time(&self, token: &str, ttl_secs: Option<u64>, now: u64) -> Result<Vec<u8>> {
        let timestamp = token_timestamp(token)?;
        if let Some(ttl) = ttl_secs {
            if timestamp.saturating_add(ttl) < now {
                return Err(Error::Expired { ttl_secs: ttl });
            }
            if now.saturating_add(MAX_CLOCK_SKEW_SECS) < timestamp {
                return Err(Error::FutureTimestamp);
            }
        }
        // The `fernet` crate always rejects timestamps ahead of its clock and
        // adds without overflow checks; hand it a time that passes its check
        // and cannot overflow (our own checks above are the ones that count).
        let cipher_now = now
            .max(timestamp.saturating_sub(MAX_CLOCK_SKEW_SECS))
            .min(u64::MAX - MAX_CLOCK_SKEW_SECS);
        self.cipher
            .decrypt_at_time(token.trim_end(), None, cipher_now)
            .map_err(|_| Error::Authentication {
                scheme: Scheme::Fernet,
            })
    }
}

impl fmt::Debug for FernetKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("FernetKey(<redacted>)")
    }
}

impl PartialEq for FernetKey {
    /// Constant-time comparison of the key bytes.
    fn eq(&self, other: &Self) -> bool {
        self.bytes == other.bytes
    }
}

impl Eq for FernetKey {}

/// Reads the creation time (Unix seconds) of a Fernet token without decrypting
/// it, checking that the token is well formed.
///
/// # Errors
/// [`Error::MalformedToken`] naming what is wrong.
pub fn token_timestamp(token: &str) -> Result<u64> {
    let malformed = |reason| Error::MalformedToken {
        scheme: Scheme::Fernet,
        reason,
    };
    let bytes = decode_token_text(token).ok_or(malformed("not url-safe base64"))?;
    if bytes.first() != Some(&VERSION) {
        return Err(malformed("unknown version byte (expected 0x80)"));
    }
    if bytes.len() < HEADER_LEN + BLOCK_LEN + TAG_LEN {
        return Err(malformed("too short"));
    }
    if (bytes.len() - HEADER_LEN - TAG_LEN) % BLOCK_LEN != 0 {
        return Err(malformed("ciphertext is not a whole number of AES blocks"));
    }
    let mut timestamp = [0u8; 8];
    timestamp.copy_from_slice(&bytes[1..9]);
    Ok(u64::from_be_bytes(timestamp))
}

/// Whether `token` starts like a Fernet token (its first byte is 0x80).
pub(crate) fn looks_like_token(token: &str) -> bool {
    // Four base64 characters decode to the first three bytes.
    token
        .get(..4)
        .and_then(|head| URL_SAFE_NO_PAD.decode(head).ok())
        .is_some_and(|head| head.first() == Some(&VERSION))
}

/// Decodes token text the way Python and the `fernet` crate accept it:
/// url-safe alphabet, padding optional.
fn decode_token_text(token: &str) -> Option<Vec<u8>> {
    URL_SAFE_NO_PAD
        .decode(token.trim_end().trim_end_matches('='))
        .ok()
}

/// Url-safe base64 with padding, the text form of every medanon key.
pub(crate) fn encode_key_text(bytes: &SecretBytes<32>) -> Zeroizing<String> {
    Zeroizing::new(URL_SAFE.encode(bytes.expose()))
}

/// Parses 44 characters of url-safe base64 (with padding) into a 32-byte key.
pub(crate) fn decode_key_text(text: &str, kind: KeyKind) -> Result<SecretBytes<32>> {
    let invalid = |reason| Error::InvalidKey { kind, reason };
    let text = text.trim();
    if text.len() != FERNET_KEY_TEXT_LEN {
        return Err(invalid(
            "wrong length: expected 44 characters of url-safe base64 (32 bytes)",
        ));
    }
    let mut decoded = Zeroizing::new([0u8; 33]);
    match URL_SAFE.decode_slice(text, &mut decoded[..]) {
        Ok(32) => {}
        Ok(_) => return Err(invalid("wrong length: expected 32 bytes")),
        Err(_) if text.contains(['+', '/']) => {
            return Err(invalid(
                "uses the standard base64 alphabet; keys are url-safe base64 ('-' and '_')",
            ));
        }
        Err(_) => return Err(invalid("not url-safe base64")),
    }
    let mut key = [0u8; 32];
    key.copy_from_slice(&decoded[..32]);
    let secret = SecretBytes::new(&key);
    zeroize::Zeroize::zeroize(&mut key);
    Ok(secret)
}

/// The current Unix time in seconds (0 if the clock is before 1970).
fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}
