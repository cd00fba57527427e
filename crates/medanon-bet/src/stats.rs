//! Step 1 of the method: the image's robust intensity range and the head's
//! centre, radius and median intensity.

use crate::error::{Error, Result};
use crate::image::Image;

/// What the method learns about the head before deforming the surface.
#[derive(Debug, Clone, Copy, PartialEq)]
#[non_exhaustive]
pub struct HeadEstimate {
    /// `t2`: 2 % of voxels are darker than this.
    pub t2: f32,
    /// `t98`: 98 % of voxels are darker than this.
    pub t98: f32,
    /// The background threshold `t = t2 + 0.1 (t98 - t2)`.
    pub threshold: f32,
    /// The intensity-weighted centre of gravity of the voxels above `t`, in
    /// world millimetres.
    pub centre: [f64; 3],
    /// The radius (mm) of a sphere as large as the voxels above `t`.
    pub radius: f64,
    /// `tm`: the median intensity inside that sphere around the centre.
    pub median: f32,
    /// The radius (mm) of the sphere the surface starts from: half the head
    /// radius, or less once the brain has been located
    /// ([`locate_brain`](crate::locate_brain)).
    pub start_radius: f64,
}

/// Quantiles of the values above `above` in the slices a `visit` closure
/// produces (it is called twice and must produce the same slices each
/// time): for each `q` in `qs`, the value with `floor(q (n - 1))` values
/// below it in sorted order. Non-finite values are ignored.
///
/// Exact, without a sort or a copy of the data: a radix selection on the
/// values' order-preserving 32-bit keys, a histogram of the high 16 bits in
/// one pass, then of the low 16 bits of the values in the chosen high bins
/// in a second. `None` when there are no values.
pub fn quantiles(
    visit: impl Fn(&mut dyn FnMut(&[f32])),
    above: f32,
    qs: &[f64],
) -> Option<Vec<f32>> {
    const BINS: usize = 1 << 16;
    // NaN fails both comparisons.
    let keep = |v: f32| v > above && v < f32::INFINITY;
    // Four interleaved counters per bin: runs of equal values (the
    // background) would otherwise serialize on one counter.
    let mut lanes = vec![[0u32; 4]; BINS];
    let mut high = vec![0u64; BINS];
    let mut pending = 0u64;
    visit(&mut |slice| {
        for chunk in slice.chunks(4) {
            for (lane, &v) in chunk.iter().enumerate() {
                if keep(v) {
                    lanes[(order_key(v) >> 16) as usize][lane] += 1;
                }
            }
            pending += 1;
            // Fold the lanes into the totals long before a u32 could overflow.
            if pending == 1 << 30 {
                fold_lanes(&mut high, &mut lanes);
                pending = 0;
            }
        }
    });
    fold_lanes(&mut high, &mut lanes);
    drop(lanes);
    let n: u64 = high.iter().sum();
    if n == 0 {
        return None;
    }
    // For each quantile: its high bin and its rank inside that bin.
    let locate = |hist: &[u64], rank: u64| -> (usize, u64) {
        let mut below = 0u64;
        for (b, &c) in hist.iter().enumerate() {
            if below + c > rank {
                return (b, rank - below);
            }
            below += c;
        }
        (hist.len() - 1, 0)
    };
    let targets: Vec<(usize, u64)> = qs
        .iter()
        .map(|&q| locate(&high, (q.clamp(0.0, 1.0) * (n - 1) as f64).floor() as u64))
        .collect();
    let mut wanted: Vec<usize> = targets.iter().map(|t| t.0).collect();
    wanted.sort_unstable();
    wanted.dedup();
    let mut low = vec![0u64; BINS * wanted.len()];
    visit(&mut |slice| {
        for &v in slice {
            if keep(v) {
                let key = order_key(v);
                if let Ok(slot) = wanted.binary_search(&((key >> 16) as usize)) {
                    low[slot * BINS + (key & 0xffff) as usize] += 1;
                }
            }
        }
    });
    Some(
        targets
            .iter()
            .map(|&(b, rank)| {
                let slot = wanted.binary_search(&b).unwrap_or(0);
                let (l, _) = locate(&low[slot * BINS..(slot + 1) * BINS], rank);
                value_of_key(((b as u32) << 16) | l as u32)
            })
            .collect(),
    )
}

fn fold_lanes(totals: &mut [u64], lanes: &mut [[u32; 4]]) {
    for (total, lane) in totals.iter_mut().zip(lanes.iter_mut()) {
        *total += lane.iter().map(|&x| u64::from(x)).sum::<u64>();
        *lane = [0; 4];
    }
}

/// A key whose unsigned order is the value's order (for non-NaN values).
#[inline]
fn order_key(v: f32) -> u32 {
    let bits = v.to_bits();
    if bits & 0x8000_0000 != 0 {
        !bits
    } else {
        bits | 0x8000_0000
    }
}

fn value_of_key(key: u32) -> f32 {
    f32::from_bits(if key & 0x8000_0000 != 0 {
        key & 0x7fff_ffff
    } else {
        !key
    })
}

/// The robust range `(t2, t98)` of an image's values.
///
/// # Errors
/// [`Error::NoContrast`] when `t98 <= t2`.
pub fn robust_range(image: &Image<'_>) -> Result<(f32, f32)> {
    let values = image.values();
    let q = quantiles(|f| f(values), f32::NEG_INFINITY, &[0.02, 0.98]).ok_or(Error::NoContrast)?;
    let (t2, t98) = (q[0], q[1]);
    if t98 > t2 {
        Ok((t2, t98))
    } else {
        Err(Error::NoContrast)
    }
}

/// Step 1: robust range, threshold, centre of gravity, radius and median.
/// `centre` and `radius` override the estimates when given.
///
/// # Errors
/// [`Error::NoContrast`] when the image has no usable range.
pub fn estimate_head(
    image: &Image<'_>,
    centre: Option<[f64; 3]>,
    radius: Option<f64>,
) -> Result<HeadEstimate> {
    let (t2, t98) = robust_range(image)?;
    let threshold = t2 + 0.1 * (t98 - t2);
    let [ni, nj, nk] = image.shape();
    let values = image.values();

    // Centre of gravity in voxel space (the affine is linear, so it maps the
    // voxel-space centre to the world centre) and the count above threshold.
    let (mut w, mut wi, mut wj, mut wk, mut count) = (0f64, 0f64, 0f64, 0f64, 0u64);
    for i in 0..ni {
        for j in 0..nj {
            let row = &values[(i * nj + j) * nk..(i * nj + j + 1) * nk];
            let (mut rw, mut rk) = (0f64, 0f64);
            for (k, &v) in row.iter().enumerate() {
                if v > threshold {
                    let v = f64::from(v.min(t98));
                    rw += v;
                    rk += v * k as f64;
                    count += 1;
                }
            }
            w += rw;
            wi += rw * i as f64;
            wj += rw * j as f64;
            wk += rk;
        }
    }
    if count == 0 || w <= 0.0 {
        return Err(Error::NoContrast);
    }
    let head_volume = count as f64 * image.voxel_volume();
    let sphere_radius = (3.0 * head_volume / (4.0 * std::f64::consts::PI)).cbrt();
    let cog = image.to_world([wi / w, wj / w, wk / w]);
    // A neck or shoulders in the field of view pull the centre of gravity
    // down and swell the equal-volume radius, and a first sphere reaching
    // into the neck leads the surface there. The head's widest axial cross
    // section gives a radius the neck cannot inflate, and the centre is
    // kept no lower than three quarters of that radius below the top of
    // the head: on a head with a neck (the 1 mm test head) a whole radius
    // still starts the surface in the skull base.
    let (top, width_radius) = top_and_width(image, threshold).unwrap_or((cog[2], sphere_radius));
    let radius = radius.unwrap_or(sphere_radius.min(width_radius));
    let centre = centre.unwrap_or([cog[0], cog[1], cog[2].max(top - 0.75 * width_radius)]);

    let median = median_in_sphere(image, centre, radius, threshold).unwrap_or(0.5 * (t2 + t98));
    Ok(HeadEstimate {
        t2,
        t98,
        threshold,
        centre,
        radius,
        median,
        start_radius: radius / 2.0,
    })
}

/// The top of the head (world z, mm: the highest voxel above `threshold`,
/// ignoring the highest 0.1 % as noise) and the radius of a circle as large
/// as the widest axial cross-section of the voxels above `threshold`.
fn top_and_width(image: &Image<'_>, threshold: f32) -> Option<(f64, f64)> {
    let [ni, nj, nk] = image.shape();
    let values = image.values();
    let a = image.affine();
    // Slabs one voxel's world-z extent high, so every slab holds voxels.
    let height = (a[2][0].abs() + a[2][1].abs() + a[2][2].abs()).max(1e-3);
    let z_of = |i: usize, j: usize, k: usize| {
        a[2][0] * i as f64 + a[2][1] * j as f64 + a[2][2] * k as f64 + a[2][3]
    };
    let corners = [0, ni - 1].into_iter().flat_map(|i| {
        [0, nj - 1]
            .into_iter()
            .flat_map(move |j| [0, nk - 1].into_iter().map(move |k| (i, j, k)))
    });
    let (zmin, zmax) = corners.fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), (i, j, k)| {
        let z = z_of(i, j, k);
        (lo.min(z), hi.max(z))
    });
    let slabs = ((zmax - zmin) / height).ceil() as usize + 1;
    if slabs > 1 << 20 {
        return None;
    }
    let mut counts = vec![0u64; slabs];
    let (per_k, inv) = (a[2][2] / height, 1.0 / height);
    for i in 0..ni {
        for j in 0..nj {
            let s0 = (z_of(i, j, 0) - zmin) * inv;
            let row = &values[(i * nj + j) * nk..(i * nj + j + 1) * nk];
            for (k, &v) in row.iter().enumerate() {
                if v > threshold {
                    counts[((s0 + per_k * k as f64) as usize).min(slabs - 1)] += 1;
                }
            }
        }
    }
    let total: u64 = counts.iter().sum();
    if total == 0 {
        return None;
    }
    let mut above = 0u64;
    let top_slab = counts
        .iter()
        .rposition(|&c| {
            above += c;
            above * 1000 > total
        })
        .unwrap_or(slabs - 1);
    let top = zmin + (top_slab as f64 + 1.0) * height;
    let widest = counts.iter().copied().max().unwrap_or(0) as f64 * image.voxel_volume() / height;
    Some((top, (widest / std::f64::consts::PI).sqrt()))
}

/// The median of the voxels above `threshold` (the head, not the air
/// around it) within `radius` mm of `centre`.
pub(crate) fn median_in_sphere(
    image: &Image<'_>,
    centre: [f64; 3],
    radius: f64,
    threshold: f32,
) -> Option<f32> {
    let [ni, nj, nk] = image.shape();
    let values = image.values();
    let a = image.affine();
    let c = image.to_voxel(centre);
    let r2 = radius * radius;
    // |L (ijk - c)|^2 along a row (i, j fixed) is a quadratic in k:
    // qa k'^2 + 2 qb k' + qc with k' = k - c_k; the row's part inside the
    // sphere is the interval between its roots.
    let col = |axis: usize| [a[0][axis], a[1][axis], a[2][axis]];
    let (ci, cj, ck) = (col(0), col(1), col(2));
    let dot = |u: [f64; 3], v: [f64; 3]| u[0] * v[0] + u[1] * v[1] + u[2] * v[2];
    let qa = dot(ck, ck);
    let rows = |f: &mut dyn FnMut(&[f32])| {
        for i in 0..ni {
            let di = i as f64 - c[0];
            for j in 0..nj {
                let dj = j as f64 - c[1];
                let base = [
                    ci[0] * di + cj[0] * dj,
                    ci[1] * di + cj[1] * dj,
                    ci[2] * di + cj[2] * dj,
                ];
                let qb = dot(base, ck);
                let disc = qb * qb - qa * (dot(base, base) - r2);
                if disc < 0.0 {
                    continue;
                }
                let root = disc.sqrt();
                let lo = ((-qb - root) / qa + c[2]).ceil().max(0.0);
                let hi = ((-qb + root) / qa + c[2]).floor().min(nk as f64 - 1.0);
                if hi < lo {
                    continue;
                }
                let row = (i * nj + j) * nk;
                f(&values[row + lo as usize..=row + hi as usize]);
            }
        }
    };
    quantiles(rows, threshold, &[0.5]).map(|q| q[0])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quantiles_match_a_sort() {
        let mut x = 12345u64;
        let values: Vec<f32> = (0..10_007)
            .map(|_| {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                ((x % 100_000) as f32) / 7.0 - 300.0
            })
            .collect();
        let mut sorted = values.clone();
        sorted.sort_by(f32::total_cmp);
        let qs = [0.0, 0.02, 0.5, 0.98, 1.0];
        let got = quantiles(
            |f| values.chunks(100).for_each(&mut *f),
            f32::NEG_INFINITY,
            &qs,
        )
        .unwrap();
        for (q, g) in qs.iter().zip(got) {
            let want = sorted[(q * (sorted.len() - 1) as f64).floor() as usize];
            assert!((g - want).abs() < 1e-3, "q {q}: {g} vs {want}");
        }
    }

    #[test]
    fn quantiles_of_integers_are_exact_and_of_nothing_none() {
        let values: Vec<f32> = (0..1000).map(|v| (v % 37) as f32).collect();
        let got = quantiles(|f| f(&values), f32::NEG_INFINITY, &[0.5]).unwrap();
        let mut sorted = values.clone();
        sorted.sort_by(f32::total_cmp);
        assert_eq!(got[0], sorted[499]);
        assert_eq!(quantiles(|_| {}, 0.0, &[0.5]), None);
        assert_eq!(quantiles(|f| f(&[1.0, 2.0]), 5.0, &[0.5]), None);
        assert_eq!(
            quantiles(|f| f(&[f32::NAN]), f32::NEG_INFINITY, &[0.5]),
            None
        );
    }

    #[test]
    fn a_ball_gives_its_centre_and_radius() {
        // A bright ball of radius 20 mm on 2 x 1 x 1.5 mm voxels.
        let (ni, nj, nk) = (40, 70, 60);
        let vs = [2.0, 1.0, 1.5];
        let centre = [41.0, 33.0, 45.0];
        let data = ndarray::Array3::from_shape_fn((ni, nj, nk), |(i, j, k)| {
            let p = [i as f64 * vs[0], j as f64 * vs[1], k as f64 * vs[2]];
            let d2: f64 = (0..3).map(|a| (p[a] - centre[a]).powi(2)).sum();
            if d2 <= 400.0 { 100.0f32 } else { 0.0 }
        });
        let image = Image::with_voxel_size(data.view(), vs).unwrap();
        let head = estimate_head(&image, None, None).unwrap();
        assert!(
            (head.centre[0] - centre[0]).abs() < 0.2,
            "{:?}",
            head.centre
        );
        assert!(
            (head.centre[1] - centre[1]).abs() < 0.2,
            "{:?}",
            head.centre
        );
        // The centre may be raised to three quarters of the radius below the top.
        assert!(head.centre[2] >= centre[2] - 0.2 && head.centre[2] <= centre[2] + 6.5);
        assert!((head.radius - 20.0).abs() < 0.3, "{}", head.radius);
        assert_eq!(head.median, 100.0);
        assert_eq!(head.t98, 100.0);
    }

    #[test]
    fn a_flat_image_has_no_contrast() {
        let data = ndarray::Array3::<u16>::from_elem((5, 5, 5), 7);
        let image = Image::with_voxel_size(data.view(), [1.0; 3]).unwrap();
        assert_eq!(estimate_head(&image, None, None), Err(Error::NoContrast));
    }
}
