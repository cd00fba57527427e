//! The "done when" on the ultrasound with a burned-in name, ID and
//! birth date: after the Clean Pixel Data pipeline, Tesseract reads none of
//! them, and every pixel outside the cleaned regions is unchanged. Needs
//! ../shared/testdata (and the `tesseract` program for the OCR half).
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::process::{Command, Stdio};

use common::ultrasound;
use medanon_pixels::{PixelSettings, clean_pixel_data, decode_frame};

/// What tesseract reads in an 8-bit grey frame, upper-cased, or None
/// without the program.
fn tesseract_text(frame: &medanon_pixels::Frame) -> Option<String> {
    let mut pgm = format!("P5\n{} {}\n255\n", frame.columns * 2, frame.rows * 2).into_bytes();
    for r in 0..frame.rows * 2 {
        for c in 0..frame.columns * 2 {
            pgm.push(frame.values[(r / 2) * frame.columns + c / 2].clamp(0, 255) as u8);
        }
    }
    let mut child = Command::new("tesseract")
        .args(["stdin", "stdout"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .ok()?;
    let mut stdin = child.stdin.take()?;
    let writer = std::thread::spawn(move || std::io::Write::write_all(&mut stdin, &pgm));
    let out = child.wait_with_output().ok()?;
    writer.join().ok()?.ok()?;
    Some(String::from_utf8_lossy(&out.stdout).to_uppercase())
}

#[test]
fn the_ultrasound_loses_name_id_and_birth_date_and_nothing_else() {
    let Some(path) = ultrasound() else {
        return;
    };
    let mut obj = dicom_object::open_file(&path).unwrap();
    let before = decode_frame(&obj, 0).unwrap();
    let terms = medanon_pixels::identifying_terms(&obj);
    let report = clean_pixel_data(&mut obj, &PixelSettings::default(), &terms, None).unwrap();
    eprintln!("{report:?}");
    assert!(
        report.from_rules > 0,
        "the ultrasound header-bar rule applies"
    );
    // Written back and read again.
    let mut bytes = Vec::new();
    obj.write_all(&mut bytes).unwrap();
    let reread = dicom_object::from_reader(std::io::Cursor::new(&bytes[128..])).unwrap();
    let after = decode_frame(&reread, 0).unwrap();
    assert_eq!(
        reread
            .element(dicom_dictionary_std::tags::BURNED_IN_ANNOTATION)
            .unwrap()
            .to_str()
            .unwrap()
            .trim(),
        "NO"
    );

    // Nothing outside the regions changed.
    let mut changed_outside = 0;
    let mut changed_inside = 0;
    for r in 0..before.rows {
        for c in 0..before.columns {
            let differs = before.get(r, c, 0) != after.get(r, c, 0);
            if report.regions.iter().any(|g| g.contains(r, c)) {
                changed_inside += usize::from(differs);
            } else {
                changed_outside += usize::from(differs);
            }
        }
    }
    assert_eq!(
        changed_outside, 0,
        "pixels outside the cleaned regions changed"
    );
    assert!(changed_inside > 1000, "the text pixels were cleaned");
    let cleaned_area: usize = report.regions.iter().map(|g| g.area()).sum();
    eprintln!(
        "cleaned {} regions, {:.1} % of the image",
        report.regions.len(),
        100.0 * cleaned_area as f64 / (before.rows * before.columns) as f64
    );

    let Some(text_before) = tesseract_text(&before) else {
        eprintln!("SKIPPED (OCR half): the tesseract program is not installed");
        return;
    };
    let text_after = tesseract_text(&after).unwrap();
    eprintln!("tesseract after cleaning:\n{text_after}");
    // Tesseract reads them before: the check can fail.
    for needle in ["PATIENTF", "00079241539", "1951"] {
        assert!(
            text_before.contains(needle),
            "{needle} not read before cleaning"
        );
        assert!(
            !text_after.contains(needle),
            "{needle} still readable after cleaning"
        );
    }
    for needle in ["ZZZ TEST", "08/29"] {
        assert!(
            !text_after.contains(needle),
            "{needle} still readable after cleaning"
        );
    }
}

#[test]
fn palette_images_are_searched_in_their_colours() {
    let Some(path) = common::dicom_file("pydicom/examples_palette.dcm") else {
        return;
    };
    let mut obj = dicom_object::open_file(&path).unwrap();
    let settings = PixelSettings {
        detect: medanon_pixels::DetectWhen::Always,
        ocr: false,
        ..PixelSettings::default()
    };
    let report = clean_pixel_data(&mut obj, &settings, &[], None).unwrap();
    eprintln!("{report:?}");
    // The header text (date, ID) at the top of the picture is found.
    assert!(
        report.from_detector > 0,
        "no text found in the palette image"
    );
    assert!(report.regions.iter().any(|r| r.y < 40));
}
