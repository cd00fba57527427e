//! Helpers shared by the integration tests.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use std::path::PathBuf;

use dicom_core::value::PrimitiveValue;
use dicom_core::{DataElement, Tag, VR};
use dicom_object::meta::FileMetaTableBuilder;
use dicom_object::{DefaultDicomObject, InMemDicomObject};
use medanon_crypto::KeySet;

/// The project key of the tests (a bare Fernet key made by Python).
pub fn keys() -> KeySet {
    KeySet::parse("1RG9VEXItg37ZgIXsi5pbEu-NBatR-M7zEzjOycirPg=").unwrap()
}

/// `../shared/testdata/dicom`, or `None` after printing why the test is skipped.
pub fn dicom_testdata() -> Option<PathBuf> {
    let dir = std::env::var_os("MEDANON_SHARED_TESTDATA")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/testdata")
        })
        .join("dicom");
    if dir.is_dir() {
        Some(dir)
    } else {
        eprintln!(
            "SKIPPED: shared test data not found at {} (set MEDANON_SHARED_TESTDATA)",
            dir.display()
        );
        None
    }
}

/// Every `.dcm` file under `dir`, sorted.
pub fn dicom_files(dir: &std::path::Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    let mut stack = vec![dir.to_owned()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(d).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|e| e == "dcm") {
                files.push(path);
            }
        }
    }
    files.sort();
    files
}

/// A CT object holding `elements` (SOP Class and Instance UIDs added when
/// missing), with a file meta in Explicit VR Little Endian.
pub fn object_with(elements: Vec<DataElement<InMemDicomObject>>) -> DefaultDicomObject {
    let mut object = InMemDicomObject::from_element_iter(elements);
    if object.get(Tag(0x0008, 0x0016)).is_none() {
        object.put(DataElement::new(
            Tag(0x0008, 0x0016),
            VR::UI,
            PrimitiveValue::from("1.2.840.10008.5.1.4.1.1.2"),
        ));
    }
    if object.get(Tag(0x0008, 0x0018)).is_none() {
        object.put(DataElement::new(
            Tag(0x0008, 0x0018),
            VR::UI,
            PrimitiveValue::from("1.2.999.1.1"),
        ));
    }
    object
        .with_meta(FileMetaTableBuilder::new().transfer_syntax("1.2.840.10008.1.2.1"))
        .unwrap()
}

/// The bytes of `object` as a Part 10 file.
pub fn to_bytes(object: &DefaultDicomObject) -> Vec<u8> {
    let mut bytes = Vec::new();
    object.write_all(&mut bytes).unwrap();
    bytes
}

/// Whether `needle` occurs in `haystack`.
pub fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    !needle.is_empty() && haystack.windows(needle.len()).any(|w| w == needle)
}
