//! The input volume: voxel values as `f32` and the voxel-to-world affine.

use ndarray::{Array3, ArrayView3, CowArray, Ix3};

use crate::error::{Error, Result};
use crate::sampler::Sampler;

/// A voxel type [`Image`] accepts: the integer and floating-point types
/// medical images are stored in.
pub trait Sample: Copy + Send + Sync + 'static {
    /// The value as `f32` (non-finite values are treated as 0 by [`Image`]).
    fn to_f32(self) -> f32;

    /// A zero-copy view, for `f32` only.
    #[doc(hidden)]
    fn as_f32_view<'a>(_view: &ArrayView3<'a, Self>) -> Option<ArrayView3<'a, f32>> {
        None
    }
}

macro_rules! sample_as {
    ($($t:ty),*) => {$(
        impl Sample for $t {
            #[allow(clippy::cast_precision_loss, clippy::cast_possible_truncation)]
            fn to_f32(self) -> f32 {
                self as f32
            }
        }
    )*};
}
sample_as!(u8, i8, u16, i16, u32, i32, u64, i64, f64);

impl Sample for f32 {
    fn to_f32(self) -> f32 {
        self
    }

    fn as_f32_view<'a>(view: &ArrayView3<'a, f32>) -> Option<ArrayView3<'a, f32>> {
        Some(*view)
    }
}

/// A 3-D image to extract the brain from: values indexed `[i, j, k]` and the
/// 4×4 affine from voxel indices to world millimetres.
///
/// The algorithm works in millimetres through the affine, so anisotropic,
/// oblique and flipped voxel grids need no resampling. `f32` input in
/// standard (C) layout without NaN or infinity is borrowed; anything else is
/// converted once to `f32`, with non-finite values read as 0.
#[derive(Debug, Clone)]
pub struct Image<'a> {
    data: CowArray<'a, f32, Ix3>,
    affine: [[f64; 4]; 4],
    inverse: [[f64; 4]; 3],
    sampler: Sampler,
}

impl<'a> Image<'a> {
    /// An image of `data` with the voxel-to-world `affine` (rows `x`, `y`,
    /// `z`, `0 0 0 1`).
    ///
    /// # Errors
    /// [`Error::TooSmall`] or [`Error::TooLarge`] for the shape,
    /// [`Error::BadAffine`] if the affine is not finite and invertible.
    pub fn new<T: Sample>(data: ArrayView3<'a, T>, affine: [[f64; 4]; 4]) -> Result<Self> {
        let (a, b, c) = data.dim();
        let shape = [a, b, c];
        if shape.iter().any(|&n| n < 3) {
            return Err(Error::TooSmall { shape });
        }
        if shape
            .iter()
            .try_fold(1usize, |acc, &n| acc.checked_mul(n))
            .is_none_or(|n| n > i32::MAX as usize)
        {
            return Err(Error::TooLarge { shape });
        }
        let inverse = invert(&affine).ok_or(Error::BadAffine)?;
        let borrowed = T::as_f32_view(&data)
            .filter(|v| v.is_standard_layout() && v.iter().all(|x| x.is_finite()));
        let data = match borrowed {
            Some(view) => CowArray::from(view),
            None => {
                let mut owned = Array3::<f32>::zeros((a, b, c));
                ndarray::Zip::from(&mut owned).and(&data).for_each(|o, &v| {
                    let v = v.to_f32();
                    *o = if v.is_finite() { v } else { 0.0 };
                });
                CowArray::from(owned)
            }
        };
        let sampler = Sampler::new(data.as_slice().unwrap_or(&[]), shape);
        Ok(Image {
            data,
            affine,
            inverse,
            sampler,
        })
    }

    /// An image with an axis-aligned grid of these voxel sizes (mm) and its
    /// first voxel at the origin.
    ///
    /// # Errors
    /// As [`Image::new`]; non-positive voxel sizes are a [`Error::BadAffine`].
    pub fn with_voxel_size<T: Sample>(
        data: ArrayView3<'a, T>,
        voxel_size: [f64; 3],
    ) -> Result<Self> {
        if voxel_size.iter().any(|&v| !(v > 0.0 && v.is_finite())) {
            return Err(Error::BadAffine);
        }
        let [x, y, z] = voxel_size;
        Self::new(
            data,
            [
                [x, 0.0, 0.0, 0.0],
                [0.0, y, 0.0, 0.0],
                [0.0, 0.0, z, 0.0],
                [0.0, 0.0, 0.0, 1.0],
            ],
        )
    }

    /// The `[i, j, k]` size.
    pub fn shape(&self) -> [usize; 3] {
        let (a, b, c) = self.data.dim();
        [a, b, c]
    }

    /// The voxel-to-world affine.
    pub fn affine(&self) -> &[[f64; 4]; 4] {
        &self.affine
    }

    /// The voxel values (as `f32`).
    pub fn data(&self) -> ArrayView3<'_, f32> {
        self.data.view()
    }

    /// The voxel sizes in millimetres (lengths of the affine's columns).
    pub fn voxel_size(&self) -> [f64; 3] {
        std::array::from_fn(|c| {
            (0..3)
                .map(|r| self.affine[r][c] * self.affine[r][c])
                .sum::<f64>()
                .sqrt()
        })
    }

    /// The volume of one voxel in mm³.
    pub fn voxel_volume(&self) -> f64 {
        let m = &self.affine;
        det3([
            [m[0][0], m[0][1], m[0][2]],
            [m[1][0], m[1][1], m[1][2]],
            [m[2][0], m[2][1], m[2][2]],
        ])
        .abs()
    }

    /// World millimetres of a (fractional) voxel position.
    pub fn to_world(&self, ijk: [f64; 3]) -> [f64; 3] {
        let m = &self.affine;
        std::array::from_fn(|r| m[r][0] * ijk[0] + m[r][1] * ijk[1] + m[r][2] * ijk[2] + m[r][3])
    }

    /// The (fractional) voxel position of a world point.
    pub fn to_voxel(&self, xyz: [f64; 3]) -> [f64; 3] {
        let m = &self.inverse;
        std::array::from_fn(|r| m[r][0] * xyz[0] + m[r][1] * xyz[1] + m[r][2] * xyz[2] + m[r][3])
    }

    /// A world direction in voxel units (the inverse's linear part applied).
    pub(crate) fn direction_to_voxel(&self, d: [f64; 3]) -> [f64; 3] {
        let m = &self.inverse;
        std::array::from_fn(|r| m[r][0] * d[0] + m[r][1] * d[1] + m[r][2] * d[2])
    }

    /// The values in memory order (standard layout is guaranteed).
    pub(crate) fn values(&self) -> &[f32] {
        // Borrowed views are checked for standard layout, owned arrays are created so.
        self.data.as_slice().unwrap_or(&[])
    }

    /// Trilinear interpolation at a voxel position; 0 outside the grid.
    #[inline]
    pub(crate) fn sample(&self, p: [f64; 3]) -> f32 {
        self.sampler.sample(p)
    }

    /// [`sample`](Self::sample) in `f32`.
    #[inline]
    pub(crate) fn sample32(&self, p: [f32; 3]) -> f32 {
        self.sampler.sample32(p)
    }
}

pub(crate) fn det3(m: [[f64; 3]; 3]) -> f64 {
    m[0][0] * (m[1][1] * m[2][2] - m[1][2] * m[2][1])
        - m[0][1] * (m[1][0] * m[2][2] - m[1][2] * m[2][0])
        + m[0][2] * (m[1][0] * m[2][1] - m[1][1] * m[2][0])
}

/// The inverse of an affine, as its top three rows.
fn invert(a: &[[f64; 4]; 4]) -> Option<[[f64; 4]; 3]> {
    if a.iter().flatten().any(|v| !v.is_finite()) {
        return None;
    }
    let m = [
        [a[0][0], a[0][1], a[0][2]],
        [a[1][0], a[1][1], a[1][2]],
        [a[2][0], a[2][1], a[2][2]],
    ];
    let det = det3(m);
    if !det.is_finite() || det.abs() < 1e-9 {
        return None;
    }
    let cof =
        |r0: usize, r1: usize, c0: usize, c1: usize| m[r0][c0] * m[r1][c1] - m[r0][c1] * m[r1][c0];
    let inv = [
        [
            cof(1, 2, 1, 2) / det,
            -cof(0, 2, 1, 2) / det,
            cof(0, 1, 1, 2) / det,
        ],
        [
            -cof(1, 2, 0, 2) / det,
            cof(0, 2, 0, 2) / det,
            -cof(0, 1, 0, 2) / det,
        ],
        [
            cof(1, 2, 0, 1) / det,
            -cof(0, 2, 0, 1) / det,
            cof(0, 1, 0, 1) / det,
        ],
    ];
    let t = [a[0][3], a[1][3], a[2][3]];
    let mut out = [[0.0; 4]; 3];
    for r in 0..3 {
        out[r][..3].copy_from_slice(&inv[r]);
        out[r][3] = -(inv[r][0] * t[0] + inv[r][1] * t[1] + inv[r][2] * t[2]);
    }
    out.iter().flatten().all(|v| v.is_finite()).then_some(out)
}
