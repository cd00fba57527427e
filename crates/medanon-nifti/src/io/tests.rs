#![allow(clippy::unwrap_used, clippy::expect_used)]

use super::layout::{parse_extensions, serialize_extensions};
use super::meta::affines_match;
use super::*;
use crate::volume::Affine;

fn rotation(axis: usize, angle: f64) -> [[f64; 3]; 3] {
    let (c, s) = (angle.cos(), angle.sin());
    let mut r = [[1.0, 0.0, 0.0], [0.0, 1.0, 0.0], [0.0, 0.0, 1.0]];
    let (a, b) = ((axis + 1) % 3, (axis + 2) % 3);
    r[a][a] = c;
    r[a][b] = -s;
    r[b][a] = s;
    r[b][b] = c;
    r
}

fn compose(r: [[f64; 3]; 3], zooms: [f64; 3], flip_z: bool, offset: [f64; 3]) -> Affine {
    let mut m = Affine::IDENTITY.0;
    for row in 0..3 {
        for col in 0..3 {
            let flip = if flip_z && col == 2 { -1.0 } else { 1.0 };
            m[row][col] = r[row][col] * zooms[col] * flip;
        }
        m[row][3] = offset[row];
    }
    Affine(m)
}

#[test]
fn qform_round_trips_every_rotation_branch() {
    // Small angles (trace > 0.5) and half turns about each axis (the other
    // three branches of nifti_mat44_to_quatern), with and without a flip.
    let mut cases = vec![rotation(0, 0.0), rotation(2, 0.4), rotation(1, -1.1)];
    for axis in 0..3 {
        cases.push(rotation(axis, std::f64::consts::PI));
        cases.push(rotation(axis, 3.0));
    }
    for r in cases {
        for flip in [false, true] {
            let affine = compose(r, [0.9, 1.2, 2.5], flip, [10.0, -20.0, 30.5]);
            let mut h = NiftiHeader {
                sform_code: 0,
                ..NiftiHeader::default()
            };
            h.set_affine(&affine);
            assert_eq!((h.qform_code, h.sform_code), (2, 2));
            assert_eq!(h.pixdim[0], if flip { -1.0 } else { 1.0 });
            assert!(
                affines_match(&h.qform(), &affine),
                "{:?} vs {affine:?}",
                h.qform()
            );
            assert_eq!(h.sform(), affine);
        }
    }
}

#[test]
fn a_sheared_affine_gets_no_qform() {
    let mut affine = Affine::scaling([1.0, 2.0, 3.0]);
    affine.0[0][1] = 0.5;
    let mut h = NiftiHeader {
        qform_code: 1,
        ..NiftiHeader::default()
    };
    h.set_affine(&affine);
    assert_eq!((h.qform_code, h.sform_code), (0, 2));
    assert_eq!(h.best_affine([2, 2, 2]), affine);
}

#[test]
fn best_affine_follows_nibabel() {
    let mut h = NiftiHeader {
        sform_code: 0,
        qform_code: 0,
        ..NiftiHeader::default()
    };
    h.pixdim[1..4].copy_from_slice(&[3.0, 2.0, 1.0]);
    // nibabel's shape_zoom_affine((3, 5, 7), (3, 2, 1)) docstring.
    let expected = Affine([
        [-3.0, 0.0, 0.0, 3.0],
        [0.0, 2.0, 0.0, -4.0],
        [0.0, 0.0, 1.0, -3.0],
        [0.0, 0.0, 0.0, 1.0],
    ]);
    assert_eq!(h.best_affine([3, 5, 7]), expected);
    // A qform beats the pixdim rule, an sform beats the qform.
    h.qform_code = 1;
    h.qoffset = [1.0, 2.0, 3.0];
    assert_eq!(h.best_affine([3, 5, 7]).0[1][3], 2.0);
    h.sform_code = 4;
    h.srow[1][3] = 42.0;
    assert_eq!(h.best_affine([3, 5, 7]).0[1][3], 42.0);
    // Negative codes are not codes.
    h.sform_code = -1;
    assert_eq!(h.best_affine([3, 5, 7]).0[1][3], 2.0);
}

#[test]
fn extensions_parse_pad_and_reject_bad_sizes() {
    let exts = vec![
        Extension {
            code: 6,
            data: b"hello".to_vec(),
        },
        Extension {
            code: 2,
            data: vec![7; 24],
        },
    ];
    let bytes = serialize_extensions(&exts).unwrap();
    assert_eq!(&bytes[..4], &[1, 0, 0, 0]);
    assert_eq!(bytes.len(), 4 + 16 + 32);
    let mut region = bytes[4..].to_vec();
    region.extend([0; 32]); // zero padding up to vox_offset ends the list
    let back = parse_extensions(&region, false).unwrap();
    assert_eq!(back.len(), 2);
    assert_eq!(back[0].code, 6);
    assert_eq!(&back[0].data[..5], b"hello");
    assert_eq!(back[1].data, vec![7; 24]);
    assert_eq!(serialize_extensions(&[]).unwrap(), [0, 0, 0, 0]);
    for esize in [-16i32, 4, 1 << 30] {
        let mut bad = region.clone();
        bad[..4].copy_from_slice(&esize.to_le_bytes());
        assert!(parse_extensions(&bad, false).is_err(), "esize {esize}");
    }
    // Big-endian sizes.
    let mut be = region[..16].to_vec();
    be.extend([0; 16]);
    be[..4].copy_from_slice(&16i32.to_be_bytes());
    be[4..8].copy_from_slice(&6i32.to_be_bytes());
    assert_eq!(parse_extensions(&be, true).unwrap()[0].code, 6);
}

#[test]
fn header_fields_survive_both_layouts() {
    let mut h = NiftiHeader {
        dim_info: 57,
        intent_code: 3,
        intent_params: [1.5, -2.0, 8.0],
        slice_code: 2,
        slice_start: 1,
        slice_end: 30,
        slice_duration: 0.0625,
        cal_min: -5.0,
        cal_max: 500.0,
        toffset: 0.5,
        xyzt_units: 10,
        ..NiftiHeader::default()
    };
    h.set_text(TextField::Descrip, b"text\0after nul\0\0");
    h.set_text(TextField::IntentName, b"a name longer than sixteen bytes");
    h.set_text(TextField::DataType, b"dt");
    let frame = layout::Frame {
        datatype: 4,
        bitpix: 16,
        dim: [3, 2, 3, 4, 1, 1, 1, 1],
        vox_offset: 352,
    };
    for version in [NiftiVersion::Nifti1, NiftiVersion::Nifti2] {
        let bytes = layout::serialize(&h, version, &frame).unwrap();
        let parsed = layout::parse(&bytes).unwrap();
        let mut expected = h.clone();
        expected.version = version;
        if version == NiftiVersion::Nifti2 {
            expected.data_type.clear();
        }
        assert_eq!(parsed.header, expected);
        assert_eq!(parsed.dim, frame.dim);
        assert_eq!(parsed.datatype, 4);
        assert!(parsed.single_file && !parsed.big_endian);
    }
    assert_eq!(h.descrip, b"text\0after nul");
    assert_eq!(h.text_lossy(TextField::Descrip), "text");
    assert_eq!(h.intent_name.len(), 16);
    // NIfTI-1 cannot hold what does not fit 16 bits.
    let wide = layout::Frame {
        dim: [3, 40_000, 1, 1, 1, 1, 1, 1],
        ..frame
    };
    assert!(layout::serialize(&h, NiftiVersion::Nifti1, &wide).is_err());
    assert!(layout::serialize(&h, NiftiVersion::Nifti2, &wide).is_ok());
}

#[test]
fn pairs_find_their_partner() {
    let dir = tempfile::tempdir().unwrap();
    let p = |n: &str| dir.path().join(n);
    assert_eq!(partner(&p("a.hdr"), "img"), p("a.img"));
    assert_eq!(partner(&p("a.img"), "hdr"), p("a.hdr"));
    assert_eq!(partner(&p("A.HDR"), "img"), p("A.IMG"));
    assert_eq!(partner(&p("a.hdr.gz"), "img"), p("a.img.gz"));
    std::fs::write(p("b.img.gz"), b"").unwrap();
    assert_eq!(partner(&p("b.hdr"), "img"), p("b.img.gz"));
    assert!(is_image_file(&p("x.IMG")) && is_image_file(&p("x.img.gz")));
    assert!(!is_image_file(&p("x.nii")));
}

#[test]
fn decoding_scales_swaps_and_transposes() {
    use crate::volume::StoredType;
    // 2 × 3 × 1 × 2, file order i fastest: values 0..12 as big-endian i16.
    let mut raw: Vec<u8> = (0..12i16).flat_map(i16::to_be_bytes).collect();
    data::swap_bytes(&mut raw, StoredType::I16);
    let scaling = data::read_scaling(StoredType::I16, 2.0, 1.0);
    let out = data::decode(&raw, StoredType::I16, false, scaling, [2, 3, 1, 2]);
    let arr = Array4::from_shape_vec((2, 3, 1, 2), out).unwrap();
    // File index n = i + 2 j + 6 t.
    assert_eq!(arr[[1, 2, 0, 1]], (1 + 4 + 6) as f32 * 2.0 + 1.0);
    assert_eq!(arr[[0, 1, 0, 0]], 2.0 * 2.0 + 1.0);
    let back = data::encode(&arr, StoredType::I16, 2.0, 1.0);
    let le: Vec<u8> = (0..12i16).flat_map(i16::to_le_bytes).collect();
    assert_eq!(back, le);
    assert_eq!(data::read_scaling(StoredType::I16, 0.0, 5.0), None);
    assert_eq!(data::read_scaling(StoredType::I16, f64::NAN, 5.0), None);
    assert_eq!(
        data::read_scaling(StoredType::I16, 2.0, f64::NAN),
        Some((2.0, 0.0))
    );
    assert_eq!(data::read_scaling(StoredType::Rgb24, 2.0, 0.0), None);
}
