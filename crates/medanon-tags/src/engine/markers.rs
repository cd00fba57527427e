//! Recording what was done (PS3.15 E.1.1) and rebuilding the file meta.

use dicom_core::value::{DataSetSequence, PrimitiveValue};
use dicom_core::{DataElement, VR};
use dicom_dictionary_std::tags;
use dicom_object::{DefaultDicomObject, FileMetaTable, InMemDicomObject};

use super::{ActionRecord, AttributePath, Deidentifier, Reason};
use crate::action::is_well_known_uid;
use crate::error::Result;
use crate::profile::ProfileOption;
use crate::recipe::Recipe;

/// The Implementation Class UID medanon writes into the file meta
/// (a UUID-derived UID made once for this purpose).
pub const IMPLEMENTATION_CLASS_UID: &str = "2.25.177379934574128404470203226014049893131";

/// The Implementation Version Name medanon writes (at most 16 characters).
pub const IMPLEMENTATION_VERSION_NAME: &str = concat!("MEDANON_", env!("CARGO_PKG_VERSION"));

/// The Basic Profile's own code (CID 7050).
const BASIC_PROFILE: (&str, &str) = ("113100", "Basic Application Confidentiality Profile");

/// Adds Patient Identity Removed, De-identification Method (and its code
/// sequence) and Longitudinal Temporal Information Modified.
pub(crate) fn mark(dataset: &mut InMemDicomObject, recipe: &Recipe) {
    let profile = &recipe.profile;
    dataset.put(DataElement::new(
        tags::PATIENT_IDENTITY_REMOVED,
        VR::CS,
        PrimitiveValue::from("YES"),
    ));

    let mut method = vec![format!(
        "DICOM PS3.15 Basic Profile (medanon {})",
        env!("CARGO_PKG_VERSION")
    )];
    method.extend(
        profile
            .options()
            .iter()
            .map(|o| o.code_meaning().to_owned()),
    );
    if !recipe.overrides.is_empty() {
        method.push(format!(
            "{} attribute actions set by recipe",
            recipe.overrides.len()
        ));
    }
    if let Some(encryption) = recipe.encryption {
        method.push(format!("Originals encrypted ({})", encryption.scheme));
    }
    dataset.put(DataElement::new(
        tags::DEIDENTIFICATION_METHOD,
        VR::LO,
        PrimitiveValue::Strs(method.into_iter().collect()),
    ));

    let codes = std::iter::once(BASIC_PROFILE)
        .chain(
            profile
                .options()
                .iter()
                .map(|o| (o.code_value(), o.code_meaning())),
        )
        .map(|(value, meaning)| {
            InMemDicomObject::from_element_iter([
                DataElement::new(tags::CODE_VALUE, VR::SH, PrimitiveValue::from(value)),
                DataElement::new(
                    tags::CODING_SCHEME_DESIGNATOR,
                    VR::SH,
                    PrimitiveValue::from("DCM"),
                ),
                DataElement::new(tags::CODE_MEANING, VR::LO, PrimitiveValue::from(meaning)),
            ])
        })
        .collect::<Vec<_>>();
    dataset.put(DataElement::new(
        tags::DEIDENTIFICATION_METHOD_CODE_SEQUENCE,
        VR::SQ,
        DataSetSequence::from(codes),
    ));

    let temporal = if profile.has(ProfileOption::RetainLongitudinalFullDates) {
        "UNMODIFIED"
    } else if profile.has(ProfileOption::RetainLongitudinalModifiedDates) {
        "MODIFIED"
    } else {
        "REMOVED"
    };
    dataset.put(DataElement::new(
        tags::LONGITUDINAL_TEMPORAL_INFORMATION_MODIFIED,
        VR::CS,
        PrimitiveValue::from(temporal),
    ));
}

/// The de-identified data set with a rebuilt file meta: the Media Storage
/// SOP Instance UID equal to the new SOP Instance UID, medanon as the
/// implementation, and no source, sending or receiving AE titles or private
/// information.
pub(crate) fn with_new_meta(
    dataset: InMemDicomObject,
    mut meta: FileMetaTable,
    engine: &Deidentifier,
    records: &mut Vec<ActionRecord>,
) -> Result<DefaultDicomObject> {
    // The first value only: the meta holds one UID per attribute.
    let text = |tag| {
        dataset
            .get(tag)
            .and_then(|e| e.to_str().ok())
            .and_then(|s| {
                s.split('\\')
                    .next()
                    .map(|v| v.trim_end_matches(['\0', ' ']).to_owned())
            })
            .filter(|v| !v.is_empty())
    };
    let retain_uids = engine.recipe.profile.has(ProfileOption::RetainUids);
    let instance = match text(tags::SOP_INSTANCE_UID) {
        Some(uid) => uid,
        None => {
            let old = meta.media_storage_sop_instance_uid().to_owned();
            if retain_uids || is_well_known_uid(&old) {
                old
            } else {
                engine
                    .keys
                    .pseudonyms()
                    .uid_under(&engine.recipe.uid_root, &old)
            }
        }
    };
    match text(tags::SOP_CLASS_UID) {
        Some(class) => meta.media_storage_sop_class_uid = class,
        None => {
            let class = meta.media_storage_sop_class_uid().to_owned();
            if !retain_uids && !is_well_known_uid(&class) {
                meta.media_storage_sop_class_uid = engine
                    .keys
                    .pseudonyms()
                    .uid_under(&engine.recipe.uid_root, &class);
            }
        }
    }
    meta.media_storage_sop_instance_uid = instance;
    // Whatever the input held, the meta gets valid UIDs (a UID that is not
    // one is replaced by its keyed UID, which is).
    for uid in [
        &mut meta.media_storage_sop_class_uid,
        &mut meta.media_storage_sop_instance_uid,
    ] {
        if !is_valid_uid(uid) {
            *uid = engine
                .keys
                .pseudonyms()
                .uid_under(&engine.recipe.uid_root, uid);
        }
    }
    meta.implementation_class_uid = IMPLEMENTATION_CLASS_UID.to_owned();
    meta.implementation_version_name = Some(IMPLEMENTATION_VERSION_NAME.to_owned());
    for (present, element) in [
        (
            meta.source_application_entity_title.take().is_some(),
            0x0016,
        ),
        (
            meta.sending_application_entity_title.take().is_some(),
            0x0017,
        ),
        (
            meta.receiving_application_entity_title.take().is_some(),
            0x0018,
        ),
        (
            meta.private_information_creator_uid.take().is_some(),
            0x0100,
        ),
        (meta.private_information.take().is_some(), 0x0102),
    ] {
        if present {
            records.push(ActionRecord {
                path: AttributePath::top(dicom_core::Tag(0x0002, element)),
                action: "remove",
                reason: Reason::FileMeta,
            });
        }
    }
    let mut object = dataset.with_exact_meta(meta);
    // Recomputes the group length after the changes above.
    object.update_meta(|_| {});
    Ok(object)
}

/// Digits and dots, no empty component, at most 64 characters.
fn is_valid_uid(uid: &str) -> bool {
    let uid = uid.trim_end_matches('\0');
    !uid.is_empty()
        && uid.len() <= 64
        && uid
            .split('.')
            .all(|c| !c.is_empty() && c.bytes().all(|b| b.is_ascii_digit()))
}
