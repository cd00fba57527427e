use super::*;
use crate::recipe::Bucket;
use crate::values::DateGranularity;
use dicom_core::DataElement;
use medanon_crypto::KeySet;
use rand::SeedableRng;

fn keys() -> KeySet {
    KeySet::parse("1RG9VEXItg37ZgIXsi5pbEu-NBatR-M7zEzjOycirPg=").unwrap()
}

/// Runs `action` on one element built from `vr` and `value`.
fn run(
    action: &dyn AttributeAction,
    tag: Tag,
    vr: VR,
    value: PrimitiveValue,
) -> Result<Outcome, ActionError> {
    run_with(action, tag, vr, value, &ScrubTerms::default(), true)
}

fn run_with(
    action: &dyn AttributeAction,
    tag: Tag,
    vr: VR,
    value: PrimitiveValue,
    terms: &ScrubTerms,
    reliable: bool,
) -> Result<Outcome, ActionError> {
    let keys = keys();
    let recipe = Recipe::default();
    let mut rng = rand::rngs::StdRng::seed_from_u64(7);
    let mut ctx = ActionContext {
        keys: keys.pseudonyms(),
        recipe: &recipe,
        date_shift_days: -10,
        terms,
        text_reliable: reliable,
        rng: &mut rng,
    };
    let element: InMemElement = DataElement::new(tag, vr, value);
    action.apply(&element, &mut ctx)
}

fn text(outcome: Outcome) -> String {
    match outcome {
        Outcome::Replace(v) => v.to_str().into_owned(),
        other => panic!("expected a replacement, got {other:?}"),
    }
}

const NAME: Tag = Tag(0x0010, 0x0010);
const ID: Tag = Tag(0x0010, 0x0020);

#[test]
fn suppression_actions() {
    let v = || PrimitiveValue::from("DOE^JOHN");
    assert_eq!(run(&Remove, NAME, VR::PN, v()).unwrap(), Outcome::Remove);
    assert_eq!(
        run(&Empty, NAME, VR::PN, v()).unwrap(),
        Outcome::Replace(PrimitiveValue::Empty)
    );
    assert_eq!(run(&Keep, NAME, VR::PN, v()).unwrap(), Outcome::Keep);
    assert_eq!(Remove.on_sequence(), SequenceOutcome::Remove);
    assert_eq!(Empty.on_sequence(), SequenceOutcome::Empty);
    assert_eq!(Keep.on_sequence(), SequenceOutcome::Recurse);
}

#[test]
fn dummies_are_valid_for_their_vr() {
    let cases = [
        (VR::PN, PrimitiveValue::from("DOE^JOHN"), "ANONYMOUS"),
        (VR::DA, PrimitiveValue::from("20240315"), "19000101"),
        (VR::TM, PrimitiveValue::from("101112"), "000000"),
        (VR::AS, PrimitiveValue::from("045Y"), "000Y"),
    ];
    for (vr, value, expected) in cases {
        assert_eq!(
            text(run(&Dummy, Tag(0x0010, 0x9999), vr, value).unwrap()),
            expected
        );
    }
    // Binary dummies keep the VR's type.
    let out = run(
        &Dummy,
        Tag(0x0018, 0x9999),
        VR::US,
        PrimitiveValue::from(512_u16),
    )
    .unwrap();
    assert_eq!(out, Outcome::Replace(PrimitiveValue::from(0_u16)));
    // UIDs get their keyed replacement.
    let uid = text(
        run(
            &Dummy,
            Tag(0x0020, 0x000D),
            VR::UI,
            PrimitiveValue::from("1.2.3.4"),
        )
        .unwrap(),
    );
    assert_eq!(uid, keys().pseudonyms().uid("1.2.3.4"));
}

#[test]
fn uids_are_replaced_consistently_and_well_known_ones_kept() {
    let replaced = text(
        run(
            &ReplaceUid,
            Tag(0x0008, 0x1155),
            VR::UI,
            PrimitiveValue::from("1.2.3.4\0"),
        )
        .unwrap(),
    );
    assert_eq!(replaced, keys().pseudonyms().uid("1.2.3.4"));
    let ct_image_storage = "1.2.840.10008.5.1.4.1.1.2";
    let kept = run(
        &ReplaceUid,
        Tag(0x0008, 0x1150),
        VR::UI,
        PrimitiveValue::from(ct_image_storage),
    )
    .unwrap();
    assert_eq!(text(kept), ct_image_storage);
    let multi = run(
        &ReplaceUid,
        Tag(0x0008, 0x1155),
        VR::UI,
        PrimitiveValue::Strs(
            ["1.2.3".to_owned(), "1.2.840.10008.1.2".to_owned()]
                .into_iter()
                .collect(),
        ),
    )
    .unwrap();
    assert_eq!(
        text(multi),
        format!("{}\\1.2.840.10008.1.2", keys().pseudonyms().uid("1.2.3"))
    );
    assert!(run(&ReplaceUid, NAME, VR::PN, PrimitiveValue::from("X")).is_err());
}

#[test]
fn pseudonyms_normalize_names_and_share_patient_id_purpose() {
    let a = text(
        run(
            &Pseudonymize,
            NAME,
            VR::PN,
            PrimitiveValue::from("Doe^John ^^"),
        )
        .unwrap(),
    );
    let b = text(
        run(
            &Pseudonymize,
            NAME,
            VR::PN,
            PrimitiveValue::from("DOE^JOHN"),
        )
        .unwrap(),
    );
    assert_eq!(a, b);
    assert!(a.starts_with("ANON^") && a.len() == 13, "{a}");
    let id = text(run(&Pseudonymize, ID, VR::LO, PrimitiveValue::from("PAT-001")).unwrap());
    let other_ids = text(
        run(
            &Pseudonymize,
            Tag(0x0010, 0x1000),
            VR::LO,
            PrimitiveValue::from("PAT-001"),
        )
        .unwrap(),
    );
    assert_eq!(
        id, other_ids,
        "Patient ID and Other Patient IDs share a purpose"
    );
    let accession = text(
        run(
            &Pseudonymize,
            Tag(0x0008, 0x0050),
            VR::SH,
            PrimitiveValue::from("PAT-001"),
        )
        .unwrap(),
    );
    assert_ne!(id, accession);
    let date = text(
        run(
            &Pseudonymize,
            Tag(0x0008, 0x0020),
            VR::DA,
            PrimitiveValue::from("20240315"),
        )
        .unwrap(),
    );
    assert_eq!(date, "20240305");
    assert!(
        run(
            &Pseudonymize,
            Tag(0x0010, 0x1030),
            VR::DS,
            PrimitiveValue::from("72.5")
        )
        .is_err()
    );
}

#[test]
fn randomized_values_differ_and_stay_valid() {
    let a = text(run(&Randomize, NAME, VR::PN, PrimitiveValue::from("DOE^JOHN")).unwrap());
    assert!(crate::values::is_valid_text(VR::PN, &a), "{a}");
    let uid = text(
        run(
            &Randomize,
            Tag(0x0020, 0x000D),
            VR::UI,
            PrimitiveValue::from("1.2.3"),
        )
        .unwrap(),
    );
    assert!(uid.starts_with("2.25.") && crate::values::is_valid_text(VR::UI, &uid));
}

#[test]
fn bucketization_by_vr() {
    let age = Bucketize(Bucket::Age {
        band_years: 10,
        top_code: Some(90),
    });
    assert_eq!(
        text(
            run(
                &age,
                Tag(0x0010, 0x1010),
                VR::AS,
                PrimitiveValue::from("047Y")
            )
            .unwrap()
        ),
        "040Y"
    );
    assert_eq!(
        text(
            run(
                &age,
                Tag(0x0010, 0x1010),
                VR::AS,
                PrimitiveValue::from("093Y")
            )
            .unwrap()
        ),
        "090Y"
    );
    let month = Bucketize(Bucket::Date(DateGranularity::Month));
    assert_eq!(
        text(
            run(
                &month,
                Tag(0x0008, 0x0020),
                VR::DA,
                PrimitiveValue::from("20240315")
            )
            .unwrap()
        ),
        "20240301"
    );
    let width = Bucketize(Bucket::Number { width: 10.0 });
    assert_eq!(
        text(
            run(
                &width,
                Tag(0x0010, 0x1030),
                VR::DS,
                PrimitiveValue::from("72.5")
            )
            .unwrap()
        ),
        "70"
    );
    assert_eq!(
        run(
            &width,
            Tag(0x0018, 0x9999),
            VR::US,
            PrimitiveValue::from(517_u16)
        )
        .unwrap(),
        Outcome::Replace(PrimitiveValue::from(510_u16))
    );
    assert!(
        run(
            &age,
            Tag(0x0008, 0x0020),
            VR::DA,
            PrimitiveValue::from("20240315")
        )
        .is_err()
    );
    assert!(
        run(
            &month,
            Tag(0x0008, 0x0020),
            VR::DA,
            PrimitiveValue::from("2024XX15")
        )
        .is_err()
    );
}

#[test]
fn cleaning_blanks_identifying_terms_digits_and_emails() {
    let terms = ScrubTerms::from_values(["DOE^JOHN", "General Hospital of Springfield"]);
    let cleaned = run_with(
        &Clean,
        Tag(0x0008, 0x1030),
        VR::LO,
        PrimitiveValue::from(
            "MRI head, john doe, 2024-03-15, call 555-123-4567, j.doe@example.org",
        ),
        &terms,
        true,
    )
    .unwrap();
    let cleaned = text(cleaned);
    for leak in ["john", "doe", "2024", "555", "example"] {
        assert!(
            !cleaned.to_lowercase().contains(leak),
            "{leak} in {cleaned}"
        );
    }
    assert!(cleaned.starts_with("MRI head"), "{cleaned}");
    // Hospital words are terms too.
    assert_eq!(terms.scrub("Springfield protocol"), "* protocol");
    // Text in an unreliable character set is emptied.
    let unreliable = run_with(
        &Clean,
        Tag(0x0008, 0x1030),
        VR::LO,
        PrimitiveValue::from("x"),
        &terms,
        false,
    )
    .unwrap();
    assert_eq!(unreliable, Outcome::Replace(PrimitiveValue::Empty));
    // Binary values cannot be cleaned: removed.
    let binary = run(
        &Clean,
        Tag(0x6000, 0x3000),
        VR::OW,
        PrimitiveValue::U16([1, 2].into()),
    )
    .unwrap();
    assert_eq!(binary, Outcome::Remove);
}

#[test]
fn empty_values_stay_empty() {
    let out = run(&Pseudonymize, NAME, VR::PN, PrimitiveValue::from("")).unwrap();
    assert_eq!(out, Outcome::Keep);
}
