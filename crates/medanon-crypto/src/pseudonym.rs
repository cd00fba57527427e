//! Keyed pseudonyms: names, IDs, DICOM UIDs and date shifts from HMAC-SHA256.

use std::fmt;
use std::str::FromStr;

use hmac::digest::KeyInit;
use hmac::{Hmac, Mac};
use sha2::Sha256;
use zeroize::Zeroizing;

use crate::secret::SecretBytes;
use crate::{Error, Result, SecureRandom};

type HmacSha256 = Hmac<Sha256>;

/// Domain label of the construction; changing it changes every output.
const DOMAIN: &[u8] = b"medanon-pseudonym/v1";

/// Well-known purposes. Any string can be a purpose; these are the ones
/// medanon itself uses, so that other tools can reproduce its outputs.
pub mod purpose {
    /// Patient's Name (0010,0010) and other person names.
    pub const PERSON_NAME: &str = "person-name";
    /// Patient ID (0010,0020) and other identifiers.
    pub const PATIENT_ID: &str = "patient-id";
    /// Accession Number (0008,0050).
    pub const ACCESSION_NUMBER: &str = "accession-number";
    /// Instance UIDs (used by [`PseudonymKey::uid`](crate::PseudonymKey::uid)).
    pub const UID: &str = "uid";
    /// Per-patient date shift (used by [`PseudonymKey::date_shift_days`](crate::PseudonymKey::date_shift_days)).
    pub const DATE_SHIFT: &str = "date-shift";
}

/// The key of keyed pseudonyms (HMAC-SHA256). Wiped on drop, never shown by `Debug`.
///
/// Every output is a function of the key, a *purpose* and the input, so the
/// same key maps the same patient to the same pseudonym on every machine and
/// in every run, while outputs for different purposes (a patient's ID and
/// their date shift, say) are unrelated. Without the key, outputs reveal
/// nothing about inputs: no plain hash is ever used.
///
/// # Construction (version 1)
///
/// A byte stream is drawn for each (purpose, input) as the concatenation of
/// blocks `B0, B1, …` with
///
/// ```text
/// Bi = HMAC-SHA256(key, "medanon-pseudonym/v1" || 0x00
///                       || u64be(len(purpose)) || purpose
///                       || u64be(len(input))   || input
///                       || u32be(i))
/// ```
///
/// * **Pseudonym**: each character is a stream byte `b` accepted when
///   `b < 256 - 256 % n` (`n` the alphabet size) and mapped to `alphabet[b % n]`;
///   rejected bytes are skipped, so characters are uniform.
/// * **UID** under `2.25`: the first 16 stream bytes (purpose `uid`) become a
///   version-8 UUID (RFC 9562: byte 6 high nibble `8`, byte 8 high bits `10`),
///   written as a decimal integer after `2.25.`. Trailing NUL and space
///   padding of the input UID is removed first.
/// * **Date shift**: the first 8 stream bytes (purpose `date-shift`) as a
///   big-endian `u64`, drawn by rejection until below the largest multiple of
///   the range size, reduced modulo the size; zero is never chosen.
///
/// `docs/crypto.md` in the repository specifies it in full, with test vectors.
///
/// # Example
///
/// ```
/// use medanon_crypto::{DateShiftRange, PseudonymFormat, PseudonymKey, purpose};
///
/// let key = PseudonymKey::from_bytes(&[7; 32]);
/// let format: PseudonymFormat = "ANON^{alnum:8}".parse()?;
/// let name = key.pseudonym(purpose::PERSON_NAME, b"DOE^JOHN", &format);
/// assert!(name.starts_with("ANON^") && name.len() == 13);
/// assert_eq!(name, key.pseudonym(purpose::PERSON_NAME, b"DOE^JOHN", &format));
///
/// let uid = key.uid("1.2.840.113619.2.55.3.604688119.971.1");
/// assert!(uid.starts_with("2.25.") && uid.len() <= 64);
///
/// let shift = key.date_shift_days(b"PAT-001", &DateShiftRange::default());
/// assert!((-365..=-1).contains(&shift));
/// # Ok::<(), medanon_crypto::Error>(())
/// ```
#[derive(Clone, PartialEq, Eq)]
pub struct PseudonymKey {
    key: SecretBytes<32>,
}

impl PseudonymKey {
    /// Makes a new random key.
    ///
    /// # Errors
    /// [`Error::Random`] if the random source fails.
    pub fn generate(rng: &dyn SecureRandom) -> Result<Self> {
        Ok(PseudonymKey {
            key: SecretBytes::try_fill(|buf| rng.fill(buf))?,
        })
    }

    /// Builds a key from 32 raw bytes.
    pub fn from_bytes(bytes: &[u8; 32]) -> Self {
        PseudonymKey {
            key: SecretBytes::new(bytes),
        }
    }

    pub(crate) fn from_secret(key: SecretBytes<32>) -> Self {
        PseudonymKey { key }
    }

    pub(crate) fn secret(&self) -> &SecretBytes<32> {
        &self.key
    }

    /// The first 32 bytes of the keyed stream for (`purpose`, `input`): a keyed
    /// digest for callers that build their own formats.
    pub fn digest(&self, purpose: &str, input: &[u8]) -> [u8; 32] {
        self.stream(purpose, input).block(0)
    }

    /// A pseudonym for `input` in `format`.
    pub fn pseudonym(&self, purpose: &str, input: &[u8], format: &PseudonymFormat) -> String {
        let mut stream = self.stream(purpose, input);
        let chars = format.alphabet.chars();
        let n = chars.len();
        // Largest multiple of n not above 256: bytes at or over it are skipped.
        let limit = 256 - 256 % n;
        let mut out = String::with_capacity(format.len());
        out.push_str(&format.prefix);
        let mut produced = 0;
        while produced < format.length {
            let b = usize::from(stream.next_byte());
            if b < limit {
                out.push(char::from(chars[b % n]));
                produced += 1;
            }
        }
        out.push_str(&format.suffix);
        out
    }

    /// A DICOM UID under the `2.25` root (a UUID as a decimal integer) that
    /// stands for `original`. At most 44 characters; digits and dots only,
    /// no leading zeros.
    pub fn uid(&self, original: &str) -> String {
        let mut bytes = self.uid_bytes(original);
        bytes[6] = (bytes[6] & 0x0f) | 0x80; // UUID version 8 (custom)
        bytes[8] = (bytes[8] & 0x3f) | 0x80; // RFC 9562 variant
        format!("2.25.{}", u128::from_be_bytes(bytes))
    }

    /// A DICOM UID under `root` that stands for `original`, using every digit
    /// the 64-character limit leaves (up to 39).
    pub fn uid_under(&self, root: &UidRoot, original: &str) -> String {
        if root.0 == UidRoot::UUID_ROOT {
            return self.uid(original);
        }
        let value = u128::from_be_bytes(self.uid_bytes(original));
        let digits = root.suffix_digits();
        let value = if digits >= 39 {
            value
        } else {
            value % 10u128.pow(digits as u32)
        };
        format!("{}.{value}", root.0)
    }

    fn uid_bytes(&self, original: &str) -> [u8; 16] {
        let original = original.trim_end_matches(['\0', ' ']);
        let mut stream = self.stream(purpose::UID, original.as_bytes());
        let mut bytes = [0u8; 16];
        bytes.iter_mut().for_each(|b| *b = stream.next_byte());
        bytes
    }

    /// The date shift in days for a patient (identified by `patient`, such as
    /// the original Patient ID), uniform over `range` without zero.
    pub fn date_shift_days(&self, patient: &[u8], range: &DateShiftRange) -> i32 {
        let mut stream = self.stream(purpose::DATE_SHIFT, patient);
        let min = i64::from(range.min_days);
        let max = i64::from(range.max_days);
        let has_zero = min <= 0 && 0 <= max;
        // Both bounds are within ±36_525, so the count fits easily.
        let count = (max - min + 1 - i64::from(has_zero)) as u64;
        let pick = stream.uniform_below(count) as i64;
        let mut shift = min + pick;
        if has_zero && shift >= 0 {
            shift += 1;
        }
        // In range by construction: |shift| <= 36_525.
        shift as i32
    }

    fn stream(&self, purpose: &str, input: &[u8]) -> KeyedStream {
        // HMAC pads keys shorter than the 64-byte block with zeros; doing it
        // here makes the construction infallible.
        let mut block_key = Zeroizing::new([0u8; 64]);
        block_key[..32].copy_from_slice(self.key.expose());
        let mut mac = <HmacSha256 as KeyInit>::new(block_key.as_ref().into());
        mac.update(DOMAIN);
        mac.update(&[0]);
        mac.update(&(purpose.len() as u64).to_be_bytes());
        mac.update(purpose.as_bytes());
        mac.update(&(input.len() as u64).to_be_bytes());
        mac.update(input);
        KeyedStream {
            prefix: mac,
            counter: 0,
            buf: [0; 32],
            pos: 32,
        }
    }
}

impl fmt::Debug for PseudonymKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("PseudonymKey(<redacted>)")
    }
}

/// The byte stream of the construction in the module docs.
struct KeyedStream {
    /// HMAC state after everything but the block counter.
    prefix: HmacSha256,
    counter: u32,
    buf: [u8; 32],
    pos: usize,
}

impl KeyedStream {
    fn block(&self, index: u32) -> [u8; 32] {
        let mut mac = self.prefix.clone();
        mac.update(&index.to_be_bytes());
        mac.finalize().into_bytes().into()
    }

    fn next_byte(&mut self) -> u8 {
        if self.pos == self.buf.len() {
            self.buf = self.block(self.counter);
            // 2^32 blocks are 128 GiB of stream, far beyond any use here.
            self.counter = self.counter.wrapping_add(1);
            self.pos = 0;
        }
        let b = self.buf[self.pos];
        self.pos += 1;
        b
    }

    fn next_u64(&mut self) -> u64 {
        let mut bytes = [0u8; 8];
        bytes.iter_mut().for_each(|b| *b = self.next_byte());
        u64::from_be_bytes(bytes)
    }

    /// Uniform in `0..n` (`n > 0`), by rejection.
    fn uniform_below(&mut self, n: u64) -> u64 {
        // Largest multiple of n representable: values at or above are redrawn.
        let zone = u64::MAX - (u64::MAX % n + 1) % n;
        loop {
            let v = self.next_u64();
            if v <= zone {
                return v % n;
            }
        }
    }
}

impl Drop for KeyedStream {
    fn drop(&mut self) {
        zeroize::Zeroize::zeroize(&mut self.buf);
    }
}

/// The characters a pseudonym is drawn from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Alphabet {
    /// `0-9` (template name `digits`).
    Digits,
    /// `0-9A-F` (template name `hex`).
    UpperHex,
    /// `A-Z` (template name `upper`).
    Upper,
    /// `0-9A-Z` (template name `alnum`).
    UpperAlnum,
    /// Crockford's base 32, `0-9A-Z` without `I L O U` (template name `crockford`):
    /// no characters that read alike.
    Crockford,
}

impl Alphabet {
    const ALL: [Alphabet; 5] = [
        Alphabet::Digits,
        Alphabet::UpperHex,
        Alphabet::Upper,
        Alphabet::UpperAlnum,
        Alphabet::Crockford,
    ];

    /// The characters, in order.
    pub fn chars(self) -> &'static [u8] {
        match self {
            Alphabet::Digits => b"0123456789",
            Alphabet::UpperHex => b"0123456789ABCDEF",
            Alphabet::Upper => b"ABCDEFGHIJKLMNOPQRSTUVWXYZ",
            Alphabet::UpperAlnum => b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ",
            Alphabet::Crockford => b"0123456789ABCDEFGHJKMNPQRSTVWXYZ",
        }
    }

    /// The name used in templates.
    pub fn name(self) -> &'static str {
        match self {
            Alphabet::Digits => "digits",
            Alphabet::UpperHex => "hex",
            Alphabet::Upper => "upper",
            Alphabet::UpperAlnum => "alnum",
            Alphabet::Crockford => "crockford",
        }
    }
}

/// Longest pseudonym a format may produce (the DICOM LO and PN component limit).
pub const MAX_PSEUDONYM_LEN: usize = 64;

/// The shape of a pseudonym: literal prefix, `length` characters drawn from an
/// [`Alphabet`], literal suffix.
///
/// Its template text is the prefix, `{ALPHABET:LENGTH}`, and the suffix, for
/// example `ANON^{alnum:8}` or `PAT-{digits:10}`. Literals are printable
/// ASCII without `\`, `{` and `}`; the whole pseudonym is at most 64
/// characters. Two inputs share a pseudonym with probability about
/// `1 / alphabet_size^length`: `{alnum:10}` (the default) makes a collision
/// among a million patients about 1 in 7,000.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct PseudonymFormat {
    prefix: String,
    alphabet: Alphabet,
    length: usize,
    suffix: String,
}

impl PseudonymFormat {
    /// Builds a format from its parts.
    ///
    /// # Errors
    /// [`Error::InvalidFormat`] if a literal has a forbidden character, the
    /// length is zero, or the whole is longer than 64 characters.
    pub fn new(prefix: &str, alphabet: Alphabet, length: usize, suffix: &str) -> Result<Self> {
        let invalid = |reason: String| Error::InvalidFormat { reason };
        for literal in [prefix, suffix] {
            if let Some(c) = literal
                .chars()
                .find(|c| !matches!(c, ' '..='~') || matches!(c, '\\' | '{' | '}'))
            {
                return Err(invalid(format!(
                    "character {c:?} is not allowed (printable ASCII without '\\', '{{', '}}')"
                )));
            }
        }
        if length == 0 {
            return Err(invalid(
                "the random part needs at least one character".into(),
            ));
        }
        let total = prefix.len() + length + suffix.len();
        if total > MAX_PSEUDONYM_LEN {
            return Err(invalid(format!(
                "pseudonyms would be {total} characters, more than {MAX_PSEUDONYM_LEN}"
            )));
        }
        Ok(PseudonymFormat {
            prefix: prefix.to_owned(),
            alphabet,
            length,
            suffix: suffix.to_owned(),
        })
    }

    /// The length of every pseudonym in this format.
    pub fn len(&self) -> usize {
        self.prefix.len() + self.length + self.suffix.len()
    }

    /// Always false: a format has at least one random character.
    pub fn is_empty(&self) -> bool {
        false
    }

    /// The alphabet of the random part.
    pub fn alphabet(&self) -> Alphabet {
        self.alphabet
    }
}

impl Default for PseudonymFormat {
    /// `{alnum:10}`.
    fn default() -> Self {
        PseudonymFormat {
            prefix: String::new(),
            alphabet: Alphabet::UpperAlnum,
            length: 10,
            suffix: String::new(),
        }
    }
}

impl FromStr for PseudonymFormat {
    type Err = Error;

    /// Parses a template such as `ANON^{alnum:8}`.
    fn from_str(template: &str) -> Result<Self> {
        let invalid = |reason: &str| Error::InvalidFormat {
            reason: reason.to_owned(),
        };
        let open = template
            .find('{')
            .ok_or_else(|| invalid("missing `{ALPHABET:LENGTH}`, as in `ANON-{alnum:8}`"))?;
        let close = template[open..]
            .find('}')
            .map(|i| open + i)
            .ok_or_else(|| invalid("unclosed `{`"))?;
        let (name, length) = template[open + 1..close]
            .split_once(':')
            .ok_or_else(|| invalid("expected `{ALPHABET:LENGTH}`, as in `{alnum:8}`"))?;
        let alphabet = Alphabet::ALL
            .into_iter()
            .find(|a| a.name() == name.trim())
            .ok_or_else(|| invalid("unknown alphabet (digits, hex, upper, alnum, crockford)"))?;
        let length = length
            .trim()
            .parse()
            .map_err(|_| invalid("the length is not a number"))?;
        Self::new(&template[..open], alphabet, length, &template[close + 1..])
    }
}

impl fmt::Display for PseudonymFormat {
    /// The template text.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}{{{}:{}}}{}",
            self.prefix,
            self.alphabet.name(),
            self.length,
            self.suffix
        )
    }
}

/// Largest date shift accepted, in days (a century).
pub const MAX_DATE_SHIFT_DAYS: i32 = 36_525;

/// The range a per-patient date shift is drawn from, in days. Zero is never drawn.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct DateShiftRange {
    min_days: i32,
    max_days: i32,
}

impl DateShiftRange {
    /// The range `min_days..=max_days`.
    ///
    /// # Errors
    /// [`Error::InvalidDateShiftRange`] if `min_days > max_days`, if the only
    /// value is zero, or if a bound is beyond ±36,525 days.
    pub fn new(min_days: i32, max_days: i32) -> Result<Self> {
        let invalid = |reason| Error::InvalidDateShiftRange {
            min_days,
            max_days,
            reason,
        };
        if min_days > max_days {
            return Err(invalid("the minimum is above the maximum"));
        }
        if min_days == 0 && max_days == 0 {
            return Err(invalid("a zero shift would keep the real dates"));
        }
        if min_days < -MAX_DATE_SHIFT_DAYS || max_days > MAX_DATE_SHIFT_DAYS {
            return Err(invalid("shifts are limited to 36525 days (a century)"));
        }
        Ok(DateShiftRange { min_days, max_days })
    }

    /// Smallest shift.
    pub fn min_days(&self) -> i32 {
        self.min_days
    }

    /// Largest shift.
    pub fn max_days(&self) -> i32 {
        self.max_days
    }
}

impl Default for DateShiftRange {
    /// `-365..=-1`: dates move up to a year into the past, never into the future.
    fn default() -> Self {
        DateShiftRange {
            min_days: -365,
            max_days: -1,
        }
    }
}

/// A UID root (an organization's registered prefix, or `2.25`).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct UidRoot(String);

impl UidRoot {
    /// The root of UUID-derived UIDs (ISO/IEC 9834-8), needing no registration.
    pub const UUID_ROOT: &'static str = "2.25";
    /// Fewest random digits a root must leave room for (about 80 bits).
    pub const MIN_SUFFIX_DIGITS: usize = 24;

    /// Validates a root: dot-separated numbers without leading zeros, short
    /// enough to leave at least 24 digits within the 64-character limit.
    ///
    /// # Errors
    /// [`Error::InvalidUidRoot`] saying what is wrong.
    pub fn new(root: &str) -> Result<Self> {
        let invalid = |reason| Error::InvalidUidRoot { reason };
        let root = root.trim_end_matches('.');
        if root.is_empty() {
            return Err(invalid("empty"));
        }
        for component in root.split('.') {
            if component.is_empty() {
                return Err(invalid("empty component (two dots in a row)"));
            }
            if !component.bytes().all(|b| b.is_ascii_digit()) {
                return Err(invalid("only digits and dots are allowed"));
            }
            if component.len() > 1 && component.starts_with('0') {
                return Err(invalid("a component has a leading zero"));
            }
        }
        if root.len() + 1 + Self::MIN_SUFFIX_DIGITS > 64 {
            return Err(invalid(
                "too long: leave room for 24 digits within 64 characters",
            ));
        }
        Ok(UidRoot(root.to_owned()))
    }

    /// The root text.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    fn suffix_digits(&self) -> usize {
        (64 - self.0.len() - 1).min(39)
    }
}

impl Default for UidRoot {
    /// `2.25`.
    fn default() -> Self {
        UidRoot(Self::UUID_ROOT.to_owned())
    }
}

#[cfg(test)]
mod tests;
