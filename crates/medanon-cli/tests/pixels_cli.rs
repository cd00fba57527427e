//! The pixel commands: `medanon render`, and `medanon clean-pixels` and
//! `anonymize --clean-pixels` on the ultrasound with a burned-in name, ID
//! and birth date.

#![allow(clippy::unwrap_used, clippy::expect_used)] // a failed unwrap is a failed test

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use dicom_dictionary_std::tags;
use medanon::pixels::decode_frame;

fn shared_dicom() -> Option<PathBuf> {
    let path = std::env::var_os("MEDANON_SHARED_TESTDATA")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/testdata"))
        .join("dicom");
    if path.is_dir() {
        Some(path)
    } else {
        eprintln!("SKIPPED: {} is not available", path.display());
        None
    }
}

fn medanon(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_medanon"))
        .args(args)
        .output()
        .unwrap()
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// Width and height from the PNG's IHDR, after checking the signature.
fn png_size(path: &Path) -> (u32, u32) {
    let bytes = std::fs::read(path).unwrap();
    assert_eq!(&bytes[..8], b"\x89PNG\r\n\x1a\n");
    assert_eq!(&bytes[12..16], b"IHDR");
    let width = u32::from_be_bytes(bytes[16..20].try_into().unwrap());
    let height = u32::from_be_bytes(bytes[20..24].try_into().unwrap());
    (width, height)
}

/// A one-line error and exit status 1.
fn fails(out: &Output, needle: &str) {
    assert_eq!(out.status.code(), Some(1), "{}", stderr(out));
    let text = stderr(out);
    assert_eq!(text.trim_end().lines().count(), 1, "{text}");
    assert!(text.contains(needle), "{text}");
}

fn text(obj: &dicom_object::DefaultDicomObject, tag: dicom_core::Tag) -> String {
    obj.element(tag)
        .map(|e| e.to_str().unwrap().trim().to_owned())
        .unwrap_or_default()
}

/// The header bar's rows (0..20) hold the name, ID and birth date: after
/// cleaning they are one value (the fill), before they were text.
fn top_bar_values(obj: &dicom_object::DefaultDicomObject) -> std::collections::BTreeSet<i64> {
    let frame = decode_frame(obj, 0).unwrap();
    (2..20)
        .flat_map(|r| (0..700).map(move |c| (r, c)))
        .map(|(r, c)| frame.get(r, c, 0).unwrap())
        .collect()
}

#[test]
fn clean_pixels_fills_the_header_bar_and_leaves_the_input_alone() {
    let Some(dicom) = shared_dicom() else { return };
    let us = dicom.join("deid/us_greyscale_burned_in.dcm");
    let original = std::fs::read(&us).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("clean.dcm");
    let (us_arg, out_arg) = (us.to_str().unwrap(), out.to_str().unwrap());

    let run = medanon(&["clean-pixels", us_arg, out_arg]);
    assert!(run.status.success(), "{}", stderr(&run));
    assert!(
        stderr(&run).contains("region(s) cleaned"),
        "{}",
        stderr(&run)
    );
    assert_eq!(std::fs::read(&us).unwrap(), original, "the input changed");

    let before = dicom_object::open_file(&us).unwrap();
    let after = dicom_object::open_file(&out).unwrap();
    assert!(
        top_bar_values(&before).len() > 20,
        "the bar holds text before"
    );
    assert_eq!(
        top_bar_values(&after).len(),
        1,
        "the bar is one value after"
    );
    assert_eq!(text(&after, tags::BURNED_IN_ANNOTATION), "NO");
    assert_eq!(
        after.meta().transfer_syntax().trim_end_matches('\0'),
        "1.2.840.10008.1.2.1"
    );
    // The attributes are not touched by clean-pixels alone.
    assert_eq!(
        text(&after, tags::PATIENT_ID),
        text(&before, tags::PATIENT_ID)
    );

    // Refusals: an existing OUT, OUT = IN, a mode that does not exist.
    let again = medanon(&["clean-pixels", us_arg, out_arg]);
    assert_eq!(again.status.code(), Some(1));
    assert!(stderr(&again).contains("already exists"));
    let same = medanon(&["clean-pixels", us_arg, us_arg, "--force"]);
    assert_eq!(same.status.code(), Some(1));
    assert_eq!(std::fs::read(&us).unwrap(), original);
    let pixelated = dir.path().join("pixelated.dcm");
    let run = medanon(&[
        "clean-pixels",
        us_arg,
        pixelated.to_str().unwrap(),
        "--mode",
        "pixelate",
        "--no-ocr",
    ]);
    assert!(run.status.success(), "{}", stderr(&run));
    assert!(top_bar_values(&dicom_object::open_file(&pixelated).unwrap()).len() < 40);
}

#[test]
fn clean_pixels_refuses_what_it_cannot_decode() {
    let Some(dicom) = shared_dicom() else { return };
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("x.dcm");
    // JPEG-LS needs the `jpeg-ls` feature; a structured report has no pixels.
    for (file, needle) in [
        (
            "pydicom/MR_small_jpeg_ls_lossless.dcm",
            "unsupported transfer syntax",
        ),
        ("pydicom/test-SR.dcm", "no pixel data"),
    ] {
        let run = medanon(&[
            "clean-pixels",
            dicom.join(file).to_str().unwrap(),
            out.to_str().unwrap(),
        ]);
        if file.contains("jpeg_ls") && run.status.success() {
            continue; // built with the jpeg-ls feature
        }
        assert_eq!(run.status.code(), Some(1), "{file}: {}", stderr(&run));
        let err = stderr(&run);
        assert_eq!(err.trim_end().lines().count(), 1, "{err}");
        assert!(err.contains(needle), "{file}: {err}");
        assert!(!out.exists(), "{file}: a partial output");
    }
}

#[test]
fn anonymize_with_clean_pixels_records_the_option() {
    let Some(dicom) = shared_dicom() else { return };
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("in");
    std::fs::create_dir(&input).unwrap();
    std::fs::copy(
        dicom.join("deid/us_greyscale_burned_in.dcm"),
        input.join("us.dcm"),
    )
    .unwrap();
    std::fs::copy(dicom.join("pydicom/CT_small.dcm"), input.join("ct.dcm")).unwrap();
    std::fs::copy(dicom.join("pydicom/test-SR.dcm"), input.join("sr.dcm")).unwrap();
    let recipe = dir.path().join("recipe.toml");
    std::fs::write(&recipe, "[pixels]\nmode = \"pseudonym\"\n").unwrap();
    let out = dir.path().join("out");
    let run = medanon(&[
        "anonymize",
        input.to_str().unwrap(),
        out.to_str().unwrap(),
        "--recipe",
        recipe.to_str().unwrap(),
        "--quiet",
    ]);
    assert!(run.status.success(), "{}", stderr(&run));
    let mut seen_us = false;
    for entry in walk(&out) {
        if entry.extension().is_none_or(|e| e != "dcm") {
            continue;
        }
        let obj = dicom_object::open_file(&entry).unwrap();
        if text(&obj, tags::MODALITY) != "US" {
            continue;
        }
        seen_us = true;
        assert_eq!(text(&obj, tags::BURNED_IN_ANNOTATION), "NO");
        let codes: Vec<String> = obj
            .element(tags::DEIDENTIFICATION_METHOD_CODE_SEQUENCE)
            .unwrap()
            .items()
            .unwrap()
            .iter()
            .map(|i| {
                i.element(tags::CODE_VALUE)
                    .unwrap()
                    .to_str()
                    .unwrap()
                    .trim()
                    .to_owned()
            })
            .collect();
        assert!(codes.contains(&"113101".to_owned()), "{codes:?}");
        assert!(codes.contains(&"113100".to_owned()), "{codes:?}");
        // The pseudonym is drawn where the name was: the bar holds text
        // again, but not the patient's.
        assert!(top_bar_values(&obj).len() >= 2);
    }
    assert!(seen_us, "the ultrasound was written");
}

fn walk(dir: &Path) -> Vec<PathBuf> {
    walkdir::WalkDir::new(dir)
        .into_iter()
        .map(|e| e.unwrap().into_path())
        .filter(|p| p.is_file())
        .collect()
}

#[test]
fn render_writes_a_png_and_refuses_to_overwrite() {
    let Some(dicom) = shared_dicom() else { return };
    let dir = tempfile::tempdir().unwrap();
    let png = dir.path().join("ct.png");
    let ct = dicom.join("pydicom/CT_small.dcm");
    let (ct, png_arg) = (ct.to_str().unwrap(), png.to_str().unwrap());

    let out = medanon(&["render", ct, "--out", png_arg]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(png_size(&png), (128, 128));
    let automatic = std::fs::read(&png).unwrap();

    // no overwrite without --force, and the file is untouched
    let again = medanon(&["render", ct, "--out", png_arg, "--window", "40,400"]);
    fails(&again, "already exists");
    assert_eq!(std::fs::read(&png).unwrap(), automatic);

    // with --force and a window (a negative centre too): another picture
    let out = medanon(&[
        "render",
        ct,
        "--out",
        png_arg,
        "--window",
        "-600,1500",
        "--force",
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_ne!(std::fs::read(&png).unwrap(), automatic);

    // a multi-frame colour file, second frame
    let rgb = dicom.join("pydicom/SC_rgb_rle_2frame.dcm");
    let second = dir.path().join("second.png");
    let out = medanon(&[
        "render",
        rgb.to_str().unwrap(),
        "--out",
        second.to_str().unwrap(),
        "--frame",
        "1",
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(png_size(&second), (100, 100));

    // errors: frame out of range, bad window, no pixel data, not DICOM
    let none = dir.path().join("none.png");
    let none_arg = none.to_str().unwrap();
    fails(
        &medanon(&[
            "render",
            rgb.to_str().unwrap(),
            "--out",
            none_arg,
            "--frame",
            "2",
        ]),
        "frame 2",
    );
    let bad_window = medanon(&["render", ct, "--out", none_arg, "--window", "40,0"]);
    assert_eq!(
        bad_window.status.code(),
        Some(2),
        "clap rejects it: {}",
        stderr(&bad_window)
    );
    let plan = dicom.join("pydicom/rtplan.dcm");
    fails(
        &medanon(&["render", plan.to_str().unwrap(), "--out", none_arg]),
        "no pixel data",
    );
    let readme = dicom.join("pydicom/README.txt");
    fails(
        &medanon(&["render", readme.to_str().unwrap(), "--out", none_arg]),
        "not a DICOM file",
    );
    assert!(!none.exists());
    // nothing but the outputs in the directory (no temporary files left)
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 2);
}
