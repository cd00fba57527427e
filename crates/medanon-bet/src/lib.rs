//! Brain extraction (skull stripping) by the BET surface-evolution method of
//! S. M. Smith, "Fast robust automated brain extraction", *Human Brain
//! Mapping* 17:143-155 (2002), on `ndarray` volumes in millimetres.
//!
//! A sphere inside the head is deformed, vertex by vertex, toward the
//! brain's surface: a tangential term keeps the vertices evenly spaced, a
//! curvature-dependent term keeps the surface smooth, and an intensity term
//! pushes each vertex out while the tissue below it is brighter than a local
//! threshold and pulls it in otherwise. The voxels inside the final surface
//! are the brain. The crate is pure computation: no file I/O, no other
//! medanon crate; `medanon-nifti` and the `medanon` CLI read and write the
//! images.
//!
//! Each step is a function of its own:
//!
//! | step | item |
//! |---|---|
//! | robust range, threshold, centre, radius, median | [`estimate_head`], [`robust_range`] |
//! | where the surface starts | [`locate_brain`] |
//! | the initial surface | [`Mesh::icosphere`] |
//! | one deformation iteration | [`Evolver::step`] |
//! | self-intersection test | [`Mesh::self_intersects`] |
//! | surface to mask | [`fill_mesh`] |
//! | skull estimate | [`estimate_skull`] |
//! | all of it | [`extract`] |
//!
//! ```
//! use medanon_bet::{BetParams, Image, extract};
//! # let data = ndarray::Array3::from_shape_fn((40, 40, 40), |(i, j, k)| {
//! #     let r = [i, j, k].iter().map(|&v| (v as f64 - 19.5).powi(2)).sum::<f64>().sqrt();
//! #     if r < 14.0 { 900.0f32 } else { 0.0 }
//! # });
//! # let affine = [[1.5, 0.0, 0.0, -30.0], [0.0, 1.5, 0.0, -30.0], [0.0, 0.0, 1.5, -30.0], [0.0, 0.0, 0.0, 1.0]];
//! // `data`: an `Array3` of any integer or float type, `affine`: voxel to world mm.
//! let image = Image::new(data.view(), affine)?;
//! let out = extract(&image, &BetParams::default().fractional_threshold(0.5))?;
//! let brain = out.brain_image(data.view())?;
//! # assert!(out.mask[[20, 20, 20]] && !out.mask[[0, 0, 0]]);
//! # assert_eq!(brain[[0, 0, 0]], 0.0);
//! # Ok::<(), medanon_bet::Error>(())
//! ```
#![forbid(unsafe_code)]

mod error;
mod evolve;
mod extract;
mod fill;
mod image;
mod intersect;
mod locate;
mod mesh;
mod params;
mod sampler;
mod skull;
mod stats;

// The public interface is:
pub use crate::error::{Error, Result};
pub use crate::evolve::Evolver;
pub use crate::extract::{BetOutput, MAX_ROBUST_PASSES, MAX_SMOOTHING_PASSES, extract};
pub use crate::fill::fill_mesh;
pub use crate::image::{Image, Sample};
pub use crate::locate::locate_brain;
pub use crate::mesh::Mesh;
pub use crate::params::BetParams;
pub use crate::skull::{SEARCH_MM, estimate_skull};
pub use crate::stats::{HeadEstimate, estimate_head, quantiles, robust_range};
