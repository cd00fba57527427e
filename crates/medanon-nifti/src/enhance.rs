//! Contrast for display: a robust intensity window, global histogram
//! equalization, and CLAHE.
//!
//! MR intensities have no fixed scale and a few very bright voxels (vessels,
//! fat, artefacts), so a min–max window leaves the brain dark. The
//! percentile window ignores the background (zero voxels) and the extreme
//! tails. Equalization and CLAHE then work on the windowed 8-bit slice.
//! Everything here is deterministic.

use ndarray::{ArrayView, Dimension};

use crate::error::{Error, Result};

/// Bins of the first pass of [`robust_range`].
const BINS: usize = 1 << 16;

/// The `low` and `high` percentiles (0–100) of the nonzero finite values of
/// `data`, or `None` when there are none.
///
/// A percentile `p` is the value of rank `round(p / 100 × (n − 1))` among the
/// `n` sorted values (0-based; no interpolation), so both ends are values
/// that occur. It is computed without sorting: a 65,536-bin histogram finds
/// the bin holding each rank, then only the values of that bin are selected
/// from (`select_nth_unstable`). Three passes over the data, and little
/// memory unless most values share one bin.
pub fn robust_range<D: Dimension>(
    data: ArrayView<'_, f32, D>,
    low: f64,
    high: f64,
) -> Option<(f32, f32)> {
    let keep = |v: f32| v != 0.0 && v.is_finite();
    let (mut min, mut max, mut n) = (f32::INFINITY, f32::NEG_INFINITY, 0usize);
    for &v in data.iter().filter(|&&v| keep(v)) {
        min = min.min(v);
        max = max.max(v);
        n += 1;
    }
    if n == 0 {
        return None;
    }
    if min == max {
        return Some((min, max));
    }
    let rank =
        |p: f64| ((p.clamp(0.0, 100.0) / 100.0 * (n - 1) as f64).round() as usize).min(n - 1);
    let ranks = [rank(low.min(high)), rank(high.max(low))];
    let scale = BINS as f64 / (f64::from(max) - f64::from(min));
    let bin = |v: f32| (((f64::from(v) - f64::from(min)) * scale) as usize).min(BINS - 1);
    let mut hist = vec![0usize; BINS];
    for &v in data.iter().filter(|&&v| keep(v)) {
        hist[bin(v)] += 1;
    }
    // The bin holding each rank, and the rank inside that bin.
    let locate = |r: usize| {
        let mut below = 0;
        for (b, &count) in hist.iter().enumerate() {
            if r < below + count {
                return (b, r - below);
            }
            below += count;
        }
        (BINS - 1, 0)
    };
    let targets = ranks.map(locate);
    let mut members: [Vec<f32>; 2] = [Vec::new(), Vec::new()];
    for (m, &(b, _)) in members.iter_mut().zip(&targets) {
        m.reserve(hist[b]);
    }
    for &v in data.iter().filter(|&&v| keep(v)) {
        let b = bin(v);
        for (m, &(tb, _)) in members.iter_mut().zip(&targets) {
            if b == tb {
                m.push(v);
            }
        }
    }
    let mut pick = |i: usize| {
        let (_, offset) = targets[i];
        let m = &mut members[i];
        if m.is_empty() {
            return if i == 0 { min } else { max };
        }
        let offset = offset.min(m.len() - 1);
        *m.select_nth_unstable_by(offset, f32::total_cmp).1
    };
    Some((pick(0), pick(1)))
}

/// `value` windowed to 0–255: `lo` and below → 0, `hi` and above → 255,
/// linear (rounded) between. With `hi ≤ lo`, values `≥ hi` are 255 and the
/// rest 0. NaN → 0.
pub fn apply_window(value: f32, lo: f32, hi: f32) -> u8 {
    if value.is_nan() {
        return 0;
    }
    if hi <= lo {
        return if value >= hi { 255 } else { 0 };
    }
    let t = (f64::from(value) - f64::from(lo)) / (f64::from(hi) - f64::from(lo));
    (t.clamp(0.0, 1.0) * 255.0).round() as u8
}

/// Global histogram equalization of 8-bit pixels (OpenCV's formula): level
/// `v` becomes `round(255 × (cdf(v) − cdf_min) / (n − cdf_min))`, so the
/// darkest level present stays 0 (black background stays black). An image
/// of a single level is returned unchanged.
pub fn equalize(pixels: &[u8]) -> Vec<u8> {
    let mut hist = [0usize; 256];
    for &p in pixels {
        hist[usize::from(p)] += 1;
    }
    let n = pixels.len();
    let cdf_min = hist.iter().copied().find(|&c| c > 0).unwrap_or(0);
    if n == cdf_min {
        return pixels.to_vec();
    }
    let mut lut = [0u8; 256];
    let mut cdf = 0usize;
    for (v, &count) in hist.iter().enumerate() {
        cdf += count;
        lut[v] =
            ((cdf.saturating_sub(cdf_min)) as f64 * 255.0 / (n - cdf_min) as f64).round() as u8;
    }
    pixels.iter().map(|&p| lut[usize::from(p)]).collect()
}

/// Contrast-limited adaptive histogram equalization (Zuiderveld 1994, with
/// OpenCV's conventions).
///
/// The image is cut into a `tiles × tiles` grid (fewer when the image is
/// smaller than that); each tile's histogram is clipped at
/// `clip × tile pixels / 256` counts per level (at least 1), the clipped
/// excess is spread evenly over all levels, and the cumulative histogram
/// becomes that tile's mapping. Each pixel blends the mappings of the four
/// nearest tile centres bilinearly. `clip ≤ 0` disables clipping (plain
/// adaptive equalization); the lower the limit, the less the image changes
/// (at `clip = 1` a tile's mapping rises at most about twice as fast as the
/// identity); 2–4 is usual.
pub fn clahe(
    pixels: &[u8],
    width: usize,
    height: usize,
    clip: f32,
    tiles: usize,
) -> Result<Vec<u8>> {
    if pixels.len() != width * height || width == 0 || height == 0 {
        return Err(Error::InvalidArgument(format!(
            "CLAHE: {} pixels for a {width}×{height} image",
            pixels.len()
        )));
    }
    if tiles == 0 || !clip.is_finite() {
        return Err(Error::InvalidArgument(format!(
            "CLAHE needs at least one tile and a finite clip limit (got {tiles} tiles, clip {clip})"
        )));
    }
    let (tx, ty) = (tiles.min(width), tiles.min(height));
    let xb: Vec<usize> = (0..=tx).map(|t| t * width / tx).collect();
    let yb: Vec<usize> = (0..=ty).map(|t| t * height / ty).collect();
    let mut luts = Vec::with_capacity(tx * ty);
    for y in 0..ty {
        for x in 0..tx {
            let mut hist = [0usize; 256];
            for row in yb[y]..yb[y + 1] {
                for &p in &pixels[row * width + xb[x]..row * width + xb[x + 1]] {
                    hist[usize::from(p)] += 1;
                }
            }
            let area = (xb[x + 1] - xb[x]) * (yb[y + 1] - yb[y]);
            luts.push(tile_lut(hist, area, clip));
        }
    }
    let xw = interpolation_weights(&xb, width);
    let yw = interpolation_weights(&yb, height);
    let mut out = Vec::with_capacity(pixels.len());
    for (row, &(y0, y1, fy)) in yw.iter().enumerate() {
        for (col, &(x0, x1, fx)) in xw.iter().enumerate() {
            let v = usize::from(pixels[row * width + col]);
            let at = |ty_: usize, tx_: usize| f32::from(luts[ty_ * tx + tx_][v]);
            let top = at(y0, x0) * (1.0 - fx) + at(y0, x1) * fx;
            let bottom = at(y1, x0) * (1.0 - fx) + at(y1, x1) * fx;
            out.push((top * (1.0 - fy) + bottom * fy).round().clamp(0.0, 255.0) as u8);
        }
    }
    Ok(out)
}

/// The clip limit in counts per level for a tile of `area` pixels (OpenCV's
/// rule), or `None` for no clipping.
pub(crate) fn clip_count(area: usize, clip: f32) -> Option<usize> {
    (clip > 0.0).then(|| ((f64::from(clip) * area as f64 / 256.0) as usize).max(1))
}

/// One tile's mapping: clipped, redistributed, cumulated and scaled to 255.
pub(crate) fn tile_lut(mut hist: [usize; 256], area: usize, clip: f32) -> [u8; 256] {
    if let Some(limit) = clip_count(area, clip) {
        let mut excess = 0;
        for h in hist.iter_mut() {
            if *h > limit {
                excess += *h - limit;
                *h = limit;
            }
        }
        let batch = excess / 256;
        let mut residual = excess % 256;
        for h in hist.iter_mut() {
            *h += batch;
        }
        if let Some(step) = 256usize.checked_div(residual) {
            let step = step.max(1);
            let mut i = 0;
            while i < 256 && residual > 0 {
                hist[i] += 1;
                residual -= 1;
                i += step;
            }
        }
    }
    let mut lut = [0u8; 256];
    let scale = 255.0 / area.max(1) as f64;
    let mut sum = 0usize;
    for (v, &h) in hist.iter().enumerate() {
        sum += h;
        lut[v] = (sum as f64 * scale).round().min(255.0) as u8;
    }
    lut
}

/// For each pixel along one direction: the two tiles whose centres surround
/// it and the weight of the second (clamped at the outer half-tiles).
fn interpolation_weights(bounds: &[usize], len: usize) -> Vec<(usize, usize, f32)> {
    let centres: Vec<f32> = bounds
        .windows(2)
        .map(|w| (w[0] + w[1]) as f32 / 2.0 - 0.5)
        .collect();
    let last = centres.len() - 1;
    let mut t = 0;
    (0..len)
        .map(|p| {
            let p = p as f32;
            while t < last && centres[t + 1] <= p {
                t += 1;
            }
            if p <= centres[0] {
                (0, 0, 0.0)
            } else if t == last {
                (last, last, 0.0)
            } else {
                let f = (p - centres[t]) / (centres[t + 1] - centres[t]);
                (t, t + 1, f)
            }
        })
        .collect()
}

#[cfg(test)]
mod tests;
