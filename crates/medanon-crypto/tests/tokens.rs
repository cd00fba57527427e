//! Round trips for arbitrary data, and hostile tokens: every tampered,
//! truncated or garbage token gives a typed error, never a panic.

#![allow(clippy::unwrap_used, clippy::expect_used)] // a failed unwrap is a failed test

use medanon_crypto::{
    AesGcmKey, AesGcmToken, DateShiftRange, Error, FernetKey, KeySet, OsRandom, PseudonymFormat,
    Scheme,
};
use proptest::prelude::*;

fn keys() -> KeySet {
    KeySet::parse("cYcRnq_j907tcZhKi5mlLImNTpaBIjHNGMOUSEvTSbM=").unwrap()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn fernet_round_trips(data in proptest::collection::vec(any::<u8>(), 0..2048)) {
        let keys = keys();
        let token = keys.encrypt(Scheme::Fernet, &data, b"").unwrap();
        prop_assert_eq!(keys.decrypt(&token, b"").unwrap(), data);
    }

    #[test]
    fn aes_gcm_round_trips(
        data in proptest::collection::vec(any::<u8>(), 0..2048),
        aad in proptest::collection::vec(any::<u8>(), 0..64),
    ) {
        let keys = keys();
        let token = keys.encrypt(Scheme::AesGcm, &data, &aad).unwrap();
        prop_assert!(token.starts_with("MAG1"));
        prop_assert_eq!(keys.decrypt(&token, &aad).unwrap(), data);
        let parsed = AesGcmToken::parse(&token).unwrap();
        prop_assert_eq!(parsed.to_string(), token);
        prop_assert_eq!(AesGcmToken::from_bytes(&parsed.to_bytes()).unwrap(), parsed);
    }

    #[test]
    fn text_round_trips(text in ".*") {
        let keys = keys();
        for scheme in [Scheme::Fernet, Scheme::AesGcm] {
            let token = keys.encrypt(scheme, text.as_bytes(), b"").unwrap();
            let back = String::from_utf8(keys.decrypt(&token, b"").unwrap()).unwrap();
            prop_assert_eq!(&back, &text);
        }
    }

    #[test]
    fn key_text_round_trips(bytes in any::<[u8; 32]>()) {
        let key = FernetKey::from_bytes(&bytes).unwrap();
        let again = FernetKey::from_text(&key.to_text()).unwrap();
        prop_assert_eq!(key, again);
    }

    #[test]
    fn arbitrary_text_never_panics(text in ".{0,200}") {
        let keys = keys();
        prop_assert!(keys.decrypt(&text, b"").is_err());
        let _ = KeySet::parse(&text);
        let _ = text.parse::<PseudonymFormat>();
        let _ = AesGcmToken::parse(&text);
    }

    #[test]
    fn uids_are_always_valid(original in ".{0,80}") {
        let uid = keys().pseudonyms().uid(&original);
        prop_assert!(uid.len() <= 64);
        prop_assert!(uid.split('.').all(|c| !c.is_empty()
            && c.bytes().all(|b| b.is_ascii_digit())
            && (c == "0" || !c.starts_with('0'))));
    }

    #[test]
    fn date_shifts_stay_in_range(patient in any::<Vec<u8>>(), lo in -500i32..500, width in 0i32..500) {
        let hi = lo + width;
        prop_assume!(!(lo == 0 && hi == 0));
        let range = DateShiftRange::new(lo, hi).unwrap();
        let shift = keys().pseudonyms().date_shift_days(&patient, &range);
        prop_assert!((lo..=hi).contains(&shift) && shift != 0);
    }
}

/// Flips every bit of every byte of the token's binary form.
fn tampered_variants(token: &str) -> Vec<String> {
    use base64::Engine;
    use base64::engine::general_purpose::{URL_SAFE, URL_SAFE_NO_PAD};
    let padded = token.ends_with('=');
    let bytes = URL_SAFE_NO_PAD.decode(token.trim_end_matches('=')).unwrap();
    let mut out = Vec::new();
    for i in 0..bytes.len() {
        for bit in 0..8 {
            let mut t = bytes.clone();
            t[i] ^= 1 << bit;
            out.push(if padded {
                URL_SAFE.encode(&t)
            } else {
                URL_SAFE_NO_PAD.encode(&t)
            });
        }
    }
    out
}

#[test]
fn every_single_bit_flip_is_detected() {
    let keys = keys();
    for scheme in [Scheme::Fernet, Scheme::AesGcm] {
        let token = keys.encrypt(scheme, b"DOE^JOHN", b"").unwrap();
        for bad in tampered_variants(&token) {
            let err = keys.decrypt(&bad, b"").unwrap_err();
            assert!(
                matches!(
                    err,
                    Error::Authentication { .. }
                        | Error::MalformedToken { .. }
                        | Error::UnrecognizedToken
                ),
                "{scheme}: {err}"
            );
        }
    }
}

#[test]
fn truncated_tokens_are_malformed_or_rejected() {
    let keys = keys();
    for scheme in [Scheme::Fernet, Scheme::AesGcm] {
        let token = keys.encrypt(scheme, b"some patient data", b"").unwrap();
        // Dropping padding only is not truncation: padding is optional.
        let data_len = token.trim_end_matches('=').len();
        for len in 0..data_len {
            assert!(
                keys.decrypt(&token[..len], b"").is_err(),
                "{scheme} at {len}"
            );
        }
    }
}

#[test]
fn wrong_key_and_wrong_aad() {
    let keys = keys();
    let other = KeySet::generate().unwrap();
    let token = keys.encrypt(Scheme::AesGcm, b"x", b"study-1").unwrap();
    assert!(matches!(
        other.decrypt(&token, b"study-1"),
        Err(Error::Authentication {
            scheme: Scheme::AesGcm
        })
    ));
    assert!(matches!(
        keys.decrypt(&token, b"study-2"),
        Err(Error::Authentication { .. })
    ));
    let fernet = keys.encrypt(Scheme::Fernet, b"x", b"").unwrap();
    assert!(matches!(
        other.decrypt(&fernet, b""),
        Err(Error::Authentication {
            scheme: Scheme::Fernet
        })
    ));
}

#[test]
fn hostile_fernet_timestamps_do_not_panic() {
    // A well-formed token whose timestamp is u64::MAX: the fernet crate's own
    // TTL arithmetic would overflow on it.
    let key = FernetKey::generate(&OsRandom).unwrap();
    let token = key.encrypt_at_time(b"x", u64::MAX);
    assert!(matches!(
        key.decrypt_with_ttl(&token, 60),
        Err(Error::FutureTimestamp)
    ));
    assert_eq!(key.decrypt(&token).unwrap(), b"x");
    let old = key.encrypt_at_time(b"x", 0);
    assert!(key.decrypt_with_ttl(&old, u64::MAX).is_ok());
    assert!(matches!(
        key.decrypt_with_ttl(&old, 10),
        Err(Error::Expired { .. })
    ));
}

#[test]
fn gcm_token_structure_errors() {
    assert!(matches!(
        AesGcmToken::from_bytes(&[]),
        Err(Error::MalformedToken { .. })
    ));
    let err = AesGcmToken::from_bytes(&[0x30, 0x01, 0xB6, 0, 0]).unwrap_err();
    assert!(
        err.to_string().contains("unsupported token version"),
        "{err}"
    );
    let err = AesGcmToken::from_bytes(&[0x30, 0x01, 0xB5, 1, 2, 3]).unwrap_err();
    assert!(err.to_string().contains("too short"), "{err}");
    let key = AesGcmKey::generate(&OsRandom).unwrap();
    assert!(key.decrypt("MAG1!!!!", b"").is_err());
}
