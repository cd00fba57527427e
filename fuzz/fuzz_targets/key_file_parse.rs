//! Arbitrary key file text: parsing never panics, errors never echo the
//! input, and a parsed key set writes out text that parses to the same keys.
#![no_main]

use libfuzzer_sys::fuzz_target;
use medanon_crypto::KeySet;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    match KeySet::parse(text) {
        Ok(keys) => {
            let written = keys.to_key_file_text();
            let again = KeySet::parse(&written).expect("own key file parses");
            assert_eq!(again.fernet(), keys.fernet());
            assert_eq!(again.aes_gcm(), keys.aes_gcm());
            assert_eq!(again.pseudonyms(), keys.pseudonyms());
        }
        Err(err) => {
            // Anything shaped like a key (16 or more base64 characters in a
            // row) must not come back in the message; no fixed message text
            // has such a run, so a match can only be an echo.
            let message = err.to_string();
            let is_b64 = |c: char| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '+' | '/');
            for run in text
                .split(|c: char| !is_b64(c))
                .filter(|run| run.len() >= 16)
            {
                assert!(!message.contains(run), "error echoes its input: {message}");
            }
        }
    }
});
