//! OCR of the ultrasound with a burned-in name and birth date: the words
//! that match the header are found, the others are not. Needs the
//! `tesseract` program and ../shared/testdata; skips without them.
#![cfg(feature = "ocr")]
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::ultrasound;
use dicom_dictionary_std::tags;
use medanon_pixels::{Frame, Ocr, Photometric, identifying_terms};

/// The file is uncompressed 8-bit MONOCHROME2: read its pixels directly.
fn frame_of(obj: &dicom_object::DefaultDicomObject) -> Frame {
    let rows = obj.element(tags::ROWS).unwrap().to_int::<usize>().unwrap();
    let columns = obj
        .element(tags::COLUMNS)
        .unwrap()
        .to_int::<usize>()
        .unwrap();
    let bytes = obj.element(tags::PIXEL_DATA).unwrap().to_bytes().unwrap();
    let mut frame = Frame::new(rows, columns, 1, Photometric::Monochrome2);
    for (v, &b) in frame.values.iter_mut().zip(bytes.iter()) {
        *v = i64::from(b);
    }
    frame
}

#[test]
fn finds_the_burned_in_name_and_birth_date_of_the_header() {
    let Some(path) = ultrasound() else {
        return;
    };
    let obj = dicom_object::open_file(&path).unwrap();
    let ocr = Ocr::new(identifying_terms(&obj));
    if !ocr.available() {
        eprintln!("SKIPPED: the tesseract program is not installed");
        return;
    }
    let frame = frame_of(&obj);
    let words = ocr.read(&frame).unwrap();
    let found: Vec<&str> = words
        .iter()
        .filter(|w| ocr.matches(&w.text))
        .map(|w| w.text.as_str())
        .collect();
    eprintln!("matching words: {found:?}");
    assert!(found.iter().any(|w| w.contains("1951")), "the birth date");
    assert!(
        found
            .iter()
            .any(|w| w.to_uppercase().starts_with("PATIENTF")),
        "the name"
    );
    let regions = ocr.find(&frame).unwrap();
    eprintln!("regions: {regions:?}");
    // The identifying line is the top bar; nothing else on the image matches.
    assert!(!regions.is_empty());
    assert!(regions.iter().all(|r| r.y + r.height <= 40), "{regions:?}");
    // Words that are not identifying do not match.
    assert!(!ocr.matches("Breast") && !ocr.matches("03/02/2017"));
}

#[test]
fn a_missing_program_is_reported_not_fatal() {
    let ocr = Ocr::new(vec!["DOE".into()]).with_program("/nonexistent/tesseract");
    assert!(!ocr.available());
    let frame = Frame::new(10, 10, 1, Photometric::Monochrome2);
    let err = ocr.find(&frame).unwrap_err();
    assert!(err.to_string().contains("OCR unavailable"), "{err}");
}
