//! AES-256-GCM tokens: authenticated encryption with associated data.

use std::fmt;

use aes_gcm::aead::{Aead, KeyInit, Payload};
use aes_gcm::{Aes256Gcm, Nonce};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

use crate::secret::SecretBytes;
use crate::{Error, Result, Scheme, SecureRandom};

/// Nonce length of AES-GCM in bytes (96 bits).
pub const NONCE_LEN: usize = 12;
/// Tag length of AES-GCM in bytes (128 bits).
pub const TAG_LEN: usize = 16;
/// The token header: two magic bytes and the format version.
const HEADER: [u8; 3] = [0x30, 0x01, VERSION_BYTE_BASE + AesGcmToken::VERSION];
/// Version `v` is stored as `0xB4 + v`, so that version 1 encodes as `MAG1`.
const VERSION_BYTE_BASE: u8 = 0xB4;
/// The text every version-1 token starts with.
pub(crate) const TEXT_PREFIX: &str = "MAG1";

/// An AES-256-GCM key. Wiped from memory on drop, never shown by `Debug`.
///
/// ```
/// use medanon_crypto::{AesGcmKey, OsRandom};
///
/// let key = AesGcmKey::generate(&OsRandom)?;
/// let token = key.encrypt(&OsRandom, b"DOE^JOHN", b"study 42")?;
/// assert!(token.starts_with("MAG1"));
/// assert_eq!(key.decrypt(&token, b"study 42")?, b"DOE^JOHN");
/// assert!(key.decrypt(&token, b"study 43").is_err());
/// # Ok::<(), medanon_crypto::Error>(())
/// ```
#[derive(Clone)]
pub struct AesGcmKey {
    bytes: SecretBytes<32>,
    /// The expanded cipher; `aes-gcm`'s `zeroize` feature wipes it on drop.
    cipher: Aes256Gcm,
}

impl AesGcmKey {
    /// Makes a new random key.
    ///
    /// # Errors
    /// [`Error::Random`] if the random source fails.
    pub fn generate(rng: &dyn SecureRandom) -> Result<Self> {
        Ok(Self::from_secret(SecretBytes::try_fill(|buf| {
            rng.fill(buf)
        })?))
    }

    /// Builds a key from 32 raw bytes.
    pub fn from_bytes(bytes: &[u8; 32]) -> Self {
        Self::from_secret(SecretBytes::new(bytes))
    }

    pub(crate) fn from_secret(bytes: SecretBytes<32>) -> Self {
        let cipher = Aes256Gcm::new(bytes.expose().into());
        AesGcmKey { bytes, cipher }
    }

    pub(crate) fn secret(&self) -> &SecretBytes<32> {
        &self.bytes
    }

    /// Encrypts `plaintext`, binding `aad` (associated data, may be empty),
    /// and returns the token's text form.
    ///
    /// # Errors
    /// [`Error::Random`] if no nonce could be drawn.
    pub fn encrypt(&self, rng: &dyn SecureRandom, plaintext: &[u8], aad: &[u8]) -> Result<String> {
        Ok(self.seal(rng, plaintext, aad)?.to_string())
    }

    /// Encrypts `plaintext` into a token structure.
    ///
    /// # Errors
    /// [`Error::Random`] if no nonce could be drawn.
    pub fn seal(
        &self,
        rng: &dyn SecureRandom,
        plaintext: &[u8],
        aad: &[u8],
    ) -> Result<AesGcmToken> {
        let mut nonce = [0u8; NONCE_LEN];
        rng.fill(&mut nonce)?;
        let full_aad = header_aad(aad);
        let sealed = self
            .cipher
            .encrypt(
                Nonce::from_slice(&nonce),
                Payload {
                    msg: plaintext,
                    aad: &full_aad,
                },
            )
            // Only fails for plaintexts beyond GCM's 64 GiB limit.
            .map_err(|_| Error::MalformedToken {
                scheme: Scheme::AesGcm,
                reason: "plaintext too long for AES-GCM",
            })?;
        Ok(AesGcmToken { nonce, sealed })
    }

    /// Decrypts a token's text form made with the same `aad`.
    ///
    /// # Errors
    /// [`Error::MalformedToken`] if it is not a version-1 token,
    /// [`Error::Authentication`] if the key or `aad` is wrong or the token was altered.
    pub fn decrypt(&self, token: &str, aad: &[u8]) -> Result<Vec<u8>> {
        self.open(&AesGcmToken::parse(token)?, aad)
    }

    /// Decrypts a token structure made with the same `aad`.
    ///
    /// # Errors
    /// [`Error::Authentication`] if the key or `aad` is wrong or the token was altered.
    pub fn open(&self, token: &AesGcmToken, aad: &[u8]) -> Result<Vec<u8>> {
        let full_aad = header_aad(aad);
        self.cipher
            .decrypt(
                Nonce::from_slice(&token.nonce),
                Payload {
                    msg: &token.sealed,
                    aad: &full_aad,
                },
            )
            .map_err(|_| Error::Authentication {
                scheme: Scheme::AesGcm,
            })
    }
}

impl fmt::Debug for AesGcmKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("AesGcmKey(<redacted>)")
    }
}

impl PartialEq for AesGcmKey {
    /// Constant-time comparison of the key bytes.
    fn eq(&self, other: &Self) -> bool {
        self.bytes == other.bytes
    }
}

impl Eq for AesGcmKey {}

fn header_aad(aad: &[u8]) -> Vec<u8> {
    let mut full = Vec::with_capacity(HEADER.len() + aad.len());
    full.extend_from_slice(&HEADER);
    full.extend_from_slice(aad);
    full
}

/// A parsed version-1 AES-GCM token: nonce, ciphertext and tag.
///
/// Parsing checks the structure only; [`AesGcmKey::open`] authenticates it.
///
/// # Token format, version 1
///
/// | bytes | content |
/// |---|---|
/// | 3 | magic and version: `30 01 B5` (its base64 text is `MAG1`) |
/// | 12 | random nonce |
/// | n | ciphertext (as long as the plaintext) |
/// | 16 | GCM tag |
///
/// The text form is url-safe base64 without padding, so every version-1 token
/// starts with `MAG1`. The three header bytes are authenticated too (they are
/// prepended to the caller's associated data), so a token cannot be relabelled.
/// Nonces are random: one key can safely seal about 2³² tokens.
#[derive(Clone, PartialEq, Eq)]
pub struct AesGcmToken {
    nonce: [u8; NONCE_LEN],
    /// Ciphertext followed by the tag.
    sealed: Vec<u8>,
}

impl AesGcmToken {
    /// The token format version this crate writes and reads.
    pub const VERSION: u8 = 1;

    /// Parses the binary form.
    ///
    /// # Errors
    /// [`Error::MalformedToken`] for a wrong header or a token too short to hold a tag.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self> {
        let malformed = |reason| Error::MalformedToken {
            scheme: Scheme::AesGcm,
            reason,
        };
        if bytes.len() < HEADER.len() {
            return Err(malformed("too short"));
        }
        if bytes[..2] != HEADER[..2] {
            return Err(malformed("not a medanon aes-gcm token (bad magic bytes)"));
        }
        if bytes[2] != HEADER[2] {
            return Err(malformed("unsupported token version"));
        }
        let body = &bytes[HEADER.len()..];
        if body.len() < NONCE_LEN + TAG_LEN {
            return Err(malformed("too short"));
        }
        let mut nonce = [0u8; NONCE_LEN];
        nonce.copy_from_slice(&body[..NONCE_LEN]);
        Ok(AesGcmToken {
            nonce,
            sealed: body[NONCE_LEN..].to_vec(),
        })
    }

    /// Parses the text form (url-safe base64; surrounding whitespace and
    /// trailing padding are tolerated).
    ///
    /// # Errors
    /// [`Error::MalformedToken`] naming what is wrong.
    pub fn parse(text: &str) -> Result<Self> {
        let bytes = URL_SAFE_NO_PAD
            .decode(text.trim().trim_end_matches('='))
            .map_err(|_| Error::MalformedToken {
                scheme: Scheme::AesGcm,
                reason: "not url-safe base64",
            })?;
        Self::from_bytes(&bytes)
    }

    /// The binary form.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(HEADER.len() + NONCE_LEN + self.sealed.len());
        out.extend_from_slice(&HEADER);
        out.extend_from_slice(&self.nonce);
        out.extend_from_slice(&self.sealed);
        out
    }

    /// The nonce.
    pub fn nonce(&self) -> &[u8; NONCE_LEN] {
        &self.nonce
    }

    /// Length of the plaintext this token holds.
    pub fn plaintext_len(&self) -> usize {
        self.sealed.len() - TAG_LEN
    }
}

impl fmt::Display for AesGcmToken {
    /// The text form: url-safe base64 without padding, starting with `MAG1`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&URL_SAFE_NO_PAD.encode(self.to_bytes()))
    }
}

impl fmt::Debug for AesGcmToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AesGcmToken")
            .field("version", &Self::VERSION)
            .field("plaintext_len", &self.plaintext_len())
            .finish_non_exhaustive()
    }
}
