//! Where the integration tests find `../shared/testdata/dicom`.
#![allow(dead_code)] // each test file uses part of it

use std::path::PathBuf;

/// `../shared/testdata/dicom` (or `$MEDANON_SHARED_TESTDATA/dicom`), or
/// `None` after printing why the test is skipped.
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

/// A file of the shared DICOM test data, or `None` after printing why the
/// test is skipped.
pub fn dicom_file(relative: &str) -> Option<PathBuf> {
    let path = dicom_testdata()?.join(relative);
    if path.is_file() {
        Some(path)
    } else {
        eprintln!("SKIPPED: {} is absent", path.display());
        None
    }
}

/// The ultrasound with a burned-in name, ID and birth date.
pub fn ultrasound() -> Option<PathBuf> {
    dicom_file("deid/us_greyscale_burned_in.dcm")
}
