//! Encryption of originals and re-identification: `reidentify` with the key
//! restores the original attributes exactly; without it nothing leaks.

#![allow(clippy::unwrap_used, clippy::expect_used)] // a failed unwrap is a failed test

mod common;

use common::{contains, dicom_testdata, keys, to_bytes};
use dicom_dictionary_std::tags;
use dicom_object::DefaultDicomObject;
use medanon_crypto::Scheme;
use medanon_tags::{
    Deidentifier, EncryptionSettings, Error, Limits, Profile, Recipe, Strategy, open_dicom,
    parse_dicom, reidentify,
};

fn recipe(scheme: Scheme) -> Recipe {
    Recipe {
        profile: Profile::basic().clean_descriptors(),
        encryption: Some(EncryptionSettings {
            scheme,
            all_changed: true,
        }),
        ..Recipe::default()
    }
}

/// The data set as the writer would encode it, for a comparison that
/// ignores in-memory representation (padding, Str vs Strs).
fn encoded_dataset(object: &DefaultDicomObject) -> Vec<u8> {
    let mut bytes = Vec::new();
    object
        .write_dataset_with_ts(
            &mut bytes,
            &dicom_transfer_syntax_registry::entries::EXPLICIT_VR_LITTLE_ENDIAN.erased(),
        )
        .unwrap();
    bytes
}

#[test]
fn reidentify_restores_the_originals_exactly() {
    let Some(dir) = dicom_testdata() else { return };
    for scheme in [Scheme::Fernet, Scheme::AesGcm] {
        let engine = Deidentifier::new(recipe(scheme), keys());
        for name in [
            "pydicom/CT_small.dcm",
            "pydicom/test-SR.dcm",
            "deid/ctbrain1.dcm",
            "pydicom/rtplan.dcm",
            "charsets/chrH32.dcm",
        ] {
            let read = || open_dicom(&dir.join(name), &Limits::default()).unwrap();
            let original = read();
            let patient = original
                .get(tags::PATIENT_NAME)
                .unwrap()
                .to_str()
                .unwrap()
                .into_owned();
            let (anonymous, _) = engine.deidentify(read()).unwrap();
            let bytes = to_bytes(&anonymous);
            let patient_ascii: String = patient
                .chars()
                .filter(|c| c.is_ascii_alphabetic())
                .collect();
            if patient_ascii.len() >= 4 {
                assert!(
                    !contains(&bytes, patient_ascii.as_bytes()),
                    "{name}: name in clear"
                );
            }
            // Through real bytes, as a custodian would receive the file.
            let restored = reidentify(parse_dicom(&bytes).unwrap(), &keys()).unwrap();
            assert_eq!(
                encoded_dataset(&restored),
                encoded_dataset(&original),
                "{name} ({scheme}): restored data set differs"
            );
            assert_eq!(
                restored.meta().media_storage_sop_instance_uid(),
                original.meta().media_storage_sop_instance_uid(),
                "{name}"
            );
        }
    }
}

#[test]
fn the_wrong_key_restores_nothing() {
    let Some(dir) = dicom_testdata() else { return };
    let engine = Deidentifier::new(recipe(Scheme::Fernet), keys());
    let object = open_dicom(&dir.join("pydicom/CT_small.dcm"), &Limits::default()).unwrap();
    let (anonymous, _) = engine.deidentify(object).unwrap();
    let other = medanon_crypto::KeySet::generate().unwrap();
    let err = reidentify(anonymous, &other).unwrap_err();
    assert!(matches!(err, Error::Reidentify { .. }), "{err}");
    // An object without the sequence says so.
    let plain = Deidentifier::new(Recipe::default(), keys());
    let object = open_dicom(&dir.join("pydicom/CT_small.dcm"), &Limits::default()).unwrap();
    let (anonymous, _) = plain.deidentify(object).unwrap();
    assert!(
        reidentify(anonymous, &keys())
            .unwrap_err()
            .to_string()
            .contains("(0400,0500)")
    );
}

#[test]
fn aes_gcm_originals_are_bound_to_their_object() {
    let Some(dir) = dicom_testdata() else { return };
    let engine = Deidentifier::new(recipe(Scheme::AesGcm), keys());
    let read = |n: &str| open_dicom(&dir.join(n), &Limits::default()).unwrap();
    let (mut a, _) = engine.deidentify(read("pydicom/CT_small.dcm")).unwrap();
    let (b, _) = engine.deidentify(read("pydicom/MR_small.dcm")).unwrap();
    // Move B's encrypted originals into A: they must not open there.
    a.put(b.get(tags::ENCRYPTED_ATTRIBUTES_SEQUENCE).unwrap().clone());
    assert!(reidentify(a, &keys()).is_err());
}

#[test]
fn listed_mode_keeps_only_the_listed_attributes() {
    let Some(dir) = dicom_testdata() else { return };
    let mut recipe = recipe(Scheme::Fernet);
    recipe.encryption = Some(EncryptionSettings {
        scheme: Scheme::Fernet,
        all_changed: false,
    });
    recipe
        .overrides
        .insert(tags::PATIENT_NAME, Strategy::Encrypt);
    let engine = Deidentifier::new(recipe, keys());
    let original = open_dicom(&dir.join("pydicom/CT_small.dcm"), &Limits::default()).unwrap();
    let name = original.get(tags::PATIENT_NAME).unwrap().clone();
    let id = original.get(tags::PATIENT_ID).unwrap().clone();
    let (anonymous, report) = engine.deidentify(original).unwrap();
    assert!(
        report
            .actions
            .iter()
            .any(|r| r.path.to_string() == "(0010,0010)")
    );
    let restored = reidentify(anonymous, &keys()).unwrap();
    assert_eq!(restored.get(tags::PATIENT_NAME), Some(&name));
    assert_ne!(
        restored.get(tags::PATIENT_ID),
        Some(&id),
        "not listed, not restored"
    );
}
