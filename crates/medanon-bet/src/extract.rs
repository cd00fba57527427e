//! The whole method: estimate, deform, check, fill.

use ndarray::{Array3, ArrayView3, ArrayViewMut3, Zip};

use crate::error::{Error, Result};
use crate::evolve::Evolver;
use crate::fill::fill_mesh;
use crate::image::Image;
use crate::locate::locate_brain;
use crate::mesh::Mesh;
use crate::params::BetParams;
use crate::skull::estimate_skull;
use crate::stats::{HeadEstimate, estimate_head};

/// The most runs [`BetParams::robust_centre`] makes.
pub const MAX_ROBUST_PASSES: u32 = 10;
/// The most re-runs with a stiffer surface after a self-intersection.
pub const MAX_SMOOTHING_PASSES: u32 = 5;

/// What [`extract`] found.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct BetOutput {
    /// The brain: `true` inside, same shape as the image. One 6-connected
    /// component without holes.
    pub mask: Array3<bool>,
    /// The final brain surface (world mm).
    pub mesh: Mesh,
    /// The estimated skull, when [`BetParams::skull`] asked for it.
    pub skull: Option<Array3<bool>>,
    /// The intensity statistics and head geometry the run used.
    pub head: HeadEstimate,
    /// Re-runs with a stiffer surface after self-intersections (0 usually).
    pub smoothing_passes: u32,
    /// Whether the final surface still intersects itself (after
    /// [`MAX_SMOOTHING_PASSES`] re-runs).
    pub self_intersecting: bool,
    /// Runs made to settle the centre ([`BetParams::robust_centre`]), 1 otherwise.
    pub centre_passes: u32,
    /// The volume of one voxel, mm³.
    pub voxel_volume: f64,
}

impl BetOutput {
    /// The brain's volume in millilitres.
    pub fn brain_volume_ml(&self) -> f64 {
        self.mask.iter().filter(|&&m| m).count() as f64 * self.voxel_volume / 1000.0
    }

    /// A copy of `data` with every voxel outside the brain set to its
    /// type's default (zero).
    ///
    /// # Errors
    /// [`Error::ShapeMismatch`] if `data` is not the mask's shape.
    pub fn brain_image<T: Copy + Default>(&self, data: ArrayView3<'_, T>) -> Result<Array3<T>> {
        let mut out = data.to_owned();
        self.apply(out.view_mut())?;
        Ok(out)
    }

    /// Sets every voxel of `data` outside the brain to zero, in place.
    ///
    /// # Errors
    /// [`Error::ShapeMismatch`] if `data` is not the mask's shape.
    pub fn apply<T: Copy + Default>(&self, mut data: ArrayViewMut3<'_, T>) -> Result<()> {
        if data.dim() != self.mask.dim() {
            let (a, b, c) = self.mask.dim();
            let (x, y, z) = data.dim();
            return Err(Error::ShapeMismatch {
                expected: [a, b, c],
                got: [x, y, z],
            });
        }
        Zip::from(&mut data).and(&self.mask).for_each(|v, &m| {
            if !m {
                *v = T::default();
            }
        });
        Ok(())
    }
}

/// Extracts the brain from `image`.
///
/// ```
/// use medanon_bet::{BetParams, Image, extract};
/// use ndarray::Array3;
///
/// // A bright ball of radius 30 mm (the "brain") inside a dimmer shell (a
/// // "scalp"), on 2 mm voxels.
/// let data = Array3::from_shape_fn((50, 50, 50), |(i, j, k)| {
///     let r = [i, j, k].iter().map(|&v| (v as f64 - 24.5).powi(2)).sum::<f64>().sqrt() * 2.0;
///     if r < 30.0 { 1000u16 } else if r > 36.0 && r < 42.0 { 600 } else { 0 }
/// });
/// let image = Image::with_voxel_size(data.view(), [2.0; 3])?;
/// let out = extract(&image, &BetParams::default())?;
/// let ball_ml = 4.0 / 3.0 * std::f64::consts::PI * 30f64.powi(3) / 1000.0;
/// assert!((out.brain_volume_ml() - ball_ml).abs() / ball_ml < 0.1);
/// # Ok::<(), medanon_bet::Error>(())
/// ```
///
/// # Errors
/// [`Error::Parameter`] for parameters out of range, [`Error::NoContrast`]
/// for an image without a usable intensity range.
pub fn extract(image: &Image<'_>, params: &BetParams) -> Result<BetOutput> {
    params.validate()?;
    let mut head = estimate_head(image, params.centre, params.radius)?;
    if params.centre.is_none() {
        head = locate_brain(image, head, params)?;
    }
    let mut centre_passes = 0;
    loop {
        centre_passes += 1;
        let (mesh, mask, smoothing_passes, self_intersecting) = deform(image, head, params)?;
        let settled = !params.robust_centre || centre_passes >= MAX_ROBUST_PASSES || {
            match mask_centroid(image, &mask) {
                Some(c) => {
                    let moved = (0..3)
                        .map(|a| (c[a] - head.centre[a]).powi(2))
                        .sum::<f64>()
                        .sqrt();
                    head.centre = c;
                    moved < 1.0
                }
                None => true,
            }
        };
        if settled {
            let skull = params
                .skull
                .then(|| estimate_skull(image, &head, &mesh, &mask));
            return Ok(BetOutput {
                mask,
                mesh,
                skull,
                head,
                smoothing_passes,
                self_intersecting,
                centre_passes,
                voxel_volume: image.voxel_volume(),
            });
        }
    }
}

/// One run: deform; while the surface intersects itself, re-run from the
/// sphere with a stiffer surface; fill.
///
/// A fold is usually where the surface squeezed into a narrow gap (the
/// foramen magnum into the neck, down the spinal cord): smoothing the fold
/// out where it is keeps the leak, a stiffer re-run does not enter it. The
/// test is made after the last iteration only: folds that appear while the
/// surface settles often go away again (measured on the phantoms), and
/// re-running early for them costs accuracy.
fn deform(
    image: &Image<'_>,
    head: HeadEstimate,
    params: &BetParams,
) -> Result<(Mesh, Array3<bool>, u32, bool)> {
    let mut evolver = Evolver::new(image, head, params)?;
    let mut passes = 0;
    loop {
        evolver.run();
        let intersects = evolver.self_intersects();
        if !intersects || passes >= MAX_SMOOTHING_PASSES {
            let mesh = evolver.mesh();
            let mask = fill_mesh(image, &mesh);
            return Ok((mesh, mask, passes, intersects));
        }
        passes += 1;
        // Each re-run half as stiff again as the method's surface.
        evolver.restart(params.smoothness * (1.0 + 0.5 * passes as f64));
    }
}

/// The centroid of the mask's voxels in world mm.
fn mask_centroid(image: &Image<'_>, mask: &Array3<bool>) -> Option<[f64; 3]> {
    let (mut sum, mut n) = ([0f64; 3], 0u64);
    for ((i, j, k), &m) in mask.indexed_iter() {
        if m {
            sum[0] += i as f64;
            sum[1] += j as f64;
            sum[2] += k as f64;
            n += 1;
        }
    }
    (n > 0).then(|| image.to_world(sum.map(|s| s / n as f64)))
}
