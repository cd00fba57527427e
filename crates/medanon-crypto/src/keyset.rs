//! [`KeySet`]: the secret material of a de-identification project, and its key file.

use std::fmt;
use std::fs;
use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use hkdf::Hkdf;
use sha2::Sha256;
use zeroize::Zeroizing;

use crate::fernet::{self as fernet_token, decode_key_text, encode_key_text};
use crate::secret::SecretBytes;
use crate::{
    AesGcmKey, Error, FernetKey, KeyKind, OsRandom, PseudonymKey, Result, Scheme, SecureRandom, gcm,
};

/// The `format` value of a version-1 key file.
pub const KEY_FILE_FORMAT: &str = "medanon-key/v1";

/// Key files larger than this are refused unread (a v1 file is about 400 bytes).
const MAX_KEY_FILE_LEN: u64 = 64 * 1024;

/// HKDF salt for keys derived from a bare Fernet key.
const DERIVATION_SALT: &[u8] = b"medanon-key-derivation/v1";

/// The three keys of a project and the random source used with them.
///
/// # Key file format, version 1
///
/// UTF-8 text that any TOML parser reads (Python: `tomllib.load`):
///
/// ```text
/// # medanon key file: keep it secret. ...
/// format = "medanon-key/v1"
/// fernet = "<44 characters: the standard Fernet key text>"
/// aes_gcm = "<44 characters: 32 bytes, url-safe base64 with padding>"
/// pseudonym = "<44 characters: 32 bytes, url-safe base64 with padding>"
/// ```
///
/// Blank lines and `#` comments are allowed; every entry must appear once.
/// The `fernet` value works unchanged with Python's `Fernet(key)`.
///
/// A file (or text) holding only a bare Fernet key, as made by Python's
/// `Fernet.generate_key()`, is accepted too. The other two keys are then
/// derived from it with HKDF-SHA256 (salt `medanon-key-derivation/v1`, input
/// the 32 Fernet key bytes, info `aes-256-gcm` or `pseudonym-hmac-sha256`,
/// 32 bytes each), so the same Fernet key always gives the same pseudonyms.
///
/// # Example
///
/// ```
/// use medanon_crypto::{KeySet, Scheme};
///
/// let keys = KeySet::generate()?;
/// let token = keys.encrypt(Scheme::AesGcm, b"DOE^JOHN", b"")?;
/// assert_eq!(keys.decrypt(&token, b"")?, b"DOE^JOHN");
///
/// // The key file text parses back to the same keys.
/// let again = KeySet::parse(&keys.to_key_file_text())?;
/// assert_eq!(again.pseudonyms().uid("1.2.3"), keys.pseudonyms().uid("1.2.3"));
/// # Ok::<(), medanon_crypto::Error>(())
/// ```
#[derive(Clone)]
pub struct KeySet {
    fernet: FernetKey,
    aes_gcm: AesGcmKey,
    pseudonym: PseudonymKey,
    origin: KeyOrigin,
    rng: Arc<dyn SecureRandom>,
}

/// Where a [`KeySet`]'s keys came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum KeyOrigin {
    /// Three independent keys: generated, or read from a key file.
    Independent,
    /// A bare Fernet key, the other keys derived from it.
    DerivedFromFernetKey,
}

/// A [`KeySet`] read from a file, with anything the caller should tell the user.
#[derive(Debug)]
#[non_exhaustive]
pub struct LoadedKeySet {
    /// The keys.
    pub keys: KeySet,
    /// Problems that did not stop loading, such as loose file permissions.
    pub warnings: Vec<KeyFileWarning>,
}

/// A problem with a key file that does not stop it from being used.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum KeyFileWarning {
    /// Users other than the owner can read the file.
    ReadableByOthers {
        /// The key file.
        path: PathBuf,
        /// Its permission bits, such as `0o644`.
        mode: u32,
    },
}

impl fmt::Display for KeyFileWarning {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            KeyFileWarning::ReadableByOthers { path, mode } => write!(
                f,
                "key file {} can be read by group or others (mode {mode:04o}); restrict it with `chmod 600 {}`",
                path.display(),
                path.display()
            ),
        }
    }
}

impl KeySet {
    /// Makes three new random keys with the operating system's generator.
    ///
    /// # Errors
    /// [`Error::Random`] if the generator fails.
    pub fn generate() -> Result<Self> {
        Self::generate_with(Arc::new(OsRandom))
    }

    /// Makes three new random keys from `rng`, which is kept for AES-GCM nonces.
    ///
    /// # Errors
    /// [`Error::Random`] if `rng` fails.
    pub fn generate_with(rng: Arc<dyn SecureRandom>) -> Result<Self> {
        Ok(KeySet {
            fernet: FernetKey::generate(rng.as_ref())?,
            aes_gcm: AesGcmKey::generate(rng.as_ref())?,
            pseudonym: PseudonymKey::generate(rng.as_ref())?,
            origin: KeyOrigin::Independent,
            rng,
        })
    }

    /// Builds a key set from three keys.
    pub fn from_keys(fernet: FernetKey, aes_gcm: AesGcmKey, pseudonym: PseudonymKey) -> Self {
        KeySet {
            fernet,
            aes_gcm,
            pseudonym,
            origin: KeyOrigin::Independent,
            rng: Arc::new(OsRandom),
        }
    }

    /// Builds a key set from a Fernet key alone, deriving the other two keys
    /// (see [`KeySet`]).
    pub fn from_fernet_key(fernet: FernetKey) -> Self {
        let hkdf = Hkdf::<Sha256>::new(Some(DERIVATION_SALT), fernet.secret().expose());
        let derive = |info: &[u8]| {
            SecretBytes::<32>::try_fill(|out| hkdf.expand(info, out))
                // 32 bytes is far below HKDF-SHA256's 8160-byte limit.
                .unwrap_or_else(|_| unreachable!("HKDF can expand 32 bytes"))
        };
        KeySet {
            aes_gcm: AesGcmKey::from_secret(derive(b"aes-256-gcm")),
            pseudonym: PseudonymKey::from_secret(derive(b"pseudonym-hmac-sha256")),
            fernet,
            origin: KeyOrigin::DerivedFromFernetKey,
            rng: Arc::new(OsRandom),
        }
    }

    /// Replaces the random source used for AES-GCM nonces (for tests).
    pub fn with_random(mut self, rng: Arc<dyn SecureRandom>) -> Self {
        self.rng = rng;
        self
    }

    /// The Fernet key.
    pub fn fernet(&self) -> &FernetKey {
        &self.fernet
    }

    /// The AES-256-GCM key.
    pub fn aes_gcm(&self) -> &AesGcmKey {
        &self.aes_gcm
    }

    /// The pseudonym key.
    pub fn pseudonyms(&self) -> &PseudonymKey {
        &self.pseudonym
    }

    /// Where the keys came from.
    pub fn origin(&self) -> KeyOrigin {
        self.origin
    }

    /// Encrypts `plaintext` with `scheme`. `aad` is associated data that
    /// decryption must present again; Fernet has none, so it must be empty there.
    ///
    /// # Errors
    /// [`Error::AssociatedDataUnsupported`] for Fernet with `aad`,
    /// [`Error::Random`] if no nonce could be drawn.
    pub fn encrypt(&self, scheme: Scheme, plaintext: &[u8], aad: &[u8]) -> Result<String> {
        match scheme {
            Scheme::Fernet if !aad.is_empty() => Err(Error::AssociatedDataUnsupported),
            Scheme::Fernet => Ok(self.fernet.encrypt(plaintext)),
            Scheme::AesGcm => self.aes_gcm.encrypt(self.rng.as_ref(), plaintext, aad),
        }
    }

    /// Decrypts a Fernet or AES-GCM token, telling them apart by their first bytes.
    ///
    /// # Errors
    /// [`Error::UnrecognizedToken`], [`Error::MalformedToken`] or
    /// [`Error::Authentication`], and [`Error::AssociatedDataUnsupported`]
    /// for a Fernet token with `aad`.
    pub fn decrypt(&self, token: &str, aad: &[u8]) -> Result<Vec<u8>> {
        match detect_scheme(token)? {
            Scheme::Fernet if !aad.is_empty() => Err(Error::AssociatedDataUnsupported),
            Scheme::Fernet => self.fernet.decrypt(token),
            Scheme::AesGcm => self.aes_gcm.decrypt(token, aad),
        }
    }

    /// Parses key file text, or a bare Fernet key.
    ///
    /// # Errors
    /// [`Error::KeyFileFormat`] or [`Error::InvalidKey`], naming the line and
    /// the problem but never the value.
    pub fn parse(text: &str) -> Result<Self> {
        parse_key_text(text, Path::new("(key text)"))
    }

    /// The key file text (the format is in the [`KeySet`] docs).
    pub fn to_key_file_text(&self) -> Zeroizing<String> {
        let mut text = Zeroizing::new(String::with_capacity(512));
        text.push_str(
            "# medanon key file. Keep it secret and keep a backup: it links pseudonyms\n\
             # back to patients and decrypts stored originals; without it they are lost.\n\
             # Format: https://github.com/medanon/medanon/blob/main/docs/crypto.md\n",
        );
        text.push_str(&format!("format = \"{KEY_FILE_FORMAT}\"\n"));
        for (name, secret) in [
            ("fernet", self.fernet.secret()),
            ("aes_gcm", self.aes_gcm.secret()),
            ("pseudonym", self.pseudonym.secret()),
        ] {
            text.push_str(name);
            text.push_str(" = \"");
            text.push_str(&encode_key_text(secret));
            text.push_str("\"\n");
        }
        text
    }

    /// Reads a key file or a file holding a bare Fernet key.
    ///
    /// # Errors
    /// [`Error::KeyFileNotFound`], [`Error::ReadKeyFile`] or [`Error::KeyFileFormat`].
    pub fn load(path: impl AsRef<Path>) -> Result<LoadedKeySet> {
        let path = path.as_ref();
        let read_error = |source| Error::ReadKeyFile {
            path: path.to_owned(),
            source,
        };
        let file = fs::File::open(path).map_err(|source| {
            if source.kind() == io::ErrorKind::NotFound {
                Error::KeyFileNotFound {
                    path: path.to_owned(),
                }
            } else {
                read_error(source)
            }
        })?;
        let metadata = file.metadata().map_err(read_error)?;
        if !metadata.is_file() {
            return Err(format_error(path, None, "not a regular file"));
        }
        if metadata.len() > MAX_KEY_FILE_LEN {
            return Err(format_error(path, None, "too large to be a key file"));
        }
        let mut bytes = Zeroizing::new(Vec::with_capacity(metadata.len() as usize));
        file.take(MAX_KEY_FILE_LEN)
            .read_to_end(&mut bytes)
            .map_err(read_error)?;
        let text =
            std::str::from_utf8(&bytes).map_err(|_| format_error(path, None, "not UTF-8 text"))?;
        let keys = parse_key_text(text, path)?;
        Ok(LoadedKeySet {
            keys,
            warnings: permission_warnings(path, &metadata),
        })
    }

    /// Writes the key file atomically with mode 0600: either the whole file
    /// appears at `path` or nothing does. An existing file is only replaced
    /// when `overwrite` is true.
    ///
    /// # Errors
    /// [`Error::KeyFileExists`] or [`Error::WriteKeyFile`].
    pub fn save(&self, path: impl AsRef<Path>, overwrite: bool) -> Result<()> {
        let path = path.as_ref();
        if !overwrite && fs::symlink_metadata(path).is_ok() {
            return Err(Error::KeyFileExists {
                path: path.to_owned(),
            });
        }
        let write_error = |source| Error::WriteKeyFile {
            path: path.to_owned(),
            source,
        };
        let temp = temp_path(path, self.rng.as_ref())?;
        let result = write_private(&temp, self.to_key_file_text().as_bytes())
            .map_err(write_error)
            .and_then(|()| publish(&temp, path, overwrite));
        if result.is_err() {
            // Never leave a partial key file behind; the temp name is ours alone.
            let _ = fs::remove_file(&temp);
        }
        result
    }
}

impl fmt::Debug for KeySet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("KeySet")
            .field("origin", &self.origin)
            .finish_non_exhaustive()
    }
}

/// Tells which scheme made a token, from its first bytes.
///
/// # Errors
/// [`Error::UnrecognizedToken`] when it is neither.
pub fn detect_scheme(token: &str) -> Result<Scheme> {
    let token = token.trim();
    if token.starts_with(gcm::TEXT_PREFIX) {
        Ok(Scheme::AesGcm)
    } else if fernet_token::looks_like_token(token) {
        Ok(Scheme::Fernet)
    } else {
        Err(Error::UnrecognizedToken)
    }
}

fn format_error(path: &Path, line: Option<usize>, reason: impl Into<String>) -> Error {
    Error::KeyFileFormat {
        path: path.to_owned(),
        line,
        reason: reason.into(),
    }
}

fn parse_key_text(text: &str, path: &Path) -> Result<KeySet> {
    let trimmed = text.trim();
    // A bare Fernet key: one word, no TOML syntax.
    if !trimmed.is_empty() && !trimmed.contains(|c: char| c.is_whitespace() || c == '"' || c == '#')
    {
        return FernetKey::from_text(trimmed)
            .map(KeySet::from_fernet_key)
            .map_err(|e| {
                format_error(
                    path,
                    None,
                    format!("not a key file or a valid Fernet key ({e})"),
                )
            });
    }

    const NAMES: [&str; 4] = ["format", "fernet", "aes_gcm", "pseudonym"];
    let mut values: [Option<(usize, &str)>; 4] = [None; 4];
    for (index, line) in text.lines().enumerate() {
        let number = index + 1;
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let (name, value) = line
            .split_once('=')
            .ok_or_else(|| format_error(path, Some(number), "expected `name = \"value\"`"))?;
        let slot = NAMES
            .iter()
            .position(|n| *n == name.trim())
            .ok_or_else(|| {
                format_error(
                    path,
                    Some(number),
                    "unknown entry (expected format, fernet, aes_gcm and pseudonym)",
                )
            })?;
        let value = unquote(value.trim()).ok_or_else(|| {
            format_error(path, Some(number), "the value must be in double quotes")
        })?;
        if values[slot].replace((number, value)).is_some() {
            return Err(format_error(
                path,
                Some(number),
                format!("`{}` appears twice", NAMES[slot]),
            ));
        }
    }
    let [format, fernet, aes_gcm, pseudonym] = values;
    let get = |entry, name| required(entry, name, path);
    let (line, format) = get(format, "format")?;
    if format != KEY_FILE_FORMAT {
        return Err(format_error(
            path,
            Some(line),
            format!("unsupported format (this version reads \"{KEY_FILE_FORMAT}\")"),
        ));
    }
    let key = |entry, name, kind| {
        let (line, value) = get(entry, name)?;
        decode_key_text(value, kind).map_err(|e| format_error(path, Some(line), e.to_string()))
    };
    let fernet = FernetKey::from_secret(key(fernet, "fernet", KeyKind::Fernet)?)?;
    let aes_gcm = AesGcmKey::from_secret(key(aes_gcm, "aes_gcm", KeyKind::AesGcm)?);
    let pseudonym = PseudonymKey::from_secret(key(pseudonym, "pseudonym", KeyKind::Pseudonym)?);
    Ok(KeySet::from_keys(fernet, aes_gcm, pseudonym))
}

fn required<'a>(
    entry: Option<(usize, &'a str)>,
    name: &str,
    path: &Path,
) -> Result<(usize, &'a str)> {
    entry.ok_or_else(|| format_error(path, None, format!("missing `{name}`")))
}

/// The text between double quotes (or TOML single quotes), without escapes.
fn unquote(value: &str) -> Option<&str> {
    ['"', '\''].into_iter().find_map(|q| {
        value
            .strip_prefix(q)?
            .strip_suffix(q)
            .filter(|inner| !inner.contains(q) && !inner.contains('\\'))
    })
}

#[cfg(unix)]
fn permission_warnings(path: &Path, metadata: &fs::Metadata) -> Vec<KeyFileWarning> {
    use std::os::unix::fs::PermissionsExt;
    let mode = metadata.permissions().mode() & 0o777;
    if mode & 0o077 != 0 {
        vec![KeyFileWarning::ReadableByOthers {
            path: path.to_owned(),
            mode,
        }]
    } else {
        Vec::new()
    }
}

#[cfg(not(unix))]
fn permission_warnings(_path: &Path, _metadata: &fs::Metadata) -> Vec<KeyFileWarning> {
    Vec::new()
}

/// A fresh name beside `path` for the temporary file.
fn temp_path(path: &Path, rng: &dyn SecureRandom) -> Result<PathBuf> {
    let mut nonce = [0u8; 8];
    rng.fill(&mut nonce)?;
    let file_name = format!(".medanon-key-{:016x}.tmp", u64::from_le_bytes(nonce));
    Ok(match path.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent.join(file_name),
        _ => PathBuf::from(file_name),
    })
}

/// Creates `path` (which must not exist) readable by its owner only, and writes `bytes`.
fn write_private(path: &Path, bytes: &[u8]) -> io::Result<()> {
    let mut options = fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut file = options.open(path)?;
    file.write_all(bytes)?;
    file.sync_all()
}

/// Moves the finished temporary file to `path`.
fn publish(temp: &Path, path: &Path, overwrite: bool) -> Result<()> {
    let write_error = |source| Error::WriteKeyFile {
        path: path.to_owned(),
        source,
    };
    if overwrite {
        return fs::rename(temp, path).map_err(write_error);
    }
    // A hard link fails if `path` appeared meanwhile: no key is ever replaced.
    match fs::hard_link(temp, path) {
        Ok(()) => {
            let _ = fs::remove_file(temp);
            Ok(())
        }
        Err(e) if e.kind() == io::ErrorKind::AlreadyExists => Err(Error::KeyFileExists {
            path: path.to_owned(),
        }),
        // File systems without hard links: checked above, rename instead.
        Err(_) => fs::rename(temp, path).map_err(write_error),
    }
}

#[cfg(test)]
mod tests;
