//! Real files: every file of the shared test data is de-identified and
//! re-readable, or rejected with a clear error; UID references resolve
//! across files; shifted dates keep their intervals.

#![allow(clippy::unwrap_used, clippy::expect_used)] // a failed unwrap is a failed test

mod common;

use std::collections::BTreeMap;

use common::{contains, dicom_files, dicom_testdata, keys, to_bytes};
use dicom_core::header::Header;
use dicom_core::value::{DataSetSequence, PrimitiveValue};
use dicom_core::{DataElement, Tag, VR};
use dicom_dictionary_std::tags;
use dicom_object::DefaultDicomObject;
use medanon_tags::{Deidentifier, Error, Limits, Profile, Recipe, open_dicom, parse_dicom, values};

fn text(object: &DefaultDicomObject, tag: Tag) -> Option<String> {
    object
        .get(tag)
        .and_then(|e| e.to_str().ok())
        .map(|s| s.trim_end_matches(['\0', ' ']).to_owned())
}

#[test]
fn every_test_file_is_deidentified_or_rejected_clearly() {
    let Some(dir) = dicom_testdata() else { return };
    let engine = Deidentifier::new(Recipe::default(), keys());
    let out_dir = tempfile::tempdir().unwrap();
    let (mut done, mut rejected) = (0, Vec::new());
    for path in dicom_files(&dir) {
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        let object = match open_dicom(&path, &Limits::default()) {
            Ok(object) => object,
            Err(e) => {
                assert!(
                    matches!(
                        e,
                        Error::NotDicom { .. } | Error::Parse { .. } | Error::LimitExceeded { .. }
                    ),
                    "{name}: unexpected error kind {e:?}"
                );
                let message = e.to_string();
                assert!(
                    message.contains(&name) && !message.contains('\n'),
                    "{message}"
                );
                rejected.push(name);
                continue;
            }
        };
        let name_before = text(&object, tags::PATIENT_NAME).unwrap_or_default();
        let id_before = text(&object, tags::PATIENT_ID).unwrap_or_default();
        let output = out_dir.path().join(&name);
        engine
            .deidentify_file(&path, &output, false)
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        let bytes = std::fs::read(&output).unwrap();
        let again = parse_dicom(&bytes).unwrap_or_else(|e| panic!("{name} does not re-read: {e}"));
        assert_eq!(
            text(&again, tags::PATIENT_IDENTITY_REMOVED).as_deref(),
            Some("YES"),
            "{name}"
        );
        for original in [&name_before, &id_before] {
            if original.len() >= 4 {
                assert!(
                    !contains(&bytes, original.as_bytes()),
                    "{name}: {original:?} survived"
                );
            }
        }
        if let Some(uid) = text(&again, tags::SOP_INSTANCE_UID) {
            assert_eq!(again.meta().media_storage_sop_instance_uid(), uid, "{name}");
        }
        done += 1;
    }
    assert!(done >= 99, "only {done} files de-identified");
    // Exactly the files that are truncated, without file meta essentials, or
    // carry a UN sequence the parser cannot read.
    assert_eq!(
        rejected,
        [
            "MR_truncated.dcm",
            "UN_sequence.dcm",
            "meta_missing_tsyntax.dcm",
            "no_meta.dcm",
            "no_meta_group_length.dcm",
            "rtplan_truncated.dcm"
        ]
    );
}

#[test]
fn inputs_are_never_modified_and_outputs_never_overwritten() {
    let Some(dir) = dicom_testdata() else { return };
    let input = dir.join("pydicom/CT_small.dcm");
    let before = std::fs::read(&input).unwrap();
    let engine = Deidentifier::new(Recipe::default(), keys());
    let out = tempfile::tempdir().unwrap();
    let output = out.path().join("ct.dcm");
    engine.deidentify_file(&input, &output, false).unwrap();
    let first = std::fs::read(&output).unwrap();
    assert!(matches!(
        engine.deidentify_file(&input, &output, false),
        Err(Error::OutputExists { .. })
    ));
    assert!(matches!(
        engine.deidentify_file(&input, &input, true),
        Err(Error::OutputIsInput { .. })
    ));
    assert_eq!(std::fs::read(&input).unwrap(), before);
    // Same key, same input: the same bytes.
    engine.deidentify_file(&input, &output, true).unwrap();
    assert_eq!(std::fs::read(&output).unwrap(), first);
    // A corrupt input leaves no output and no temporary file.
    let bad = out.path().join("bad.dcm");
    std::fs::write(&bad, &before[..before.len() / 2]).unwrap();
    assert!(
        engine
            .deidentify_file(&bad, out.path().join("bad-out.dcm"), false)
            .is_err()
    );
    let mut names: Vec<_> = std::fs::read_dir(out.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    names.sort();
    assert_eq!(names, ["bad.dcm", "ct.dcm"]);
}

#[test]
fn uid_references_resolve_across_files() {
    let Some(dir) = dicom_testdata() else { return };
    let engine = Deidentifier::new(Recipe::default(), keys());
    let read = |name: &str| open_dicom(&dir.join(name), &Limits::default()).unwrap();
    // Files of one patient: UIDs map one to one (equal originals, equal
    // replacements; different originals, different replacements).
    let uid_tags = [
        tags::STUDY_INSTANCE_UID,
        tags::SERIES_INSTANCE_UID,
        tags::SOP_INSTANCE_UID,
    ];
    let names = [
        "deid/ctbrain1.dcm",
        "deid/ctbrain2.dcm",
        "deid/cookies/image1.dcm",
        "deid/cookies/image2.dcm",
    ];
    let originals: Vec<_> = names.iter().map(|n| read(n)).collect();
    let outputs: Vec<_> = names
        .iter()
        .map(|n| engine.deidentify(read(n)).unwrap())
        .collect();
    for i in 0..names.len() {
        for j in 0..names.len() {
            for tag in uid_tags {
                let same_before = text(&originals[i], tag) == text(&originals[j], tag);
                let same_after = text(&outputs[i].0, tag) == text(&outputs[j].0, tag);
                assert_eq!(
                    same_before, same_after,
                    "{} vs {} {tag}",
                    names[i], names[j]
                );
            }
        }
    }
    assert_eq!(
        outputs[2].1.patient_pseudonym,
        outputs[3].1.patient_pseudonym
    );
    assert_ne!(
        outputs[0].1.patient_pseudonym,
        outputs[2].1.patient_pseudonym
    );
    let a = &outputs[0].0;

    // An object referring to CT_small (as a presentation state or SR would):
    // after both are de-identified, the reference still points at it.
    let ct = read("pydicom/CT_small.dcm");
    let ct_uid = text(&ct, tags::SOP_INSTANCE_UID).unwrap();
    let mut referring = read("pydicom/MR_small.dcm");
    let reference = dicom_object::InMemDicomObject::from_element_iter([
        DataElement::new(
            tags::REFERENCED_SOP_CLASS_UID,
            VR::UI,
            PrimitiveValue::from("1.2.840.10008.5.1.4.1.1.2"),
        ),
        DataElement::new(
            tags::REFERENCED_SOP_INSTANCE_UID,
            VR::UI,
            PrimitiveValue::from(ct_uid.as_str()),
        ),
    ]);
    referring.put(DataElement::new(
        tags::REFERENCED_IMAGE_SEQUENCE,
        VR::SQ,
        DataSetSequence::from(vec![reference]),
    ));
    let (ct_out, _) = engine.deidentify(ct).unwrap();
    let (referring_out, _) = engine.deidentify(referring).unwrap();
    let item = &referring_out
        .get(tags::REFERENCED_IMAGE_SEQUENCE)
        .unwrap()
        .items()
        .unwrap()[0];
    let referenced = item
        .get(tags::REFERENCED_SOP_INSTANCE_UID)
        .unwrap()
        .to_str()
        .unwrap();
    assert_eq!(
        Some(referenced.trim_end_matches('\0').to_owned()),
        text(&ct_out, tags::SOP_INSTANCE_UID)
    );
    assert_ne!(referenced, ct_uid);
    let class = item
        .get(tags::REFERENCED_SOP_CLASS_UID)
        .unwrap()
        .to_str()
        .unwrap();
    assert_eq!(
        class.trim_end_matches('\0'),
        "1.2.840.10008.5.1.4.1.1.2",
        "well-known UIDs stay"
    );

    // Another key gives other UIDs: the mapping is keyed.
    let other = Deidentifier::new(
        Recipe::default(),
        medanon_crypto::KeySet::generate().unwrap(),
    );
    let (c, _) = other.deidentify(read("deid/ctbrain1.dcm")).unwrap();
    assert_ne!(
        text(a, tags::STUDY_INSTANCE_UID),
        text(&c, tags::STUDY_INSTANCE_UID)
    );
}

/// Every DA value at the top level, by tag.
fn dates(object: &DefaultDicomObject) -> BTreeMap<Tag, String> {
    object
        .iter()
        .filter(|e| e.vr() == VR::DA)
        .filter_map(|e| e.to_str().ok().map(|s| (e.tag(), s.trim().to_owned())))
        .filter(|(_, v)| v.len() == 8)
        .collect()
}

fn days(date: &str) -> i64 {
    values::parse_da(date).unwrap().to_days()
}

#[test]
fn shifted_dates_keep_their_intervals() {
    let Some(dir) = dicom_testdata() else { return };
    let recipe = Recipe {
        profile: Profile::basic().retain_modified_dates(),
        ..Recipe::default()
    };
    let engine = Deidentifier::new(recipe, keys());
    let read = |name: &str| open_dicom(&dir.join(name), &Limits::default()).unwrap();
    let original = read("pydicom/CT_small.dcm");
    let before = dates(&original);
    assert!(
        before.len() >= 3,
        "CT_small has study, series, acquisition and content dates"
    );
    let (output, report) = engine.deidentify(original).unwrap();
    let after = dates(&output);
    let shift = i64::from(report.date_shift_days.unwrap());
    assert!(shift != 0 && (-365..=-1).contains(&shift));
    for (tag, date) in &before {
        let new = after.get(tag).unwrap_or_else(|| panic!("{tag} lost"));
        assert_eq!(days(new) - days(date), shift, "{tag}");
    }
    assert_eq!(
        text(&output, tags::LONGITUDINAL_TEMPORAL_INFORMATION_MODIFIED).as_deref(),
        Some("MODIFIED")
    );
    // Two studies of one patient get the same shift; another patient another.
    let (_, first) = engine.deidentify(read("deid/cookies/image1.dcm")).unwrap();
    let (_, second) = engine.deidentify(read("deid/cookies/image2.dcm")).unwrap();
    assert_eq!(first.date_shift_days, second.date_shift_days);
    assert_ne!(first.date_shift_days, report.date_shift_days);
    // And the basic profile removes the dates instead.
    let (basic, _) = Deidentifier::new(Recipe::default(), keys())
        .deidentify(read("pydicom/CT_small.dcm"))
        .unwrap();
    assert!(
        text(&basic, tags::STUDY_DATE)
            .unwrap_or_default()
            .is_empty()
    );
}

#[test]
fn bytes_round_trip_through_the_writer() {
    let Some(dir) = dicom_testdata() else { return };
    let engine = Deidentifier::new(Recipe::default(), keys());
    let object = open_dicom(&dir.join("pydicom/test-SR.dcm"), &Limits::default()).unwrap();
    let (output, report) = engine.deidentify(object).unwrap();
    let bytes = to_bytes(&output);
    let again = parse_dicom(&bytes).unwrap();
    assert_eq!(to_bytes(&again), bytes, "the output reads back as written");
    assert!(
        report
            .actions
            .iter()
            .any(|r| r.path.to_string().starts_with("(0040,A730)"))
            || output.get(tags::CONTENT_SEQUENCE).is_none()
    );
}

#[test]
fn structured_content_is_replaced_by_the_basic_profile_and_kept_clean_by_the_option() {
    let Some(dir) = dicom_testdata() else { return };
    let read = || open_dicom(&dir.join("pydicom/test-SR.dcm"), &Limits::default()).unwrap();
    let original = to_bytes(&read());
    assert!(contains(&original, b"A mass of"));
    let (basic, _) = Deidentifier::new(Recipe::default(), keys())
        .deidentify(read())
        .unwrap();
    let basic = to_bytes(&basic);
    assert!(
        !contains(&basic, b"A mass of"),
        "free text of SR content survived the basic profile"
    );
    assert!(
        contains(&basic, b"CONTAINER"),
        "the SR structure (value types) stays"
    );
    let recipe = Recipe {
        profile: Profile::basic().clean_structured_content(),
        ..Recipe::default()
    };
    let (cleaned, _) = Deidentifier::new(recipe, keys())
        .deidentify(read())
        .unwrap();
    assert!(
        contains(&to_bytes(&cleaned), b"A mass of"),
        "clean structured content keeps clean text"
    );
}
