//! Which anatomical direction each voxel axis runs in, and reordering a
//! volume to the closest RAS+ orientation.
//!
//! NIfTI stores voxels in whatever order the scanner wrote them; only the
//! affine says where they are. Viewing and comparing images needs the
//! voxel axes in a known order, so this module follows nibabel
//! (`aff2axcodes`, `as_closest_canonical`); see [`Orientation`] for the
//! rule and for oblique images.

use std::fmt;

use ndarray::{Array3, Array4, ArrayView3, Axis};

use crate::volume::{Affine, Volume};

/// The direction of one voxel axis in world (RAS+) space.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct AxisOrientation {
    /// The world axis this voxel axis mostly follows: 0 = x (left–right),
    /// 1 = y (posterior–anterior), 2 = z (inferior–superior).
    pub world_axis: usize,
    /// `true` when increasing the voxel index goes the negative way of
    /// `world_axis` (towards the patient's left, posterior or inferior).
    pub flipped: bool,
}

impl AxisOrientation {
    /// The nibabel axis code: the direction increasing indices go to
    /// (`'R'`, `'L'`, `'A'`, `'P'`, `'S'` or `'I'`).
    pub fn code(self) -> char {
        const CODES: [[char; 2]; 3] = [['R', 'L'], ['A', 'P'], ['S', 'I']];
        CODES[self.world_axis.min(2)][usize::from(self.flipped)]
    }
}

/// The orientation of the three voxel axes `i, j, k` of an affine.
///
/// `Display` prints the three codes, like `"LAS"`. How an affine maps to
/// codes follows nibabel's `io_orientation`: the linear part with unit
/// columns is replaced by its closest orthogonal matrix (polar
/// decomposition, which removes shears); then the voxel axes, in order
/// `i, j, k`, each take the world axis with the largest absolute component
/// not taken by an earlier one, its sign giving the direction.
///
/// **Oblique affines** get their *dominant* axes: an image tilted by 10°
/// about z is "RAS", and [`to_canonical`] does not undo the tilt (it only
/// permutes and flips, never interpolates); the returned affine keeps the
/// exact tilt, so world coordinates stay right. A degenerate affine (a zero
/// column) gives that voxel axis the first world axis left over, positive,
/// where nibabel leaves it undefined.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Orientation(pub [AxisOrientation; 3]);

impl fmt::Display for Orientation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.codes().iter().try_for_each(|c| write!(f, "{c}"))
    }
}

impl Orientation {
    /// The closest orientation of `affine`'s voxel axes (see the module
    /// documentation for obliques and degenerate affines).
    pub fn from_affine(affine: &Affine) -> Self {
        let mut r = closest_rotation(affine);
        let mut out: [Option<AxisOrientation>; 3] = [None; 3];
        let mut taken = [false; 3];
        for (in_ax, slot) in out.iter_mut().enumerate() {
            let mut best: Option<(usize, f64)> = None;
            for (w, row) in r.iter().enumerate() {
                let v = row[in_ax];
                if v.abs() > 1e-8 && best.is_none_or(|(_, b)| v.abs() > b.abs()) {
                    best = Some((w, v));
                }
            }
            if let Some((w, v)) = best {
                *slot = Some(AxisOrientation {
                    world_axis: w,
                    flipped: v < 0.0,
                });
                taken[w] = true;
                r[w] = [0.0; 3];
            }
        }
        Orientation(std::array::from_fn(|in_ax| {
            out[in_ax].unwrap_or_else(|| {
                let w = (0..3).find(|&w| !taken[w]).unwrap_or(in_ax);
                taken[w] = true;
                AxisOrientation {
                    world_axis: w,
                    flipped: false,
                }
            })
        }))
    }

    /// The three axis codes, like `['L', 'A', 'S']` (nibabel's `aff2axcodes`).
    pub fn codes(&self) -> [char; 3] {
        self.0.map(AxisOrientation::code)
    }

    /// Whether the voxel axes already run R, A, S.
    pub fn is_canonical(&self) -> bool {
        self.0
            .iter()
            .enumerate()
            .all(|(i, a)| a.world_axis == i && !a.flipped)
    }

    /// For each canonical axis (x, y, z), the voxel axis that becomes it.
    pub fn source_axes(&self) -> [usize; 3] {
        std::array::from_fn(|w| (0..3).find(|&a| self.0[a].world_axis == w).unwrap_or(w))
    }

    /// The shape of the canonical array of an array of `shape`.
    pub fn canonical_shape(&self, shape: [usize; 3]) -> [usize; 3] {
        self.source_axes().map(|a| shape[a])
    }

    /// Where the voxel `ijk` of an array of `shape` lands in its canonical
    /// array. Indices must be inside `shape`.
    pub fn canonical_index(&self, shape: [usize; 3], ijk: [usize; 3]) -> [usize; 3] {
        self.source_axes().map(|a| {
            if self.0[a].flipped {
                shape[a].saturating_sub(1).saturating_sub(ijk[a])
            } else {
                ijk[a]
            }
        })
    }

    /// The voxel-to-voxel affine from canonical indices to original indices,
    /// for an array of `shape`.
    fn canonical_to_original(&self, shape: [usize; 3]) -> Affine {
        let mut m = [[0.0; 4]; 4];
        m[3][3] = 1.0;
        for (w, a) in self.source_axes().into_iter().enumerate() {
            if self.0[a].flipped {
                m[a][w] = -1.0;
                m[a][3] = shape[a].saturating_sub(1) as f64;
            } else {
                m[a][w] = 1.0;
            }
        }
        Affine(m)
    }

    /// The affine of the canonical array of an array of `shape` with `affine`.
    pub fn canonical_affine(&self, affine: &Affine, shape: [usize; 3]) -> Affine {
        affine.then(&self.canonical_to_original(shape))
    }
}

/// The axis codes of `affine`'s voxel axes, like `['R', 'A', 'S']`: nibabel's
/// `aff2axcodes`.
pub fn axis_codes(affine: &Affine) -> [char; 3] {
    Orientation::from_affine(affine).codes()
}

/// A view of `frame` in the closest RAS+ orientation (axes permuted and
/// reversed, no copy), with its affine.
pub fn canonical_view<'a, T>(
    frame: ArrayView3<'a, T>,
    affine: &Affine,
) -> (ArrayView3<'a, T>, Affine) {
    let orientation = Orientation::from_affine(affine);
    let (a, b, c) = frame.dim();
    let shape = [a, b, c];
    let source = orientation.source_axes();
    let mut view = frame.permuted_axes(source);
    for (w, &src) in source.iter().enumerate() {
        if orientation.0[src].flipped {
            view.invert_axis(Axis(w));
        }
    }
    (view, orientation.canonical_affine(affine, shape))
}

/// `frame` reordered to the closest RAS+ orientation by permuting and
/// flipping axes (nibabel's `as_closest_canonical`), and the new affine.
/// Works for any element type, so masks follow their image.
pub fn to_canonical<T: Clone>(frame: ArrayView3<'_, T>, affine: &Affine) -> (Array3<T>, Affine) {
    let (view, affine) = canonical_view(frame, affine);
    (view.as_standard_layout().into_owned(), affine)
}

/// The whole volume (every time point) in the closest RAS+ orientation.
pub fn volume_to_canonical(volume: &Volume) -> Volume {
    let orientation = Orientation::from_affine(&volume.affine);
    let shape = volume.shape3();
    let source = orientation.source_axes();
    let mut view = volume
        .data
        .view()
        .permuted_axes([source[0], source[1], source[2], 3]);
    for (w, &src) in source.iter().enumerate() {
        if orientation.0[src].flipped {
            view.invert_axis(Axis(w));
        }
    }
    let data: Array4<f32> = view.as_standard_layout().into_owned();
    Volume {
        data,
        affine: orientation.canonical_affine(&volume.affine, shape),
        ndim: volume.ndim,
        stored: volume.stored,
        time_step: volume.time_step,
    }
}

/// The orthogonal matrix closest to the affine's linear part with unit
/// columns (polar decomposition by Newton's iteration `X ← (X + X⁻ᵀ) / 2`),
/// or the unit-column matrix itself when it is singular. Rows are world
/// axes, columns voxel axes.
fn closest_rotation(affine: &Affine) -> [[f64; 3]; 3] {
    let sizes = affine.voxel_size();
    let mut x: [[f64; 3]; 3] = std::array::from_fn(|r| {
        std::array::from_fn(|c| {
            let s = if sizes[c] > 0.0 && sizes[c].is_finite() {
                sizes[c]
            } else {
                1.0
            };
            let v = affine.0[r][c] / s;
            if v.is_finite() { v } else { 0.0 }
        })
    });
    let unit = x;
    for _ in 0..50 {
        let mut m = Affine::IDENTITY.0;
        for r in 0..3 {
            m[r][..3].copy_from_slice(&x[r]);
        }
        let Some(inv) = Affine(m).inverse() else {
            return unit;
        };
        let mut change = 0.0f64;
        let next: [[f64; 3]; 3] =
            std::array::from_fn(|r| std::array::from_fn(|c| 0.5 * (x[r][c] + inv.0[c][r])));
        for r in 0..3 {
            for c in 0..3 {
                change = change.max((next[r][c] - x[r][c]).abs());
            }
        }
        x = next;
        if change < 1e-12 {
            break;
        }
    }
    x
}

#[cfg(test)]
mod tests;
