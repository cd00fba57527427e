use super::*;

fn key(seed: u8) -> PseudonymKey {
    PseudonymKey::from_bytes(&[seed; 32])
}

fn is_valid_uid(uid: &str) -> bool {
    uid.len() <= 64
        && uid.split('.').all(|c| {
            !c.is_empty()
                && c.bytes().all(|b| b.is_ascii_digit())
                && (c == "0" || !c.starts_with('0'))
        })
}

#[test]
fn same_key_same_output_different_key_unrelated() {
    let format = PseudonymFormat::default();
    let a = key(1).pseudonym(purpose::PATIENT_ID, b"PAT001", &format);
    assert_eq!(a, key(1).pseudonym(purpose::PATIENT_ID, b"PAT001", &format));
    assert_ne!(a, key(2).pseudonym(purpose::PATIENT_ID, b"PAT001", &format));
    assert_ne!(key(1).uid("1.2.3"), key(2).uid("1.2.3"));
}

#[test]
fn purposes_are_separated() {
    let k = key(3);
    assert_ne!(
        k.digest(purpose::PATIENT_ID, b"X"),
        k.digest(purpose::PERSON_NAME, b"X")
    );
    // Length prefixes keep ("ab", "c") apart from ("a", "bc").
    assert_ne!(k.digest("ab", b"c"), k.digest("a", b"bc"));
}

#[test]
fn uids_are_valid_unique_and_ignore_padding() {
    let k = key(4);
    let mut seen = std::collections::HashSet::new();
    for i in 0..2000 {
        let original = format!("1.2.826.0.1.3680043.2.1125.{i}");
        let uid = k.uid(&original);
        assert!(uid.starts_with("2.25.") && is_valid_uid(&uid), "{uid}");
        assert!(seen.insert(uid));
    }
    assert_eq!(k.uid("1.2.3\0"), k.uid("1.2.3"));
    assert_eq!(k.uid("1.2.3 "), k.uid("1.2.3"));
    assert_ne!(k.uid("1.2.3"), k.uid("1.2.30"));
}

#[test]
fn uid_is_a_version_8_uuid() {
    let uid = key(5).uid("1.2.3");
    let value: u128 = uid.strip_prefix("2.25.").unwrap().parse().unwrap();
    let bytes = value.to_be_bytes();
    assert_eq!(bytes[6] >> 4, 8);
    assert_eq!(bytes[8] >> 6, 0b10);
}

#[test]
fn uids_under_an_organization_root_fill_64_characters() {
    let root = UidRoot::new("1.2.826.0.1.3680043.10.999").unwrap();
    for i in 0..500 {
        let uid = key(6).uid_under(&root, &i.to_string());
        assert!(uid.starts_with("1.2.826.0.1.3680043.10.999."), "{uid}");
        assert!(is_valid_uid(&uid), "{uid}");
    }
    assert_eq!(key(6).uid_under(&UidRoot::default(), "9"), key(6).uid("9"));
}

#[test]
fn uid_roots_are_validated() {
    for bad in ["", "1..2", "1.02", "1.a", &"1.".repeat(25)] {
        assert!(UidRoot::new(bad).is_err(), "{bad:?} accepted");
    }
    assert_eq!(UidRoot::new("1.2.3.").unwrap().as_str(), "1.2.3");
    assert!(UidRoot::new("0.1").is_ok());
}

#[test]
fn date_shift_covers_the_range_without_zero() {
    let k = key(7);
    let range = DateShiftRange::new(-3, 3).unwrap();
    let mut counts = std::collections::BTreeMap::new();
    for i in 0..6000u32 {
        let shift = k.date_shift_days(&i.to_be_bytes(), &range);
        *counts.entry(shift).or_insert(0) += 1;
    }
    assert_eq!(
        counts.keys().copied().collect::<Vec<_>>(),
        vec![-3, -2, -1, 1, 2, 3]
    );
    // Roughly uniform: each of 6 values near 1000.
    assert!(
        counts.values().all(|&c| (850..1150).contains(&c)),
        "{counts:?}"
    );
    let one = DateShiftRange::new(0, 1).unwrap();
    assert_eq!(k.date_shift_days(b"any", &one), 1);
}

#[test]
fn date_shift_ranges_are_validated() {
    assert!(DateShiftRange::new(1, -1).is_err());
    assert!(DateShiftRange::new(0, 0).is_err());
    assert!(DateShiftRange::new(-40_000, -1).is_err());
    assert!(DateShiftRange::new(-36_525, 36_525).is_ok());
}

#[test]
fn pseudonym_characters_are_uniform() {
    let k = key(8);
    let format: PseudonymFormat = "{hex:64}".parse().unwrap();
    let mut counts = [0u32; 16];
    for i in 0..200u32 {
        for c in k.pseudonym("t", &i.to_be_bytes(), &format).bytes() {
            counts[(c as char).to_digit(16).unwrap() as usize] += 1;
        }
    }
    // 12,800 characters, 800 expected per symbol.
    assert!(
        counts.iter().all(|&c| (680..920).contains(&c)),
        "{counts:?}"
    );
}

#[test]
fn templates_parse_and_print() {
    let f: PseudonymFormat = "ANON^{crockford:8}".parse().unwrap();
    assert_eq!(f.to_string(), "ANON^{crockford:8}");
    assert_eq!(f.len(), 13);
    let p = key(9).pseudonym("x", b"y", &f);
    assert!(
        p.starts_with("ANON^")
            && p[5..]
                .bytes()
                .all(|b| Alphabet::Crockford.chars().contains(&b))
    );
    let f: PseudonymFormat = "PAT-{digits:6}-X".parse().unwrap();
    let p = key(9).pseudonym("x", b"y", &f);
    assert!(
        p.starts_with("PAT-") && p.ends_with("-X") && p.len() == 12,
        "{p}"
    );
}

#[test]
fn bad_templates_are_rejected_with_a_reason() {
    for bad in [
        "ANON",
        "{alnum:8",
        "{alnum}",
        "{base64:8}",
        "{alnum:x}",
        "{alnum:0}",
        "{alnum:65}",
        "A\\B{alnum:4}",
        "É{alnum:4}",
        "{alnum:4}{alnum:4}",
    ] {
        let err = bad.parse::<PseudonymFormat>().unwrap_err();
        assert!(matches!(err, Error::InvalidFormat { .. }), "{bad}: {err}");
    }
}

#[test]
fn debug_never_shows_the_key() {
    let k = PseudonymKey::from_bytes(&[0xAB; 32]);
    let debug = format!("{k:?}");
    assert!(
        !debug.contains("171") && !debug.to_lowercase().contains("ab, "),
        "{debug}"
    );
    assert_eq!(debug, "PseudonymKey(<redacted>)");
}
