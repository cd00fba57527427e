//! Known-answer tests: the pseudonym construction against an independent
//! Python implementation of its specification (tests/reference.py), both the
//! copy pinned in vectors.json and, when python3 exists, a fresh run.

#![allow(clippy::unwrap_used, clippy::expect_used)] // a failed unwrap is a failed test

mod support;

use medanon_crypto::{
    Alphabet, DateShiftRange, FernetKey, KeySet, PseudonymFormat, PseudonymKey, purpose,
};
use serde_json::Value;

fn rust_vectors(expected: &Value) -> Value {
    let key_bytes: [u8; 32] = std::array::from_fn(|i| i as u8);
    let key = PseudonymKey::from_bytes(&key_bytes);
    let hex = |bytes: &[u8]| bytes.iter().map(|b| format!("{b:02x}")).collect::<String>();
    let name_format = PseudonymFormat::new("ANON^", Alphabet::Crockford, 12, "").unwrap();
    let digits_64 = PseudonymFormat::new("", Alphabet::Digits, 64, "").unwrap();
    let range = |lo, hi| DateShiftRange::new(lo, hi).unwrap();
    let fernet_text = expected["fernet_key"].as_str().unwrap();
    let derived = KeySet::from_fernet_key(FernetKey::from_text(fernet_text).unwrap());
    let uid_input = "1.2.840.113619.2.55.3.604688119.971.1";
    let derived_gcm_token = {
        // The derived AES key, checked through a token it must open.
        let raw: Vec<u8> = (0..32)
            .map(|i| {
                let s = &expected["derived_aes_gcm_hex"].as_str().unwrap()[2 * i..2 * i + 2];
                u8::from_str_radix(s, 16).unwrap()
            })
            .collect();
        let aes = medanon_crypto::AesGcmKey::from_bytes(&raw.try_into().unwrap());
        let token = aes.encrypt(&medanon_crypto::OsRandom, b"x", b"").unwrap();
        derived.aes_gcm().decrypt(&token, b"").is_ok()
    };
    assert!(
        derived_gcm_token,
        "derived AES-GCM key differs from the reference HKDF"
    );
    serde_json::json!({
        "key_hex": hex(&key_bytes),
        "digest_patient_id_PAT001": hex(&key.digest(purpose::PATIENT_ID, b"PAT001")),
        "pseudonym_alnum10": key.pseudonym(purpose::PATIENT_ID, b"PAT001", &PseudonymFormat::default()),
        "pseudonym_name": key.pseudonym(purpose::PERSON_NAME, "Müller^Jürgen".as_bytes(), &name_format),
        "pseudonym_digits_long": key.pseudonym(purpose::PATIENT_ID, b"", &digits_64),
        "uid": key.uid(uid_input),
        "uid_padded_input": key.uid(&format!("{uid_input}\0")),
        "date_shift_default": key.date_shift_days(b"PAT001", &DateShiftRange::default()),
        "date_shift_symmetric": key.date_shift_days(b"PAT002", &range(-3, 3)),
        "date_shift_wide": key.date_shift_days(b"PAT003", &range(-36525, 36525)),
        "fernet_key": fernet_text,
        "derived_aes_gcm_hex": expected["derived_aes_gcm_hex"],
        "derived_uid": derived.pseudonyms().uid("1.2.3.4"),
    })
}

#[test]
fn pinned_vectors_match() {
    let expected: Value = serde_json::from_str(include_str!("vectors.json")).unwrap();
    assert_eq!(rust_vectors(&expected), expected);
}

#[test]
fn fresh_python_reference_matches() {
    let Some(mut python) = support::python_with(&["hmac", "hashlib"]) else {
        return;
    };
    let out = python
        .arg(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/reference.py"))
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let expected: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(rust_vectors(&expected), expected);
    let pinned: Value = serde_json::from_str(include_str!("vectors.json")).unwrap();
    assert_eq!(
        expected, pinned,
        "vectors.json is stale: regenerate with reference.py"
    );
}
