#![allow(clippy::unwrap_used, clippy::expect_used)]
//! Header anonymization and `anonymize_file`: canaries planted in every text
//! field, in unused header bytes, in DICOM, AFNI, comment and XCEDE
//! extensions and in the sidecar must all be gone from the output bytes.

use std::io::{Read, Write};
use std::path::{Path, PathBuf};

use medanon_crypto::PseudonymKey;
use medanon_nifti::{
    Affine, Error, Extension, FilePolicy, HeaderPolicy, NiftiImage, NiftiVersion, StoredType,
    TextAction, TextField, Volume, anonymize_file, anonymize_header, read_volume, write_volume,
};
use ndarray::Array4;

const FIELD_CANARIES: [(TextField, &str); 5] = [
    (TextField::Descrip, "CANARY-DESCRIP-7f3a"),
    (TextField::AuxFile, "CANARY-AUXFILE-7f3a"),
    (TextField::IntentName, "CANARY-INTENT-7f"),
    (TextField::DbName, "CANARY-DBNAME-7f3a"),
    (TextField::DataType, "CANARY-DT1"),
];
const HIDDEN: &str = "CANARY-HIDDEN";
const DICOM: &str = "CANARY-DICOM-DOE^JANE";
const AFNI: &str = "CANARY-AFNI-/home/jdoe/scan";
const COMMENT: &str = "CANARY-COMMENT-jane";
const XCEDE: &str = "CANARY-XCEDE-operator";
const UNUSED_N1: &str = "CANARYG1"; // glmax and glmin, 8 bytes
const UNUSED_N2: &str = "CANARY-UNUSED-2"; // unused_str, 15 bytes
const JSON_CANARIES: [&str; 4] = [
    "CANARY-JSON-NAME",
    "CANARY-JSON-INSTITUTION",
    "CANARY-JSON-OPERATOR",
    "1987-06-05",
];

fn sidecar() -> String {
    serde_json::json!({
        "PatientName": "CANARY-JSON-NAME",
        "InstitutionName": "CANARY-JSON-INSTITUTION",
        "AcquisitionDateTime": "2021-03-04T10:11:12.5",
        "RepetitionTime": 2.0,
        "EchoTime": 0.03,
        "Manufacturer": "Siemens",
        "Extra": {"OperatorsName": "CANARY-JSON-OPERATOR", "When": "born 1987-06-05"},
    })
    .to_string()
}

fn image(version_text_fields: bool) -> NiftiImage {
    let data = Array4::from_shape_fn((5, 4, 3, 1), |(i, j, k, _)| (i + 10 * j + 50 * k) as f32);
    let mut affine = Affine::scaling([1.5, 1.5, 3.0]);
    affine.0[0][3] = -20.0;
    let volume = Volume {
        data,
        affine,
        ndim: 3,
        stored: StoredType::I16,
        time_step: 0.0,
    };
    let mut image = NiftiImage::new(volume);
    for (field, canary) in FIELD_CANARIES {
        if version_text_fields || !matches!(field, TextField::DbName | TextField::DataType) {
            image.header.set_text(field, canary.as_bytes());
        }
    }
    // Text after a NUL, invisible to C readers.
    image
        .header
        .set_text(TextField::Descrip, format!("ok\0{HIDDEN}").as_bytes());
    let mut dicom = b"DICM\x10\x00\x10\x00PN\x16\x00".to_vec();
    dicom.extend_from_slice(DICOM.as_bytes());
    image.extensions = vec![
        Extension {
            code: 2,
            data: dicom,
        },
        Extension {
            code: 4,
            data: format!("<AFNI_attributes><HISTORY_NOTE>{AFNI}</HISTORY_NOTE>").into_bytes(),
        },
        Extension {
            code: 6,
            data: COMMENT.as_bytes().to_vec(),
        },
        Extension {
            code: 8,
            data: format!("<xcede>{XCEDE}</xcede>").into_bytes(),
        },
    ];
    image
}

fn contents(path: &Path) -> Vec<u8> {
    let bytes = std::fs::read(path).unwrap();
    if bytes.starts_with(&[0x1f, 0x8b]) {
        let mut out = Vec::new();
        flate2::read::MultiGzDecoder::new(&bytes[..])
            .read_to_end(&mut out)
            .unwrap();
        out
    } else {
        bytes
    }
}

fn has(haystack: &[u8], needle: &str) -> bool {
    haystack
        .windows(needle.len())
        .any(|w| w == needle.as_bytes())
}

/// Writes the canary image (with canaries in unused header bytes too) as
/// `name` in `dir`, and its sidecar.
fn plant(dir: &Path, name: &str, version: NiftiVersion) -> PathBuf {
    let plain = dir.join("plain.nii");
    let _ = std::fs::remove_file(&plain);
    write_volume(&plain, &image(version == NiftiVersion::Nifti1), version).unwrap();
    let mut bytes = std::fs::read(&plain).unwrap();
    match version {
        NiftiVersion::Nifti1 => bytes[140..148].copy_from_slice(UNUSED_N1.as_bytes()),
        NiftiVersion::Nifti2 => bytes[525..540].copy_from_slice(UNUSED_N2.as_bytes()),
    }
    let path = dir.join(name);
    if name.ends_with(".gz") {
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        gz.write_all(&bytes).unwrap();
        bytes = gz.finish().unwrap();
    }
    std::fs::write(&path, bytes).unwrap();
    std::fs::write(medanon_nifti::sidecar_path(&path).unwrap(), sidecar()).unwrap();
    path
}

fn all_canaries(version: NiftiVersion) -> Vec<&'static str> {
    let mut all: Vec<&str> = FIELD_CANARIES.iter().map(|(_, c)| *c).collect();
    if version == NiftiVersion::Nifti2 {
        all.retain(|c| !c.starts_with("CANARY-DBNAME") && !c.starts_with("CANARY-DT"));
    }
    all.retain(|c| !c.starts_with("CANARY-DESCRIP"));
    all.extend([HIDDEN, DICOM, AFNI, COMMENT, XCEDE]);
    all.push(match version {
        NiftiVersion::Nifti1 => UNUSED_N1,
        NiftiVersion::Nifti2 => UNUSED_N2,
    });
    all
}

#[test]
fn no_canary_survives_the_default_policy() {
    let dir = tempfile::tempdir().unwrap();
    for version in [NiftiVersion::Nifti1, NiftiVersion::Nifti2] {
        for ext in ["nii", "nii.gz"] {
            let what = format!("{version:?} .{ext}");
            let stem = format!("{version:?}-{}", ext.len());
            let input = plant(dir.path(), &format!("in-{stem}.{ext}"), version);
            let before = contents(&input);
            for canary in all_canaries(version) {
                assert!(has(&before, canary), "{what}: {canary} was planted");
            }
            let output = dir.path().join(format!("out-{stem}.{ext}"));
            let report = anonymize_file(&input, &output, &FilePolicy::default()).unwrap();
            let after = contents(&output);
            for canary in all_canaries(version) {
                assert!(!has(&after, canary), "{what}: {canary} survived");
            }
            assert!(!has(&after, "CANARY"), "{what}");
            assert_eq!(
                output.to_string_lossy().ends_with(".gz"),
                after != std::fs::read(&output).unwrap()
            );

            // The report names fields and codes, never text.
            let codes: Vec<(i32, bool)> = report
                .header
                .extensions
                .iter()
                .map(|e| (e.code, e.kept))
                .collect();
            assert_eq!(
                codes,
                [(2, false), (4, false), (6, false), (8, false)],
                "{what}"
            );
            let names: Vec<&str> = report.header.extensions.iter().map(|e| e.name).collect();
            assert_eq!(names, ["dicom", "afni", "comment", "xcede"]);
            assert_eq!(report.header.extensions[0].bytes % 16, 8);
            let fields: Vec<TextField> =
                report.header.text_fields.iter().map(|t| t.field).collect();
            let expected_fields = match version {
                NiftiVersion::Nifti1 => TextField::ALL.to_vec(),
                NiftiVersion::Nifti2 => TextField::ALL[..3].to_vec(),
            };
            assert_eq!(fields, expected_fields, "{what}");
            assert!(
                report
                    .header
                    .text_fields
                    .iter()
                    .all(|t| t.action == TextAction::Clear)
            );
            assert_eq!(report.header.text_fields[0].bytes, 3 + HIDDEN.len());
            assert!(!report.header.kept_anything());
            let shown = format!("{report:?} {}", serde_json::to_string(&report).unwrap());
            assert!(!shown.contains("CANARY"), "{what}: the report shows text");
            assert_eq!(report.version, version);

            // The sidecar beside the output: identifiers gone, parameters kept.
            let (json_path, sidecar_report) = report.sidecar.clone().unwrap();
            assert_eq!(json_path, medanon_nifti::sidecar_path(&output).unwrap());
            let json = std::fs::read_to_string(&json_path).unwrap();
            for canary in JSON_CANARIES {
                assert!(!json.contains(canary), "{what}: sidecar kept {canary}");
            }
            assert!(!json.contains("2021-03-04"));
            let value: serde_json::Value = serde_json::from_str(&json).unwrap();
            assert_eq!(value["RepetitionTime"], 2.0);
            assert_eq!(value["Manufacturer"], "Siemens");
            assert_eq!(sidecar_report.removed.len(), 5, "{sidecar_report:?}");

            // The image itself is unchanged.
            let (a, b) = (read_volume(&input).unwrap(), read_volume(&output).unwrap());
            assert_eq!(a.volume, b.volume, "{what}");
            assert_eq!(b.header.version, version);
            assert!(b.extensions.is_empty());
            assert!(TextField::ALL.iter().all(|f| b.header.text(*f).is_empty()));
            assert_eq!(
                (b.header.qform_code, b.header.sform_code),
                (a.header.qform_code, a.header.sform_code)
            );
        }
    }
}

#[test]
fn anonymize_file_copies_voxels_bit_for_bit_and_converts_versions() {
    let dir = tempfile::tempdir().unwrap();
    // float64 values that f32 cannot hold: a detour through Volume would change them.
    let volume = Volume {
        data: Array4::zeros((3, 2, 2, 1)),
        affine: Affine::IDENTITY,
        ndim: 3,
        stored: StoredType::F64,
        time_step: 0.0,
    };
    let plain = dir.path().join("f64.nii");
    write_volume(&plain, &NiftiImage::new(volume), NiftiVersion::Nifti1).unwrap();
    let mut bytes = std::fs::read(&plain).unwrap();
    let values: Vec<f64> = (0..12).map(|i| 1.0 / 3.0 + f64::from(i) * 1e-13).collect();
    let data_at = bytes.len() - 12 * 8;
    for (n, v) in values.iter().enumerate() {
        bytes[data_at + 8 * n..data_at + 8 * n + 8].copy_from_slice(&v.to_le_bytes());
    }
    std::fs::write(&plain, &bytes).unwrap();
    let policy = FilePolicy {
        version: Some(NiftiVersion::Nifti2),
        ..FilePolicy::default()
    };
    let out = dir.path().join("f64-n2.nii");
    let report = anonymize_file(&plain, &out, &policy).unwrap();
    assert_eq!(report.version, NiftiVersion::Nifti2);
    assert!(report.sidecar.is_none());
    let written = std::fs::read(&out).unwrap();
    assert_eq!(
        &written[written.len() - 96..],
        &bytes[data_at..],
        "voxel bytes"
    );
    assert_eq!(
        read_volume(&out).unwrap().header.version,
        NiftiVersion::Nifti2
    );

    // An existing output is refused (image and sidecar untouched) unless asked.
    let err = anonymize_file(&plain, &out, &policy).unwrap_err();
    assert!(matches!(err, Error::Write { .. }), "{err}");
    let overwrite = FilePolicy {
        overwrite: true,
        ..FilePolicy::default()
    };
    anonymize_file(&plain, &out, &overwrite).unwrap();
    assert_eq!(
        read_volume(&out).unwrap().header.version,
        NiftiVersion::Nifti1
    );
    let err = anonymize_file(&plain, dir.path().join("out.img"), &overwrite).unwrap_err();
    assert!(matches!(err, Error::Write { .. }), "{err}");
}

#[test]
fn a_big_endian_shared_file_is_anonymized_losslessly() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/testdata/nifti");
    let input = dir.join("nibabel_anatomical.nii");
    if !input.is_file() {
        println!("SKIPPED: {} is absent", input.display());
        return;
    }
    let scratch = tempfile::tempdir().unwrap();
    let output = scratch.path().join("anat.nii.gz");
    let report = anonymize_file(&input, &output, &FilePolicy::default()).unwrap();
    let descrip = &report.header.text_fields[0];
    assert_eq!(
        (descrip.field, descrip.bytes),
        (TextField::Descrip, 19),
        "spm - 3D normalized"
    );
    let (a, b) = (read_volume(&input).unwrap(), read_volume(&output).unwrap());
    assert_eq!(a.volume, b.volume);
    assert!(!has(&contents(&output), "spm - 3D"));
}

#[test]
fn pseudonyms_are_keyed_and_stable_and_keeping_is_explicit() {
    let key = PseudonymKey::from_bytes(&[9; 32]);
    let policy = HeaderPolicy::new().pseudonymize(TextField::Descrip, key.clone());
    let mut a = image(true);
    let report = anonymize_header(&mut a, &policy);
    let pseudonym = a.header.descrip.clone();
    assert_eq!(pseudonym.len(), 10);
    assert!(pseudonym.iter().all(u8::is_ascii_alphanumeric));
    assert_eq!(report.text_fields[0].action, TextAction::Pseudonymize);
    assert!(a.extensions.is_empty());
    assert!(a.header.aux_file.is_empty() && a.header.db_name.is_empty());
    // The same key, the same pseudonym; another key, another.
    let mut b = image(true);
    anonymize_header(&mut b, &policy);
    assert_eq!(b.header.descrip, pseudonym);
    let other =
        HeaderPolicy::new().pseudonymize(TextField::Descrip, PseudonymKey::from_bytes(&[1; 32]));
    let mut c = image(true);
    anonymize_header(&mut c, &other);
    assert_ne!(c.header.descrip, pseudonym);

    let mut keep = HeaderPolicy::new();
    keep.dangerous()
        .keep_text(TextField::IntentName)
        .keep_extension(6);
    let mut d = image(true);
    let report = anonymize_header(&mut d, &keep);
    assert!(report.kept_anything());
    assert_eq!(
        d.header.intent_name,
        FIELD_CANARIES[2].1.as_bytes()[..16].to_vec()
    );
    assert!(d.header.descrip.is_empty());
    let codes: Vec<i32> = d.extensions.iter().map(|e| e.code).collect();
    assert_eq!(codes, [6]);
    let kept: Vec<bool> = report.extensions.iter().map(|e| e.kept).collect();
    assert_eq!(kept, [false, false, true, false]);
}
