//! Reading NIfTI-1 files with the `nifti` crate into a [`Volume`], so that
//! the view tests do not depend on this crate's reader.

use std::path::Path;

use medanon_nifti::{Affine, Volume};
use ndarray::{Array4, Axis, Ix3, Ix4};

/// The affine of a NIfTI-1 header: sform if its code is positive, else
/// qform, else pixdim (NIfTI-1's rule).
pub fn affine_of(h: &nifti::NiftiHeader) -> Affine {
    if h.sform_code > 0 {
        let rows = [h.srow_x, h.srow_y, h.srow_z];
        let mut m = Affine::IDENTITY.0;
        for r in 0..3 {
            m[r] = rows[r].map(f64::from);
        }
        return Affine(m);
    }
    if h.qform_code <= 0 {
        return Affine::scaling([1, 2, 3].map(|i| f64::from(h.pixdim[i])));
    }
    let [b, c, d] = [h.quatern_b, h.quatern_c, h.quatern_d].map(f64::from);
    let a = (1.0 - b * b - c * c - d * d).max(0.0).sqrt();
    let rot = [
        [
            a * a + b * b - c * c - d * d,
            2.0 * (b * c - a * d),
            2.0 * (b * d + a * c),
        ],
        [
            2.0 * (b * c + a * d),
            a * a + c * c - b * b - d * d,
            2.0 * (c * d - a * b),
        ],
        [
            2.0 * (b * d - a * c),
            2.0 * (c * d + a * b),
            a * a + d * d - c * c - b * b,
        ],
    ];
    let qfac = if h.pixdim[0] < 0.0 { -1.0 } else { 1.0 };
    let scale = [1, 2, 3].map(|i| f64::from(h.pixdim[i]) * if i == 3 { qfac } else { 1.0 });
    let offset = [h.quatern_x, h.quatern_y, h.quatern_z].map(f64::from);
    let mut m = Affine::IDENTITY.0;
    for r in 0..3 {
        for c in 0..3 {
            m[r][c] = rot[r][c] * scale[c];
        }
        m[r][3] = offset[r];
    }
    Affine(m)
}

/// Reads a NIfTI-1 file with the `nifti` crate, independently of this
/// crate's reader.
pub fn read(path: &Path) -> Result<Volume, Box<dyn std::error::Error>> {
    use nifti::{IntoNdArray, NiftiObject};
    let object = nifti::ReaderOptions::new().read_file(path)?;
    let affine = affine_of(object.header());
    let data = object.into_volume().into_ndarray::<f32>()?;
    let ndim = data.ndim();
    let data: Array4<f32> = if ndim == 3 {
        data.into_dimensionality::<Ix3>()?.insert_axis(Axis(3))
    } else {
        data.into_dimensionality::<Ix4>()?
    };
    let mut volume = Volume::from_3d(data.index_axis(Axis(3), 0).to_owned(), affine);
    volume.data = data;
    volume.ndim = ndim as u8;
    Ok(volume)
}
