//! Shared helpers of the DICOM series tests: the test data, and synthetic
//! series built from a real CT slice.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};

use dicom_core::{DataElement, PrimitiveValue, Tag, VR};
use dicom_dictionary_std::tags;
use dicom_object::{DefaultDicomObject, InMemDicomObject, open_file};
use medanon_nifti::Affine;

/// Pixel Spacing of `pydicom/CT_small.dcm`.
pub const CT_SPACING: f64 = 0.661468;

/// `../shared/testdata/dicom`, or `None` (and a `SKIPPED` line) if absent.
pub fn data_dir() -> Option<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/testdata/dicom");
    if dir.join("pydicom/CT_small.dcm").is_file() {
        Some(dir)
    } else {
        eprintln!("SKIPPED: {} is absent", dir.display());
        None
    }
}

/// The real CT slice the synthetic series copy (128×128, signed 16-bit,
/// Rescale Intercept −1024).
pub fn ct_small() -> Option<DefaultDicomObject> {
    Some(open_file(data_dir()?.join("pydicom/CT_small.dcm")).unwrap())
}

/// The stored value of synthetic slice `k` at column `i`, row `j`.
pub fn ct_stored(i: usize, j: usize, k: usize) -> i16 {
    (1000 * k + i + 3 * j) as i16
}

/// Its modality value (Hounsfield units).
pub fn ct_value(i: usize, j: usize, k: usize) -> f32 {
    f32::from(ct_stored(i, j, k)) - 1024.0
}

/// The identifying values of `object` that no message may contain.
pub fn patient_values(object: &InMemDicomObject) -> Vec<String> {
    [tags::PATIENT_NAME, tags::PATIENT_ID, tags::STUDY_DATE]
        .into_iter()
        .filter_map(|tag| text(object, tag))
        .filter(|v| v.len() >= 4)
        .collect()
}

/// A text attribute without padding.
pub fn text(object: &InMemDicomObject, tag: Tag) -> Option<String> {
    let value = object.get(tag)?.to_str().ok()?;
    Some(value.trim_matches(['\0', ' ']).to_owned())
}

/// Puts a multi-valued DS attribute.
pub fn put_ds(object: &mut InMemDicomObject, tag: Tag, values: &[f64]) {
    let strings: Vec<String> = values.iter().map(|v| format!("{v:.8}")).collect();
    object.put(DataElement::new(
        tag,
        VR::DS,
        PrimitiveValue::Strs(strings.into()),
    ));
}

/// Puts a text attribute.
pub fn put_text(object: &mut InMemDicomObject, tag: Tag, vr: VR, value: &str) {
    object.put(DataElement::new(tag, vr, PrimitiveValue::from(value)));
}

/// Native 16-bit pixel data.
pub fn put_pixels(object: &mut InMemDicomObject, pixels: Vec<i16>) {
    let words: Vec<u16> = pixels.into_iter().map(|v| v as u16).collect();
    object.put(DataElement::new(
        tags::PIXEL_DATA,
        VR::OW,
        PrimitiveValue::U16(words.into()),
    ));
}

pub fn assert_affine_eq(a: &Affine, b: &Affine) {
    for r in 0..4 {
        for c in 0..4 {
            assert!((a.0[r][c] - b.0[r][c]).abs() < 1e-6, "{a:?} != {b:?}");
        }
    }
}

pub fn cross(a: [f64; 3], b: [f64; 3]) -> [f64; 3] {
    [
        a[1] * b[2] - a[2] * b[1],
        a[2] * b[0] - a[0] * b[2],
        a[0] * b[1] - a[1] * b[0],
    ]
}

/// A synthetic stack of CT slices.
#[derive(Debug, Clone)]
pub struct Stack {
    /// Series Instance UID; slice `k` has SOP Instance UID `<series>.<k+1>`.
    pub series_uid: String,
    /// Image Position (Patient) of each slice.
    pub positions: Vec<[f64; 3]>,
    /// Image Orientation (Patient) of each slice.
    pub orientations: Vec<[f64; 6]>,
    pub row: [f64; 3],
    pub col: [f64; 3],
    pub spacing: f64,
    /// File name prefix.
    pub prefix: String,
}

impl Stack {
    /// `n` slices 2.5 mm apart, rotated 20° about z and tilted 30°.
    pub fn oblique(n: usize) -> Self {
        let (a, b) = (20f64.to_radians(), 30f64.to_radians());
        let row = [a.cos(), a.sin(), 0.0];
        let col = [-a.sin() * b.cos(), a.cos() * b.cos(), b.sin()];
        Self::along(n, row, col, 2.5)
    }

    /// `n` axial slices 5 mm apart.
    pub fn axial(n: usize) -> Self {
        Self::along(n, [1.0, 0.0, 0.0], [0.0, 1.0, 0.0], 5.0)
    }

    fn along(n: usize, row: [f64; 3], col: [f64; 3], spacing: f64) -> Self {
        let normal = cross(row, col);
        let origin = [-50.0, 30.0, 12.5];
        let positions = (0..n)
            .map(|k| std::array::from_fn(|a| origin[a] + k as f64 * spacing * normal[a]))
            .collect();
        let orientation = [row[0], row[1], row[2], col[0], col[1], col[2]];
        Stack {
            series_uid: "1.2.826.0.1.3680043.2.1125.1".to_owned(),
            positions,
            orientations: vec![orientation; n],
            row,
            col,
            spacing,
            prefix: "slice".to_owned(),
        }
    }

    pub fn series(mut self, uid: &str) -> Self {
        uid.clone_into(&mut self.series_uid);
        self
    }

    pub fn sop_uid(&self, k: usize) -> String {
        format!("{}.{}", self.series_uid, k + 1)
    }

    /// RAS+ position of voxel (i, j) of slice k: LPS with x and y negated.
    pub fn ras(&self, i: f64, j: f64, k: usize) -> [f64; 3] {
        let p = self.positions[k];
        let lps: [f64; 3] = std::array::from_fn(|a| {
            p[a] + i * CT_SPACING * self.row[a] + j * CT_SPACING * self.col[a]
        });
        [-lps[0], -lps[1], lps[2]]
    }

    /// Slice `k` as a copy of `base`.
    pub fn slice(&self, base: &DefaultDicomObject, k: usize) -> DefaultDicomObject {
        let mut object = base.clone();
        put_ds(
            &mut object,
            tags::IMAGE_POSITION_PATIENT,
            &self.positions[k],
        );
        put_ds(
            &mut object,
            tags::IMAGE_ORIENTATION_PATIENT,
            &self.orientations[k],
        );
        put_text(
            &mut object,
            tags::SERIES_INSTANCE_UID,
            VR::UI,
            &self.series_uid,
        );
        put_text(
            &mut object,
            tags::SOP_INSTANCE_UID,
            VR::UI,
            &self.sop_uid(k),
        );
        // Instance numbers run backwards: ordering must not rely on them.
        let number = (self.positions.len() - k).to_string();
        put_text(&mut object, tags::INSTANCE_NUMBER, VR::IS, &number);
        let pixels = (0..128)
            .flat_map(|j| (0..128).map(move |i| ct_stored(i, j, k)))
            .collect();
        put_pixels(&mut object, pixels);
        object.update_meta(|meta| meta.media_storage_sop_instance_uid = self.sop_uid(k));
        object
    }

    /// Writes the slices (except `skip`) into `dir` under scrambled names.
    pub fn write(&self, base: &DefaultDicomObject, dir: &Path, skip: &[usize]) {
        for k in (0..self.positions.len()).filter(|k| !skip.contains(k)) {
            let scrambled = ((k as u64 + 1).wrapping_mul(0x9E37_79B9_7F4A_7C15)) >> 40;
            let name = format!("{}{scrambled:06x}.dcm", self.prefix);
            self.slice(base, k).write_to_file(dir.join(name)).unwrap();
        }
    }
}
