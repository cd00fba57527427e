//! The header fields kept beside a [`Volume`](crate::Volume) so that an image
//! is written back as it came, and the voxel-to-world rule.

use serde::Serialize;

use crate::volume::Affine;

/// A NIfTI format version.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum NiftiVersion {
    /// NIfTI-1: 348-byte header, 16-bit dimensions, 32-bit floats.
    #[default]
    Nifti1,
    /// NIfTI-2: 540-byte header, 64-bit dimensions, 64-bit floats.
    Nifti2,
}

/// A free-text field of the header, the places where identifying text hides.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum TextField {
    /// `descrip` (80 bytes): often the acquisition or the software, sometimes a name.
    Descrip,
    /// `aux_file` (24 bytes): a file name.
    AuxFile,
    /// `intent_name` (16 bytes).
    IntentName,
    /// `db_name` (18 bytes, NIfTI-1 only, unused by the standard).
    DbName,
    /// `data_type` (10 bytes, NIfTI-1 only, unused by the standard).
    DataType,
}

impl TextField {
    /// Every text field.
    pub const ALL: [TextField; 5] = [
        TextField::Descrip,
        TextField::AuxFile,
        TextField::IntentName,
        TextField::DbName,
        TextField::DataType,
    ];

    /// The field's size in bytes in the header.
    pub fn capacity(self) -> usize {
        match self {
            TextField::Descrip => 80,
            TextField::AuxFile => 24,
            TextField::IntentName => 16,
            TextField::DbName => 18,
            TextField::DataType => 10,
        }
    }

    /// The field's name in the NIfTI standard.
    pub fn name(self) -> &'static str {
        match self {
            TextField::Descrip => "descrip",
            TextField::AuxFile => "aux_file",
            TextField::IntentName => "intent_name",
            TextField::DbName => "db_name",
            TextField::DataType => "data_type",
        }
    }
}

/// `qform_code` / `sform_code` 2: aligned to an anatomical truth (the code
/// given to a new affine, as nibabel does).
pub const XFORM_ALIGNED: i32 = 2;

/// The header of a NIfTI file, less what the [`Volume`](crate::Volume)
/// holds (dimensions, datatype, data): what is needed to write the image
/// back, in the widest types of the two versions.
///
/// Text fields hold the field's bytes up to the last non-NUL byte, so text
/// hidden after a NUL is kept (and seen by anonymization). Fields of the
/// standard that nothing uses (`extents`, `glmax`, `unused_str`, ...) are not
/// kept: the writer zeroes them.
#[derive(Debug, Clone, PartialEq)]
pub struct NiftiHeader {
    /// The version the file was read in (the default for writing it back).
    pub version: NiftiVersion,
    /// Frequency, phase and slice dimensions (`dim_info`).
    pub dim_info: u8,
    /// `intent_code`.
    pub intent_code: i32,
    /// `intent_p1`, `intent_p2`, `intent_p3`.
    pub intent_params: [f64; 3],
    /// `slice_code`.
    pub slice_code: i32,
    /// `slice_start`.
    pub slice_start: i64,
    /// `slice_end`.
    pub slice_end: i64,
    /// `slice_duration`.
    pub slice_duration: f64,
    /// `pixdim[0..8]`: `pixdim[0]` is qfac (±1), then voxel sizes, then the time step.
    pub pixdim: [f64; 8],
    /// `scl_slope` as read (0 or not finite means no scaling).
    pub scl_slope: f64,
    /// `scl_inter` as read.
    pub scl_inter: f64,
    /// `cal_min`.
    pub cal_min: f64,
    /// `cal_max`.
    pub cal_max: f64,
    /// `toffset`.
    pub toffset: f64,
    /// `xyzt_units`: spatial units in bits 0–2, time units in bits 3–5.
    pub xyzt_units: i32,
    /// `qform_code` (0 unknown, 1 scanner, 2 aligned, 3 Talairach, 4 MNI, 5 template).
    pub qform_code: i32,
    /// `sform_code` (same codes).
    pub sform_code: i32,
    /// `quatern_b`, `quatern_c`, `quatern_d`.
    pub quatern: [f64; 3],
    /// `qoffset_x`, `qoffset_y`, `qoffset_z`.
    pub qoffset: [f64; 3],
    /// `srow_x`, `srow_y`, `srow_z`.
    pub srow: [[f64; 4]; 3],
    /// `descrip`.
    pub descrip: Vec<u8>,
    /// `aux_file`.
    pub aux_file: Vec<u8>,
    /// `intent_name`.
    pub intent_name: Vec<u8>,
    /// `db_name` (NIfTI-1 only; dropped when written as NIfTI-2).
    pub db_name: Vec<u8>,
    /// `data_type` (NIfTI-1 only; dropped when written as NIfTI-2).
    pub data_type: Vec<u8>,
}

impl Default for NiftiHeader {
    /// A header for a new image: no text, unit voxels, millimetres and
    /// seconds, identity sform (code 2).
    fn default() -> Self {
        NiftiHeader {
            version: NiftiVersion::Nifti1,
            dim_info: 0,
            intent_code: 0,
            intent_params: [0.0; 3],
            slice_code: 0,
            slice_start: 0,
            slice_end: 0,
            slice_duration: 0.0,
            pixdim: [1.0, 1.0, 1.0, 1.0, 0.0, 0.0, 0.0, 0.0],
            scl_slope: 1.0,
            scl_inter: 0.0,
            cal_min: 0.0,
            cal_max: 0.0,
            toffset: 0.0,
            xyzt_units: 2 | 8,
            qform_code: 0,
            sform_code: XFORM_ALIGNED,
            quatern: [0.0; 3],
            qoffset: [0.0; 3],
            srow: [
                [1.0, 0.0, 0.0, 0.0],
                [0.0, 1.0, 0.0, 0.0],
                [0.0, 0.0, 1.0, 0.0],
            ],
            descrip: Vec::new(),
            aux_file: Vec::new(),
            intent_name: Vec::new(),
            db_name: Vec::new(),
            data_type: Vec::new(),
        }
    }
}

impl NiftiHeader {
    /// The bytes of a text field (up to its last non-NUL byte).
    pub fn text(&self, field: TextField) -> &[u8] {
        match field {
            TextField::Descrip => &self.descrip,
            TextField::AuxFile => &self.aux_file,
            TextField::IntentName => &self.intent_name,
            TextField::DbName => &self.db_name,
            TextField::DataType => &self.data_type,
        }
    }

    /// The text field as a string, up to its first NUL (as C readers see it).
    pub fn text_lossy(&self, field: TextField) -> String {
        let bytes = self.text(field);
        let end = bytes.iter().position(|&b| b == 0).unwrap_or(bytes.len());
        String::from_utf8_lossy(&bytes[..end]).into_owned()
    }

    /// Replaces a text field; bytes beyond the field's capacity are dropped.
    pub fn set_text(&mut self, field: TextField, value: &[u8]) {
        let mut value = value[..value.len().min(field.capacity())].to_vec();
        while value.last() == Some(&0) {
            value.pop();
        }
        *self.text_mut(field) = value;
    }

    fn text_mut(&mut self, field: TextField) -> &mut Vec<u8> {
        match field {
            TextField::Descrip => &mut self.descrip,
            TextField::AuxFile => &mut self.aux_file,
            TextField::IntentName => &mut self.intent_name,
            TextField::DbName => &mut self.db_name,
            TextField::DataType => &mut self.data_type,
        }
    }

    /// The sform affine (`srow_x/y/z`), whatever its code.
    pub fn sform(&self) -> Affine {
        let s = &self.srow;
        Affine([s[0], s[1], s[2], [0.0, 0.0, 0.0, 1.0]])
    }

    /// The qform affine (quaternion, `pixdim` and `qoffset`), whatever its code.
    ///
    /// As nibabel: `a = √(1 − b² − c² − d²)` (0 when that is negative), the
    /// rotation of the normalized quaternion, times `diag(pixdim[1],
    /// pixdim[2], qfac · pixdim[3])` with `qfac = −1` when `pixdim[0] < 0`
    /// and 1 otherwise.
    pub fn qform(&self) -> Affine {
        let [b, c, d] = self.quatern;
        let a = (1.0 - (b * b + c * c + d * d)).max(0.0).sqrt();
        let rot = quaternion_to_rotation([a, b, c, d]);
        let qfac = if self.pixdim[0] < 0.0 { -1.0 } else { 1.0 };
        let zooms = [self.pixdim[1], self.pixdim[2], self.pixdim[3] * qfac];
        let mut m = Affine::IDENTITY.0;
        for r in 0..3 {
            for c in 0..3 {
                m[r][c] = rot[r][c] * zooms[c];
            }
            m[r][3] = self.qoffset[r];
        }
        Affine(m)
    }

    /// nibabel's "best affine" for an image of this shape: the sform if
    /// `sform_code > 0`, else the qform if `qform_code > 0`, else the
    /// Analyze-style affine from the voxel sizes, x flipped (radiological),
    /// with the world origin at the centre of the image:
    /// `diag(−pixdim[1], pixdim[2], pixdim[3])` and offset `−(n − 1)/2 · size`.
    pub fn best_affine(&self, shape: [usize; 3]) -> Affine {
        if self.sform_code > 0 {
            self.sform()
        } else if self.qform_code > 0 {
            self.qform()
        } else {
            let zooms = [-self.pixdim[1], self.pixdim[2], self.pixdim[3]];
            let mut m = Affine::IDENTITY.0;
            for axis in 0..3 {
                m[axis][axis] = zooms[axis];
                m[axis][3] = -((shape[axis] as f64 - 1.0) / 2.0) * zooms[axis];
            }
            Affine(m)
        }
    }

    /// Sets the sform and qform to `affine` (as nibabel's `set_sform` and
    /// `set_qform`): sform code kept if set, else 2 (aligned); the qform too,
    /// with the same rule, when the affine is a rotation times voxel sizes
    /// (a qform cannot hold shears), else qform code 0. `pixdim[0..4]` are
    /// set from the affine.
    pub fn set_affine(&mut self, affine: &Affine) {
        let m = &affine.0;
        self.srow = [m[0], m[1], m[2]];
        if self.sform_code <= 0 {
            self.sform_code = XFORM_ALIGNED;
        }
        let zooms = affine.voxel_size();
        let Some((quatern, qfac)) = rotation_quaternion(affine, zooms) else {
            self.qform_code = 0;
            self.pixdim[1..4].copy_from_slice(&zooms);
            return;
        };
        self.quatern = quatern;
        self.qoffset = [m[0][3], m[1][3], m[2][3]];
        self.pixdim[0] = qfac;
        self.pixdim[1..4].copy_from_slice(&zooms);
        if self.qform_code <= 0 {
            self.qform_code = self.sform_code;
        }
    }
}

/// The rotation matrix of quaternion `[a, b, c, d]`, normalized first (an
/// all-zero quaternion gives the identity).
fn quaternion_to_rotation(q: [f64; 4]) -> [[f64; 3]; 3] {
    let [w, x, y, z] = q;
    let n = w * w + x * x + y * y + z * z;
    if !n.is_finite() || n < 1e-12 {
        return [[1.0, 0.0, 0.0], [0.0, 1.0, 0.0], [0.0, 0.0, 1.0]];
    }
    let s = 2.0 / n;
    let (xs, ys, zs) = (x * s, y * s, z * s);
    let (wx, wy, wz) = (w * xs, w * ys, w * zs);
    let (xx, xy, xz) = (x * xs, x * ys, x * zs);
    let (yy, yz, zz) = (y * ys, y * zs, z * zs);
    [
        [1.0 - (yy + zz), xy - wz, xz + wy],
        [xy + wz, 1.0 - (xx + zz), yz - wx],
        [xz - wy, yz + wx, 1.0 - (xx + yy)],
    ]
}

/// The quaternion `(b, c, d)` and qfac of the affine's rotation, if its
/// columns divided by `zooms` form a rotation (possibly with a flip of the
/// third axis, which qfac −1 holds).
fn rotation_quaternion(affine: &Affine, zooms: [f64; 3]) -> Option<([f64; 3], f64)> {
    let m = &affine.0;
    if zooms.iter().any(|z| !z.is_finite() || *z <= 0.0) {
        return None;
    }
    let mut r = [[0.0; 3]; 3];
    for row in 0..3 {
        for col in 0..3 {
            r[row][col] = m[row][col] / zooms[col];
        }
    }
    let det = r[0][0] * (r[1][1] * r[2][2] - r[1][2] * r[2][1])
        - r[0][1] * (r[1][0] * r[2][2] - r[1][2] * r[2][0])
        + r[0][2] * (r[1][0] * r[2][1] - r[1][1] * r[2][0]);
    let qfac = if det < 0.0 { -1.0 } else { 1.0 };
    for row in &mut r {
        row[2] *= qfac;
    }
    // Orthonormal columns, or this is not a rotation.
    for a in 0..3 {
        for b in 0..3 {
            let dot: f64 = (0..3).map(|k| r[k][a] * r[k][b]).sum();
            let want = if a == b { 1.0 } else { 0.0 };
            if (dot - want).abs() > 1e-5 {
                return None;
            }
        }
    }
    // nifti_mat44_to_quatern (nifti1_io.c); `a` is kept non-negative.
    let trace = r[0][0] + r[1][1] + r[2][2] + 1.0;
    let [a, b, c, d] = if trace > 0.5 {
        let a = 0.5 * trace.sqrt();
        [
            a,
            0.25 * (r[2][1] - r[1][2]) / a,
            0.25 * (r[0][2] - r[2][0]) / a,
            0.25 * (r[1][0] - r[0][1]) / a,
        ]
    } else {
        let xd = 1.0 + r[0][0] - (r[1][1] + r[2][2]);
        let yd = 1.0 + r[1][1] - (r[0][0] + r[2][2]);
        let zd = 1.0 + r[2][2] - (r[0][0] + r[1][1]);
        if xd > 1.0 {
            let b = 0.5 * xd.sqrt();
            [
                0.25 * (r[2][1] - r[1][2]) / b,
                b,
                0.25 * (r[0][1] + r[1][0]) / b,
                0.25 * (r[0][2] + r[2][0]) / b,
            ]
        } else if yd > 1.0 {
            let c = 0.5 * yd.sqrt();
            [
                0.25 * (r[0][2] - r[2][0]) / c,
                0.25 * (r[0][1] + r[1][0]) / c,
                c,
                0.25 * (r[1][2] + r[2][1]) / c,
            ]
        } else {
            let d = 0.5 * zd.sqrt();
            [
                0.25 * (r[1][0] - r[0][1]) / d,
                0.25 * (r[0][2] + r[2][0]) / d,
                0.25 * (r[1][2] + r[2][1]) / d,
                d,
            ]
        }
    };
    let sign = if a < 0.0 { -1.0 } else { 1.0 };
    let q = [b * sign, c * sign, d * sign];
    q.iter().all(|v| v.is_finite()).then_some((q, qfac))
}

/// Whether two affines agree to within `1e-5` of their scale: the test for
/// "the volume's affine is still the header's".
pub(crate) fn affines_match(a: &Affine, b: &Affine) -> bool {
    let scale = a.0.iter().flatten().fold(1.0f64, |m, v| m.max(v.abs()));
    a.0.iter()
        .flatten()
        .zip(b.0.iter().flatten())
        .all(|(x, y)| (x - y).abs() <= 1e-5 * scale)
}

/// A header extension: an `ecode` and its bytes (the padding to a multiple
/// of 16 included, as stored).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Extension {
    /// The extension code (`ecode`): 2 DICOM, 4 AFNI, 6 comment, ...
    pub code: i32,
    /// The content, `esize − 8` bytes.
    pub data: Vec<u8>,
}

impl Extension {
    /// The registered name of this extension's code.
    pub fn code_name(&self) -> &'static str {
        extension_code_name(self.code)
    }
}

/// The registered name of an extension code (the list nibabel keeps from
/// the NIfTI site), or `"unknown"`.
pub fn extension_code_name(code: i32) -> &'static str {
    match code {
        0 => "ignore",
        2 => "dicom",
        4 => "afni",
        6 => "comment",
        8 => "xcede",
        10 => "jimdiminfo",
        12 => "workflow_fwds",
        14 => "freesurfer",
        16 => "pypickle",
        18 => "mind_ident",
        20 => "b_value",
        22 => "spherical_direction",
        24 => "dt_component",
        26 => "shc_degreeorder",
        28 => "voxbo",
        30 => "caret",
        32 => "cifti",
        34 => "variable_frame_timing",
        36 => "unassigned",
        38 => "eval",
        40 => "matlab",
        42 => "quantiphyse",
        44 => "mrs",
        _ => "unknown",
    }
}
