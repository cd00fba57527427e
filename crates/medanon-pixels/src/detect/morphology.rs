//! Scaling the samples and the running minimum and maximum filters the
//! top-hats are made of.

use crate::frame::Frame;

/// The frame's sample planes scaled by its robust range, `(v - p1) /
/// (p99 - p1)` over all samples, widened to a quarter of the full range
/// when the percentiles are closer (nearly uniform frames with a little
/// text).
pub(super) fn normalized_planes(frame: &Frame) -> Option<Vec<Vec<f32>>> {
    let samples = frame.samples;
    let used: Vec<usize> = (0..samples).collect();
    let n = frame.rows * frame.columns;
    let stride = (n * used.len() / (1 << 18)).max(1);
    let mut sample: Vec<i64> = used
        .iter()
        .flat_map(|&s| frame.values.iter().skip(s).step_by(samples))
        .step_by(stride)
        .copied()
        .collect();
    let (min, max) = frame
        .values
        .iter()
        .fold((i64::MAX, i64::MIN), |(a, b), &v| (a.min(v), b.max(v)));
    if max <= min {
        return None;
    }
    let last = sample.len() - 1;
    let lo_at = last / 100;
    let hi_at = last - last / 100;
    let lo = *sample.select_nth_unstable(lo_at).1 as f64;
    let hi = *sample.select_nth_unstable(hi_at).1 as f64;
    let range = (hi - lo).max((max - min) as f64 / 4.0);
    Some(
        used.iter()
            .map(|&s| {
                frame.values[s..]
                    .iter()
                    .step_by(samples)
                    .map(|&v| ((v as f64 - lo) / range) as f32)
                    .collect()
            })
            .collect(),
    )
}

pub(super) fn mean_plane(planes: &[Vec<f32>]) -> Vec<f32> {
    let k = planes.len() as f32;
    (0..planes[0].len())
        .map(|i| planes.iter().map(|p| p[i]).sum::<f32>() / k)
        .collect()
}

/// Minimum (`max == false`) or maximum over the `(2r+1)²` square around
/// each pixel, the square cut at the frame's edges.
pub(super) fn filter_2d(plane: &[f32], w: usize, h: usize, r: usize, max: bool) -> Vec<f32> {
    let mut rows = vec![0f32; w * h];
    let mut scratch = Scratch::default();
    for y in 0..h {
        extreme_1d(
            &plane[y * w..(y + 1) * w],
            &mut rows[y * w..(y + 1) * w],
            r,
            max,
            &mut scratch,
        );
    }
    let mut t = transpose(&rows, w, h);
    let mut out_t = vec![0f32; w * h];
    for x in 0..w {
        extreme_1d(
            &t[x * h..(x + 1) * h],
            &mut out_t[x * h..(x + 1) * h],
            r,
            max,
            &mut scratch,
        );
    }
    t.clear();
    transpose(&out_t, h, w)
}

fn transpose(src: &[f32], w: usize, h: usize) -> Vec<f32> {
    let mut out = vec![0f32; w * h];
    const B: usize = 32;
    for by in (0..h).step_by(B) {
        for bx in (0..w).step_by(B) {
            for y in by..(by + B).min(h) {
                for x in bx..(bx + B).min(w) {
                    out[x * h + y] = src[y * w + x];
                }
            }
        }
    }
    out
}

#[derive(Default)]
struct Scratch {
    padded: Vec<f32>,
    forward: Vec<f32>,
    backward: Vec<f32>,
}

/// The running minimum or maximum over windows of `2r+1` (van Herk /
/// Gil-Werman: three comparisons per value whatever the window).
fn extreme_1d(src: &[f32], dst: &mut [f32], r: usize, max: bool, s: &mut Scratch) {
    let n = src.len();
    let k = 2 * r + 1;
    let pad = if max {
        f32::NEG_INFINITY
    } else {
        f32::INFINITY
    };
    let op = |a: f32, b: f32| if max { a.max(b) } else { a.min(b) };
    let len = (n + 2 * r).div_ceil(k) * k;
    s.padded.clear();
    s.padded.resize(r, pad);
    s.padded.extend_from_slice(src);
    s.padded.resize(len, pad);
    s.forward.clear();
    s.forward.extend_from_slice(&s.padded);
    s.backward.clear();
    s.backward.extend_from_slice(&s.padded);
    for block in (0..len).step_by(k) {
        for i in block + 1..block + k {
            s.forward[i] = op(s.forward[i - 1], s.forward[i]);
        }
        for i in (block..block + k - 1).rev() {
            s.backward[i] = op(s.backward[i + 1], s.backward[i]);
        }
    }
    for (i, d) in dst.iter_mut().enumerate() {
        *d = op(s.backward[i], s.forward[i + k - 1]);
    }
}
