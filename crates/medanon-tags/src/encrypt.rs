//! Encryption of original attributes for authorized re-identification.
//!
//! PS3.15 E.1.1 keeps the originals of modified attributes in the Encrypted
//! Attributes Sequence (0400,0500). Each item holds an Encrypted Content
//! Transfer Syntax UID (0400,0510) and Encrypted Content (0400,0520). The
//! standard wraps the content in CMS; medanon stores a Fernet or AES-GCM
//! token from `medanon-crypto` instead (its ASCII text as OB), so that the
//! project key file is all that re-identification needs.
//!
//! The decrypted content is a data set in Explicit VR Little Endian (the UID
//! in (0400,0510)) holding a Modified Attributes Sequence (0400,0550) with
//! one item: the original value of every top-level attribute that the
//! de-identification changed, removed or would otherwise lose (a sequence
//! whose items changed is stored whole), and the original Specific Character
//! Set; a private block (0041,xxxx) with creator `MEDANON ORIGINAL FILE META`
//! keeps the file meta values the de-identification rewrote (Media Storage
//! SOP Instance and Class UIDs, implementation, AE titles, private
//! information). AES-GCM tokens are bound to the de-identified SOP Instance UID, so
//! they cannot be moved to another object.

use std::collections::BTreeSet;
use std::path::PathBuf;

use dicom_core::header::Header;
use dicom_core::value::{DataSetSequence, PrimitiveValue};
use dicom_core::{DataElement, Tag, VR};
use dicom_dictionary_std::tags;
use dicom_dictionary_std::uids::EXPLICIT_VR_LITTLE_ENDIAN;
use dicom_object::{DefaultDicomObject, FileMetaTable, InMemDicomObject};
use dicom_transfer_syntax_registry::entries;
use medanon_crypto::{KeySet, Scheme};

use crate::error::{Error, Result};
use crate::recipe::EncryptionSettings;

/// Attributes the de-identification adds; re-identification removes them
/// before restoring the originals (which include them if they existed).
const ADDED_BY_DEIDENTIFICATION: [Tag; 5] = [
    tags::PATIENT_IDENTITY_REMOVED,
    tags::DEIDENTIFICATION_METHOD,
    tags::DEIDENTIFICATION_METHOD_CODE_SEQUENCE,
    tags::LONGITUDINAL_TEMPORAL_INFORMATION_MODIFIED,
    tags::ENCRYPTED_ATTRIBUTES_SEQUENCE,
];

/// The Encrypted Attributes Sequence item for `output`, holding the
/// originals from `original`, or `None` when nothing needs keeping.
pub(crate) fn encrypted_attributes_item(
    keys: &KeySet,
    settings: EncryptionSettings,
    original: &InMemDicomObject,
    original_meta: &FileMetaTable,
    output: &InMemDicomObject,
    listed: &BTreeSet<Tag>,
) -> Result<Option<InMemDicomObject>> {
    let kept: Vec<DataElement<InMemDicomObject>> = original
        .iter()
        .filter(|element| {
            let tag = element.tag();
            let changed = output.get(tag) != Some(*element);
            listed.contains(&tag)
                || ADDED_BY_DEIDENTIFICATION.contains(&tag)
                || (settings.all_changed && changed)
        })
        .cloned()
        .collect();
    if kept.is_empty() {
        return Ok(None);
    }
    let mut item = Vec::with_capacity(kept.len() + 1);
    if let Some(charset) = original.get(tags::SPECIFIC_CHARACTER_SET) {
        item.push(charset.clone());
    }
    item.extend(kept);
    let mut payload = InMemDicomObject::from_element_iter(
        [
            original.get(tags::SPECIFIC_CHARACTER_SET).cloned(),
            Some(DataElement::new(
                tags::MODIFIED_ATTRIBUTES_SEQUENCE,
                VR::SQ,
                DataSetSequence::from(vec![InMemDicomObject::from_element_iter(item)]),
            )),
        ]
        .into_iter()
        .flatten(),
    );
    store_meta(&mut payload, original_meta);
    let mut bytes = Vec::new();
    payload
        .write_dataset_with_ts(&mut bytes, &entries::EXPLICIT_VR_LITTLE_ENDIAN.erased())
        .map_err(|e| Error::Unsupported {
            path: PathBuf::new(),
            reason: format!("cannot encode the original attributes: {e}"),
        })?;
    let aad = binding(settings.scheme, output);
    let token = keys.encrypt(settings.scheme, &bytes, aad.as_bytes())?;
    let mut content = token.into_bytes();
    if content.len() % 2 == 1 {
        content.push(0); // OB values have even length
    }
    Ok(Some(InMemDicomObject::from_element_iter([
        DataElement::new(
            tags::ENCRYPTED_CONTENT_TRANSFER_SYNTAX_UID,
            VR::UI,
            PrimitiveValue::from(EXPLICIT_VR_LITTLE_ENDIAN),
        ),
        DataElement::new(
            tags::ENCRYPTED_CONTENT,
            VR::OB,
            PrimitiveValue::from(content),
        ),
    ])))
}

/// The private block of the payload that keeps the original file meta.
const META_GROUP: u16 = 0x0041;
const META_CREATOR: &str = "MEDANON ORIGINAL FILE META";

/// The file meta values medanon rewrites, by element offset in the block.
fn meta_fields(meta: &mut FileMetaTable) -> [(u8, MetaField<'_>); 8] {
    [
        (
            0x01,
            MetaField::Required(&mut meta.media_storage_sop_instance_uid),
        ),
        (
            0x02,
            MetaField::Required(&mut meta.media_storage_sop_class_uid),
        ),
        (
            0x03,
            MetaField::Required(&mut meta.implementation_class_uid),
        ),
        (
            0x04,
            MetaField::Optional(&mut meta.implementation_version_name),
        ),
        (
            0x05,
            MetaField::Optional(&mut meta.source_application_entity_title),
        ),
        (
            0x06,
            MetaField::Optional(&mut meta.sending_application_entity_title),
        ),
        (
            0x07,
            MetaField::Optional(&mut meta.receiving_application_entity_title),
        ),
        (
            0x08,
            MetaField::Optional(&mut meta.private_information_creator_uid),
        ),
    ]
}

enum MetaField<'a> {
    Required(&'a mut String),
    Optional(&'a mut Option<String>),
}

/// Keeps the original file meta in the payload's private block.
fn store_meta(payload: &mut InMemDicomObject, meta: &FileMetaTable) {
    let mut meta = meta.clone();
    payload.put(DataElement::new(
        Tag(META_GROUP, 0x0010),
        VR::LO,
        PrimitiveValue::from(META_CREATOR),
    ));
    for (offset, field) in meta_fields(&mut meta) {
        let value = match field {
            MetaField::Required(v) => Some(v.clone()),
            MetaField::Optional(v) => v.clone(),
        };
        if let Some(value) = value {
            payload.put(DataElement::new(
                Tag(META_GROUP, 0x1000 | u16::from(offset)),
                VR::UT,
                PrimitiveValue::from(value),
            ));
        }
    }
    if let Some(private) = meta.private_information {
        payload.put(DataElement::new(
            Tag(META_GROUP, 0x1010),
            VR::OB,
            PrimitiveValue::from(private),
        ));
    }
}

/// Puts the original file meta of the payload back into `meta`.
fn restore_meta(payload: &InMemDicomObject, meta: &mut FileMetaTable) {
    let creator = payload
        .get(Tag(META_GROUP, 0x0010))
        .and_then(|e| e.to_str().ok())
        .is_some_and(|c| c.trim() == META_CREATOR);
    if !creator {
        return;
    }
    let text = |offset: u8| {
        payload
            .get(Tag(META_GROUP, 0x1000 | u16::from(offset)))
            .and_then(|e| e.to_str().ok())
            .map(|s| s.into_owned())
    };
    let private = payload
        .get(Tag(META_GROUP, 0x1010))
        .and_then(|e| e.to_bytes().ok())
        .map(|b| b.into_owned());
    for (offset, field) in meta_fields(meta) {
        match field {
            MetaField::Required(v) => {
                if let Some(value) = text(offset) {
                    *v = value;
                }
            }
            MetaField::Optional(v) => *v = text(offset),
        }
    }
    meta.private_information = private;
}

/// The associated data an AES-GCM token is bound to: the de-identified SOP
/// Instance UID. Fernet has no associated data.
fn binding(scheme: Scheme, object: &InMemDicomObject) -> String {
    match scheme {
        Scheme::AesGcm => object
            .get(tags::SOP_INSTANCE_UID)
            .and_then(|e| e.to_str().ok())
            .map(|s| s.trim_end_matches(['\0', ' ']).to_owned())
            .unwrap_or_default(),
        _ => String::new(),
    }
}

/// Restores the original attributes of a de-identified object from its
/// Encrypted Attributes Sequence, with the key set that made it.
///
/// # Errors
/// [`Error::Reidentify`] when the object has no sequence or none of its
/// items opens with `keys`, [`Error::Crypto`] for a malformed token.
pub fn reidentify(object: DefaultDicomObject, keys: &KeySet) -> Result<DefaultDicomObject> {
    let fail = |reason: &str| Error::Reidentify {
        path: PathBuf::new(),
        reason: reason.to_owned(),
    };
    let mut meta = object.meta().clone();
    let mut dataset = object.into_inner();
    let sequence = dataset
        .get(tags::ENCRYPTED_ATTRIBUTES_SEQUENCE)
        .ok_or_else(|| fail("it has no Encrypted Attributes Sequence (0400,0500)"))?;
    let items = sequence.items().unwrap_or(&[]);
    let mut payload = None;
    for item in items {
        let Some(content) = item
            .get(tags::ENCRYPTED_CONTENT)
            .and_then(|e| e.to_bytes().ok())
        else {
            continue;
        };
        let text = String::from_utf8_lossy(&content);
        let token = text.trim_end_matches(['\0', ' ']);
        let scheme = medanon_crypto::detect_scheme(token)?;
        if let Ok(bytes) = keys.decrypt(token, binding(scheme, &dataset).as_bytes()) {
            payload = Some(bytes);
            break;
        }
    }
    let bytes = payload.ok_or_else(|| {
        fail("no Encrypted Content opens with this key (wrong key, or content altered)")
    })?;
    let decoded = InMemDicomObject::read_dataset_with_ts(
        &bytes[..],
        &entries::EXPLICIT_VR_LITTLE_ENDIAN.erased(),
    )
    .map_err(|_| fail("the decrypted content is not a data set"))?;
    let originals = decoded
        .get(tags::MODIFIED_ATTRIBUTES_SEQUENCE)
        .and_then(|e| e.items())
        .and_then(|items| items.first())
        .ok_or_else(|| fail("the decrypted content has no Modified Attributes Sequence"))?;

    for tag in ADDED_BY_DEIDENTIFICATION {
        dataset.remove_element(tag);
    }
    for element in originals.iter() {
        dataset.put(element.clone());
    }
    restore_meta(&decoded, &mut meta);
    let mut object = dataset.with_exact_meta(meta);
    object.update_meta(|_| {});
    Ok(object)
}
