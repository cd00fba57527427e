use super::*;

const FULL: &str = r#"
[profile]
options = ["clean-descriptors", "retain-longitudinal-modified-dates"]

[dates]
shift-min-days = -30
shift-max-days = 30

[pseudonyms]
person-name = "SUBJ^{digits:6}"
id = "P{digits:8}"
uid-root = "1.2.826.0.1.3680043.10.999"

[encryption]
scheme = "aes-gcm"

[attributes]
PatientName = "pseudonymize"
PatientAge = { action = "bucketize", band-years = 10, top-code = 90 }
StudyDate = { action = "bucketize", granularity = "month" }
PatientWeight = { action = "bucketize", width = 10 }
"(0010,21B0)" = "remove"
00081030 = "encrypt"

[slicing]
k = 5
columns = [["PatientAge", "PatientSex"]]
"#;

#[test]
fn a_full_recipe_parses() {
    let recipe = Recipe::parse(FULL).unwrap();
    assert!(recipe.profile.has(ProfileOption::CleanDescriptors));
    assert!(
        recipe
            .profile
            .has(ProfileOption::RetainLongitudinalModifiedDates)
    );
    assert_eq!(recipe.date_shift, DateShiftRange::new(-30, 30).unwrap());
    assert_eq!(recipe.person_name_format.to_string(), "SUBJ^{digits:6}");
    assert_eq!(recipe.uid_root.as_str(), "1.2.826.0.1.3680043.10.999");
    assert_eq!(
        recipe.encryption,
        Some(EncryptionSettings {
            scheme: Scheme::AesGcm,
            all_changed: true
        })
    );
    assert_eq!(
        recipe.overrides[&Tag(0x0010, 0x0010)],
        Strategy::Pseudonymize
    );
    assert_eq!(
        recipe.overrides[&Tag(0x0010, 0x1010)],
        Strategy::Bucketize(Bucket::Age {
            band_years: 10,
            top_code: Some(90)
        })
    );
    assert_eq!(
        recipe.overrides[&Tag(0x0008, 0x0020)],
        Strategy::Bucketize(Bucket::Date(DateGranularity::Month))
    );
    assert_eq!(
        recipe.overrides[&Tag(0x0010, 0x1030)],
        Strategy::Bucketize(Bucket::Number { width: 10.0 })
    );
    assert_eq!(recipe.overrides[&Tag(0x0010, 0x21B0)], Strategy::Remove);
    assert_eq!(recipe.overrides[&Tag(0x0008, 0x1030)], Strategy::Encrypt);
    assert_eq!(recipe.slicing.unwrap().k, 5);
}

#[test]
fn an_empty_recipe_is_the_basic_profile() {
    assert_eq!(Recipe::parse("").unwrap(), Recipe::default());
}

#[test]
fn mistakes_are_errors_that_say_what_is_wrong() {
    let cases = [
        (
            "[profile]\noptions = [\"clean-everything\"]",
            "unknown profile option",
        ),
        (
            "[profile]\noptions = [\"retain-uids\"]",
            "allow-dangerous-options",
        ),
        ("[profile]\noption = []", "unknown field"),
        (
            "[attributes]\nPatientNme = \"remove\"",
            "unknown attribute `PatientNme`",
        ),
        ("[attributes]\nPatientName = \"scramble\"", "unknown action"),
        (
            "[attributes]\nPatientAge = \"bucketize\"",
            "needs `band-years`",
        ),
        (
            "[attributes]\nPatientAge = { action = \"bucketize\", width = 0 }",
            "exactly one",
        ),
        (
            "[attributes]\nPatientAge = { action = \"remove\", width = 3 }",
            "takes no parameters",
        ),
        (
            "[attributes]\nPatientName = \"encrypt\"",
            "no [encryption] section",
        ),
        (
            "[dates]\nshift-min-days = 10\nshift-max-days = 1",
            "minimum is above",
        ),
        ("[pseudonyms]\nid = \"{alnum:20}\"", "at most 16"),
        (
            "[pseudonyms]\nperson-name = \"{alnum}\"",
            "invalid pseudonym format",
        ),
        (
            "[encryption]\nscheme = \"rot13\"",
            "unknown encryption scheme",
        ),
        (
            "[slicing]\nk = 3\ncolumns = [[\"Nope\"]]",
            "unknown attribute `Nope`",
        ),
        (
            "[attributes]\nPatientName = \"remove\"\n\"(0010,0010)\" = \"keep\"",
            "listed twice",
        ),
        ("[slicing]\nk = 0", "at least 1"),
    ];
    for (text, expected) in cases {
        let err = Recipe::parse(text).unwrap_err().to_string();
        assert!(err.contains(expected), "{text:?}: {err}");
    }
    assert!(
        Recipe::parse("[profile]\noptions = [\"retain-uids\"]\nallow-dangerous-options = true")
            .unwrap()
            .profile
            .has(ProfileOption::RetainUids)
    );
}

#[test]
fn tags_parse_from_keywords_and_numbers() {
    assert_eq!(parse_tag("PatientID"), Some(Tag(0x0010, 0x0020)));
    assert_eq!(parse_tag("(0009,1001)"), Some(Tag(0x0009, 0x1001)));
    assert_eq!(parse_tag("7FE00010"), Some(Tag(0x7FE0, 0x0010)));
    assert_eq!(parse_tag("Nonsense"), None);
    assert_eq!(parse_tag("(00100010"), Some(Tag(0x0010, 0x0010)));
    assert_eq!(parse_tag("(0010,001G)"), None);
}

#[test]
fn the_module_doc_example_parses() {
    // Keep the example in the module docs valid.
    let doc = include_str!("../recipe.rs");
    let example: String = doc
        .lines()
        .skip_while(|l| !l.starts_with("//! ```toml"))
        .skip(1)
        .take_while(|l| !l.starts_with("//! ```"))
        .map(|l| {
            l.trim_start_matches("//!")
                .strip_prefix(' ')
                .unwrap_or("")
                .to_owned()
                + "\n"
        })
        .collect();
    assert!(example.contains("[slicing]"));
    Recipe::parse(&example).unwrap();
}
