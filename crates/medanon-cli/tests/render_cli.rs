//! `medanon render`: a DICOM frame to a PNG.

#![allow(clippy::unwrap_used, clippy::expect_used)] // a failed unwrap is a failed test

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

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
