//! The optional skull estimate: searching outward from the brain surface.
//!
//! In T1-weighted images CSF and bone are dark and the tissue outside the
//! bone (marrow, muscle, fat) bright. From each vertex of the brain surface
//! the search walks out along the normal, within [`SEARCH_MM`], through the
//! last of the brain into the dark band, then through it to where the
//! intensity rises above the background threshold again: the outer edge of
//! the dark bone (its inner table where bright marrow follows). Where no
//! bright tissue follows within reach (a stripped image, the edge of the
//! field of view) no skull is marked. Those distances, smoothed over the
//! mesh, move a copy of the brain surface out to the skull's outer surface;
//! the skull mask is the dark voxels between the two surfaces (CSF
//! included: T1 contrast does not separate the two).

use ndarray::{Array3, Zip};

use crate::fill::fill_mesh;
use crate::image::Image;
use crate::mesh::Mesh;
use crate::stats::HeadEstimate;

/// How far out (mm) from the brain surface the skull is searched for.
pub const SEARCH_MM: f64 = 30.0;

/// The estimated skull: dark voxels outside `brain` and inside the outer
/// skull surface found from `mesh`.
pub fn estimate_skull(
    image: &Image<'_>,
    head: &HeadEstimate,
    mesh: &Mesh,
    brain: &Array3<bool>,
) -> Array3<bool> {
    let normals = mesh.vertex_normals();
    let step = image.voxel_size().into_iter().fold(1.0, f64::min);
    let steps = (SEARCH_MM / step).round() as usize;
    let dark = head.t2 + 0.5 * (head.median - head.t2);
    let mut depth: Vec<f64> = mesh
        .vertices
        .iter()
        .zip(&normals)
        .map(|(&x, &n)| {
            let p = image.to_voxel(x);
            let d = image.direction_to_voxel(n).map(|c| c * step);
            let at = |i: usize| image.sample(std::array::from_fn(|a| p[a] + i as f64 * d[a]));
            // Out through the last of the brain to the dark CSF and bone,
            // then through them to the bright tissue outside the bone.
            let mut i = 0;
            while i <= steps && at(i) >= dark {
                i += 1;
            }
            let inner = i;
            while i <= steps && at(i) <= head.threshold {
                i += 1;
            }
            // No bright tissue within reach (a stripped image, the edge of
            // the field of view): no skull found here.
            let outer = if i <= steps { i } else { inner };
            outer as f64 * step
        })
        .collect();
    // Smooth the depths over the mesh so single noisy profiles do not spike.
    let (offsets, neighbours) = mesh.neighbours();
    for _ in 0..10 {
        depth = (0..depth.len())
            .map(|v| {
                let ns = &neighbours[offsets[v] as usize..offsets[v + 1] as usize];
                let sum: f64 = ns.iter().map(|&q| depth[q as usize]).sum();
                (depth[v] + sum) / (ns.len() + 1) as f64
            })
            .collect();
    }
    let outer = Mesh {
        vertices: mesh
            .vertices
            .iter()
            .zip(&normals)
            .zip(&depth)
            .map(|((&x, &n), &d)| std::array::from_fn(|a| x[a] + d * n[a]))
            .collect(),
        triangles: mesh.triangles.clone(),
    };
    let mut skull = fill_mesh(image, &outer);
    Zip::from(&mut skull)
        .and(brain)
        .and(&image.data())
        .for_each(|s, &b, &v| *s = *s && !b && v < dark);
    skull
}
