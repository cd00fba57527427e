//! `medanon view`, `medanon convert`, and NIfTI images in `medanon anonymize`.

#![allow(clippy::unwrap_used, clippy::expect_used)] // a failed unwrap is a failed test

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn shared(dir: &str) -> Option<PathBuf> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/testdata")
        .join(dir);
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

fn ok(out: &Output) {
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

fn is_png(path: &Path) -> bool {
    std::fs::read(path).is_ok_and(|b| b.starts_with(b"\x89PNG\r\n\x1a\n") && b.len() > 100)
}

#[test]
fn view_renders_nifti_and_dicom_series_and_refuses_a_single_slice() {
    let (Some(nifti), Some(dicom)) = (shared("nifti"), shared("dicom")) else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let png = dir.path().join("head.png");
    let anatomical = nifti.join("nibabel_anatomical.nii");
    ok(&medanon(&[
        "view",
        anatomical.to_str().unwrap(),
        "--out",
        png.to_str().unwrap(),
    ]));
    assert!(is_png(&png));
    // No overwrite without --force; with it, one plane only.
    let again = medanon(&[
        "view",
        anatomical.to_str().unwrap(),
        "--out",
        png.to_str().unwrap(),
    ]);
    assert_eq!(again.status.code(), Some(1));
    ok(&medanon(&[
        "view",
        anatomical.to_str().unwrap(),
        "--out",
        png.to_str().unwrap(),
        "--plane",
        "axial",
        "--slice",
        "10,10,10",
        "--force",
    ]));
    assert!(is_png(&png));
    // A multi-frame DICOM dose grid is a volume.
    let dose = dir.path().join("dose.png");
    let rtdose = dicom.join("pydicom/rtdose.dcm");
    ok(&medanon(&[
        "view",
        rtdose.to_str().unwrap(),
        "--out",
        dose.to_str().unwrap(),
    ]));
    assert!(is_png(&dose));
    // A single slice is not: one clear line, status 1, no PNG.
    let single = dir.path().join("single.png");
    let ct = dicom.join("pydicom/CT_small.dcm");
    let out = medanon(&[
        "view",
        ct.to_str().unwrap(),
        "--out",
        single.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(
        stderr.contains("single slice") && stderr.lines().count() == 1,
        "{stderr}"
    );
    assert!(!single.exists());
}

#[test]
fn convert_writes_a_nifti_that_reads_back_with_the_geometry() {
    let Some(dicom) = shared("dicom") else { return };
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("dose.nii.gz");
    let rtdose = dicom.join("pydicom/rtdose.dcm");
    ok(&medanon(&[
        "convert",
        rtdose.to_str().unwrap(),
        out.to_str().unwrap(),
    ]));
    let image = medanon::nifti::read_volume(&out).unwrap();
    assert_eq!(image.volume.shape3(), [10, 10, 15]);
    let [x, y, z] = image.volume.voxel_size();
    assert!((x - 10.0).abs() < 1e-6 && (y - 10.0).abs() < 1e-6 && (z - 5.0).abs() < 1e-6);
    assert!(image.volume.data.iter().any(|&v| v > 0.0));
    // No text from the DICOM header in the NIfTI header or extensions.
    assert!(image.extensions.is_empty());
    // Refuses a name that is not NIfTI, and an existing output.
    let bad = medanon(&[
        "convert",
        rtdose.to_str().unwrap(),
        dir.path().join("x.png").to_str().unwrap(),
    ]);
    assert_eq!(bad.status.code(), Some(1));
    let exists = medanon(&["convert", rtdose.to_str().unwrap(), out.to_str().unwrap()]);
    assert_eq!(exists.status.code(), Some(1));
}

#[test]
fn anonymize_handles_nifti_images_and_their_sidecars() {
    let (Some(nifti), Some(dicom)) = (shared("nifti"), shared("dicom")) else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("in/sub-CANARYDOE/anat");
    std::fs::create_dir_all(&input).unwrap();
    std::fs::copy(
        nifti.join("nibabel_anatomical.nii"),
        input.join("CANARYDOE_T1w.nii"),
    )
    .unwrap();
    std::fs::copy(
        nifti.join("nibabel_example4d.nii.gz"),
        input.join("CANARYDOE_bold.nii.gz"),
    )
    .unwrap();
    std::fs::write(
        input.join("CANARYDOE_T1w.json"),
        r#"{"PatientName": "CANARYDOE^JOHN", "PatientBirthDate": "1970-01-02",
            "InstitutionName": "CANARY General", "RepetitionTime": 2.3, "EchoTime": 0.004}"#,
    )
    .unwrap();
    std::fs::copy(
        dicom.join("pydicom/CT_small.dcm"),
        input.join("CANARYDOE_ct.dcm"),
    )
    .unwrap();
    let out = dir.path().join("out");
    let key = dir.path().join("k");
    ok(&medanon(&["keygen", "--out", key.to_str().unwrap()]));
    ok(&medanon(&[
        "anonymize",
        dir.path().join("in").to_str().unwrap(),
        out.to_str().unwrap(),
        "--key",
        key.to_str().unwrap(),
        "--quiet",
    ]));
    let mut files = Vec::new();
    let mut stack = vec![out.clone()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p)
            } else {
                files.push(p)
            }
        }
    }
    let names: Vec<String> = files
        .iter()
        .map(|p| p.strip_prefix(&out).unwrap().display().to_string())
        .collect();
    assert_eq!(
        files
            .iter()
            .filter(|p| p.to_string_lossy().ends_with(".nii"))
            .count(),
        1,
        "{names:?}"
    );
    assert_eq!(
        files
            .iter()
            .filter(|p| p.to_string_lossy().ends_with(".nii.gz"))
            .count(),
        1,
        "{names:?}"
    );
    assert_eq!(
        files
            .iter()
            .filter(|p| p.to_string_lossy().ends_with(".dcm"))
            .count(),
        1,
        "{names:?}"
    );
    for file in &files {
        assert!(
            !file.to_string_lossy().to_uppercase().contains("CANARY"),
            "name leaks: {}",
            file.display()
        );
        let bytes = std::fs::read(file).unwrap();
        assert!(
            !bytes.windows(6).any(|w| w.eq_ignore_ascii_case(b"CANARY")),
            "{} leaks",
            file.display()
        );
    }
    let sidecar = files
        .iter()
        .find(|p| p.extension().is_some_and(|e| e == "json"))
        .unwrap();
    let json: serde_json::Value = serde_json::from_slice(&std::fs::read(sidecar).unwrap()).unwrap();
    assert_eq!(json["RepetitionTime"], 2.3);
    assert!(json.get("PatientName").is_none() && json.get("PatientBirthDate").is_none());
    // The cleaned images still read, with their data.
    for file in files
        .iter()
        .filter(|p| p.to_string_lossy().contains(".nii"))
    {
        let image = medanon::nifti::read_volume(file).unwrap();
        assert!(image.volume.data.len() > 1000);
    }
    let audit = std::fs::read_to_string(out.join("audit.jsonl")).unwrap();
    assert_eq!(
        audit.lines().count(),
        4,
        "two images, their sidecar and the DICOM file"
    );
    assert!(audit.contains("\"nifti\""));
}
