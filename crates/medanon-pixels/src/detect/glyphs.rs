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
    h: usize,
    luminance: &'a [f32],
    response: &'a [f32],
    bright: bool,
    member: Vec<bool>,
    seen: Vec<bool>,
    stack: Vec<usize>,
}

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
        Labeler {
            w,
            h,
            luminance,
            response,
            bright,
            member: vec![false; w * h],
            seen: vec![false; w * h],
            stack: Vec::new(),
        }
    }
}

impl Labeler<'_> {
    /// The 8-connected components of `pixels` (frame indices), each with
    /// its own pixels.
    fn label(&mut self, pixels: &[u32]) -> Vec<(Component, Vec<u32>)> {
        let (w, h) = (self.w, self.h);
        for &i in pixels {
            self.member[i as usize] = true;
        }
        let mut out = Vec::new();
        for &start in pixels {
            let start = start as usize;
            if self.seen[start] {
                continue;
            }
            self.seen[start] = true;
            self.stack.push(start);
            let mut c = Component {
                x0: start % w,
                y0: start / w,
                x1: start % w,
                y1: start / w,
                pixels: 0,
                edges: 0,
                level: self.luminance[start],
                glyph: false,
                flat: 1.0,
                runs: 1,
                sharp: 0.0,
            };
            let (mut jump, mut edge) = (0f32, 0f32);
            let mut own = Vec::new();
            while let Some(i) = self.stack.pop() {
                own.push(i as u32);
                let (x, y) = (i % w, i / w);
                c.x0 = c.x0.min(x);
                c.x1 = c.x1.max(x);
                c.y0 = c.y0.min(y);
                c.y1 = c.y1.max(y);
                c.pixels += 1;
                let l = self.luminance[i];
                c.level = if self.bright {
                    c.level.max(l)
                } else {
                    c.level.min(l)
                };
                let r = self.response[i];
                for (dx, dy) in [(-1isize, 0isize), (1, 0), (0, -1), (0, 1)] {
                    let (nx, ny) = (x as isize + dx, y as isize + dy);
                    if nx < 0 || ny < 0 || nx >= w as isize || ny >= h as isize {
                        c.edges += 1;
                        continue;
                    }
                    let j = ny as usize * w + nx as usize;
                    if !self.member[j] {
                        c.edges += 1;
                        jump += (r - self.response[j]).abs();
                        edge += r;
                    }
                }
                for ny in y.saturating_sub(1)..=(y + 1).min(h - 1) {
                    for nx in x.saturating_sub(1)..=(x + 1).min(w - 1) {
                        let j = ny * w + nx;
                        if self.member[j] && !self.seen[j] {
                            self.seen[j] = true;
                            self.stack.push(j);
                        }
                    }
                }
            }
            c.sharp = if edge <= 0.0 { 1.0 } else { jump / edge };
            out.push((c, own));
        }
        for &i in pixels {
            self.member[i as usize] = false;
            self.seen[i as usize] = false;
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
    for (mut c, pixels) in labeler.label(&all) {
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
        let (pieces, flat) = split(&pixels, labeler);
        c.flat = flat;
        let wide = c.width() > 2 * c.height();
        if c.glyph && !wide && flat >= 0.8 {
            out.push(c);
            continue;
        }
        let mut subs = Vec::new();
        for piece in pieces {
            for (mut sub, _) in labeler.label(&piece) {
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
    let (w, h) = (p.w, p.h);
    let n = w * h;
    let mut zone = vec![u32::MAX; n];
    let mut mask = vec![false; n];
    let mut out = Vec::new();
    let mut stack = Vec::new();
    let mut own: Vec<usize> = Vec::new();
    let mut id = 0u32;
    for start in 0..n {
        if zone[start] != u32::MAX {
            continue;
        }
        zone[start] = id;
        stack.push(start);
        own.clear();
        let (mut x0, mut y0, mut x1, mut y1) = (start % w, start / w, start % w, start / w);
        while let Some(i) = stack.pop() {
            own.push(i);
            let (x, y) = (i % w, i / w);
            x0 = x0.min(x);
            x1 = x1.max(x);
            y0 = y0.min(y);
            y1 = y1.max(y);
            for ny in y.saturating_sub(1)..=(y + 1).min(h - 1) {
                for nx in x.saturating_sub(1)..=(x + 1).min(w - 1) {
                    let j = ny * w + nx;
                    if zone[j] == u32::MAX
                        && planes
                            .iter()
                            .all(|pl| (pl[j] - pl[start]).abs() <= FLAT_TOLERANCE)
                    {
                        zone[j] = id;
                        stack.push(j);
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
        for &i in &own {
            let (x, y) = ((i % w) as isize, (i / w) as isize);
            for (dx, dy) in [(-1isize, 0isize), (1, 0), (0, -1), (0, 1)] {
                let (nx, ny) = (x + dx, y + dy);
                if nx < 0 || ny < 0 || nx >= w as isize || ny >= h as isize {
                    edges += 1;
                    continue;
                }
                let j = ny as usize * w + nx as usize;
                if zone[j] != this {
                    edges += 1;
                    sides += 1;
                    jump += planes
                        .iter()
                        .map(|pl| (pl[i] - pl[j]).abs())
                        .fold(0f32, f32::max);
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
            level: luminance[start],
            glyph: false,
            flat: 1.0,
            runs: 1,
            sharp: 1.0,
        };
        c.glyph = is_glyph(&c, p);
        if c.glyph || is_part(&c, p) {
            for &i in &own {
                mask[i] = true;
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
