//! Fast trilinear sampling for the deformation loop.
//!
//! The intensity term reads eight samples along each vertex's normal in
//! every iteration: tens of millions of trilinear lookups per extraction,
//! scattered over the volume. In plain C-order `f32` most lookups miss the
//! CPU caches (the eight corners span four cache lines). This copy stores
//! the volume as 16-bit values, quantized linearly over the image's range,
//! in 8×8×8 bricks: half the memory, and the eight corners usually in one
//! or two cache lines. Integer images with at most 65,536 levels are stored
//! exactly; others to 1/65,535 of their range.

/// The image in 8×8×8 bricks of quantized 16-bit values.
#[derive(Debug, Clone)]
pub(crate) struct Sampler {
    data: Vec<u16>,
    offset: f32,
    scale: f32,
    shape: [usize; 3],
    /// Strides of one brick along i and j (in values).
    brick_i: usize,
    brick_j: usize,
}

const B: usize = 8;
const BRICK: usize = B * B * B;

impl Sampler {
    /// A bricked copy of `values` (C order, `shape`).
    pub(crate) fn new(values: &[f32], shape: [usize; 3]) -> Sampler {
        let [ni, nj, nk] = shape;
        let (lo, hi) = values
            .iter()
            .fold((f32::INFINITY, f32::NEG_INFINITY), |(lo, hi), &v| {
                (lo.min(v), hi.max(v))
            });
        let (lo, hi) = if lo <= hi { (lo, hi) } else { (0.0, 0.0) };
        let span = f64::from(hi) - f64::from(lo);
        let integral = span <= 65535.0 && values.iter().all(|&v| (v as i32) as f32 == v);
        let scale = if integral || span <= 0.0 {
            1.0
        } else {
            span / 65535.0
        };
        let [bi, bj, bk] = shape.map(|n| n.div_ceil(B));
        let brick_j = bk * BRICK;
        let brick_i = bj * brick_j;
        let mut data = vec![0u16; bi * brick_i];
        let inv = (1.0 / scale) as f32;
        for i in 0..ni {
            for j in 0..nj {
                let row = &values[(i * nj + j) * nk..(i * nj + j + 1) * nk];
                let base = (i / B) * brick_i + (j / B) * brick_j + (i % B) * B * B + (j % B) * B;
                for (k, &v) in row.iter().enumerate() {
                    // Non-negative, so adding 0.5 and truncating rounds.
                    let q = ((v - lo) * inv + 0.5).clamp(0.0, 65535.0);
                    data[base + (k / B) * BRICK + k % B] = q as u16;
                }
            }
        }
        Sampler {
            data,
            offset: lo,
            scale: scale as f32,
            shape,
            brick_i,
            brick_j,
        }
    }

    /// Trilinear interpolation at a voxel position; 0 outside the grid.
    #[inline]
    pub(crate) fn sample(&self, p: [f64; 3]) -> f32 {
        self.sample32([p[0] as f32, p[1] as f32, p[2] as f32])
    }

    /// [`sample`](Self::sample) in `f32`, the deformation loop's version.
    #[inline]
    pub(crate) fn sample32(&self, p: [f32; 3]) -> f32 {
        let [ni, nj, nk] = self.shape;
        // Truncation floors non-negative values; anything below 0 or at or
        // beyond the last voxel is outside (the last voxel's plane itself
        // is included through the clamp to n - 2 below).
        let (x, y, z) = (p[0], p[1], p[2]);
        if !(x >= 0.0
            && y >= 0.0
            && z >= 0.0
            && x <= (ni - 1) as f32
            && y <= (nj - 1) as f32
            && z <= (nk - 1) as f32)
        {
            return 0.0;
        }
        let i = (x as usize).min(ni - 2);
        let j = (y as usize).min(nj - 2);
        let k = (z as usize).min(nk - 2);
        let (fx, fy, fz) = (x - i as f32, y - j as f32, z - k as f32);
        let oi = |i: usize| (i / B) * self.brick_i + (i % B) * B * B;
        let oj = |j: usize| (j / B) * self.brick_j + (j % B) * B;
        let ok = |k: usize| (k / B) * BRICK + k % B;
        let (i0, i1, j0, j1, k0, k1) = (oi(i), oi(i + 1), oj(j), oj(j + 1), ok(k), ok(k + 1));
        let d = &self.data;
        let v = |o: usize| f32::from(d.get(o).copied().unwrap_or(0));
        let lerp = |a: f32, b: f32, t: f32| a + (b - a) * t;
        let (a, b) = (i0 + j0, i0 + j1);
        let (c, e) = (i1 + j0, i1 + j1);
        let c00 = lerp(v(a + k0), v(a + k1), fz);
        let c01 = lerp(v(b + k0), v(b + k1), fz);
        let c10 = lerp(v(c + k0), v(c + k1), fz);
        let c11 = lerp(v(e + k0), v(e + k1), fz);
        let q = lerp(lerp(c00, c01, fy), lerp(c10, c11, fy), fx);
        self.offset + self.scale * q
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matches_plain_trilinear_interpolation() {
        let shape = [19, 10, 21];
        let values: Vec<f32> = (0..19 * 10 * 21)
            .map(|n| ((n * 37) % 1001) as f32 - 200.0)
            .collect();
        let sampler = Sampler::new(&values, shape);
        let at = |i: usize, j: usize, k: usize| values[(i * 10 + j) * 21 + k];
        // Exact at voxel centres (integers in range are stored exactly).
        let tolerance = 1200.0 / 65535.0;
        for (i, j, k) in [(0, 0, 0), (18, 9, 20), (7, 8, 9), (8, 7, 15)] {
            let got = sampler.sample([i as f64, j as f64, k as f64]);
            assert!(
                (got - at(i, j, k)).abs() <= tolerance,
                "{got} vs {}",
                at(i, j, k)
            );
        }
        // Between voxels: the mean of the two neighbours.
        let got = sampler.sample([7.0, 7.5, 8.0]);
        let want = 0.5 * (at(7, 7, 8) + at(7, 8, 8));
        assert!((got - want).abs() <= tolerance);
        // An integer image within 65,536 levels is stored exactly.
        let small: Vec<f32> = values.iter().map(|v| (v.abs() % 300.0).floor()).collect();
        let exact = Sampler::new(&small, shape);
        assert_eq!(
            exact.sample([8.0, 7.0, 15.0]),
            small[(8 * 10 + 7) * 21 + 15]
        );
        assert_eq!(sampler.sample([-0.1, 0.0, 0.0]), 0.0);
        assert_eq!(sampler.sample([0.0, 9.5, 0.0]), 0.0);
        assert_eq!(sampler.sample([f64::NAN, 0.0, 0.0]), 0.0);
    }
}
