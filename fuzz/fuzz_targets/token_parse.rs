//! Arbitrary token text: decryption must return an error (or, for the
//! astronomically unlikely forgery, the plaintext) and never panic; a token
//! that parses must re-serialize to bytes that parse to the same token.
#![no_main]

use libfuzzer_sys::fuzz_target;
use medanon_crypto::{AesGcmToken, KeySet, fernet_token_timestamp};
use std::sync::OnceLock;

fn keys() -> &'static KeySet {
    static KEYS: OnceLock<KeySet> = OnceLock::new();
    KEYS.get_or_init(|| {
        KeySet::parse("1RG9VEXItg37ZgIXsi5pbEu-NBatR-M7zEzjOycirPg=").expect("valid key")
    })
}

fuzz_target!(|data: &[u8]| {
    // Binary form of AES-GCM tokens.
    if let Ok(token) = AesGcmToken::from_bytes(data) {
        let again = AesGcmToken::from_bytes(&token.to_bytes()).expect("own output parses");
        assert_eq!(again, token);
        assert_eq!(
            AesGcmToken::parse(&token.to_string()).expect("own text parses"),
            token
        );
        assert!(keys().aes_gcm().open(&token, b"").is_err());
    }
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    // Text forms, through scheme detection and each scheme directly.
    assert!(keys().decrypt(text, b"").is_err());
    assert!(keys().fernet().decrypt(text).is_err());
    let _ = keys()
        .fernet()
        .decrypt_at_time(text, Some(60), 1_700_000_000);
    let _ = fernet_token_timestamp(text);
    if let Ok(token) = AesGcmToken::parse(text) {
        assert_eq!(
            AesGcmToken::from_bytes(&token.to_bytes()).expect("own output parses"),
            token
        );
    }
});
