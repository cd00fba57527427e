#![allow(clippy::unwrap_used, clippy::expect_used)]
//! Reading and writing NIfTI files: the shared test data (checked against
//! values nibabel gives), round trips of every type and version, nibabel
//! reading our files and us reading nibabel's (when Python has nibabel),
//! and hostile files that must fail with a typed error.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command;

use medanon_nifti::{
    Affine, Error, Extension, NiftiImage, NiftiVersion, ReadOptions, StoredType, Volume,
    WriteOptions, read_volume, read_volume_with, write_volume, write_volume_with,
};
use ndarray::Array4;

fn testdata() -> Option<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/testdata/nifti");
    if dir.is_dir() {
        Some(dir)
    } else {
        println!("SKIPPED: {} is absent", dir.display());
        None
    }
}

fn nibabel() -> bool {
    let ok = Command::new("python3")
        .args(["-c", "import nibabel, numpy"])
        .output()
        .is_ok_and(|o| o.status.success());
    if !ok {
        println!("SKIPPED: python3 with nibabel is not installed");
    }
    ok
}

/// nibabel's view of files: shape, affine, dtype name, codes and version
/// per file, and the scaled data as little-endian f32 in C order in
/// `<file>.f32`.
const DUMP: &str = r#"
import sys, json, numpy as np, nibabel as nib
for path in sys.argv[1:]:
    img = nib.load(path)
    d = np.asarray(img.get_fdata(dtype=np.float64), dtype='<f4')
    open(path + '.f32', 'wb').write(np.ascontiguousarray(d).tobytes())
    h = img.header
    v = 2 if isinstance(h, nib.Nifti2Header) else 1
    print(json.dumps({'shape': list(d.shape), 'affine': img.affine.tolist(),
        'dtype': h.get_data_dtype().name, 'qform': int(h['qform_code']),
        'sform': int(h['sform_code']), 'version': v}))
"#;

struct Seen {
    shape: Vec<usize>,
    affine: Vec<Vec<f64>>,
    dtype: String,
    qform: i64,
    sform: i64,
    version: i64,
    data: Vec<f32>,
}

fn nibabel_dump(paths: &[PathBuf]) -> Vec<Seen> {
    let out = Command::new("python3")
        .arg("-c")
        .arg(DUMP)
        .args(paths)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "nibabel failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8(out.stdout).unwrap();
    text.lines()
        .zip(paths)
        .map(|(line, path)| {
            let v: serde_json::Value = serde_json::from_str(line).unwrap();
            let raw = std::fs::read(format!("{}.f32", path.display())).unwrap();
            Seen {
                shape: serde_json::from_value(v["shape"].clone()).unwrap(),
                affine: serde_json::from_value(v["affine"].clone()).unwrap(),
                dtype: v["dtype"].as_str().unwrap().to_owned(),
                qform: v["qform"].as_i64().unwrap(),
                sform: v["sform"].as_i64().unwrap(),
                version: v["version"].as_i64().unwrap(),
                data: raw
                    .chunks_exact(4)
                    .map(|c| f32::from_le_bytes(c.try_into().unwrap()))
                    .collect(),
            }
        })
        .collect()
}

fn assert_affine(a: &Affine, rows: &[[f64; 4]; 3], tol: f64) {
    for (r, (got, want)) in a.0.iter().zip(rows).enumerate() {
        for (c, (x, y)) in got.iter().zip(want).enumerate() {
            assert!((x - y).abs() <= tol, "affine[{r}][{c}] = {x}, expected {y}");
        }
    }
    assert_eq!(a.0[3], [0.0, 0.0, 0.0, 1.0]);
}

/// Compares our image with nibabel's view of the same file.
fn assert_same_as_nibabel(ours: &NiftiImage, seen: &Seen, what: &str) {
    let (i, j, k, t) = ours.volume.data.dim();
    let mut shape = vec![i, j, k];
    if ours.volume.ndim == 4 {
        shape.push(t);
    }
    assert_eq!(seen.shape, shape, "{what}: shape");
    for r in 0..4 {
        for c in 0..4 {
            let d = (ours.volume.affine.0[r][c] - seen.affine[r][c]).abs();
            assert!(d < 1e-5, "{what}: affine[{r}][{c}]");
        }
    }
    let data = ours.volume.data.as_standard_layout();
    let data = data.as_slice().unwrap();
    assert_eq!(data.len(), seen.data.len(), "{what}: voxel count");
    for (n, (a, b)) in data.iter().zip(&seen.data).enumerate() {
        assert!(
            (a - b).abs() <= 1e-6 * b.abs().max(1.0),
            "{what}: voxel {n}: ours {a}, nibabel {b}"
        );
    }
}

#[test]
fn reads_the_shared_test_files_as_nibabel_does() {
    let Some(dir) = testdata() else { return };
    // (file, shape, ndim, stored, voxel size, affine rows, sum, max) from nibabel 5.
    type Case = (
        &'static str,
        [usize; 4],
        u8,
        StoredType,
        [f64; 3],
        [[f64; 4]; 3],
        f64,
        f64,
    );
    let oblique = [
        [-2.0, 0.0, 0.0, 117.8551025390625],
        [
            0.0,
            1.9737114906311035,
            -0.35552823543548584,
            -35.72294235229492,
        ],
        [
            0.0,
            0.3232076168060303,
            2.171081781387329,
            -7.248798370361328,
        ],
    ];
    let mni = [
        [1.0, 0.0, 0.0, -98.0],
        [0.0, 1.0, 0.0, -134.0],
        [0.0, 0.0, 1.0, -72.0],
    ];
    #[rustfmt::skip]
    let cases: [Case; 9] = [
        ("nibabel_anatomical.nii", [33, 41, 25, 1], 3, StoredType::I16, [2.0; 3],
            [[-2.0, 0.0, 0.0, 32.0], [0.0, 2.0, 0.0, -40.0], [0.0, 0.0, 2.0, -16.0]],
            284166082.0, 30393.0),
        ("nibabel_functional.nii", [17, 21, 3, 20], 4, StoredType::I16, [4.0, 4.0, 8.0],
            [[-4.0, 0.0, 0.0, 32.0], [0.0, 4.0, 0.0, -40.0], [0.0, 0.0, 8.0, 0.0]],
            77913290.36292362, 5571.621858656406),
        ("nibabel_example4d.nii.gz", [128, 96, 24, 2], 4, StoredType::I16,
            [2.0, 2.0, 2.1999990940093994], oblique, 101985356.0, 1162.0),
        ("nibabel_example_nifti2.nii.gz", [32, 20, 12, 2], 4, StoredType::I16,
            [2.0, 2.0, 2.1999990940093994], oblique, 6926802.0, 757.0),
        ("nibabel_standard.nii.gz", [4, 5, 7, 1], 3, StoredType::U8, [1.0, 3.0, 2.0],
            [[1.0, 0.0, 0.0, 0.0], [0.0, 3.0, 0.0, 0.0], [0.0, 0.0, 2.0, 0.0]], 7650.0, 255.0),
        ("mni152_2009a_gm_1mm.nii.gz", [197, 233, 189, 1], 3, StoredType::U8, [1.0; 3], mni,
            257090788.0, 255.0),
        ("mni152_2009a_wm_1mm.nii.gz", [197, 233, 189, 1], 3, StoredType::U8, [1.0; 3], mni,
            170935158.0, 255.0),
        ("mni152_2009a_t1_brain_1mm.nii.gz", [197, 233, 189, 1], 3, StoredType::U8, [1.0; 3],
            mni, 333468829.0, 255.0),
        ("head_t1_mean_1mm.nii.gz", [176, 256, 256, 1], 3, StoredType::I16,
            [1.0, 0.9765625, 0.9765625],
            [
                [0.9985747337341309, 0.051109328866004944, 0.010212389752268791, -100.00589752197266],
                [-0.052333083003759384, 0.9752241373062134, -0.0005352350417524576, -113.15837860107422],
                [-0.01047183945775032, 0.0, 0.9765089750289917, -121.88970184326172],
            ],
            1011903991.0, 646.0),
    ];
    for (name, shape, ndim, stored, sizes, rows, sum, max) in cases {
        let image = read_volume(dir.join(name)).unwrap_or_else(|e| panic!("{name}: {e}"));
        let v = &image.volume;
        let (i, j, k, t) = v.data.dim();
        assert_eq!([i, j, k, t], shape, "{name}: shape");
        assert_eq!(v.ndim, ndim, "{name}: ndim");
        assert_eq!(v.stored, stored, "{name}: stored type");
        for (a, b) in v.voxel_size().iter().zip(sizes) {
            assert!((a - b).abs() < 1e-5, "{name}: voxel size {a} vs {b}");
        }
        assert_affine(&v.affine, &rows, 1e-5);
        let ours_sum: f64 = v.data.iter().map(|&x| f64::from(x)).sum();
        assert!(
            (ours_sum - sum).abs() <= 1e-6 * sum,
            "{name}: sum {ours_sum} vs {sum}"
        );
        let ours_max = v.data.iter().fold(f32::MIN, |m, &x| m.max(x));
        assert!((f64::from(ours_max) - max).abs() < 1e-3, "{name}: max");
    }
    // The NIfTI-2 file is one; its two comment extensions are kept.
    let n2 = read_volume(dir.join("nibabel_example_nifti2.nii.gz")).unwrap();
    assert_eq!(n2.header.version, NiftiVersion::Nifti2);
    let codes: Vec<i32> = n2.extensions.iter().map(|e| e.code).collect();
    assert_eq!(codes, [6, 6]);
    assert!(n2.extensions[0].data.starts_with(b"extcomment1"));
    // The functional file is scaled (slope 0.0754, intercept 3100.76).
    let f = read_volume(dir.join("nibabel_functional.nii")).unwrap();
    assert!((f.header.scl_slope - 0.07540696859359741).abs() < 1e-9);
    assert_eq!(f.volume.time_step, 2.0);
}

#[test]
fn small_shared_files_match_nibabel_voxel_for_voxel() {
    let Some(dir) = testdata() else { return };
    if !nibabel() {
        return;
    }
    let scratch = tempfile::tempdir().unwrap();
    let names = [
        "nibabel_anatomical.nii",
        "nibabel_functional.nii",
        "nibabel_example4d.nii.gz",
        "nibabel_example_nifti2.nii.gz",
        "nibabel_standard.nii.gz",
        "mni152_2009a_gm_1mm.nii.gz",
    ];
    let copies: Vec<PathBuf> = names
        .iter()
        .map(|n| {
            let to = scratch.path().join(n);
            std::fs::copy(dir.join(n), &to).unwrap();
            to
        })
        .collect();
    for (path, seen) in copies.iter().zip(nibabel_dump(&copies)) {
        let ours = read_volume(path).unwrap();
        assert_same_as_nibabel(&ours, &seen, &path.display().to_string());
    }
}

const TYPES: [StoredType; 11] = [
    StoredType::U8,
    StoredType::I8,
    StoredType::I16,
    StoredType::U16,
    StoredType::I32,
    StoredType::U32,
    StoredType::I64,
    StoredType::U64,
    StoredType::F32,
    StoredType::F64,
    StoredType::Rgb24,
];

fn oblique_affine() -> Affine {
    let c = 0.3f64.cos();
    let s = 0.3f64.sin();
    Affine([
        [-1.5 * c, 0.0, -2.5 * s, 91.25],
        [0.0, 2.0, 0.0, -126.5],
        [-1.5 * s, 0.0, 2.5 * c, -72.0],
        [0.0, 0.0, 0.0, 1.0],
    ])
}

/// An image whose values fit `stored` exactly.
fn sample(stored: StoredType, shape: [usize; 4], ndim: u8) -> NiftiImage {
    let signed = matches!(
        stored,
        StoredType::I8
            | StoredType::I16
            | StoredType::I32
            | StoredType::I64
            | StoredType::F32
            | StoredType::F64
    );
    let data = Array4::from_shape_fn((shape[0], shape[1], shape[2], shape[3]), |(i, j, k, t)| {
        let n = (i * 7 + j * 13 + k * 29 + t * 31) % 120;
        let v = if signed {
            n as f32 - 60.0
        } else {
            n as f32 * 2.0
        };
        if matches!(stored, StoredType::F32 | StoredType::F64) {
            v * 0.25
        } else {
            v
        }
    });
    let volume = Volume {
        data,
        affine: oblique_affine(),
        ndim,
        stored,
        time_step: if ndim == 4 { 1.5 } else { 0.0 },
    };
    let mut image = NiftiImage::new(volume);
    image
        .header
        .set_text(medanon_nifti::TextField::Descrip, b"round trip");
    image.extensions.push(Extension {
        code: 6,
        data: b"a comment, 26 bytes long!!".to_vec(),
    });
    image
}

#[test]
fn every_type_round_trips_in_both_versions_compressed_or_not() {
    let dir = tempfile::tempdir().unwrap();
    let shapes: [([usize; 4], u8); 3] = [([4, 3, 5, 1], 3), ([4, 3, 5, 1], 4), ([3, 2, 4, 3], 4)];
    for stored in TYPES {
        for (shape, ndim) in shapes {
            let image = sample(stored, shape, ndim);
            for version in [NiftiVersion::Nifti1, NiftiVersion::Nifti2] {
                for ext in ["nii", "nii.gz"] {
                    let what = format!("{stored:?} {shape:?} ndim {ndim} {version:?} .{ext}");
                    let path = dir
                        .path()
                        .join(format!("{stored:?}-{ndim}-{}-{version:?}.{ext}", shape[3]));
                    write_volume(&path, &image, version).unwrap();
                    let back = read_volume(&path).unwrap();
                    assert_eq!(back.volume.data, image.volume.data, "{what}: data");
                    assert_eq!(back.volume.stored, stored, "{what}: stored");
                    assert_eq!(back.volume.ndim, ndim, "{what}: ndim");
                    assert_eq!(back.header.version, version, "{what}: version");
                    assert_eq!(
                        back.volume.time_step, image.volume.time_step,
                        "{what}: time step"
                    );
                    let rows = [0, 1, 2].map(|r| image.volume.affine.0[r]);
                    assert_affine(&back.volume.affine, &rows, 1e-5);
                    assert_eq!(back.header.sform_code, 2, "{what}");
                    assert_eq!(back.header.qform_code, 2, "{what}");
                    assert_affine(&back.header.qform(), &rows, 1e-5);
                    assert_eq!(back.header.descrip, b"round trip");
                    assert_eq!(back.extensions.len(), 1);
                    assert_eq!(back.extensions[0].code, 6);
                    assert!(
                        back.extensions[0]
                            .data
                            .starts_with(b"a comment, 26 bytes long!!")
                    );
                    assert_eq!(back.extensions[0].data.len() % 16, 8, "{what}: padded");
                    // Written again, the same bytes (stable).
                    let again = path.with_extension("again.nii");
                    write_volume(&again, &back, version).unwrap();
                    assert_eq!(read_volume(&again).unwrap().volume, back.volume, "{what}");
                }
            }
        }
    }
    let left: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .filter_map(|e| e.ok())
        .filter(|e| e.file_name().to_string_lossy().ends_with(".tmp"))
        .collect();
    assert!(left.is_empty(), "temporary files left: {left:?}");
}

#[test]
fn scaling_and_codes_survive_a_round_trip() {
    let dir = tempfile::tempdir().unwrap();
    let mut image = sample(StoredType::I16, [3, 3, 3, 1], 3);
    image.header.scl_slope = 0.5;
    image.header.scl_inter = 10.0;
    image.volume.data.mapv_inplace(|v| v * 0.5 + 10.0);
    image.header.qform_code = 1;
    image.header.sform_code = 4;
    image.header.xyzt_units = 10;
    image.header.intent_code = 1002;
    let path = dir.path().join("scaled.nii");
    write_volume(&path, &image, NiftiVersion::Nifti1).unwrap();
    let back = read_volume(&path).unwrap();
    assert_eq!(back.volume.data, image.volume.data);
    assert_eq!((back.header.scl_slope, back.header.scl_inter), (0.5, 10.0));
    assert_eq!((back.header.qform_code, back.header.sform_code), (1, 4));
    assert_eq!(
        (back.header.xyzt_units, back.header.intent_code),
        (10, 1002)
    );

    // Values an integer type cannot hold get a fitted scaling (nibabel's
    // way), to within half a step.
    let mut fitted = sample(StoredType::U8, [2, 2, 2, 1], 3);
    fitted.volume.data.fill(300.0);
    fitted.volume.data[[0, 0, 0, 0]] = -5.0;
    fitted.volume.data[[1, 0, 0, 0]] = 2.6;
    let path = dir.path().join("fitted.nii.gz");
    write_volume(&path, &fitted, NiftiVersion::Nifti2).unwrap();
    let back = read_volume(&path).unwrap();
    let step = 305.0 / 255.0;
    assert!((back.header.scl_slope - step).abs() < 1e-9);
    for (a, b) in back.volume.data.iter().zip(&fitted.volume.data) {
        assert!((a - b).abs() <= step as f32 / 2.0 + 1e-4, "{a} vs {b}");
    }
    // Gray RGB is clamped and rounded.
    let mut rgb = sample(StoredType::Rgb24, [2, 2, 2, 1], 3);
    rgb.volume.data.fill(300.0);
    rgb.volume.data[[0, 0, 0, 0]] = -5.0;
    rgb.volume.data[[1, 0, 0, 0]] = 2.6;
    let path = dir.path().join("rgb.nii");
    write_volume(&path, &rgb, NiftiVersion::Nifti1).unwrap();
    let back = read_volume(&path).unwrap();
    assert_eq!(back.volume.data[[0, 0, 0, 0]], 0.0);
    assert_eq!(back.volume.data[[1, 0, 0, 0]], 3.0);
    assert_eq!(back.volume.data[[1, 1, 1, 0]], 255.0);

    // A changed affine replaces the header's sform and qform.
    let mut moved = back.clone();
    moved.volume.affine = Affine::scaling([0.5, 0.75, 1.25]);
    moved.volume.affine.0[0][3] = 12.0;
    let path = dir.path().join("moved.nii");
    write_volume(&path, &moved, NiftiVersion::Nifti1).unwrap();
    let again = read_volume(&path).unwrap();
    assert_eq!(again.volume.affine, moved.volume.affine);
    assert_eq!(again.header.qform(), moved.volume.affine);
    assert_eq!(&again.header.pixdim[1..4], &[0.5, 0.75, 1.25]);
}

#[test]
fn writing_is_atomic_and_never_overwrites_unless_asked() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("once.nii");
    let image = sample(StoredType::U8, [2, 2, 2, 1], 3);
    write_volume(&path, &image, NiftiVersion::Nifti1).unwrap();
    let first = std::fs::read(&path).unwrap();
    let mut other = image.clone();
    other.volume.data.fill(7.0);
    let err = write_volume(&path, &other, NiftiVersion::Nifti1).unwrap_err();
    assert!(matches!(err, Error::Write { .. }), "{err}");
    assert_eq!(std::fs::read(&path).unwrap(), first, "untouched");
    let options = WriteOptions {
        version: NiftiVersion::Nifti2,
        overwrite: true,
    };
    write_volume_with(&path, &other, &options).unwrap();
    assert_eq!(read_volume(&path).unwrap().volume.data[[0, 0, 0, 0]], 7.0);
    for bad in ["x.hdr", "x.img", "x.json", "x"] {
        let err = write_volume(dir.path().join(bad), &image, NiftiVersion::Nifti1).unwrap_err();
        assert!(matches!(err, Error::Write { .. }), "{bad}: {err}");
    }
    let missing_dir = dir.path().join("no/such/dir/x.nii");
    assert!(write_volume(&missing_dir, &image, NiftiVersion::Nifti1).is_err());
    let names: Vec<String> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(names, ["once.nii"], "no temporary or partial file");
}

#[test]
fn nibabel_reads_what_we_write() {
    if !nibabel() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let mut paths = Vec::new();
    let mut images = Vec::new();
    let types = TYPES.iter().filter(|t| **t != StoredType::Rgb24);
    for (n, &stored) in types.enumerate() {
        let (shape, ndim) = if n % 2 == 0 {
            ([4, 3, 5, 1], 4)
        } else {
            ([3, 4, 2, 3], 4)
        };
        let (shape, ndim) = if n % 3 == 0 {
            ([5, 4, 3, 1], 3)
        } else {
            (shape, ndim)
        };
        let image = sample(stored, shape, ndim);
        for (version, ext) in [
            (NiftiVersion::Nifti1, "nii.gz"),
            (NiftiVersion::Nifti2, "nii"),
        ] {
            let path = dir.path().join(format!("{stored:?}-{version:?}.{ext}"));
            write_volume(&path, &image, version).unwrap();
            paths.push(path);
            images.push(image.clone());
        }
    }
    for ((path, image), seen) in paths.iter().zip(&images).zip(nibabel_dump(&paths)) {
        let what = path.display().to_string();
        assert_same_as_nibabel(image, &seen, &what);
        let expected_version = if what.ends_with(".nii.gz") { 1 } else { 2 };
        assert_eq!(seen.version, expected_version, "{what}");
        assert_eq!((seen.qform, seen.sform), (2, 2), "{what}");
        let expected = match image.volume.stored {
            StoredType::U8 => "uint8",
            StoredType::I8 => "int8",
            StoredType::I16 => "int16",
            StoredType::U16 => "uint16",
            StoredType::I32 => "int32",
            StoredType::U32 => "uint32",
            StoredType::I64 => "int64",
            StoredType::U64 => "uint64",
            StoredType::F32 => "float32",
            _ => "float64",
        };
        assert_eq!(seen.dtype, expected, "{what}");
    }
}

/// Files nibabel writes: scaled int16, big-endian, NIfTI-2, pairs, 4-D
/// with one volume, every integer width.
const NIBABEL_WRITES: &str = r#"
import sys, os, numpy as np, nibabel as nib
out = sys.argv[1]
rng = np.random.default_rng(7)
aff = np.array([[-2., 0.1, 0, 90], [0.05, 2.5, 0.2, -120], [0, -0.2, 3, -60], [0, 0, 0, 1]])
def save(img, name, dtype=None):
    if dtype is not None:
        img.set_data_dtype(dtype)
    nib.save(img, os.path.join(out, name))
save(nib.Nifti1Image(rng.normal(100, 40, (5, 6, 7)), aff, dtype=np.int16), 'scaled_i16.nii.gz')
save(nib.Nifti2Image(rng.integers(0, 255, (4, 5, 6, 3)).astype(np.uint8), aff, dtype=np.uint8), 'n2_u8_4d.nii')
be = nib.Nifti1Header(endianness='>')
save(nib.Nifti1Image(rng.normal(0, 1, (6, 5, 4)).astype(np.float32), aff, be, dtype=np.float32), 'be_f32.nii')
be2 = nib.Nifti2Header(endianness='>')
save(nib.Nifti2Image(rng.normal(0, 1, (3, 4, 5)), aff, be2, dtype=np.float64), 'be_n2_f64.nii.gz')
save(nib.Nifti1Pair(rng.integers(-5000, 5000, (4, 4, 4)).astype(np.int32), aff, dtype=np.int32), 'pair_i32.img')
save(nib.Nifti1Image(rng.integers(0, 60000, (3, 4, 5, 1)).astype(np.uint16), aff, dtype=np.uint16), 'u16_t1.nii')
for t in ['int8', 'uint32', 'int64', 'uint64']:
    save(nib.Nifti1Image(rng.integers(0, 100, (3, 3, 3)).astype(t), aff, dtype=t), t + '.nii')
"#;

#[test]
fn we_read_what_nibabel_writes() {
    if !nibabel() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let status = Command::new("python3")
        .arg("-c")
        .arg(NIBABEL_WRITES)
        .arg(dir.path())
        .status()
        .unwrap();
    assert!(status.success());
    let names = [
        ("scaled_i16.nii.gz", StoredType::I16),
        ("n2_u8_4d.nii", StoredType::U8),
        ("be_f32.nii", StoredType::F32),
        ("be_n2_f64.nii.gz", StoredType::F64),
        ("pair_i32.hdr", StoredType::I32),
        ("u16_t1.nii", StoredType::U16),
        ("int8.nii", StoredType::I8),
        ("uint32.nii", StoredType::U32),
        ("int64.nii", StoredType::I64),
        ("uint64.nii", StoredType::U64),
    ];
    let paths: Vec<PathBuf> = names.iter().map(|(n, _)| dir.path().join(n)).collect();
    let seen = nibabel_dump(&paths);
    for ((path, stored), seen) in paths.iter().zip(names.map(|n| n.1)).zip(&seen) {
        let ours = read_volume(path).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(ours.volume.stored, stored, "{}", path.display());
        assert!(
            seen.dtype
                .ends_with(&format!("{}", 8 * voxel_bytes(stored))),
            "{}",
            seen.dtype
        );
        assert_same_as_nibabel(&ours, seen, &path.display().to_string());
    }
    let scaled = read_volume(&paths[0]).unwrap();
    assert!(
        scaled.header.scl_slope != 1.0,
        "nibabel scaled the int16 file"
    );
    assert_eq!(
        read_volume(&paths[1]).unwrap().header.version,
        NiftiVersion::Nifti2
    );
    assert_eq!(
        read_volume(&paths[5]).unwrap().volume.ndim,
        4,
        "dim[4] == 1 stays 4-D"
    );
    // The pair reads from either file.
    let from_img = read_volume(dir.path().join("pair_i32.img")).unwrap();
    assert_eq!(from_img.volume, read_volume(&paths[4]).unwrap().volume);
}

fn voxel_bytes(stored: StoredType) -> usize {
    match stored {
        StoredType::U8 | StoredType::I8 => 1,
        StoredType::I16 | StoredType::U16 => 2,
        StoredType::I32 | StoredType::U32 | StoredType::F32 => 4,
        _ => 8,
    }
}

// ---- hostile input -------------------------------------------------------

fn valid_bytes(version: NiftiVersion, gz: bool) -> Vec<u8> {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(if gz { "v.nii.gz" } else { "v.nii" });
    write_volume(&path, &sample(StoredType::I16, [4, 3, 2, 1], 3), version).unwrap();
    std::fs::read(path).unwrap()
}

fn read_bytes(bytes: &[u8], name: &str) -> Result<NiftiImage, Error> {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(name);
    std::fs::write(&path, bytes).unwrap();
    read_volume(&path)
}

fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    gz.write_all(bytes).unwrap();
    gz.finish().unwrap()
}

fn patch(bytes: &[u8], at: usize, with: &[u8]) -> Vec<u8> {
    let mut out = bytes.to_vec();
    out[at..at + with.len()].copy_from_slice(with);
    out
}

#[test]
fn hostile_files_fail_with_typed_errors() {
    let n1 = valid_bytes(NiftiVersion::Nifti1, false);
    let n2 = valid_bytes(NiftiVersion::Nifti2, false);
    assert!(read_bytes(&n1, "ok.nii").is_ok());
    assert!(read_bytes(&n2, "ok.nii").is_ok());
    let not_nifti = |r: Result<NiftiImage, Error>| matches!(r, Err(Error::NotNifti { .. }));
    let corrupt = |r: Result<NiftiImage, Error>| matches!(r, Err(Error::Corrupt { .. }));
    let unsupported = |r: Result<NiftiImage, Error>| matches!(r, Err(Error::Unsupported { .. }));

    assert!(not_nifti(read_bytes(b"", "empty.nii")));
    assert!(not_nifti(read_bytes(&n1[..200], "short_header.nii")));
    assert!(not_nifti(read_bytes(
        &patch(&n1, 344, b"xyz\0"),
        "analyze.nii"
    )));
    assert!(not_nifti(read_bytes(
        b"just some text, long enough",
        "text.nii"
    )));
    // Truncated data, plain and compressed.
    assert!(corrupt(read_bytes(&n1[..n1.len() - 10], "truncated.nii")));
    assert!(corrupt(read_bytes(
        &gzip(&n1[..n1.len() - 10]),
        "truncated.nii.gz"
    )));
    // Negative, zero and overflowing dimensions.
    assert!(corrupt(read_bytes(
        &patch(&n1, 42, &(-5i16).to_le_bytes()),
        "neg.nii"
    )));
    assert!(corrupt(read_bytes(
        &patch(&n1, 44, &0i16.to_le_bytes()),
        "zero.nii"
    )));
    assert!(corrupt(read_bytes(
        &patch(&n1, 40, &9i16.to_le_bytes()),
        "dim0.nii"
    )));
    let huge = (1i64 << 40).to_le_bytes();
    let overflow = patch(&patch(&patch(&n2, 24, &huge), 32, &huge), 40, &huge);
    assert!(corrupt(read_bytes(&overflow, "overflow.nii")));
    let big = [32767i16; 3].map(i16::to_le_bytes).concat();
    assert!(unsupported(read_bytes(
        &patch(&n1, 42, &big),
        "over_limit.nii"
    )));
    // Five dimensions, complex and unknown datatypes.
    let five = patch(
        &patch(&n1, 40, &5i16.to_le_bytes()),
        50,
        &3i16.to_le_bytes(),
    );
    assert!(unsupported(read_bytes(&five, "five.nii")));
    assert!(unsupported(read_bytes(
        &patch(&n1, 70, &32i16.to_le_bytes()),
        "complex.nii"
    )));
    assert!(unsupported(read_bytes(
        &patch(&n1, 70, &7i16.to_le_bytes()),
        "unknown.nii"
    )));
    // vox_offset past the end, or not a number.
    assert!(corrupt(read_bytes(
        &patch(&n1, 108, &1e9f32.to_le_bytes()),
        "far.nii"
    )));
    let far_gz = gzip(&patch(&n1, 108, &1e6f32.to_le_bytes()));
    assert!(corrupt(read_bytes(&far_gz, "far.nii.gz")));
    assert!(corrupt(read_bytes(
        &patch(&n1, 108, &f32::NAN.to_le_bytes()),
        "nan.nii"
    )));
    assert!(corrupt(read_bytes(
        &patch(&n2, 168, &(-4i64).to_le_bytes()),
        "neg_off.nii"
    )));
    // Non-finite pixdim and sform.
    assert!(corrupt(read_bytes(
        &patch(&n1, 80, &f32::INFINITY.to_le_bytes()),
        "pixdim.nii"
    )));
    assert!(corrupt(read_bytes(
        &patch(&n1, 280, &f32::NAN.to_le_bytes()),
        "sform.nii"
    )));
    // An extension claiming more than there is.
    let with_ext = valid_bytes(NiftiVersion::Nifti1, false);
    assert_eq!(with_ext[348], 1, "the sample has an extension");
    assert!(corrupt(read_bytes(
        &patch(&with_ext, 352, &4000i32.to_le_bytes()),
        "ext.nii"
    )));
    assert!(corrupt(read_bytes(
        &patch(&with_ext, 352, &3i32.to_le_bytes()),
        "ext3.nii"
    )));
    // Garbage after the gzip magic, and a gzip stream cut short.
    let mut garbage = vec![0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3];
    garbage.extend((0..600u32).map(|i| (i * 7919 % 251) as u8));
    assert!(corrupt(read_bytes(&garbage, "garbage.nii.gz")));
    let gz = valid_bytes(NiftiVersion::Nifti2, true);
    assert!(corrupt(read_bytes(&gz[..gz.len() / 2], "cut.nii.gz")));
    // A pair without its image.
    let mut pair = patch(&n1, 344, b"ni1\0")[..352].to_vec();
    pair[348] = 0;
    let err = read_bytes(&pair, "lonely.hdr").unwrap_err();
    assert!(matches!(err, Error::Read { .. }), "{err}");
}

#[test]
fn a_tiny_gzip_claiming_a_huge_image_fails_fast() {
    // 512 × 512 × 512 float32 (512 MiB) claimed, a few bytes present: the
    // read ends at the stream's end without allocating the claim.
    let n1 = valid_bytes(NiftiVersion::Nifti1, false);
    let dims = [3i16, 512, 512, 512].map(i16::to_le_bytes).concat();
    let claim = patch(&patch(&n1, 40, &dims), 70, &16i16.to_le_bytes());
    let claim = patch(&claim, 72, &32i16.to_le_bytes());
    let start = std::time::Instant::now();
    let err = read_bytes(&gzip(&claim), "claim.nii.gz").unwrap_err();
    assert!(matches!(err, Error::Corrupt { .. }), "{err}");
    assert!(start.elapsed().as_secs() < 5);
    // With a tighter limit it is refused before reading.
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("claim.nii.gz");
    std::fs::write(&path, gzip(&claim)).unwrap();
    let limits = ReadOptions {
        max_voxels: 1 << 20,
        ..ReadOptions::default()
    };
    let err = read_volume_with(&path, &limits).unwrap_err();
    assert!(matches!(err, Error::Unsupported { .. }), "{err}");
}

mod fuzzish {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(300))]
        /// Any bytes of the header (and the first extension) changed: an
        /// image or a typed error, never a panic.
        #[test]
        fn mutated_headers_never_panic(
            edits in proptest::collection::vec((0usize..420, any::<u8>()), 1..12),
            version in prop_oneof![Just(NiftiVersion::Nifti1), Just(NiftiVersion::Nifti2)],
        ) {
            let mut bytes = valid_bytes(version, false);
            for (at, value) in edits {
                let at = at % bytes.len().min(600);
                bytes[at] = value;
            }
            let _ = read_bytes(&bytes, "mutated.nii");
        }
    }
}
