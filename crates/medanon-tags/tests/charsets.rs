//! Text in every character set of the shared samples survives exactly where
//! it is kept, and is replaced with ASCII where it is not: the output is
//! written correctly in the declared Specific Character Set.

#![allow(clippy::unwrap_used, clippy::expect_used)] // a failed unwrap is a failed test

mod common;

use std::process::Command;

use common::{dicom_files, dicom_testdata, keys};
use dicom_dictionary_std::tags;
use medanon_tags::{Deidentifier, Limits, Profile, Recipe, Strategy, open_dicom};

/// A recipe that keeps the names (to see them survive in their charset) and
/// cleans descriptors.
fn keeping_names() -> Recipe {
    let mut recipe = Recipe {
        profile: Profile::basic().clean_descriptors(),
        ..Recipe::default()
    };
    recipe.overrides.insert(tags::PATIENT_NAME, Strategy::Keep);
    recipe
}

#[test]
fn every_charset_sample_round_trips() {
    let Some(dir) = dicom_testdata() else { return };
    let engine = Deidentifier::new(keeping_names(), keys());
    let out = tempfile::tempdir().unwrap();
    let files = dicom_files(&dir.join("charsets"));
    assert!(files.len() >= 17);
    let mut pairs = Vec::new();
    for input in &files {
        let name = input.file_name().unwrap().to_string_lossy().into_owned();
        let output = out.path().join(&name);
        engine.deidentify_file(input, &output, false).unwrap();
        let before = open_dicom(input, &Limits::default()).unwrap();
        let after = open_dicom(&output, &Limits::default()).unwrap();
        // The kept name decodes to the same text, the charset is unchanged.
        for tag in [tags::PATIENT_NAME, tags::SPECIFIC_CHARACTER_SET] {
            assert_eq!(
                before.get(tag).map(|e| e.to_str().unwrap().into_owned()),
                after.get(tag).map(|e| e.to_str().unwrap().into_owned()),
                "{name} {tag}"
            );
        }
        pairs.push((input.clone(), output));
    }
    // An independent decoder (pydicom) reads the same names from input and
    // output, when it is installed.
    let ok = Command::new("python3")
        .args(["-c", "import pydicom"])
        .output()
        .is_ok_and(|o| o.status.success());
    if !ok {
        eprintln!("SKIPPED: pydicom cross-check (python3 with pydicom not available)");
        return;
    }
    let script = r#"
import sys, pydicom
bad = []
args = sys.argv[1:]
for before, after in zip(args[::2], args[1::2]):
    a, b = pydicom.dcmread(before), pydicom.dcmread(after)
    for kw in ("PatientName", "SpecificCharacterSet"):
        if str(a.get(kw, "")) != str(b.get(kw, "")):
            bad.append(f"{before} {kw}: {a.get(kw)!r} != {b.get(kw)!r}")
print("\n".join(bad))
"#;
    let mut cmd = Command::new("python3");
    cmd.args(["-W", "ignore", "-c", script]);
    for (a, b) in &pairs {
        cmd.arg(a).arg(b);
    }
    let result = cmd.output().unwrap();
    assert!(
        result.status.success(),
        "{}",
        String::from_utf8_lossy(&result.stderr)
    );
    let report = String::from_utf8(result.stdout).unwrap();
    assert!(
        report.trim().is_empty(),
        "pydicom reads different names:\n{report}"
    );
}
