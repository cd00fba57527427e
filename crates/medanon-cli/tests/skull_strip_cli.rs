//! `medanon skull-strip` on a synthetic head: a bright ball (the brain)
//! inside a dark gap (CSF and skull) inside a brighter shell (the scalp),
//! as NIfTI files and as a DICOM MR series.

#![allow(clippy::unwrap_used, clippy::expect_used)] // a failed unwrap is a failed test

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use dicom_core::{DataElement, PrimitiveValue, VR};
use dicom_dictionary_std::{tags, uids};
use dicom_object::InMemDicomObject;
use dicom_object::meta::FileMetaTableBuilder;
use medanon::nifti::{
    Affine, NiftiImage, NiftiVersion, StoredType, Volume, read_volume, series_to_volume,
    write_volume,
};
use ndarray::{Array3, Array4};

/// Voxels along each axis.
const N: usize = 64;
/// Voxel size, mm.
const VOXEL: f64 = 2.0;
/// Radius of the brain ball, mm.
const BRAIN_MM: f64 = 30.0;
/// The scalp shell, mm from the centre.
const SCALP_MM: (f64, f64) = (38.0, 46.0);

/// Distance (mm) of voxel `(i, j, k)` from the head's centre.
fn radius(i: usize, j: usize, k: usize) -> f64 {
    let c = (N as f64 - 1.0) / 2.0;
    [i, j, k]
        .iter()
        .map(|&v| (v as f64 - c).powi(2))
        .sum::<f64>()
        .sqrt()
        * VOXEL
}

/// The head's value at voxel `(i, j, k)`: a textured brain (about 1000),
/// dark CSF and skull (100), a scalp (700), air (0).
fn head(i: usize, j: usize, k: usize) -> f32 {
    let r = radius(i, j, k);
    if r < BRAIN_MM {
        950.0 + ((i * 7 + j * 13 + k * 5) % 11) as f32 * 10.0
    } else if r < SCALP_MM.0 {
        100.0
    } else if r < SCALP_MM.1 {
        700.0
    } else {
        0.0
    }
}

/// A left-right flipped, shifted 2 mm grid (as in a typical LAS file).
fn affine() -> Affine {
    Affine([
        [-VOXEL, 0.0, 0.0, 63.0],
        [0.0, VOXEL, 0.0, -70.0],
        [0.0, 0.0, VOXEL, -52.0],
        [0.0, 0.0, 0.0, 1.0],
    ])
}

/// Writes the head (repeated `volumes` times along t when above 1) stored as `stored`.
fn write_head(path: &Path, stored: StoredType, volumes: usize) {
    let data = Array4::from_shape_fn((N, N, N, volumes), |(i, j, k, _)| head(i, j, k));
    let volume = Volume {
        data,
        affine: affine(),
        ndim: if volumes > 1 { 4 } else { 3 },
        stored,
        time_step: 2.0,
    };
    write_volume(path, &NiftiImage::new(volume), NiftiVersion::Nifti1).unwrap();
}

fn medanon(args: &[&Path]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_medanon"))
        .arg("skull-strip")
        .args(args)
        .output()
        .unwrap()
}

fn p(s: &str) -> &Path {
    Path::new(s)
}

/// Succeeded with one summary line naming the brain's volume.
fn ok(out: &Output) {
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert!(
        stderr.lines().count() == 1 && stderr.contains(" ml"),
        "{stderr}"
    );
}

/// Failed with status 1 and one line containing `expected`.
fn failed(out: &Output, expected: &str) {
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.lines().count() == 1 && stderr.contains(expected),
        "expected one line with {expected:?}: {stderr}"
    );
}

/// The mask's voxel count as a fraction of the ball's volume.
fn brain_fraction(mask: &Path) -> f64 {
    let image = read_volume(mask).unwrap();
    let voxels = image.volume.data.iter().filter(|&&v| v == 1.0).count();
    let ball = 4.0 / 3.0 * std::f64::consts::PI * BRAIN_MM.powi(3);
    voxels as f64 * VOXEL.powi(3) / ball
}

/// Checks that `data` (3-D, `[i, j, k]`) keeps the head inside the brain
/// and is zero in the scalp.
fn assert_stripped(data: &ndarray::ArrayView3<f32>) {
    let (mut kept, mut scalp) = (0, 0);
    for ((i, j, k), &v) in data.indexed_iter() {
        let r = radius(i, j, k);
        if r < BRAIN_MM - 4.0 {
            assert_eq!(v, head(i, j, k), "brain voxel ({i},{j},{k})");
            kept += 1;
        } else if r > SCALP_MM.0 + 1.0 && r < SCALP_MM.1 - 1.0 {
            assert_eq!(v, 0.0, "scalp voxel ({i},{j},{k})");
            scalp += 1;
        }
    }
    assert!(kept > 5_000 && scalp > 5_000, "{kept} {scalp}");
}

#[test]
fn nifti_brain_keeps_the_input_header_with_mask_and_mesh() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("head.nii.gz");
    write_head(&input, StoredType::I16, 1);
    let (out, mask, mesh) = (
        dir.path().join("brain.nii.gz"),
        dir.path().join("mask.nii"),
        dir.path().join("brain.off"),
    );
    ok(&medanon(&[
        &input,
        &out,
        p("--mask"),
        &mask,
        p("--mesh"),
        &mesh,
    ]));
    let before = read_volume(&input).unwrap();
    let after = read_volume(&out).unwrap();
    assert_eq!(after.volume.stored, StoredType::I16);
    assert_eq!(after.volume.affine, before.volume.affine);
    assert_eq!(after.volume.ndim, 3);
    assert_eq!(after.header.sform_code, before.header.sform_code);
    assert_eq!(after.header.qform_code, before.header.qform_code);
    assert_stripped(&after.volume.frame(0).unwrap());

    let mask_image = read_volume(&mask).unwrap();
    assert_eq!(mask_image.volume.stored, StoredType::U8);
    assert_eq!(mask_image.volume.affine, before.volume.affine);
    assert!(mask_image.volume.data.iter().all(|&v| v == 0.0 || v == 1.0));
    // The brain is the output's non-zero voxels, and about the ball.
    for (m, v) in mask_image.volume.data.iter().zip(&after.volume.data) {
        assert!(*m == 1.0 || *v == 0.0);
    }
    let fraction = brain_fraction(&mask);
    assert!((fraction - 1.0).abs() < 0.15, "{fraction}");

    let off = std::fs::read_to_string(&mesh).unwrap();
    assert_eq!(off.lines().next(), Some("OFF"));
    // Nothing but the outputs was left beside them.
    let mut names: Vec<String> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert_eq!(
        names,
        ["brain.nii.gz", "brain.off", "head.nii.gz", "mask.nii"]
    );
}

#[test]
fn fractional_threshold_sets_the_brain_size() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("head.nii");
    write_head(&input, StoredType::F32, 1);
    let mut fractions = Vec::new();
    for f in ["0.2", "0.8"] {
        let out = dir.path().join(format!("brain{f}.nii"));
        let mask = dir.path().join(format!("mask{f}.nii"));
        ok(&medanon(&[&input, &out, p("-f"), p(f), p("--mask"), &mask]));
        fractions.push(brain_fraction(&mask));
    }
    assert!(fractions[0] > fractions[1] * 1.05, "{fractions:?}");
}

#[test]
fn bad_parameters_and_existing_outputs_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("head.nii.gz");
    write_head(&input, StoredType::I16, 1);
    let out = dir.path().join("brain.nii.gz");
    failed(&medanon(&[&input, &out, p("-f"), p("1.5")]), "out of range");
    failed(&medanon(&[&input, &out, p("-g"), p("-2")]), "out of range");
    assert!(!out.exists());
    // Missing input, an output name that is not NIfTI.
    failed(&medanon(&[&dir.path().join("none.nii"), &out]), "none.nii");
    failed(
        &medanon(&[&input, &dir.path().join("brain.png")]),
        ".nii or .nii.gz",
    );
    // An existing output is kept, and no other output appears.
    std::fs::write(&out, b"keep").unwrap();
    let mask = dir.path().join("mask.nii.gz");
    failed(&medanon(&[&input, &out, p("--mask"), &mask]), "--overwrite");
    assert_eq!(std::fs::read(&out).unwrap(), b"keep");
    assert!(!mask.exists());
    // Nor the input, even with --overwrite.
    failed(
        &medanon(&[&input, &input, p("--overwrite")]),
        "is the input",
    );
    ok(&medanon(&[
        &input,
        &out,
        p("-g"),
        p("-0.1"),
        p("--robust"),
        p("--overwrite"),
    ]));
    assert_eq!(read_volume(&out).unwrap().volume.stored, StoredType::I16);
}

#[test]
fn four_d_input_needs_a_single_volume() {
    let dir = tempfile::tempdir().unwrap();
    let three = dir.path().join("three.nii.gz");
    write_head(&three, StoredType::I16, 3);
    let out = dir.path().join("brain.nii.gz");
    failed(&medanon(&[&three, &out]), "extract one first");
    assert!(!out.exists());
    // One volume in a 4-D file: the output stays 4-D, the skull is a mask.
    let one = dir.path().join("one.nii");
    let data = Array4::from_shape_fn((N, N, N, 1), |(i, j, k, _)| head(i, j, k));
    let volume = Volume {
        data,
        affine: affine(),
        ndim: 4,
        stored: StoredType::U16,
        time_step: 2.0,
    };
    write_volume(&one, &NiftiImage::new(volume), NiftiVersion::Nifti2).unwrap();
    let skull = dir.path().join("skull.nii.gz");
    ok(&medanon(&[&one, &out, p("--skull"), &skull]));
    let after = read_volume(&out).unwrap();
    assert_eq!(after.volume.ndim, 4);
    assert_eq!(after.header.version, NiftiVersion::Nifti2);
    assert_eq!(after.volume.stored, StoredType::U16);
    assert_stripped(&after.volume.frame(0).unwrap());
    let skull = read_volume(&skull).unwrap();
    assert_eq!(skull.volume.shape3(), [N, N, N]);
    assert!(skull.volume.data.iter().any(|&v| v == 1.0));
}

#[test]
fn blank_and_flat_images_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let blank = dir.path().join("blank.nii");
    let volume = Volume::from_3d(Array3::from_elem((20, 20, 20), 5.0), affine());
    write_volume(&blank, &NiftiImage::new(volume), NiftiVersion::Nifti1).unwrap();
    let out = dir.path().join("brain.nii");
    failed(&medanon(&[&blank, &out]), "contrast");
    assert!(!out.exists());
    let flat = dir.path().join("flat.nii");
    let volume = Volume::from_3d(
        Array3::from_shape_fn((N, N, 1), |(i, j, _)| head(i, j, N / 2)),
        affine(),
    );
    write_volume(&flat, &NiftiImage::new(volume), NiftiVersion::Nifti1).unwrap();
    failed(&medanon(&[&flat, &out]), "single 2-D image");
    assert!(!out.exists());
}

/// Writes the head as an axial MR series, one file a slice, into `dir`
/// (the first `slices` slices).
fn write_series(dir: &Path, slices: usize) {
    std::fs::create_dir_all(dir).unwrap();
    let series = "2.25.1234567890123456789";
    for k in 0..slices {
        let sop = format!("{series}.{}", k + 1);
        let mut o = InMemDicomObject::new_empty();
        let text = |o: &mut InMemDicomObject, tag, vr, value: &str| {
            o.put(DataElement::new(tag, vr, PrimitiveValue::from(value)));
        };
        let numbers = |o: &mut InMemDicomObject, tag, values: &[f64]| {
            let strings: Vec<String> = values.iter().map(|v| format!("{v}")).collect();
            o.put(DataElement::new(
                tag,
                VR::DS,
                PrimitiveValue::Strs(strings.into()),
            ));
        };
        let short = |o: &mut InMemDicomObject, tag, value: u16| {
            o.put(DataElement::new(tag, VR::US, PrimitiveValue::from(value)));
        };
        text(&mut o, tags::SOP_CLASS_UID, VR::UI, uids::MR_IMAGE_STORAGE);
        text(&mut o, tags::SOP_INSTANCE_UID, VR::UI, &sop);
        text(&mut o, tags::STUDY_INSTANCE_UID, VR::UI, "2.25.42");
        text(&mut o, tags::SERIES_INSTANCE_UID, VR::UI, series);
        text(&mut o, tags::MODALITY, VR::CS, "MR");
        text(&mut o, tags::PATIENT_NAME, VR::PN, "PHANTOM^HEAD");
        text(&mut o, tags::SERIES_DESCRIPTION, VR::LO, "T1 phantom");
        text(&mut o, tags::INSTANCE_NUMBER, VR::IS, &(k + 1).to_string());
        text(
            &mut o,
            tags::PHOTOMETRIC_INTERPRETATION,
            VR::CS,
            "MONOCHROME2",
        );
        numbers(
            &mut o,
            tags::IMAGE_POSITION_PATIENT,
            &[-60.0, -80.0, -40.0 + VOXEL * k as f64],
        );
        numbers(
            &mut o,
            tags::IMAGE_ORIENTATION_PATIENT,
            &[1.0, 0.0, 0.0, 0.0, 1.0, 0.0],
        );
        numbers(&mut o, tags::PIXEL_SPACING, &[VOXEL, VOXEL]);
        numbers(&mut o, tags::SLICE_THICKNESS, &[VOXEL]);
        short(&mut o, tags::ROWS, N as u16);
        short(&mut o, tags::COLUMNS, N as u16);
        short(&mut o, tags::SAMPLES_PER_PIXEL, 1);
        short(&mut o, tags::BITS_ALLOCATED, 16);
        short(&mut o, tags::BITS_STORED, 16);
        short(&mut o, tags::HIGH_BIT, 15);
        short(&mut o, tags::PIXEL_REPRESENTATION, 0);
        // Row-major: column index i, row index j.
        let pixels: Vec<u16> = (0..N * N).map(|n| head(n % N, n / N, k) as u16).collect();
        o.put(DataElement::new(
            tags::PIXEL_DATA,
            VR::OW,
            PrimitiveValue::U16(pixels.into()),
        ));
        let file = o
            .with_meta(
                FileMetaTableBuilder::new()
                    .media_storage_sop_class_uid(uids::MR_IMAGE_STORAGE)
                    .media_storage_sop_instance_uid(&sop)
                    .transfer_syntax(uids::EXPLICIT_VR_LITTLE_ENDIAN),
            )
            .unwrap();
        file.write_to_file(dir.join(format!("slice{k:03}.dcm")))
            .unwrap();
    }
}

#[test]
fn dicom_series_gives_a_series_of_the_same_geometry() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("series");
    write_series(&input, N);
    let source = series_to_volume(&[&input]).unwrap();
    assert_eq!(source.volume.shape3(), [N, N, N]);
    let (out, mask) = (dir.path().join("brain"), dir.path().join("mask.nii.gz"));
    ok(&medanon(&[&input, &out, p("--mask"), &mask]));

    let derived = series_to_volume(&[&out]).unwrap();
    assert_eq!(derived.volume.shape3(), [N, N, N]);
    let (a, b) = (derived.volume.affine.0, source.volume.affine.0);
    for r in 0..4 {
        for c in 0..4 {
            assert!((a[r][c] - b[r][c]).abs() < 1e-4, "{a:?} != {b:?}");
        }
    }
    assert_ne!(
        derived.template.series_instance_uid(),
        source.template.series_instance_uid()
    );
    assert_stripped(&derived.volume.frame(0).unwrap());
    let mask = read_volume(&mask).unwrap();
    assert_eq!(mask.volume.affine, source.volume.affine);
    // No DICOM text in the mask's header.
    assert!(mask.extensions.is_empty() && mask.header.descrip.is_empty());

    // A non-empty output directory is refused, and replaced with --overwrite.
    failed(&medanon(&[&input, &out]), "--overwrite");
    ok(&medanon(&[
        &input,
        &out,
        p("-f"),
        p("0.4"),
        p("--overwrite"),
    ]));
    assert_eq!(std::fs::read_dir(&out).unwrap().count(), N);
    series_to_volume(&[&out]).unwrap();
    // A NIfTI name gives a NIfTI brain.
    let nifti = dir.path().join("brain.nii.gz");
    ok(&medanon(&[&input, &nifti]));
    let image = read_volume(&nifti).unwrap();
    assert_eq!(image.volume.affine, source.volume.affine);
    assert_stripped(&image.volume.frame(0).unwrap());
}

#[test]
fn a_single_dicom_image_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let slice = dir.path().join("one");
    write_series(&slice, 1);
    let out = dir.path().join("brain");
    let message = "is a single 2-D image; skull stripping needs a 3-D volume (a series \
                   directory or a multi-frame file)";
    failed(&medanon(&[&slice, &out]), message);
    failed(&medanon(&[&slice.join("slice000.dcm"), &out]), message);
    assert!(!out.exists());
    let Some(ct) = shared("dicom/pydicom/CT_small.dcm") else {
        return;
    };
    failed(&medanon(&[&ct, &out]), message);
    assert!(!out.exists());
}

fn shared(file: &str) -> Option<PathBuf> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/testdata")
        .join(file);
    if path.is_file() {
        Some(path)
    } else {
        eprintln!("SKIPPED: {} is not available", path.display());
        None
    }
}
