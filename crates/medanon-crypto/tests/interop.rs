//! Interoperability with Python's `cryptography`: Fernet both ways, and
//! medanon's AES-GCM token format opened by `AESGCM`.

#![allow(clippy::unwrap_used, clippy::expect_used)] // a failed unwrap is a failed test

mod support;

use std::io::Write;
use std::process::Stdio;

use medanon_crypto::{AesGcmKey, Error, FernetKey, KeySet, Scheme, SecureRandom};
use serde_json::Value;

fn interop_vectors() -> Option<Vec<Value>> {
    let path = support::shared_testdata()?.join("crypto/fernet_python_interop.json");
    let json: Value = serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap();
    Some(json["vectors"].as_array().unwrap().clone())
}

#[test]
fn every_python_token_decrypts_to_its_plaintext() {
    let Some(vectors) = interop_vectors() else {
        return;
    };
    assert!(vectors.len() >= 10, "expected the full vector set");
    for (i, v) in vectors.iter().enumerate() {
        let key = FernetKey::from_text(v["key"].as_str().unwrap()).unwrap();
        let token = v["token"].as_str().unwrap();
        let plaintext = v["plaintext_utf8"].as_str().unwrap();
        assert_eq!(
            key.decrypt(token).unwrap(),
            plaintext.as_bytes(),
            "vector {i}"
        );
        // The same through a KeySet made from the bare key, with scheme detection.
        let keys = KeySet::parse(v["key"].as_str().unwrap()).unwrap();
        assert_eq!(keys.decrypt(token, b"").unwrap(), plaintext.as_bytes());
        // And the timestamp Python stamped it with.
        assert_eq!(
            medanon_crypto::fernet_token_timestamp(token).unwrap(),
            v["unix_time"].as_u64().unwrap()
        );
    }
}

#[test]
fn python_tokens_respect_ttl() {
    let Some(vectors) = interop_vectors() else {
        return;
    };
    let v = &vectors[0];
    let key = FernetKey::from_text(v["key"].as_str().unwrap()).unwrap();
    let token = v["token"].as_str().unwrap();
    let made = v["unix_time"].as_u64().unwrap();
    assert!(key.decrypt_at_time(token, Some(100), made + 100).is_ok());
    assert!(matches!(
        key.decrypt_at_time(token, Some(100), made + 101),
        Err(Error::Expired { ttl_secs: 100 })
    ));
    assert!(matches!(
        key.decrypt_at_time(token, Some(100), made - 61),
        Err(Error::FutureTimestamp)
    ));
    // Without a TTL, age does not matter (as in Python).
    assert!(key.decrypt_with_ttl(token, 1).is_err());
    assert!(key.decrypt(token).is_ok());
}

#[test]
fn wrong_key_is_an_authentication_error() {
    let Some(vectors) = interop_vectors() else {
        return;
    };
    let token = vectors[0]["token"].as_str().unwrap();
    let other = vectors
        .iter()
        .map(|v| v["key"].as_str().unwrap())
        .find(|k| *k != vectors[0]["key"].as_str().unwrap())
        .unwrap();
    let err = FernetKey::from_text(other)
        .unwrap()
        .decrypt(token)
        .unwrap_err();
    assert!(
        matches!(
            err,
            Error::Authentication {
                scheme: Scheme::Fernet
            }
        ),
        "{err}"
    );
}

/// Runs a Python snippet with `stdin`, returning stdout.
fn python(code: &str, stdin: &str) -> Option<String> {
    let mut cmd = support::python_with(&["cryptography"])?;
    let mut child = cmd
        .args(["-c", code])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(stdin.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "python failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    Some(String::from_utf8(out.stdout).unwrap())
}

#[test]
fn python_decrypts_our_fernet_tokens() {
    let key = FernetKey::generate(&medanon_crypto::OsRandom).unwrap();
    let plaintexts = ["DOE^JOHN", "", "山田^太郎", &"x".repeat(1000)];
    let tokens: Vec<String> = plaintexts
        .iter()
        .map(|p| key.encrypt(p.as_bytes()))
        .collect();
    let input = serde_json::json!({ "key": key.to_text().as_str(), "tokens": tokens }).to_string();
    let code = r#"
import json, sys
from cryptography.fernet import Fernet
data = json.load(sys.stdin)
f = Fernet(data["key"].encode())
print(json.dumps([f.decrypt(t.encode(), ttl=600).decode("utf-8") for t in data["tokens"]]))
"#;
    let Some(out) = python(code, &input) else {
        return;
    };
    let decrypted: Vec<String> = serde_json::from_str(&out).unwrap();
    assert_eq!(decrypted, plaintexts);
}

#[test]
fn python_generated_key_works_here() {
    let code = r#"
from cryptography.fernet import Fernet
k = Fernet.generate_key()
print(k.decode(), Fernet(k).encrypt(b"made in python").decode())
"#;
    let Some(out) = python(code, "") else { return };
    let (key, token) = out.trim().split_once(' ').unwrap();
    let keys = KeySet::parse(key).unwrap();
    assert_eq!(keys.decrypt(token, b"").unwrap(), b"made in python");
}

/// Fixed bytes, to make a reproducible nonce in the test below.
struct Fixed(u8);

impl SecureRandom for Fixed {
    fn fill(&self, dest: &mut [u8]) -> medanon_crypto::Result<()> {
        dest.fill(self.0);
        Ok(())
    }
}

#[test]
fn python_opens_our_aes_gcm_tokens_per_the_documented_format() {
    let raw: [u8; 32] = std::array::from_fn(|i| (i * 7) as u8);
    let key = AesGcmKey::from_bytes(&raw);
    let token = key
        .encrypt(&Fixed(9), "Müller^Jürgen".as_bytes(), b"study-42")
        .unwrap();
    assert!(token.starts_with("MAG1CQkJ"), "{token}"); // header, then nonce 09 09 09
    let code = r#"
import base64, sys
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
key_hex, token = sys.stdin.read().split()
raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
header, nonce, sealed = raw[:3], raw[3:15], raw[15:]
assert header == bytes([0x30, 0x01, 0xB5]), header
print(AESGCM(bytes.fromhex(key_hex)).decrypt(nonce, sealed, header + b"study-42").decode())
"#;
    let hex: String = raw.iter().map(|b| format!("{b:02x}")).collect();
    let Some(out) = python(code, &format!("{hex} {token}")) else {
        return;
    };
    assert_eq!(out.trim(), "Müller^Jürgen");
}
