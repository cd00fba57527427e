//! The parameters of a brain extraction, with the paper's defaults.

use crate::error::{Error, Result};

/// Parameters of [`extract`](crate::extract).
///
/// `Default` gives the method's defaults. Fields are public; the chainable
/// setters are a shorthand for the same thing:
///
/// ```
/// let params = medanon_bet::BetParams::default()
///     .fractional_threshold(0.4)
///     .vertical_gradient(0.1);
/// assert_eq!(params.fractional_threshold, 0.4);
/// ```
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct BetParams {
    /// The fractional intensity threshold `f`, in `0..=1` (default 0.5).
    /// Smaller values give larger brain outlines.
    pub fractional_threshold: f64,
    /// The vertical gradient `g` of the threshold, in `-1..=1` (default 0).
    /// Positive values give a larger outline at the bottom and a smaller one
    /// at the top ("up" is world +z, superior).
    pub vertical_gradient: f64,
    /// Iterations of the surface deformation (default 1000).
    pub iterations: u32,
    /// Subdivisions of the icosahedron the surface starts from: 4 gives
    /// 2562 vertices (default), 3 gives 642, 5 gives 10242. `1..=6`.
    pub subdivisions: u32,
    /// Start the surface here (world millimetres) instead of at the
    /// intensity-weighted centre of gravity.
    pub centre: Option<[f64; 3]>,
    /// Use this head radius (millimetres) instead of the estimated one.
    pub radius: Option<f64>,
    /// Re-estimate the centre from the brain found and run again until it
    /// settles (at most [`MAX_ROBUST_PASSES`](crate::MAX_ROBUST_PASSES) runs):
    /// for images with a neck or a large field of view. Off by default.
    pub robust_centre: bool,
    /// Also estimate a skull mask (default off).
    pub skull: bool,
    /// How far inward (mm) the intensity term looks for the local minimum
    /// (default 7).
    pub search_min_mm: f64,
    /// How far inward (mm) the intensity term looks for the local maximum
    /// (default 3).
    pub search_max_mm: f64,
    /// Stiffness of the surface: the curvature smoothing acts below radii of
    /// curvature `smoothness` times the paper's 3.33 to 10 mm (default
    /// 2.25). Larger values bridge narrow dark gaps and keep out narrow
    /// leaks; with the paper's 1 the surface of the test head squeezed into
    /// the foramen magnum and needed stiffer re-runs (see `docs/bet.md`).
    pub smoothness: f64,
    /// The local threshold uses `f^threshold_exponent` (default 0.275).
    /// 1 gives the paper's literal formula.
    pub threshold_exponent: f64,
}

impl Default for BetParams {
    fn default() -> Self {
        BetParams {
            fractional_threshold: 0.5,
            vertical_gradient: 0.0,
            iterations: 1000,
            subdivisions: 4,
            centre: None,
            radius: None,
            robust_centre: false,
            skull: false,
            search_min_mm: 7.0,
            search_max_mm: 3.0,
            smoothness: 2.25,
            threshold_exponent: 0.275,
        }
    }
}

impl BetParams {
    /// Sets [`fractional_threshold`](Self::fractional_threshold).
    pub fn fractional_threshold(mut self, f: f64) -> Self {
        self.fractional_threshold = f;
        self
    }

    /// Sets [`vertical_gradient`](Self::vertical_gradient).
    pub fn vertical_gradient(mut self, g: f64) -> Self {
        self.vertical_gradient = g;
        self
    }

    /// Sets [`iterations`](Self::iterations).
    pub fn iterations(mut self, n: u32) -> Self {
        self.iterations = n;
        self
    }

    /// Sets [`subdivisions`](Self::subdivisions).
    pub fn subdivisions(mut self, n: u32) -> Self {
        self.subdivisions = n;
        self
    }

    /// Sets [`centre`](Self::centre).
    pub fn centre(mut self, centre: Option<[f64; 3]>) -> Self {
        self.centre = centre;
        self
    }

    /// Sets [`radius`](Self::radius).
    pub fn radius(mut self, radius: Option<f64>) -> Self {
        self.radius = radius;
        self
    }

    /// Sets [`robust_centre`](Self::robust_centre).
    pub fn robust_centre(mut self, on: bool) -> Self {
        self.robust_centre = on;
        self
    }

    /// Sets [`skull`](Self::skull).
    pub fn skull(mut self, on: bool) -> Self {
        self.skull = on;
        self
    }

    /// Checks every parameter's range.
    pub fn validate(&self) -> Result<()> {
        fn check(name: &'static str, value: f64, ok: bool, expected: &'static str) -> Result<()> {
            if ok && value.is_finite() {
                Ok(())
            } else {
                Err(Error::Parameter {
                    name,
                    value,
                    expected,
                })
            }
        }
        let f = self.fractional_threshold;
        check("f", f, (0.0..=1.0).contains(&f), "0 to 1")?;
        let g = self.vertical_gradient;
        check("g", g, (-1.0..=1.0).contains(&g), "-1 to 1")?;
        let n = self.iterations;
        check(
            "iterations",
            n.into(),
            (1..=100_000).contains(&n),
            "1 to 100000",
        )?;
        let s = self.subdivisions;
        check("subdivisions", s.into(), (1..=6).contains(&s), "1 to 6")?;
        if let Some(c) = self.centre {
            for v in c {
                check("centre", v, true, "finite millimetres")?;
            }
        }
        if let Some(r) = self.radius {
            check("radius", r, r > 1.0 && r < 10_000.0, "1 to 10000 mm")?;
        }
        let d = self.search_min_mm;
        check(
            "search_min_mm",
            d,
            (0.0..=100.0).contains(&d),
            "0 to 100 mm",
        )?;
        let d = self.search_max_mm;
        check(
            "search_max_mm",
            d,
            (0.0..=100.0).contains(&d),
            "0 to 100 mm",
        )?;
        let m = self.smoothness;
        check("smoothness", m, (0.1..=20.0).contains(&m), "0.1 to 20")?;
        let e = self.threshold_exponent;
        check(
            "threshold_exponent",
            e,
            e > 0.0 && e <= 4.0,
            "above 0, at most 4",
        )?;
        Ok(())
    }
}
