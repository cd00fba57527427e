//! Writes the bundled samples of `samples/dicom/`: small synthetic objects
//! with made-up identifying values everywhere a real export has them (names,
//! IDs, dates, institution, private tags, a nested reference, a structured
//! report with free text). Nothing in them belongs to a real person.
//!
//! `cargo run -p medanon-benches --example make_samples -- samples/dicom`
#![allow(missing_docs)]

use dicom_core::value::{DataSetSequence, PrimitiveValue};
use dicom_core::{DataElement, Tag, VR};
use dicom_dictionary_std::tags;
use dicom_object::InMemDicomObject;
use dicom_object::meta::FileMetaTableBuilder;

type Element = DataElement<InMemDicomObject>;

fn text(tag: Tag, vr: VR, value: &str) -> Element {
    DataElement::new(tag, vr, PrimitiveValue::from(value))
}

fn patient_and_study(sop_class: &str, sop_instance: &str, modality: &str) -> Vec<Element> {
    vec![
        text(tags::SPECIFIC_CHARACTER_SET, VR::CS, "ISO_IR 192"),
        text(tags::SOP_CLASS_UID, VR::UI, sop_class),
        text(tags::SOP_INSTANCE_UID, VR::UI, sop_instance),
        text(tags::STUDY_DATE, VR::DA, "20240315"),
        text(tags::STUDY_TIME, VR::TM, "101500"),
        text(tags::ACCESSION_NUMBER, VR::SH, "ACC20240315"),
        text(tags::MODALITY, VR::CS, modality),
        text(tags::INSTITUTION_NAME, VR::LO, "Sample General Hospital"),
        text(
            tags::INSTITUTION_ADDRESS,
            VR::ST,
            "1 Example Road, Springfield",
        ),
        text(tags::REFERRING_PHYSICIAN_NAME, VR::PN, "WHO^REFERRING"),
        text(tags::STATION_NAME, VR::SH, "SAMPLE-CT-01"),
        text(
            tags::STUDY_DESCRIPTION,
            VR::LO,
            "CT head for Jane Sample 1980-02-29",
        ),
        text(tags::PATIENT_NAME, VR::PN, "SAMPLE^JANE^Q"),
        text(tags::PATIENT_ID, VR::LO, "SAMPLE-0001"),
        text(tags::PATIENT_BIRTH_DATE, VR::DA, "19800229"),
        text(tags::PATIENT_SEX, VR::CS, "F"),
        text(tags::PATIENT_AGE, VR::AS, "044Y"),
        text(Tag(0x0010, 0x1000), VR::LO, "MRN-998877"), // Other Patient IDs
        text(
            tags::STUDY_INSTANCE_UID,
            VR::UI,
            "1.2.826.0.1.3680043.10.999.1",
        ),
        text(
            tags::SERIES_INSTANCE_UID,
            VR::UI,
            "1.2.826.0.1.3680043.10.999.1.1",
        ),
        text(tags::STUDY_ID, VR::SH, "S1"),
        // A private block of a made-up vendor, with identifying text.
        text(Tag(0x0029, 0x0010), VR::LO, "SAMPLE VENDOR"),
        text(Tag(0x0029, 0x1001), VR::LO, "operator Jane Doe"),
    ]
}

fn ct() -> InMemDicomObject {
    let mut elements = patient_and_study(
        "1.2.840.10008.5.1.4.1.1.2",
        "1.2.826.0.1.3680043.10.999.1.1.1",
        "CT",
    );
    let (rows, columns) = (64u16, 64u16);
    let pixels: Vec<u16> = (0..rows as usize * columns as usize)
        .map(|i| ((i % 64) * 16 + (i / 64) * 8) as u16)
        .collect();
    let reference = InMemDicomObject::from_element_iter([
        text(
            tags::REFERENCED_SOP_CLASS_UID,
            VR::UI,
            "1.2.840.10008.5.1.4.1.1.2",
        ),
        text(
            tags::REFERENCED_SOP_INSTANCE_UID,
            VR::UI,
            "1.2.826.0.1.3680043.10.999.1.1.0",
        ),
    ]);
    elements.extend([
        text(tags::IMAGE_TYPE, VR::CS, "ORIGINAL\\PRIMARY\\AXIAL"),
        DataElement::new(
            tags::REFERENCED_IMAGE_SEQUENCE,
            VR::SQ,
            DataSetSequence::from(vec![reference]),
        ),
        text(
            tags::FRAME_OF_REFERENCE_UID,
            VR::UI,
            "1.2.826.0.1.3680043.10.999.1.9",
        ),
        text(tags::IMAGE_POSITION_PATIENT, VR::DS, "-16\\-16\\0"),
        text(tags::IMAGE_ORIENTATION_PATIENT, VR::DS, "1\\0\\0\\0\\1\\0"),
        text(tags::SLICE_THICKNESS, VR::DS, "1"),
        DataElement::new(tags::SAMPLES_PER_PIXEL, VR::US, PrimitiveValue::from(1_u16)),
        text(tags::PHOTOMETRIC_INTERPRETATION, VR::CS, "MONOCHROME2"),
        DataElement::new(tags::ROWS, VR::US, PrimitiveValue::from(rows)),
        DataElement::new(tags::COLUMNS, VR::US, PrimitiveValue::from(columns)),
        text(tags::PIXEL_SPACING, VR::DS, "0.5\\0.5"),
        DataElement::new(tags::BITS_ALLOCATED, VR::US, PrimitiveValue::from(16_u16)),
        DataElement::new(tags::BITS_STORED, VR::US, PrimitiveValue::from(12_u16)),
        DataElement::new(tags::HIGH_BIT, VR::US, PrimitiveValue::from(11_u16)),
        DataElement::new(
            tags::PIXEL_REPRESENTATION,
            VR::US,
            PrimitiveValue::from(0_u16),
        ),
        DataElement::new(tags::PIXEL_DATA, VR::OW, PrimitiveValue::U16(pixels.into())),
    ]);
    InMemDicomObject::from_element_iter(elements)
}

fn sr() -> InMemDicomObject {
    let mut elements = patient_and_study(
        "1.2.840.10008.5.1.4.1.1.88.11",
        "1.2.826.0.1.3680043.10.999.1.2.1",
        "SR",
    );
    let concept = |value: &str, meaning: &str| {
        DataSetSequence::from(vec![InMemDicomObject::from_element_iter([
            text(tags::CODE_VALUE, VR::SH, value),
            text(tags::CODING_SCHEME_DESIGNATOR, VR::SH, "DCM"),
            text(tags::CODE_MEANING, VR::LO, meaning),
        ])])
    };
    let finding = InMemDicomObject::from_element_iter([
        text(tags::RELATIONSHIP_TYPE, VR::CS, "CONTAINS"),
        text(tags::VALUE_TYPE, VR::CS, "TEXT"),
        DataElement::new(
            tags::CONCEPT_NAME_CODE_SEQUENCE,
            VR::SQ,
            concept("121071", "Finding"),
        ),
        text(
            tags::TEXT_VALUE,
            VR::UT,
            "No bleed. Discussed with Jane Sample (MRN-998877) on 2024-03-15.",
        ),
    ]);
    elements.extend([
        text(tags::VALUE_TYPE, VR::CS, "CONTAINER"),
        DataElement::new(
            tags::CONCEPT_NAME_CODE_SEQUENCE,
            VR::SQ,
            concept("18748-4", "Diagnostic Imaging Report"),
        ),
        text(tags::CONTINUITY_OF_CONTENT, VR::CS, "SEPARATE"),
        text(tags::COMPLETION_FLAG, VR::CS, "COMPLETE"),
        text(tags::VERIFICATION_FLAG, VR::CS, "UNVERIFIED"),
        text(tags::CONTENT_DATE, VR::DA, "20240315"),
        text(tags::CONTENT_TIME, VR::TM, "113000"),
        DataElement::new(
            tags::CONTENT_SEQUENCE,
            VR::SQ,
            DataSetSequence::from(vec![finding]),
        ),
    ]);
    InMemDicomObject::from_element_iter(elements)
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let out = std::env::args()
        .nth(1)
        .ok_or("usage: make_samples OUT_DIR")?;
    std::fs::create_dir_all(&out)?;
    for (name, object) in [
        ("SAMPLE_JANE/ct_head.dcm", ct()),
        ("SAMPLE_JANE/report.dcm", sr()),
    ] {
        let path = std::path::Path::new(&out).join(name);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent)?;
        }
        object
            .with_meta(FileMetaTableBuilder::new().transfer_syntax("1.2.840.10008.1.2.1"))?
            .write_to_file(&path)?;
    }
    Ok(())
}
