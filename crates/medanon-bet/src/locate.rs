//! Where to start the surface: a quick first pass that finds the top and
//! the width of the brain, and a centre derived from them.
//!
//! The centre of gravity of the head is a poor start when the field of view
//! holds a neck, shoulders or a large face: it sits low, and a sphere
//! around it reaches through the skull base into the neck, where the
//! surface then grows. A small, quick surface (642 vertices, a few hundred
//! iterations) started from the head estimate finds the cerebrum reliably
//! even where it misses the cerebellum or strays into the neck: its top and
//! its widest axial cross-section are the cerebrum's. On the atlas brain,
//! the phantoms and the test head, the brain's centroid lies 0.85 widest
//! radii below its top (0.85 and 0.86 measured), so the full surface starts
//! there, with a sphere of at most 0.6 widest radii: inside the brain, deep
//! enough into the cerebellum to grow past the tentorium, not into the neck.

use crate::error::Result;
use crate::evolve::Evolver;
use crate::fill::parity_fill;
use crate::image::Image;
use crate::params::BetParams;
use crate::stats::{HeadEstimate, median_in_sphere};

/// Subdivisions of the first pass's sphere (642 vertices).
const FIRST_PASS_SUBDIVISIONS: u32 = 3;
/// Iterations of the first pass (its edges are twice as long, so it moves
/// twice as fast as the full surface).
const FIRST_PASS_ITERATIONS: u32 = 250;
/// The start sphere's radius is at most this many widest radii (and at most
/// half the head radius, the method's usual start).
const START_RADIUS_OF_WIDTH: f64 = 0.6;
/// The brain's centroid lies this many widest radii below its top.
const CENTRE_BELOW_TOP: f64 = 0.85;

/// Runs the quick first pass from `head` and returns the estimate with the
/// centre and start radius derived from the brain it found (and the median
/// intensity around the new centre). Returns `head` unchanged when the first
/// pass finds nothing usable.
///
/// # Errors
/// A [`Parameter`](crate::Error::Parameter) error from the parameters.
pub fn locate_brain(
    image: &Image<'_>,
    head: HeadEstimate,
    params: &BetParams,
) -> Result<HeadEstimate> {
    let mut quick = params.clone();
    quick.subdivisions = params.subdivisions.min(FIRST_PASS_SUBDIVISIONS);
    quick.iterations = params.iterations.min(FIRST_PASS_ITERATIONS);
    let mut evolver = Evolver::new(image, head, &quick)?;
    evolver.run();
    let mask = parity_fill(image, &evolver.mesh());
    let Some(brain) = BrainGeometry::of(image, &mask) else {
        return Ok(head);
    };
    let centre = [
        brain.cap_centre[0],
        brain.cap_centre[1],
        brain.top - CENTRE_BELOW_TOP * brain.width_radius,
    ];
    let median =
        median_in_sphere(image, centre, head.radius, head.threshold).unwrap_or(head.median);
    Ok(HeadEstimate {
        centre,
        median,
        start_radius: head
            .start_radius
            .min(START_RADIUS_OF_WIDTH * brain.width_radius),
        ..head
    })
}

/// The parts of a brain mask's shape that a neck or a missing cerebellum
/// do not change.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct BrainGeometry {
    /// The world z (mm) of the top (ignoring the highest 0.1 % of voxels).
    pub top: f64,
    /// The radius (mm) of a circle as large as the widest axial section.
    pub width_radius: f64,
    /// The world centroid of the voxels above the widest section.
    pub cap_centre: [f64; 3],
}

impl BrainGeometry {
    pub(crate) fn of(image: &Image<'_>, mask: &ndarray::Array3<bool>) -> Option<BrainGeometry> {
        let a = image.affine();
        let (ni, nj, nk) = mask.dim();
        let flat = mask.as_slice()?;
        // Slabs one voxel's world-z extent high, from the grid's lowest corner.
        let height = (a[2][0].abs() + a[2][1].abs() + a[2][2].abs()).max(1e-3);
        let z_of = |i: usize, j: usize| a[2][0] * i as f64 + a[2][1] * j as f64 + a[2][3];
        let zmin = [0, ni - 1]
            .into_iter()
            .flat_map(|i| {
                [0, nj - 1]
                    .into_iter()
                    .flat_map(move |j| [0, nk - 1].map(|k| (i, j, k)))
            })
            .map(|(i, j, k)| z_of(i, j) + a[2][2] * k as f64)
            .fold(f64::INFINITY, f64::min);
        let slab_of = |i: usize, j: usize, k: usize| {
            ((z_of(i, j) + a[2][2] * k as f64 - zmin) / height) as usize
        };
        let slabs = ((ni + nj + nk) as f64 * (a[2][0].abs() + a[2][1].abs() + a[2][2].abs())
            / height) as usize
            + 2;
        let mut counts = vec![0usize; slabs];
        let mut total = 0usize;
        let each = |f: &mut dyn FnMut(usize, usize, usize)| {
            for i in 0..ni {
                for j in 0..nj {
                    let row = &flat[(i * nj + j) * nk..(i * nj + j + 1) * nk];
                    for (k, &m) in row.iter().enumerate() {
                        if m {
                            f(i, j, k);
                        }
                    }
                }
            }
        };
        each(&mut |i, j, k| {
            counts[slab_of(i, j, k).min(slabs - 1)] += 1;
            total += 1;
        });
        if total < 27 {
            return None;
        }
        let (widest, &most) = counts.iter().enumerate().max_by_key(|(_, c)| **c)?;
        let mut above = 0usize;
        let top_slab = counts
            .iter()
            .rposition(|&c| {
                above += c;
                above * 1000 > total
            })
            .unwrap_or(slabs - 1);
        let top = zmin + (top_slab as f64 + 0.5) * height;
        let width_radius =
            (most as f64 * image.voxel_volume() / height / std::f64::consts::PI).sqrt();
        let (mut sum, mut n) = ([0f64; 3], 0usize);
        each(&mut |i, j, k| {
            if slab_of(i, j, k) >= widest {
                sum[0] += i as f64;
                sum[1] += j as f64;
                sum[2] += k as f64;
                n += 1;
            }
        });
        let cap_centre = image.to_world(sum.map(|s| s / n.max(1) as f64));
        Some(BrainGeometry {
            top,
            width_radius,
            cap_centre,
        })
    }
}
