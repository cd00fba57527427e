//! `medanon view`, `medanon convert`, and NIfTI images in `medanon anonymize`.

#![allow(clippy::unwrap_used, clippy::expect_used)] // a failed unwrap is a failed test

use std::ops::Range;
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

/// A decoded 8-bit gray or RGB PNG, as medanon writes them: width, height,
/// channels (1 or 3) and the pixels, row by row.
struct Png {
    width: usize,
    height: usize,
    channels: usize,
    pixels: Vec<u8>,
}

impl Png {
    fn read(path: &Path) -> Png {
        use std::io::Read;
        let bytes = std::fs::read(path).unwrap();
        assert!(bytes.starts_with(b"\x89PNG\r\n\x1a\n"));
        let (mut pos, mut header, mut idat) = (8, None, Vec::new());
        while pos + 8 <= bytes.len() {
            let len = u32::from_be_bytes(bytes[pos..pos + 4].try_into().unwrap()) as usize;
            let data = &bytes[pos + 8..pos + 8 + len];
            match &bytes[pos + 4..pos + 8] {
                b"IHDR" => header = Some(data.to_vec()),
                b"IDAT" => idat.extend_from_slice(data),
                _ => {}
            }
            pos += 12 + len;
        }
        let header = header.unwrap();
        let width = u32::from_be_bytes(header[0..4].try_into().unwrap()) as usize;
        let height = u32::from_be_bytes(header[4..8].try_into().unwrap()) as usize;
        assert_eq!(header[8], 8, "bit depth");
        let channels = match header[9] {
            0 => 1,
            2 => 3,
            other => panic!("colour type {other}"),
        };
        let mut raw = Vec::new();
        flate2::read::ZlibDecoder::new(&idat[..])
            .read_to_end(&mut raw)
            .unwrap();
        let stride = width * channels;
        assert_eq!(raw.len(), height * (stride + 1));
        let mut pixels = vec![0u8; height * stride];
        for y in 0..height {
            let filter = raw[y * (stride + 1)];
            for x in 0..stride {
                let v = raw[y * (stride + 1) + 1 + x];
                let a = if x >= channels {
                    pixels[y * stride + x - channels]
                } else {
                    0
                };
                let b = if y > 0 {
                    pixels[(y - 1) * stride + x]
                } else {
                    0
                };
                let c = if x >= channels && y > 0 {
                    pixels[(y - 1) * stride + x - channels]
                } else {
                    0
                };
                let predicted = match filter {
                    0 => 0,
                    1 => a,
                    2 => b,
                    3 => ((u16::from(a) + u16::from(b)) / 2) as u8,
                    4 => {
                        let p = i16::from(a) + i16::from(b) - i16::from(c);
                        let (pa, pb, pc) = (
                            (p - i16::from(a)).abs(),
                            (p - i16::from(b)).abs(),
                            (p - i16::from(c)).abs(),
                        );
                        if pa <= pb && pa <= pc {
                            a
                        } else if pb <= pc {
                            b
                        } else {
                            c
                        }
                    }
                    other => panic!("filter {other}"),
                };
                pixels[y * stride + x] = v.wrapping_add(predicted);
            }
        }
        Png {
            width,
            height,
            channels,
            pixels,
        }
    }

    /// How many pixels of columns `xs`, rows `ys` are exactly `rgb`.
    fn count(&self, rgb: [u8; 3], xs: Range<usize>, ys: Range<usize>) -> usize {
        if self.channels != 3 {
            return 0;
        }
        ys.flat_map(|y| xs.clone().map(move |x| (x, y)))
            .filter(|&(x, y)| {
                let i = (y * self.width + x) * 3;
                self.pixels[i..i + 3] == rgb
            })
            .count()
    }
}

/// The outline colour of `view --overlay` (`OverlayStyle::default()`).
const OVERLAY_RED: [u8; 3] = [255, 40, 40];

/// Writes a synthetic 3-D image of `shape` voxels (1 mm), whose value at
/// `[i, j, k]` is `value([i, j, k])`, stored as `stored`.
fn write_synthetic(
    path: &Path,
    shape: [usize; 3],
    stored: medanon::nifti::StoredType,
    value: impl Fn([usize; 3]) -> f32,
) {
    use medanon::nifti::{Affine, NiftiImage, NiftiVersion, Volume, write_volume};
    let data = ndarray::Array3::from_shape_fn((shape[0], shape[1], shape[2]), |(i, j, k)| {
        value([i, j, k])
    });
    let mut volume = Volume::from_3d(data, Affine::scaling([1.0, 1.0, 1.0]));
    volume.stored = stored;
    write_volume(path, &NiftiImage::new(volume), NiftiVersion::Nifti1).unwrap();
}

/// A 40³ "head" (a bright ball with texture) and a mask: a ball of radius 5
/// around voxel (30, 29, 28), which no plane through the centre (20, 20, 20)
/// crosses.
fn head_and_mask(dir: &Path) -> (PathBuf, PathBuf) {
    use medanon::nifti::StoredType;
    let head = dir.join("head.nii.gz");
    let mask = dir.join("mask.nii.gz");
    let dist2 =
        |v: [usize; 3], c: [f32; 3]| -> f32 { (0..3).map(|a| (v[a] as f32 - c[a]).powi(2)).sum() };
    write_synthetic(&head, [40, 40, 40], StoredType::F32, |v| {
        if dist2(v, [20.0, 20.0, 20.0]) < 18.0 * 18.0 {
            100.0 + ((v[0] * 7 + v[1] * 3 + v[2]) % 11) as f32 * 5.0
        } else {
            0.0
        }
    });
    write_synthetic(&mask, [40, 40, 40], StoredType::U8, |v| {
        f32::from(u8::from(dist2(v, [30.0, 29.0, 28.0]) <= 25.0))
    });
    (head, mask)
}

#[test]
fn view_overlay_draws_the_mask_through_its_centroid() {
    let dir = tempfile::tempdir().unwrap();
    let (head, mask) = head_and_mask(dir.path());
    let view = |name: &str, extra: &[&str]| -> Png {
        let png = dir.path().join(name);
        let mut args = vec![
            "view",
            head.to_str().unwrap(),
            "--out",
            png.to_str().unwrap(),
        ];
        args.extend_from_slice(extra);
        ok(&medanon(&args));
        Png::read(&png)
    };
    let overlay = ["--overlay", mask.to_str().unwrap()];
    let plain = view("plain.png", &["--no-original"]);
    let red = view("red.png", &[&["--no-original"], &overlay[..]].concat());
    assert_eq!(plain.channels, 1);
    assert_eq!(red.channels, 3);
    assert_eq!((plain.width, plain.height), (red.width, red.height));
    assert_ne!(
        std::fs::read(dir.path().join("plain.png")).unwrap(),
        std::fs::read(dir.path().join("red.png")).unwrap()
    );
    // Three views of a cube side by side, 6 pixels apart; each goes through
    // the mask's centroid, so each shows it.
    let side = (red.width - 12) / 3;
    for (n, x0) in [0, side + 6, 2 * (side + 6)].into_iter().enumerate() {
        let hits = red.count(OVERLAY_RED, x0..x0 + side, 0..red.height);
        assert!(hits > 20, "view {n}: {hits} red pixels");
    }
    // Planes through the centre miss the ball: no red at all.
    let centre = view(
        "centre.png",
        &[&["--no-original", "--slice", "20,20,20"], &overlay[..]].concat(),
    );
    assert_eq!(
        centre.count(OVERLAY_RED, 0..centre.width, 0..centre.height),
        0
    );
    // The default original + enhanced rows, both with the mask.
    let both = view("both.png", &overlay);
    assert_eq!(both.height, 2 * red.height + 6);
    for rows in [0..red.height, red.height + 6..both.height] {
        let hits = both.count(OVERLAY_RED, 0..both.width, rows.clone());
        assert!(hits > 3 * 20, "rows {rows:?}: {hits} red pixels");
    }
}

#[test]
fn view_overlay_refuses_a_mask_it_cannot_use_on_one_line() {
    use medanon::nifti::{Affine, NiftiImage, NiftiVersion, StoredType, Volume, write_volume};
    let dir = tempfile::tempdir().unwrap();
    let (head, _) = head_and_mask(dir.path());
    let small = dir.path().join("small.nii");
    write_synthetic(&small, [40, 40, 39], StoredType::U8, |_| 1.0);
    let four_d = dir.path().join("4d.nii");
    let mut volume = Volume::from_3d(
        ndarray::Array3::zeros((40, 40, 40)),
        Affine::scaling([1.0, 1.0, 1.0]),
    );
    volume.data = ndarray::Array4::zeros((40, 40, 40, 2));
    volume.ndim = 4;
    write_volume(&four_d, &NiftiImage::new(volume), NiftiVersion::Nifti1).unwrap();
    let garbage = dir.path().join("garbage.nii");
    std::fs::write(&garbage, b"not a NIfTI file").unwrap();
    let png = dir.path().join("out.png");
    let cases: [(&Path, &[&str], &str); 5] = [
        (&small, &[], "40×40×39"),
        (&four_d, &[], "2 volumes"),
        (&garbage, &[], "garbage.nii"),
        (&dir.path().join("missing.nii"), &[], "missing.nii"),
        (&small, &["--plane", "axial"], "--plane"),
    ];
    for (mask, extra, expected) in cases {
        let mut args = vec![
            "view",
            head.to_str().unwrap(),
            "--out",
            png.to_str().unwrap(),
            "--overlay",
            mask.to_str().unwrap(),
        ];
        args.extend_from_slice(extra);
        let out = medanon(&args);
        assert_eq!(out.status.code(), Some(1), "{expected}");
        let stderr = String::from_utf8(out.stderr).unwrap();
        assert!(
            stderr.contains(expected) && stderr.lines().count() == 1,
            "{stderr}"
        );
        assert!(!png.exists());
    }
}
