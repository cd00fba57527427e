//! The crate's error type.

/// A `Result` with this crate's [`Error`] as the default error type.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Everything that can stop a brain extraction.
///
/// Messages describe the input's geometry and statistics, never voxel values
/// beyond the summary numbers the algorithm derives.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The volume is too small to hold a head (fewer than 3 voxels along an axis).
    #[error("volume of {}x{}x{} voxels is too small for brain extraction (need at least 3 along each axis)", shape[0], shape[1], shape[2])]
    TooSmall {
        /// The `[i, j, k]` size.
        shape: [usize; 3],
    },

    /// The volume has more voxels than the sampler can index.
    #[error("volume of {}x{}x{} voxels is too large (at most 2^31 voxels)", shape[0], shape[1], shape[2])]
    TooLarge {
        /// The `[i, j, k]` size.
        shape: [usize; 3],
    },

    /// The voxel-to-world affine is not finite or not invertible.
    #[error("the voxel-to-world affine is not invertible or not finite")]
    BadAffine,

    /// A parameter is outside its range.
    #[error("parameter {name} = {value} is out of range: {expected}")]
    Parameter {
        /// The parameter's name.
        name: &'static str,
        /// The value given.
        value: f64,
        /// The accepted range.
        expected: &'static str,
    },

    /// The image has no contrast to find a head in: all voxels (nearly) equal.
    #[error("the image has no usable contrast (2nd and 98th intensity percentiles are equal)")]
    NoContrast,

    /// A supplied mask or array does not match the volume's shape.
    #[error("shape mismatch: expected {}x{}x{}, got {}x{}x{}", expected[0], expected[1], expected[2], got[0], got[1], got[2])]
    ShapeMismatch {
        /// The volume's shape.
        expected: [usize; 3],
        /// The other array's shape.
        got: [usize; 3],
    },
}
