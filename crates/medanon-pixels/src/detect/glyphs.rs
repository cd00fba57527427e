//! Candidate glyphs: connected components of a top-hat mask, split by
//! colour where text touches something else, and zones of one flat colour.

use super::{COLOUR_TOLERANCE, FLAT_TOLERANCE, MIN_SHARPNESS, Params, count_runs};

/// A connected component of the mask (8-connected), inclusive bounds.
#[derive(Debug, Clone, Copy)]
pub(super) struct Component {
    pub(super) x0: usize,
    pub(super) y0: usize,
    pub(super) x1: usize,
    pub(super) y1: usize,
    pub(super) pixels: usize,
    /// Pixel sides bordering a pixel outside the component.
    pub(super) edges: usize,
    /// The brightest luminance in it for bright text, the darkest for dark.
    pub(super) level: f32,
    /// A candidate glyph (not a small part).
    pub(super) glyph: bool,
    /// The fraction of its pixels in its dominant colour.
    pub(super) flat: f32,
    /// Strokes crossed by its middle row (runs of the mask).
    pub(super) runs: usize,
    /// How sharply the response drops across its boundary, relative to
    /// the response inside: near 1 for drawn strokes, small for smooth
    /// structure.
    pub(super) sharp: f32,
}

impl Component {
    pub(super) fn width(&self) -> usize {
        self.x1 - self.x0 + 1
    }
    pub(super) fn height(&self) -> usize {
        self.y1 - self.y0 + 1
    }
    /// Twice the area over the perimeter: the width of a long stroke.
    pub(super) fn stroke_width(&self) -> f64 {
        2.0 * self.pixels as f64 / self.edges.max(1) as f64
    }
}

/// Connected-component labelling of sets of pixels, with scratch buffers
/// the size of the frame reused between calls.
pub(super) struct Labeler<'a> {
    w: usize,
    luminance: &'a [f32],
    response: &'a [f32],
    bright: bool,
    /// The state of each pixel of the frame padded by one pixel all round:
    /// [`OUTSIDE`], [`OTHER`], [`MEMBER`] or [`SEEN`].
    state: Vec<u8>,
    stack: Vec<(u32, u32)>,
}

/// Beyond the frame's edges.
const OUTSIDE: u8 = 0;
/// In the frame, not in the set labelled.
const OTHER: u8 = 1;
/// In the set, not yet reached.
const MEMBER: u8 = 2;
/// In the set, reached.
const SEEN: u8 = 3;

impl<'a> Labeler<'a> {
    /// A labeller for a `w × h` frame's components of bright (or dark)
    /// text: `response` is the top-hat the mask comes from.
    pub(super) fn new(
        w: usize,
        h: usize,
        luminance: &'a [f32],
        response: &'a [f32],
        bright: bool,
    ) -> Self {
        let stride = w + 2;
        let mut state = vec![OUTSIDE; stride * (h + 2)];
        for row in state.chunks_exact_mut(stride).skip(1).take(h) {
            row[1..=w].fill(OTHER);
        }
        Labeler {
            w,
            luminance,
            response,
            bright,
            state,
            stack: Vec::new(),
        }
    }
}

impl Labeler<'_> {
    /// The 8-connected components of `pixels` (frame indices), each with
    /// the range of `own` its pixels are written to.
    fn label(
        &mut self,
        pixels: &[u32],
        own: &mut Vec<u32>,
    ) -> Vec<(Component, std::ops::Range<usize>)> {
        let w = self.w;
        let stride = w + 2;
        let padded = |i: usize| (i / w + 1) * stride + i % w + 1;
        own.clear();
        for &i in pixels {
            self.state[padded(i as usize)] = MEMBER;
        }
        let (luminance, response, state) = (self.luminance, self.response, &mut self.state);
        let mut out = Vec::new();
        for &start in pixels {
            let start = start as usize;
            let (sx, sy) = (start % w, start / w);
            let ps = (sy + 1) * stride + sx + 1;
            if state[ps] == SEEN {
                continue;
            }
            state[ps] = SEEN;
            self.stack.push((sx as u32, sy as u32));
            let mut c = Component {
                x0: sx,
                y0: sy,
                x1: sx,
                y1: sy,
                pixels: 0,
                edges: 0,
                level: luminance[start],
                glyph: false,
                flat: 1.0,
                runs: 1,
                sharp: 0.0,
            };
            let (mut jump, mut edge) = (0f32, 0f32);
            let first = own.len();
            while let Some((x, y)) = self.stack.pop() {
                let (x, y) = (x as usize, y as usize);
                let i = y * w + x;
                own.push(i as u32);
                c.x0 = c.x0.min(x);
                c.x1 = c.x1.max(x);
                c.y0 = c.y0.min(y);
                c.y1 = c.y1.max(y);
                c.pixels += 1;
                let l = luminance[i];
                c.level = if self.bright {
                    c.level.max(l)
                } else {
                    c.level.min(l)
                };
                let r = response[i];
                let p = (y + 1) * stride + x + 1;
                for (q, j) in [
                    (p - 1, i.wrapping_sub(1)),
                    (p + 1, i + 1),
                    (p - stride, i.wrapping_sub(w)),
                    (p + stride, i + w),
                ] {
                    match state[q] {
                        OUTSIDE => c.edges += 1,
                        OTHER => {
                            c.edges += 1;
                            jump += (r - response[j]).abs();
                            edge += r;
                        }
                        _ => {}
                    }
                }
                for (row, ny) in [
                    (p - stride - 1, y.wrapping_sub(1)),
                    (p - 1, y),
                    (p + stride - 1, y + 1),
                ] {
                    for (dx, s) in state[row..row + 3].iter_mut().enumerate() {
                        if *s == MEMBER {
                            *s = SEEN;
                            self.stack
                                .push(((x + dx).wrapping_sub(1) as u32, ny as u32));
                        }
                    }
                }
            }
            c.sharp = if edge <= 0.0 { 1.0 } else { jump / edge };
            out.push((c, first..own.len()));
        }
        for &i in pixels {
            state[padded(i as usize)] = OTHER;
        }
        out
    }
}

/// Candidate glyphs and small parts (punctuation) among the components of
/// the mask. A component too large or too thick to be a glyph may be text
/// touching something else (a line, anatomy): it is split into the pixels
/// of each of its dominant colours (burned-in text has one) and into its
/// strongest half, and the pieces that look like glyphs are kept.
pub(super) fn candidates(
    mask: &[bool],
    labeler: &mut Labeler,
    p: &Params,
) -> (Vec<Component>, Vec<Component>) {
    let all: Vec<u32> = (0..mask.len() as u32)
        .filter(|&i| mask[i as usize])
        .collect();
    let mut out = Vec::new();
    let mut raw = Vec::new();
    let (mut own, mut sub_own) = (Vec::new(), Vec::new());
    for (mut c, range) in labeler.label(&all, &mut own) {
        let pixels = &own[range];
        raw.push(c);
        c.glyph = is_glyph(&c, p);
        if is_part(&c, p) && !c.glyph {
            out.push(c);
            continue;
        }
        if c.pixels < 8 {
            if c.glyph {
                out.push(c);
            }
            continue;
        }
        let (pieces, flat) = split(pixels, labeler);
        c.flat = flat;
        let wide = c.width() > 2 * c.height();
        if c.glyph && !wide && flat >= 0.8 {
            out.push(c);
            continue;
        }
        let mut subs = Vec::new();
        for piece in pieces {
            for (mut sub, _) in labeler.label(&piece, &mut sub_own) {
                sub.glyph = is_glyph(&sub, p);
                if sub.glyph || is_part(&sub, p) {
                    subs.push(sub);
                }
            }
        }
        // Keep a glyph whole unless splitting finds several glyphs in it
        // (a word of touching glyphs) or a smaller one (a glyph touching
        // something).
        let glyphs = subs.iter().filter(|s| s.glyph).count();
        let smaller = subs
            .iter()
            .any(|s| s.glyph && s.height() * 5 <= c.height() * 4);
        if c.glyph && !(glyphs >= 2 && wide) && !smaller {
            out.push(c);
        } else {
            out.extend(subs);
        }
    }
    count_runs(&mut out, mask, p.w);
    (out, raw)
}

/// Subsets of `pixels`: those within [`COLOUR_TOLERANCE`] of each of up to
/// three dominant luminances, and those above half the strongest response;
/// and whether the first subset holds nearly all pixels (one flat colour).
fn split(pixels: &[u32], labeler: &Labeler) -> (Vec<Vec<u32>>, f32) {
    let (lum, response) = (labeler.luminance, labeler.response);
    let mut out = Vec::new();
    let mut sorted: Vec<(f32, u32)> = pixels.iter().map(|&i| (lum[i as usize], i)).collect();
    sorted.sort_unstable_by(|a, b| a.0.total_cmp(&b.0));
    let min_count = (pixels.len() / 40).max(6);
    let mut flat = 0.0;
    for k in 0..4 {
        // The densest narrow window: burned-in text has one exact colour.
        let (mut best, mut best_at, mut j) = (0, 0, 0);
        for i in 0..sorted.len() {
            while sorted[i].0 - sorted[j].0 > 0.02 {
                j += 1;
            }
            if i + 1 - j > best {
                best = i + 1 - j;
                best_at = j;
            }
        }
        if best < min_count {
            break;
        }
        let centre = sorted[best_at + best / 2].0;
        let near = |v: f32| (v - centre).abs() <= COLOUR_TOLERANCE;
        let piece: Vec<u32> = sorted
            .iter()
            .filter(|&&(v, _)| near(v))
            .map(|&(_, i)| i)
            .collect();
        if k == 0 {
            flat = piece.len() as f32 / pixels.len() as f32;
        }
        sorted.retain(|&(v, _)| !near(v));
        out.push(piece);
        if sorted.is_empty() {
            break;
        }
    }
    let peak = pixels
        .iter()
        .map(|&i| response[i as usize])
        .fold(0f32, f32::max);
    out.push(
        pixels
            .iter()
            .copied()
            .filter(|&i| response[i as usize] * 2.0 >= peak)
            .collect(),
    );
    (out, flat)
}

/// Zones of one flat colour (every sample within [`FLAT_TOLERANCE`] of the
/// zone's first pixel, 8-connected) that look like glyphs or punctuation
/// and differ from the pixels around them by at least the minimum
/// contrast on average; and the mask of their pixels.
pub(super) fn flat_zones(
    planes: &[Vec<f32>],
    luminance: &[f32],
    p: &Params,
) -> (Vec<Component>, Vec<bool>) {
    match planes {
        [grey] => flat_zones_with(
            luminance,
            p,
            Interleaved(grey.iter().map(|&v| [v]).collect()),
        ),
        [_, _, _] => flat_zones_with(luminance, p, interleaved::<3>(planes)),
        _ => flat_zones_with(luminance, p, Planes(planes)),
    }
}

/// The samples of a frame's pixels, to compare pixels by.
trait Samples {
    /// Whether every sample of pixel `j` is within [`FLAT_TOLERANCE`] of
    /// pixel `s`'s.
    fn same(&self, j: usize, s: usize) -> bool;
    /// The largest difference between samples of pixels `i` and `j`.
    fn jump(&self, i: usize, j: usize) -> f32;
}

/// The samples of each pixel side by side.
struct Interleaved<const N: usize>(Vec<[f32; N]>);

fn interleaved<const N: usize>(planes: &[Vec<f32>]) -> Interleaved<N> {
    Interleaved(
        (0..planes[0].len())
            .map(|i| std::array::from_fn(|k| planes[k][i]))
            .collect(),
    )
}

impl<const N: usize> Samples for Interleaved<N> {
    fn same(&self, j: usize, s: usize) -> bool {
        let (a, b) = (&self.0[j], &self.0[s]);
        a.iter()
            .zip(b)
            .all(|(x, y)| (x - y).abs() <= FLAT_TOLERANCE)
    }
    fn jump(&self, i: usize, j: usize) -> f32 {
        let (a, b) = (&self.0[i], &self.0[j]);
        a.iter()
            .zip(b)
            .map(|(x, y)| (x - y).abs())
            .fold(0f32, f32::max)
    }
}

/// The samples as planes (any number of them).
struct Planes<'a>(&'a [Vec<f32>]);

impl Samples for Planes<'_> {
    fn same(&self, j: usize, s: usize) -> bool {
        self.0
            .iter()
            .all(|pl| (pl[j] - pl[s]).abs() <= FLAT_TOLERANCE)
    }
    fn jump(&self, i: usize, j: usize) -> f32 {
        self.0
            .iter()
            .map(|pl| (pl[i] - pl[j]).abs())
            .fold(0f32, f32::max)
    }
}

/// Not yet in a zone.
const UNSEEN: u32 = u32::MAX;
/// Beyond the frame's edges.
const BORDER: u32 = u32::MAX - 1;

fn flat_zones_with(luminance: &[f32], p: &Params, px: impl Samples) -> (Vec<Component>, Vec<bool>) {
    let (w, h) = (p.w, p.h);
    let n = w * h;
    let stride = w + 2;
    // The zone of each pixel, the frame padded by one pixel all round.
    let mut zone = vec![BORDER; stride * (h + 2)];
    for row in zone.chunks_exact_mut(stride).skip(1).take(h) {
        row[1..=w].fill(UNSEEN);
    }
    let mut mask = vec![false; n];
    let mut out = Vec::new();
    let mut stack: Vec<(u32, u32)> = Vec::new();
    let mut own: Vec<(u32, u32)> = Vec::new();
    let mut id = 0u32;
    for (start, &level) in luminance.iter().enumerate().take(n) {
        let (sx, sy) = (start % w, start / w);
        let ps = (sy + 1) * stride + sx + 1;
        if zone[ps] != UNSEEN {
            continue;
        }
        zone[ps] = id;
        stack.push((sx as u32, sy as u32));
        own.clear();
        let (mut x0, mut y0, mut x1, mut y1) = (sx, sy, sx, sy);
        while let Some((x, y)) = stack.pop() {
            own.push((x, y));
            let (x, y) = (x as usize, y as usize);
            x0 = x0.min(x);
            x1 = x1.max(x);
            y0 = y0.min(y);
            y1 = y1.max(y);
            let pz = (y + 1) * stride + x + 1;
            for (row, ny) in [
                (pz - stride - 1, y.wrapping_sub(1)),
                (pz - 1, y),
                (pz + stride - 1, y + 1),
            ] {
                for (dx, z) in zone[row..row + 3].iter_mut().enumerate() {
                    if *z == UNSEEN {
                        let nx = (x + dx).wrapping_sub(1);
                        if px.same(ny * w + nx, start) {
                            *z = id;
                            stack.push((nx as u32, ny as u32));
                        }
                    }
                }
            }
        }
        let this = id;
        id += 1;
        let (zw, zh) = (x1 - x0 + 1, y1 - y0 + 1);
        if zh > p.max_height || zw > 4 * p.max_height || (own.len() < 2) {
            continue;
        }
        let (mut edges, mut sides, mut jump) = (0usize, 0usize, 0f32);
        for &(x, y) in &own {
            let (x, y) = (x as usize, y as usize);
            let i = y * w + x;
            let pz = (y + 1) * stride + x + 1;
            for (q, j) in [
                (pz - 1, i.wrapping_sub(1)),
                (pz + 1, i + 1),
                (pz - stride, i.wrapping_sub(w)),
                (pz + stride, i + w),
            ] {
                let z = zone[q];
                if z == BORDER {
                    edges += 1;
                } else if z != this {
                    edges += 1;
                    sides += 1;
                    jump += px.jump(i, j);
                }
            }
        }
        if sides == 0 || jump / (sides as f32) < p.threshold {
            continue;
        }
        let mut c = Component {
            x0,
            y0,
            x1,
            y1,
            pixels: own.len(),
            edges,
            level,
            glyph: false,
            flat: 1.0,
            runs: 1,
            sharp: 1.0,
        };
        c.glyph = is_glyph(&c, p);
        if c.glyph || is_part(&c, p) {
            for &(x, y) in &own {
                mask[y as usize * w + x as usize] = true;
            }
            out.push(c);
        }
    }
    count_runs(&mut out, &mask, w);
    (out, mask)
}

/// A text line's height, made of thin strokes with sharp edges.
pub(super) fn is_glyph(c: &Component, p: &Params) -> bool {
    let ch = c.height();
    ch >= p.min_height
        && ch <= p.max_height
        && c.stroke_width() <= (0.3 * ch as f64).max(2.5)
        && c.sharp >= MIN_SHARPNESS
}

/// Smaller than a glyph, or a small blob: punctuation, dots, bars.
pub(super) fn is_part(c: &Component, p: &Params) -> bool {
    let small = c.height() < p.min_height || c.height() * 2 <= p.max_height;
    small && c.width() <= p.max_height
}
