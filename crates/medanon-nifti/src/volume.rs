//! The in-memory image every part of medanon works on: voxel values and the
//! voxel-to-world affine, in millimetres.

use ndarray::Array4;

/// A 4×4 affine from voxel indices `(i, j, k)` to world coordinates
/// `(x, y, z)` in millimetres, in NIfTI's RAS+ space: +x towards the
/// patient's right, +y anterior, +z superior. (DICOM's LPS+ space has x and
/// y the other way round.) Rows are `[x; y; z; 0 0 0 1]`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Affine(pub [[f64; 4]; 4]);

impl Affine {
    /// The identity: voxel indices are millimetres.
    pub const IDENTITY: Affine = Affine([
        [1.0, 0.0, 0.0, 0.0],
        [0.0, 1.0, 0.0, 0.0],
        [0.0, 0.0, 1.0, 0.0],
        [0.0, 0.0, 0.0, 1.0],
    ]);

    /// A diagonal affine with these voxel sizes and no offset.
    pub fn scaling(voxel_size: [f64; 3]) -> Self {
        let mut m = Self::IDENTITY.0;
        for (axis, size) in voxel_size.into_iter().enumerate() {
            m[axis][axis] = size;
        }
        Affine(m)
    }

    /// World coordinates of the voxel position `ijk` (fractional positions allowed).
    pub fn apply(&self, ijk: [f64; 3]) -> [f64; 3] {
        let m = &self.0;
        std::array::from_fn(|r| m[r][0] * ijk[0] + m[r][1] * ijk[1] + m[r][2] * ijk[2] + m[r][3])
    }

    /// The world direction (not normalized) of one step along each voxel axis:
    /// column `axis` of the linear part.
    pub fn axis(&self, axis: usize) -> [f64; 3] {
        std::array::from_fn(|r| self.0[r][axis.min(2)])
    }

    /// Voxel sizes in millimetres: the lengths of the three axis columns.
    pub fn voxel_size(&self) -> [f64; 3] {
        std::array::from_fn(|axis| {
            let v = self.axis(axis);
            (v[0] * v[0] + v[1] * v[1] + v[2] * v[2]).sqrt()
        })
    }

    /// The inverse affine (world to voxel), if the linear part is invertible.
    pub fn inverse(&self) -> Option<Affine> {
        let m = &self.0;
        let (a, b, c) = (m[0][0], m[0][1], m[0][2]);
        let (d, e, f) = (m[1][0], m[1][1], m[1][2]);
        let (g, h, i) = (m[2][0], m[2][1], m[2][2]);
        let det = a * (e * i - f * h) - b * (d * i - f * g) + c * (d * h - e * g);
        if !det.is_finite() || det.abs() < 1e-12 {
            return None;
        }
        let inv = [
            [
                (e * i - f * h) / det,
                (c * h - b * i) / det,
                (b * f - c * e) / det,
            ],
            [
                (f * g - d * i) / det,
                (a * i - c * g) / det,
                (c * d - a * f) / det,
            ],
            [
                (d * h - e * g) / det,
                (b * g - a * h) / det,
                (a * e - b * d) / det,
            ],
        ];
        let t = [m[0][3], m[1][3], m[2][3]];
        let mut out = Self::IDENTITY.0;
        for r in 0..3 {
            out[r][..3].copy_from_slice(&inv[r]);
            out[r][3] = -(inv[r][0] * t[0] + inv[r][1] * t[1] + inv[r][2] * t[2]);
        }
        Some(Affine(out))
    }

    /// The matrix product `self × other` (apply `other` first).
    pub fn then(&self, other: &Affine) -> Affine {
        let (a, b) = (&self.0, &other.0);
        Affine(std::array::from_fn(|r| {
            std::array::from_fn(|c| (0..4).map(|k| a[r][k] * b[k][c]).sum())
        }))
    }
}

/// How voxel values were stored on disk, so that a volume is written back
/// the way it came (NIfTI datatype codes).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum StoredType {
    /// 8-bit unsigned (code 2).
    U8,
    /// 8-bit signed (code 256).
    I8,
    /// 16-bit signed (code 4).
    I16,
    /// 16-bit unsigned (code 512).
    U16,
    /// 32-bit signed (code 8).
    I32,
    /// 32-bit unsigned (code 768).
    U32,
    /// 64-bit signed (code 1024).
    I64,
    /// 64-bit unsigned (code 1280).
    U64,
    /// 32-bit float (code 16).
    F32,
    /// 64-bit float (code 64).
    F64,
    /// 24-bit RGB, stored as its luminance here (code 128).
    Rgb24,
}

impl StoredType {
    /// The NIfTI datatype code.
    pub fn code(self) -> i16 {
        match self {
            StoredType::U8 => 2,
            StoredType::I16 => 4,
            StoredType::I32 => 8,
            StoredType::F32 => 16,
            StoredType::F64 => 64,
            StoredType::Rgb24 => 128,
            StoredType::I8 => 256,
            StoredType::U16 => 512,
            StoredType::U32 => 768,
            StoredType::I64 => 1024,
            StoredType::U64 => 1280,
        }
    }

    /// The type of a NIfTI datatype code, if supported.
    pub fn from_code(code: i16) -> Option<Self> {
        Some(match code {
            2 => StoredType::U8,
            4 => StoredType::I16,
            8 => StoredType::I32,
            16 => StoredType::F32,
            64 => StoredType::F64,
            128 => StoredType::Rgb24,
            256 => StoredType::I8,
            512 => StoredType::U16,
            768 => StoredType::U32,
            1024 => StoredType::I64,
            1280 => StoredType::U64,
            _ => return None,
        })
    }
}

/// A 3-D or 4-D image: voxel values and where they are.
///
/// Values are `f32` with the file's scaling (`scl_slope`, `scl_inter`)
/// applied, indexed `[i, j, k, t]`; a 3-D image has `t` of length 1 and
/// [`ndim`](Self::ndim) 3. Integer data beyond 2²⁴ and `f64` data lose
/// precision in `f32`; they are written back in their stored type.
#[derive(Debug, Clone, PartialEq)]
pub struct Volume {
    /// Voxel values, `[i, j, k, t]`.
    pub data: Array4<f32>,
    /// Voxel indices to world millimetres (RAS+).
    pub affine: Affine,
    /// 3 for a 3-D image, 4 for a 4-D one (even with a single time point).
    pub ndim: u8,
    /// How the values were stored, for writing back.
    pub stored: StoredType,
    /// Seconds (or the file's time unit) between volumes of a 4-D image.
    pub time_step: f32,
}

impl Volume {
    /// A 3-D volume of `data` (`[i, j, k]`) with `affine`, stored as `f32`.
    pub fn from_3d(data: ndarray::Array3<f32>, affine: Affine) -> Self {
        let shape = data.dim();
        let data = data
            .into_shape_with_order((shape.0, shape.1, shape.2, 1))
            .unwrap_or_else(|_| Array4::zeros((shape.0, shape.1, shape.2, 1)));
        Volume {
            data,
            affine,
            ndim: 3,
            stored: StoredType::F32,
            time_step: 0.0,
        }
    }

    /// The `[i, j, k]` size.
    pub fn shape3(&self) -> [usize; 3] {
        let (i, j, k, _) = self.data.dim();
        [i, j, k]
    }

    /// The number of time points (1 for a 3-D image).
    pub fn time_points(&self) -> usize {
        self.data.dim().3
    }

    /// The 3-D image at time point `t` (a view, no copy).
    pub fn frame(&self, t: usize) -> Option<ndarray::ArrayView3<'_, f32>> {
        (t < self.time_points()).then(|| self.data.index_axis(ndarray::Axis(3), t))
    }

    /// Voxel sizes in millimetres (from the affine).
    pub fn voxel_size(&self) -> [f64; 3] {
        self.affine.voxel_size()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn affine_inverse_round_trips() {
        let a = Affine([
            [0.0, 0.0, -1.2, 90.0],
            [0.9, 0.1, 0.0, -126.0],
            [0.0, 1.1, 0.2, -72.0],
            [0.0, 0.0, 0.0, 1.0],
        ]);
        let inv = a.inverse().unwrap();
        let p = [12.5, -3.0, 40.25];
        let back = inv.apply(a.apply(p));
        for axis in 0..3 {
            assert!((back[axis] - p[axis]).abs() < 1e-9);
        }
        let id = a.then(&inv);
        for r in 0..4 {
            for c in 0..4 {
                assert!((id.0[r][c] - Affine::IDENTITY.0[r][c]).abs() < 1e-9);
            }
        }
        assert!(Affine([[0.0; 4]; 4]).inverse().is_none());
        let sizes = Affine::scaling([1.0, 2.0, 3.5]).voxel_size();
        assert_eq!(sizes, [1.0, 2.0, 3.5]);
    }

    #[test]
    fn stored_type_codes_round_trip() {
        for code in [2, 4, 8, 16, 64, 128, 256, 512, 768, 1024, 1280] {
            assert_eq!(StoredType::from_code(code).unwrap().code(), code);
        }
        assert!(
            StoredType::from_code(32).is_none(),
            "complex is not supported"
        );
    }
}
