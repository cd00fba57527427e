//! Step 3 of the method: the iterative deformation of the surface.

use crate::error::Result;
use crate::image::Image;
use crate::mesh::{Mesh, dot, mean_edge_length, vertex_normals_into};
use crate::params::BetParams;
use crate::stats::HeadEstimate;

/// The smallest and largest local radius of curvature (mm) of the
/// curvature-dependent smoothing term.
const R_MIN: f64 = 3.33;
const R_MAX: f64 = 10.0;
/// How often (iterations) the mean edge length `l` is refreshed.
const L_REFRESH: u32 = 50;

/// The deforming surface: start it with [`Evolver::new`], advance it with
/// [`step`](Evolver::step) or [`run`](Evolver::run), read it with
/// [`mesh`](Evolver::mesh).
///
/// [`extract`](crate::extract) drives it; it is public so the deformation
/// can be inspected, benchmarked and visualized iteration by iteration.
#[derive(Debug, Clone)]
pub struct Evolver<'i, 'a> {
    image: &'i Image<'a>,
    head: HeadEstimate,
    triangles: Vec<[u32; 3]>,
    offsets: Vec<u32>,
    neighbours: Vec<u32>,
    positions: Vec<[f64; 3]>,
    normals: Vec<[f64; 3]>,
    updates: Vec<[f64; 3]>,
    /// Mean edge length, refreshed every [`L_REFRESH`] iterations.
    l: f64,
    iteration: u32,
    iterations: u32,
    // Curvature term constants.
    e: f64,
    f: f64,
    // Intensity term constants.
    fractional: f64,
    gradient: f64,
    exponent: f64,
    step_mm: f64,
    steps_min: usize,
    steps_max: usize,
    /// The initial sphere (unit), kept for restarts.
    sphere: Vec<[f64; 3]>,
}

impl<'i, 'a> Evolver<'i, 'a> {
    /// A sphere of radius `head.start_radius` around `head.centre`, ready to
    /// deform toward the brain surface of `image`.
    ///
    /// # Errors
    /// A [`Parameter`](crate::Error::Parameter) error from
    /// [`BetParams::validate`].
    pub fn new(image: &'i Image<'a>, head: HeadEstimate, params: &BetParams) -> Result<Self> {
        params.validate()?;
        let mesh = Mesh::icosphere(params.subdivisions);
        let (offsets, neighbours) = mesh.neighbours();
        let n = mesh.vertices.len();
        let min_voxel = image.voxel_size().into_iter().fold(f64::INFINITY, f64::min);
        let step_mm = min_voxel.min(1.0);
        let mut evolver = Evolver {
            image,
            head,
            triangles: mesh.triangles,
            offsets,
            neighbours,
            positions: Vec::with_capacity(n),
            normals: vec![[0.0; 3]; n],
            updates: vec![[0.0; 3]; n],
            l: 0.0,
            iteration: 0,
            iterations: params.iterations,
            e: 0.0,
            f: 0.0,
            fractional: params.fractional_threshold,
            gradient: params.vertical_gradient,
            exponent: params.threshold_exponent,
            step_mm,
            steps_min: (params.search_min_mm / step_mm).round() as usize,
            steps_max: (params.search_max_mm / step_mm).round() as usize,
            sphere: mesh.vertices,
        };
        evolver.restart(params.smoothness);
        Ok(evolver)
    }

    /// Starts again from the initial sphere with the curvature smoothing
    /// of [`set_smoothness`](Self::set_smoothness).
    pub fn restart(&mut self, smoothness: f64) {
        let (c, r) = (self.head.centre, self.head.start_radius);
        self.positions.clear();
        self.positions.extend(
            self.sphere
                .iter()
                .map(|u| [c[0] + r * u[0], c[1] + r * u[1], c[2] + r * u[2]]),
        );
        self.set_smoothness(smoothness);
        self.iteration = 0;
    }

    /// Makes the curvature smoothing `smoothness` times stiffer than the
    /// method's normal (1), without moving the surface: the radii of
    /// curvature below which it smooths strongly scale by `smoothness`.
    pub fn set_smoothness(&mut self, smoothness: f64) {
        let (rmin, rmax) = (R_MIN * smoothness, R_MAX * smoothness);
        self.e = (1.0 / rmin + 1.0 / rmax) / 2.0;
        self.f = 6.0 / (1.0 / rmin - 1.0 / rmax);
    }

    /// The iterations done since the last (re)start.
    pub fn iteration(&self) -> u32 {
        self.iteration
    }

    /// The head estimate the surface works with.
    pub fn head(&self) -> &HeadEstimate {
        &self.head
    }

    /// Runs the remaining iterations of [`BetParams::iterations`].
    pub fn run(&mut self) {
        while self.iteration < self.iterations {
            self.step();
        }
    }

    /// The iterations a full run makes ([`BetParams::iterations`]).
    pub fn iterations(&self) -> u32 {
        self.iterations
    }

    /// Whether the surface as it is now intersects itself.
    pub fn self_intersects(&self) -> bool {
        crate::intersect::self_intersects(&self.positions, &self.triangles)
    }

    /// The surface as it is now.
    pub fn mesh(&self) -> Mesh {
        Mesh {
            vertices: self.positions.clone(),
            triangles: self.triangles.clone(),
        }
    }

    /// One iteration: every vertex moves by the sum of the tangential,
    /// curvature and intensity terms, all computed before any vertex moves.
    pub fn step(&mut self) {
        if self.iteration % L_REFRESH == 0 {
            self.l = mean_edge_length(&self.positions, &self.triangles);
        }
        vertex_normals_into(&self.positions, &self.triangles, &mut self.normals);
        let l = self.l.max(1e-9);
        let inv_l2 = 1.0 / (l * l);
        let head = self.head;
        let (t2, t, tm) = (head.t2, head.threshold, head.median);
        let constant_bt = (self.gradient == 0.0).then(|| self.fractional.powf(self.exponent));
        for v in 0..self.positions.len() {
            let x = self.positions[v];
            let n = self.normals[v];
            let (lo, hi) = (self.offsets[v] as usize, self.offsets[v + 1] as usize);
            let mut mean = [0.0; 3];
            for &q in &self.neighbours[lo..hi] {
                let p = self.positions[q as usize];
                mean = [mean[0] + p[0], mean[1] + p[1], mean[2] + p[2]];
            }
            let k = 1.0 / (hi - lo).max(1) as f64;
            let s = [mean[0] * k - x[0], mean[1] * k - x[1], mean[2] * k - x[2]];
            let sn = dot(s, n);
            let st = [s[0] - sn * n[0], s[1] - sn * n[1], s[2] - sn * n[2]];

            // Curvature-dependent smoothing along the normal.
            let inv_rl = 2.0 * sn.abs() * inv_l2;
            // (1 + tanh(a)) / 2 is the logistic 1 / (1 + e^(-2a)); on flat
            // parts of the surface (most of it) it is below 1e-7: skip it.
            let a = self.f * (inv_rl - self.e);
            let f2 = if a < -8.0 {
                0.0
            } else {
                1.0 / (1.0 + (-2.0 * a).exp())
            };

            // The intensity term, from samples along the inward normal.
            let p = self.image.to_voxel(x).map(|c| c as f32);
            let d = self
                .image
                .direction_to_voxel(n)
                .map(|c| (-c * self.step_mm) as f32);
            let (mut imin, mut imax) = (tm, t);
            for i in 0..=self.steps_max.min(self.steps_min) {
                let fi = i as f32;
                let value =
                    self.image
                        .sample32([p[0] + fi * d[0], p[1] + fi * d[1], p[2] + fi * d[2]]);
                imin = if value < imin { value } else { imin };
                imax = if value > imax { value } else { imax };
            }
            for i in self.steps_max.min(self.steps_min) + 1..=self.steps_min {
                let fi = i as f32;
                let value =
                    self.image
                        .sample32([p[0] + fi * d[0], p[1] + fi * d[1], p[2] + fi * d[2]]);
                imin = if value < imin { value } else { imin };
            }
            if self.steps_max > self.steps_min {
                for i in self.steps_min + 1..=self.steps_max {
                    let fi = i as f32;
                    let value =
                        self.image
                            .sample32([p[0] + fi * d[0], p[1] + fi * d[1], p[2] + fi * d[2]]);
                    imax = if value > imax { value } else { imax };
                }
            }
            let imin = f64::from(imin.max(t2));
            let imax = f64::from(imax.min(tm));
            let t2 = f64::from(t2);
            let bt = constant_bt.unwrap_or_else(|| {
                let local = self.fractional + self.gradient * (x[2] - head.centre[2]) / head.radius;
                local.clamp(0.0, 1.0).powf(self.exponent)
            });
            let tl = (imax - t2) * bt + t2;
            // The paper's f3 = 2 (Imin - tl) / (Imax - t2) spans -1..1 for
            // bt = 0.5. For other thresholds it would span -2 bt..2 (1 - bt),
            // and a high bt would make the surface crawl outward; scaling each
            // side by its own span keeps -1..1 with the same zero at tl.
            let range = imax - t2;
            let f3 = if range <= 0.0 {
                0.0
            } else if imin >= tl {
                (imin - tl) / (range * (1.0 - bt)).max(f64::MIN_POSITIVE)
            } else {
                (imin - tl) / (range * bt).max(f64::MIN_POSITIVE)
            };
            let along = f2 * sn + 0.05 * f3 * l;
            self.updates[v] = [
                0.5 * st[0] + along * n[0],
                0.5 * st[1] + along * n[1],
                0.5 * st[2] + along * n[2],
            ];
        }
        for (x, u) in self.positions.iter_mut().zip(&self.updates) {
            *x = [x[0] + u[0], x[1] + u[1], x[2] + u[2]];
        }
        self.iteration += 1;
    }
}
