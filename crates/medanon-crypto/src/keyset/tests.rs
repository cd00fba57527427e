use super::*;

const PY_KEY: &str = "1RG9VEXItg37ZgIXsi5pbEu-NBatR-M7zEzjOycirPg=";

fn secrets_of(keys: &KeySet) -> Vec<String> {
    vec![
        keys.fernet().to_text().to_string(),
        encode_key_text(keys.aes_gcm().secret()).to_string(),
        encode_key_text(keys.pseudonyms().secret()).to_string(),
    ]
}

#[test]
fn key_file_text_round_trips() {
    let keys = KeySet::generate().unwrap();
    let text = keys.to_key_file_text();
    assert!(text.contains("format = \"medanon-key/v1\""));
    let again = KeySet::parse(&text).unwrap();
    assert_eq!(secrets_of(&again), secrets_of(&keys));
    assert_eq!(again.origin(), KeyOrigin::Independent);
}

#[test]
fn bare_fernet_key_derives_stable_keys() {
    let a = KeySet::parse(PY_KEY).unwrap();
    let b = KeySet::parse(&format!("  {PY_KEY}\n")).unwrap();
    assert_eq!(a.origin(), KeyOrigin::DerivedFromFernetKey);
    assert_eq!(secrets_of(&a), secrets_of(&b));
    let secrets = secrets_of(&a);
    assert_eq!(secrets[0], PY_KEY);
    assert_ne!(secrets[1], secrets[2]);
    assert_ne!(secrets[0], secrets[1]);
    // Saved and reloaded as a full key file, the derived keys stay.
    let reparsed = KeySet::parse(&a.to_key_file_text()).unwrap();
    assert_eq!(secrets_of(&reparsed), secrets);
}

#[test]
fn comments_blank_lines_and_single_quotes_are_fine() {
    let keys = KeySet::generate().unwrap();
    let s = secrets_of(&keys);
    let text = format!(
        "\n# comment\n  format = 'medanon-key/v1'  \n\npseudonym=\"{}\"\naes_gcm = '{}'\nfernet = \"{}\"\n",
        s[2], s[1], s[0]
    );
    assert_eq!(secrets_of(&KeySet::parse(&text).unwrap()), s);
}

/// Every error about a key file names the line and never the secret text.
#[test]
fn format_errors_are_clear_and_never_leak() {
    let keys = KeySet::generate().unwrap();
    let s = secrets_of(&keys);
    let good = |skip: &str| {
        [
            ("format", "\"medanon-key/v1\"".to_string()),
            ("fernet", format!("\"{}\"", s[0])),
            ("aes_gcm", format!("\"{}\"", s[1])),
            ("pseudonym", format!("\"{}\"", s[2])),
        ]
        .iter()
        .filter(|(n, _)| *n != skip)
        .map(|(n, v)| format!("{n} = {v}\n"))
        .collect::<String>()
    };
    let cases = [
        (good("aes_gcm"), "missing `aes_gcm`"),
        (
            format!("{}fernet = \"{}\"\n", good(""), s[0]),
            "line 5: `fernet` appears twice",
        ),
        (
            good("").replace("medanon-key/v1", "medanon-key/v9"),
            "line 1: unsupported format",
        ),
        (
            good("").replace(&format!("\"{}\"", s[1]), &s[1]),
            "line 3: the value must be in double quotes",
        ),
        (
            format!("{}fernet\n", good("")),
            "line 5: expected `name = \"value\"`",
        ),
        (format!("{}{}\n", good(""), s[2]), "line 5: unknown entry"),
        (
            format!("{}{} = \"x\"\n", good(""), s[1]),
            "line 5: unknown entry",
        ),
        (
            good("").replace(&s[1], &s[1][..43]),
            "line 3: invalid aes-gcm key: wrong length",
        ),
        (
            good("").replace(&s[2], &format!("+{}", &s[2][1..])),
            "line 4: invalid pseudonym key",
        ),
    ];
    for (text, expected) in cases {
        let err = KeySet::parse(&text).unwrap_err().to_string();
        assert!(err.contains(expected), "{err:?} lacks {expected:?}");
        for secret in &s {
            assert!(!err.contains(&secret[..20]), "secret in {err:?}");
        }
    }
}

#[test]
fn bad_bare_keys_are_rejected_without_echo() {
    for bad in [
        "short",
        &PY_KEY[..43],
        &PY_KEY.replace('-', "+"),
        &format!("{PY_KEY}A"),
    ] {
        let err = KeySet::parse(bad).unwrap_err().to_string();
        assert!(
            err.contains("not a key file or a valid Fernet key"),
            "{err}"
        );
        assert!(!err.contains(&bad[..bad.len().min(12)]), "{err}");
    }
    assert!(KeySet::parse("").is_err());
    assert!(KeySet::parse("   \n").is_err());
}

#[test]
fn debug_output_is_redacted() {
    let keys = KeySet::parse(PY_KEY).unwrap();
    let debug = format!(
        "{keys:?} {:?} {:?} {:?}",
        keys.fernet(),
        keys.aes_gcm(),
        keys.pseudonyms()
    );
    for secret in secrets_of(&keys) {
        assert!(!debug.contains(&secret[..10]), "{debug}");
    }
    assert!(debug.contains("redacted"), "{debug}");
}

#[test]
fn save_writes_0600_atomically_and_refuses_to_overwrite() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("project.key");
    let keys = KeySet::generate().unwrap();
    keys.save(&path, false).unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = fs::metadata(&path).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
    }
    let loaded = KeySet::load(&path).unwrap();
    assert!(loaded.warnings.is_empty());
    assert_eq!(secrets_of(&loaded.keys), secrets_of(&keys));

    let other = KeySet::generate().unwrap();
    assert!(matches!(
        other.save(&path, false),
        Err(Error::KeyFileExists { .. })
    ));
    assert_eq!(
        secrets_of(&KeySet::load(&path).unwrap().keys),
        secrets_of(&keys)
    );
    other.save(&path, true).unwrap();
    assert_eq!(
        secrets_of(&KeySet::load(&path).unwrap().keys),
        secrets_of(&other)
    );
    // Only the key file is left: no temporary files.
    assert_eq!(fs::read_dir(dir.path()).unwrap().count(), 1);
}

#[test]
fn save_into_a_missing_directory_leaves_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("missing/project.key");
    let err = KeySet::generate().unwrap().save(&path, false).unwrap_err();
    assert!(matches!(err, Error::WriteKeyFile { .. }), "{err}");
    assert_eq!(fs::read_dir(dir.path()).unwrap().count(), 0);
}

#[cfg(unix)]
#[test]
fn loose_permissions_warn() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("bare.key");
    fs::write(&path, format!("{PY_KEY}\n")).unwrap();
    fs::set_permissions(&path, fs::Permissions::from_mode(0o644)).unwrap();
    let loaded = KeySet::load(&path).unwrap();
    assert_eq!(loaded.keys.origin(), KeyOrigin::DerivedFromFernetKey);
    assert_eq!(
        loaded.warnings,
        vec![KeyFileWarning::ReadableByOthers {
            path: path.clone(),
            mode: 0o644
        }]
    );
    assert!(loaded.warnings[0].to_string().contains("chmod 600"));
}

#[test]
fn load_errors_are_typed() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("nope.key");
    assert!(matches!(
        KeySet::load(&missing),
        Err(Error::KeyFileNotFound { .. })
    ));
    assert!(matches!(
        KeySet::load(dir.path()),
        Err(Error::KeyFileFormat { .. }) | Err(Error::ReadKeyFile { .. })
    ));
    let big = dir.path().join("big.key");
    fs::write(&big, vec![b'a'; 100_000]).unwrap();
    let err = KeySet::load(&big).unwrap_err().to_string();
    assert!(err.contains("too large"), "{err}");
    let binary = dir.path().join("bin.key");
    fs::write(&binary, [0xff, 0xfe, 0x00]).unwrap();
    assert!(
        KeySet::load(&binary)
            .unwrap_err()
            .to_string()
            .contains("not UTF-8")
    );
}

#[test]
fn scheme_detection() {
    let keys = KeySet::generate().unwrap();
    let f = keys.encrypt(Scheme::Fernet, b"a", b"").unwrap();
    let g = keys.encrypt(Scheme::AesGcm, b"a", b"").unwrap();
    assert_eq!(detect_scheme(&f).unwrap(), Scheme::Fernet);
    assert_eq!(detect_scheme(&g).unwrap(), Scheme::AesGcm);
    for junk in ["", "hello", "AAAA", "gA", "MAG"] {
        assert!(
            matches!(detect_scheme(junk), Err(Error::UnrecognizedToken)),
            "{junk}"
        );
    }
    assert!(matches!(
        keys.encrypt(Scheme::Fernet, b"a", b"aad"),
        Err(Error::AssociatedDataUnsupported)
    ));
}
