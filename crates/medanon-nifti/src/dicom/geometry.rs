//! Where each image is: checking that the images of a series form one
//! regular stack, ordering them along the slice normal and building the
//! voxel-to-world affine.
//!
//! Slices are ordered by the projection of their Image Position (Patient)
//! on the normal (row cosines × column cosines), never by Instance Number
//! or file name, which are often wrong. The slice spacing is measured from
//! the positions, not taken from Slice Thickness (which differs from the
//! spacing for overlapping or gapped acquisitions).

use crate::volume::Affine;

/// Orientation cosines may differ by this much between slices (DICOM
/// writers print them with 4 to 16 digits).
const ORIENTATION_TOLERANCE: f64 = 1e-3;
/// Relative tolerance on Pixel Spacing between slices.
const PIXEL_SPACING_TOLERANCE: f64 = 1e-3;
/// Positions closer than this (mm) along the normal are the same position,
/// whatever the relative tolerance.
const MIN_DISTINCT_MM: f64 = 1e-3;
/// In-plane offsets below this (mm) are rounding of the printed positions.
const MIN_IN_PLANE_MM: f64 = 0.01;

/// The geometry of one image (a slice, or a frame of a multi-frame object).
#[derive(Debug, Clone, PartialEq)]
pub(super) struct ImageGeometry {
    /// Image Position (Patient): the centre of the first pixel, LPS mm.
    pub position: [f64; 3],
    /// Image Orientation (Patient): row cosines then column cosines, LPS.
    pub orientation: [f64; 6],
    /// Pixel Spacing: between rows, then between columns (mm).
    pub pixel_spacing: [f64; 2],
    /// Rows and Columns.
    pub size: [u16; 2],
    /// Instance Number, for messages.
    pub instance_number: Option<i64>,
}

/// A checked stack of images.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct Stack {
    /// Input indices of the images, in slice order (`k`).
    pub order: Vec<usize>,
    /// Voxel to RAS+ world.
    pub affine: Affine,
    /// Distance between slices along the normal, mm.
    pub slice_spacing: f64,
}

fn dot(a: [f64; 3], b: [f64; 3]) -> f64 {
    a[0] * b[0] + a[1] * b[1] + a[2] * b[2]
}

fn cross(a: [f64; 3], b: [f64; 3]) -> [f64; 3] {
    [
        a[1] * b[2] - a[2] * b[1],
        a[2] * b[0] - a[0] * b[2],
        a[0] * b[1] - a[1] * b[0],
    ]
}

fn norm(a: [f64; 3]) -> f64 {
    dot(a, a).sqrt()
}

fn scale(a: [f64; 3], s: f64) -> [f64; 3] {
    [a[0] * s, a[1] * s, a[2] * s]
}

fn sub(a: [f64; 3], b: [f64; 3]) -> [f64; 3] {
    [a[0] - b[0], a[1] - b[1], a[2] - b[2]]
}

/// The unit row and column cosines and the slice normal of an orientation.
pub(super) fn directions(orientation: &[f64; 6]) -> Result<[[f64; 3]; 3], String> {
    let row = [orientation[0], orientation[1], orientation[2]];
    let col = [orientation[3], orientation[4], orientation[5]];
    let (row_len, col_len) = (norm(row), norm(col));
    let valid = (row_len - 1.0).abs() < 0.01
        && (col_len - 1.0).abs() < 0.01
        && (dot(row, col) / (row_len * col_len)).abs() < 0.01;
    if !valid {
        return Err(
            "Image Orientation (Patient) is not two orthogonal unit vectors (corrupt geometry)"
                .to_owned(),
        );
    }
    let row = scale(row, 1.0 / row_len);
    let col = scale(col, 1.0 / col_len);
    let normal = cross(row, col);
    let normal = scale(normal, 1.0 / norm(normal));
    Ok([row, col, normal])
}

/// Checks that `images` form one regular stack and orders them.
///
/// `tolerance` is the relative deviation allowed between one slice gap and
/// the median gap. Errors name images by their index in the input (1-based)
/// or in slice order, never by a value of the data set.
pub(super) fn stack(images: &[ImageGeometry], tolerance: f64) -> Result<Stack, String> {
    let Some(first) = images.first() else {
        return Err("the series holds no images".to_owned());
    };
    let n = images.len();
    if n == 1 {
        return Err("a single slice is not a volume (the series holds one 2-D image)".to_owned());
    }
    for (index, image) in images.iter().enumerate() {
        if image.size != first.size {
            return Err(format!(
                "image {} of {n} has {}×{} pixels where the first has {}×{}: pass one stack",
                index + 1,
                image.size[1],
                image.size[0],
                first.size[1],
                first.size[0]
            ));
        }
        let differs = image
            .orientation
            .iter()
            .zip(&first.orientation)
            .any(|(a, b)| (a - b).abs() > ORIENTATION_TOLERANCE);
        if differs {
            return Err(format!(
                "image orientations differ (image {} of {n} differs from the first; a \
                 localizer or a second stack?): pass the images of one orientation",
                index + 1
            ));
        }
        let spacing_differs = image
            .pixel_spacing
            .iter()
            .zip(&first.pixel_spacing)
            .any(|(a, b)| (a - b).abs() > PIXEL_SPACING_TOLERANCE * b.abs());
        if spacing_differs {
            return Err(format!(
                "pixel spacings differ (image {} of {n} differs from the first)",
                index + 1
            ));
        }
    }
    if first
        .pixel_spacing
        .iter()
        .any(|s| !s.is_finite() || *s <= 0.0)
    {
        return Err("Pixel Spacing is not positive".to_owned());
    }
    let [row, col, normal] = directions(&first.orientation)?;

    let mut order: Vec<usize> = (0..n).collect();
    let along = |i: usize| dot(images[i].position, normal);
    order.sort_by(|&a, &b| along(a).total_cmp(&along(b)).then(a.cmp(&b)));
    let distances: Vec<f64> = order.iter().map(|&i| along(i)).collect();
    let gaps: Vec<f64> = distances.windows(2).map(|w| w[1] - w[0]).collect();
    let mut sorted_gaps = gaps.clone();
    sorted_gaps.sort_by(f64::total_cmp);
    let median = sorted_gaps[sorted_gaps.len() / 2];

    let label = |k: usize| match images[order[k]].instance_number {
        Some(number) => format!("{} (instance number {number})", k + 1),
        None => format!("{}", k + 1),
    };
    let duplicate = MIN_DISTINCT_MM.max(tolerance * median);
    if let Some(k) = gaps.iter().position(|&g| g <= duplicate) {
        let positions = 1 + gaps.iter().filter(|&&g| g > duplicate).count();
        if positions > 1 && n % positions == 0 && repeats_evenly(&gaps, duplicate, n / positions) {
            return Err(format!(
                "each of the {positions} slice positions holds {} images (echoes, phases, \
                 time points or a repeated series?): 4-D series are not supported, pass one \
                 image per position",
                n / positions
            ));
        }
        return Err(format!(
            "slices {} and {} in slice order are at the same position (duplicate slices?)",
            label(k),
            label(k + 1)
        ));
    }
    for (k, &gap) in gaps.iter().enumerate() {
        if (gap - median).abs() > tolerance * median {
            let what = if gap > median {
                "a gap"
            } else {
                "uneven spacing"
            };
            return Err(format!(
                "{what} between slices {} and {} in slice order: {gap:.3} mm where the other \
                 slices are {median:.3} mm apart (missing slices?)",
                label(k),
                label(k + 1)
            ));
        }
    }
    let slice_spacing = (distances[n - 1] - distances[0]) / (n - 1) as f64;
    let origin = images[order[0]].position;
    for (k, &index) in order.iter().enumerate() {
        let offset = sub(
            sub(images[index].position, origin),
            scale(normal, distances[k] - distances[0]),
        );
        let in_plane = norm(offset);
        if in_plane > MIN_IN_PLANE_MM.max(tolerance * slice_spacing) {
            return Err(format!(
                "slice {} in slice order is {in_plane:.3} mm off the line through the first \
                 along the slice normal (gantry tilt or a sheared stack are not supported)",
                label(k)
            ));
        }
    }
    let [row_spacing, col_spacing] = first.pixel_spacing;
    let affine = affine_ras(
        [
            scale(row, col_spacing),
            scale(col, row_spacing),
            scale(normal, slice_spacing),
        ],
        origin,
    );
    Ok(Stack {
        order,
        affine,
        slice_spacing,
    })
}

/// Whether the positions come in runs of exactly `count` images each.
fn repeats_evenly(gaps: &[f64], duplicate: f64, count: usize) -> bool {
    let mut run = 1;
    for &gap in gaps {
        if gap <= duplicate {
            run += 1;
        } else if run != count {
            return false;
        } else {
            run = 1;
        }
    }
    run == count
}

/// The RAS+ affine whose columns are the LPS steps `axes` (i, j, k) and
/// whose origin is the LPS position of voxel (0, 0, 0): x and y negated.
pub(super) fn affine_ras(axes: [[f64; 3]; 3], origin: [f64; 3]) -> Affine {
    let mut m = Affine::IDENTITY.0;
    for (r, sign) in [-1.0, -1.0, 1.0].into_iter().enumerate() {
        for (c, axis) in axes.iter().enumerate() {
            m[r][c] = sign * axis[r];
        }
        m[r][3] = sign * origin[r];
    }
    Affine(m)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn image(position: [f64; 3], orientation: [f64; 6]) -> ImageGeometry {
        ImageGeometry {
            position,
            orientation,
            pixel_spacing: [0.5, 0.75],
            size: [4, 6],
            instance_number: None,
        }
    }

    const AXIAL: [f64; 6] = [1.0, 0.0, 0.0, 0.0, 1.0, 0.0];

    #[test]
    fn orders_by_position_and_builds_the_ras_affine() {
        let images: Vec<_> = [3.0, 0.0, 6.0, 9.0]
            .iter()
            .map(|&z| image([10.0, 20.0, z], AXIAL))
            .collect();
        let stack = stack(&images, 0.05).unwrap();
        assert_eq!(stack.order, vec![1, 0, 2, 3]);
        assert!((stack.slice_spacing - 3.0).abs() < 1e-12);
        let a = stack.affine.0;
        // i along the rows (column spacing), j along the columns (row spacing).
        assert_eq!(a[0][..4], [-0.75, 0.0, 0.0, -10.0]);
        assert_eq!(a[1][..4], [0.0, -0.5, 0.0, -20.0]);
        assert_eq!(a[2][..4], [0.0, 0.0, 3.0, 0.0]);
        assert_eq!(stack.affine.apply([0.0, 0.0, 2.0]), [-10.0, -20.0, 6.0]);
    }

    #[test]
    fn rejects_gaps_duplicates_and_repeated_positions() {
        let at = |zs: &[f64]| -> Vec<ImageGeometry> {
            zs.iter().map(|&z| image([0.0, 0.0, z], AXIAL)).collect()
        };
        let gap = stack(&at(&[0.0, 1.0, 2.0, 4.0, 5.0]), 0.05).unwrap_err();
        assert!(gap.contains("a gap between slices 3 and 4"), "{gap}");
        let dup = stack(&at(&[0.0, 1.0, 1.0, 2.0]), 0.05).unwrap_err();
        assert!(dup.contains("slices 2 and 3"), "{dup}");
        assert!(dup.contains("same position"), "{dup}");
        let echoes = stack(&at(&[0.0, 0.0, 1.0, 1.0, 2.0, 2.0]), 0.05).unwrap_err();
        assert!(
            echoes.contains("3 slice positions holds 2 images"),
            "{echoes}"
        );
        assert!(
            stack(&at(&[0.0, 1.0, 2.02, 3.0]), 0.05).is_ok(),
            "within tolerance"
        );
        let single = stack(&at(&[0.0]), 0.05).unwrap_err();
        assert!(single.contains("single slice"), "{single}");
    }

    #[test]
    fn rejects_mixed_orientation_and_tilt() {
        let mut images: Vec<_> = (0..4)
            .map(|z| image([0.0, 0.0, f64::from(z)], AXIAL))
            .collect();
        images[2].orientation = [1.0, 0.0, 0.0, 0.0, 0.0, -1.0];
        let err = stack(&images, 0.05).unwrap_err();
        assert!(err.contains("image 3 of 4"), "{err}");
        let tilted: Vec<_> = (0..4)
            .map(|z| image([0.0, 0.3 * f64::from(z), f64::from(z)], AXIAL))
            .collect();
        let err = stack(&tilted, 0.05).unwrap_err();
        assert!(err.contains("gantry tilt"), "{err}");
        let skew = [1.0, 0.0, 0.0, 1.0, 0.0, 0.0];
        let bad = [image([0.0; 3], skew), image([0.0, 0.0, 1.0], skew)];
        assert!(stack(&bad, 0.05).is_err());
    }
}
