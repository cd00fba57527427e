//! Cryptography for medanon: Fernet and AES-256-GCM tokens, keyed pseudonyms,
//! DICOM UIDs, date shifts and key files.
//!
//! * [`FernetKey`] encrypts and decrypts Fernet tokens that Python's
//!   `cryptography` package reads and writes.
//! * [`AesGcmKey`] seals versioned AES-256-GCM tokens with associated data.
//! * [`PseudonymKey`] turns identifying values into keyed pseudonyms, UIDs
//!   under `2.25` and per-patient date shifts, the same on every machine.
//! * [`KeySet`] holds all three keys and reads and writes the key file (a
//!   bare Fernet key from Python works wherever a key file does).
//!
//! Keys are wiped from memory when dropped, and neither `Debug` output nor
//! errors ever contain a key, a plaintext or a token.
//!
//! ```
//! use medanon_crypto::{KeySet, PseudonymFormat, Scheme, purpose};
//!
//! let keys = KeySet::parse("1RG9VEXItg37ZgIXsi5pbEu-NBatR-M7zEzjOycirPg=")?;
//!
//! // Encrypt an original value so that it can be restored later.
//! let token = keys.encrypt(Scheme::Fernet, "DOE^JOHN".as_bytes(), b"")?;
//! assert_eq!(keys.decrypt(&token, b"")?, b"DOE^JOHN");
//!
//! // Replace it with a pseudonym that is the same in every run.
//! let format: PseudonymFormat = "ANON^{alnum:8}".parse()?;
//! let alias = keys.pseudonyms().pseudonym(purpose::PERSON_NAME, b"DOE^JOHN", &format);
//! assert_eq!(alias, keys.pseudonyms().pseudonym(purpose::PERSON_NAME, b"DOE^JOHN", &format));
//! # Ok::<(), medanon_crypto::Error>(())
//! ```

mod error;
mod fernet;
mod gcm;
mod keyset;
mod pseudonym;
mod random;
mod scheme;
mod secret;

// The public interface is:
pub use crate::error::{Error, KeyKind, Result};
pub use crate::fernet::{
    FERNET_KEY_TEXT_LEN, FernetKey, token_timestamp as fernet_token_timestamp,
};
pub use crate::gcm::{AesGcmKey, AesGcmToken, NONCE_LEN, TAG_LEN};
pub use crate::keyset::{
    KEY_FILE_FORMAT, KeyFileWarning, KeyOrigin, KeySet, LoadedKeySet, detect_scheme,
};
pub use crate::pseudonym::{
    Alphabet, DateShiftRange, MAX_DATE_SHIFT_DAYS, MAX_PSEUDONYM_LEN, PseudonymFormat,
    PseudonymKey, UidRoot, purpose,
};
pub use crate::random::{OsRandom, SecureRandom};
pub use crate::scheme::{Scheme, UnknownScheme};
