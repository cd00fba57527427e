//! `keygen`, `encrypt` and `decrypt`.

use std::io::Write;
use std::path::Path;

use anyhow::{Context, Result, bail};
use medanon::crypto::{KeySet, Scheme, detect_scheme};

use crate::input::arg_or_stdin;

pub fn keygen(out: &Path, force: bool) -> Result<()> {
    let keys = KeySet::generate()?;
    keys.save(out, force)?;
    eprintln!(
        "medanon: wrote key file {} (mode 0600). Keep it secret and back it up: \
         without it, encrypted originals cannot be restored.",
        out.display()
    );
    Ok(())
}

pub fn encrypt(key: &Path, scheme: Scheme, aad: Option<&str>, text: String) -> Result<()> {
    let keys = load_keys(key)?;
    let text = arg_or_stdin(text)?;
    let token = keys.encrypt(scheme, text.as_bytes(), aad.unwrap_or("").as_bytes())?;
    println!("{token}");
    Ok(())
}

pub fn decrypt(key: &Path, ttl: Option<u64>, aad: Option<&str>, token: String) -> Result<()> {
    let keys = load_keys(key)?;
    let token = arg_or_stdin(token)?;
    let token = token.trim();
    let plaintext = match (detect_scheme(token)?, ttl) {
        (Scheme::Fernet, Some(ttl)) => {
            if aad.is_some() {
                bail!("--aad applies to aes-gcm tokens only; this is a fernet token");
            }
            keys.fernet().decrypt_with_ttl(token, ttl)?
        }
        (Scheme::AesGcm, Some(_)) => bail!("--ttl applies to fernet tokens only"),
        _ => keys.decrypt(token, aad.unwrap_or("").as_bytes())?,
    };
    let mut stdout = std::io::stdout().lock();
    stdout
        .write_all(&plaintext)
        .and_then(|()| stdout.write_all(b"\n"))
        .context("cannot write to standard output")?;
    Ok(())
}

/// Loads the key file, printing any warnings about it.
pub(crate) fn load_keys(path: &Path) -> Result<KeySet> {
    let loaded = KeySet::load(path)?;
    for warning in &loaded.warnings {
        eprintln!("medanon: warning: {warning}");
    }
    Ok(loaded.keys)
}
