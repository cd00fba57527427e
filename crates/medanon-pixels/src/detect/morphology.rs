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

/// The running minimum and maximum filters over squares, with scratch
/// buffers reused between calls.
#[derive(Default)]
pub(super) struct Filter {
    forward: Vec<f32>,
    backward: Vec<f32>,
    scratch: Scratch,
}

impl Filter {
    /// Minimum (`max == false`) or maximum over the `(2r+1)²` square around
    /// each pixel of the `w × h` `plane`, the square cut at the frame's
    /// edges, into `out`.
    pub(super) fn apply(
        &mut self,
        plane: &[f32],
        (w, h): (usize, usize),
        r: usize,
        max: bool,
        out: &mut Vec<f32>,
    ) {
        out.resize(w * h, 0.0);
        if max {
            self.apply_op::<true>(plane, w, h, r, out);
        } else {
            self.apply_op::<false>(plane, w, h, r, out);
        }
    }

    fn apply_op<const MAX: bool>(
        &mut self,
        plane: &[f32],
        w: usize,
        h: usize,
        r: usize,
        out: &mut [f32],
    ) {
        let k = 2 * r + 1;
        let pad = if MAX {
            f32::NEG_INFINITY
        } else {
            f32::INFINITY
        };
        // The rows are filtered one by one into a plane padded above and
        // below, whose columns are then filtered a row at a time (van Herk
        // / Gil-Werman down the columns).
        let len = (h + 2 * r).div_ceil(k) * k;
        let (forward, backward) = (&mut self.forward, &mut self.backward);
        forward.clear();
        forward.resize(len * w, pad);
        backward.clear();
        backward.resize(len * w, pad);
        for (src, dst) in plane
            .chunks_exact(w)
            .zip(forward[r * w..(r + h) * w].chunks_exact_mut(w))
        {
            extreme_1d::<MAX>(src, dst, r, &mut self.scratch);
        }
        for block in (0..len).step_by(k) {
            let span = block * w..(block + k) * w;
            backward[span.clone()].copy_from_slice(&forward[span.clone()]);
            let rows = &mut forward[span.clone()];
            for i in 1..k {
                let (before, after) = rows.split_at_mut(i * w);
                let prev = &before[(i - 1) * w..];
                for (d, &p) in after[..w].iter_mut().zip(prev) {
                    *d = op::<MAX>(p, *d);
                }
            }
            let rows = &mut backward[span];
            for i in (0..k - 1).rev() {
                let (before, after) = rows.split_at_mut((i + 1) * w);
                let next = &after[..w];
                for (d, &q) in before[i * w..].iter_mut().zip(next) {
                    *d = op::<MAX>(q, *d);
                }
            }
            // The rows whose window ends in this block are complete.
            for y in (block + 1).saturating_sub(k)..=block.min(h.saturating_sub(1)) {
                let b = &backward[y * w..(y + 1) * w];
                let f = &forward[(y + k - 1) * w..(y + k) * w];
                for ((d, &b), &f) in out[y * w..(y + 1) * w].iter_mut().zip(b).zip(f) {
                    *d = op::<MAX>(b, f);
                }
            }
        }
    }
}

/// Minimum (`max == false`) or maximum over the `(2r+1)²` square around
/// each pixel, the square cut at the frame's edges.
#[cfg(test)]
pub(super) fn filter_2d(plane: &[f32], w: usize, h: usize, r: usize, max: bool) -> Vec<f32> {
    let mut out = Vec::new();
    Filter::default().apply(plane, (w, h), r, max, &mut out);
    out
}

fn op<const MAX: bool>(a: f32, b: f32) -> f32 {
    if MAX { a.max(b) } else { a.min(b) }
}

#[derive(Default)]
struct Scratch {
    cur: Vec<f32>,
    next: Vec<f32>,
}

/// The running minimum or maximum over windows of `2r+1`, by doubling:
/// the extremes over 2, 4, 8… values, then two overlapping spans of the
/// largest cover each window (a few passes over the row, each
/// vectorizable).
fn extreme_1d<const MAX: bool>(src: &[f32], dst: &mut [f32], r: usize, s: &mut Scratch) {
    let n = src.len();
    let k = 2 * r + 1;
    let pad = if MAX {
        f32::NEG_INFINITY
    } else {
        f32::INFINITY
    };
    s.cur.clear();
    s.cur.resize(r, pad);
    s.cur.extend_from_slice(src);
    s.cur.resize(n + 2 * r, pad);
    let mut width = 1;
    while 2 * width <= k {
        let len = s.cur.len() - width;
        s.next.clear();
        s.next.extend(
            s.cur[..len]
                .iter()
                .zip(&s.cur[width..])
                .map(|(&a, &b)| op::<MAX>(a, b)),
        );
        std::mem::swap(&mut s.cur, &mut s.next);
        width *= 2;
    }
    for ((d, &a), &b) in dst.iter_mut().zip(&s.cur).zip(&s.cur[k - width..]) {
        *d = op::<MAX>(a, b);
    }
}
