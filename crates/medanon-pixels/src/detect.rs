//! A detector of burned-in text that needs no OCR.
//!
//! Burned-in text is small (5 to 40 pixels high), drawn in one colour with
//! thin strokes that end abruptly, its glyphs side by side on a common
//! baseline. Anatomy has none of these together: its structures fade into
//! their surroundings, vary in colour and do not line up. The detector
//! looks for exactly that:
//!
//! 1. The samples are scaled by the frame's robust range (1st to 99th
//!    percentile), so that thresholds mean the same at any bit depth,
//!    signed or not; colour frames keep their three planes.
//! 2. Candidate glyphs come from two sources. Morphological top-hats with
//!    a square a little wider than the widest stroke keep what is thinner
//!    than the square and brighter (or darker) than its surroundings;
//!    their connected components are split by colour when text touches
//!    something else. Zones of one flat colour with a strong edge all
//!    round find text whatever lies around it (half over a bright and half
//!    over a dark region, crossing a line).
//! 3. A candidate is a glyph when it has a text line's height, strokes
//!    thin for that height and edges where the response drops sharply;
//!    smaller ones are punctuation.
//! 4. Glyphs of similar height, colour and stroke width sharing a baseline
//!    or a top line, at most about a word space apart, are chained into
//!    lines; punctuation bridges wider gaps. A line is kept when it has at
//!    least three glyphs of at most two heights, is dense, crosses enough
//!    vertical strokes and stands out from the rows just above and below.
//! 5. Each line is widened over strokes beside it on its band (glyphs
//!    merged with anatomy, punctuation), given a margin and reported;
//!    overlapping boxes merge.

use crate::frame::{Frame, Region};

mod glyphs;
mod morphology;

use glyphs::{Component, Labeler, candidates, flat_zones};
#[cfg(test)]
use morphology::filter_2d;
use morphology::{Filter, mean_plane, normalized_planes};

/// The detector's settings.
#[derive(Debug, Clone, PartialEq)]
pub struct DetectOptions {
    /// The smallest text height looked for, in pixels.
    pub min_height: usize,
    /// The largest text height looked for, in pixels.
    pub max_height: usize,
    /// The smallest difference between text and its background, as a
    /// fraction of the frame's robust range (its 1st to 99th percentile, at
    /// least a quarter of its full range).
    pub min_contrast: f64,
    /// Pixels added on every side of a detected line.
    pub margin: usize,
}

impl Default for DetectOptions {
    /// Text 5 to 40 pixels high, contrast 10 % of the range, margin 3 pixels.
    fn default() -> Self {
        DetectOptions {
            min_height: 5,
            max_height: 40,
            min_contrast: 0.10,
            margin: 3,
        }
    }
}

/// The regions of `frame` that look like text, each a line of text with
/// [`DetectOptions::margin`] around it, clipped to the frame; overlapping
/// regions are merged. Grey frames of any depth, signed or not, and colour
/// frames (RGB, YBR) work as they are; palette colour frames hold indices,
/// not colours, and should be rendered to RGB first. Frames whose values do
/// not number `rows × columns × samples`, or without contrast, give none.
///
/// Text of fewer than three glyphs ("RS", "2D") is not reported, and text
/// no different from its surroundings cannot be: combine the detector with
/// [`RuleSet`](crate::RuleSet) regions for known layouts.
pub fn detect_text(frame: &Frame, opts: &DetectOptions) -> Vec<Region> {
    let (w, h) = (frame.columns, frame.rows);
    if w == 0 || h == 0 || frame.samples == 0 || frame.values.len() != w * h * frame.samples {
        return Vec::new();
    }
    let Some(planes) = normalized_planes(frame) else {
        return Vec::new();
    };
    let max_height = opts.max_height.max(opts.min_height).max(1);
    // Strokes are at most about an eighth of the text height.
    let radius = (max_height / 8).max(2);
    let luminance = mean_plane(&planes);

    let mut bright = vec![0f32; w * h];
    let mut dark = vec![0f32; w * h];
    let mut filter = Filter::default();
    let (mut once, mut twice) = (Vec::new(), Vec::new());
    for plane in &planes {
        // White top-hat (minus the opening), then black top-hat (the
        // closing minus).
        filter.apply(plane, (w, h), radius, false, &mut once);
        filter.apply(&once, (w, h), radius, true, &mut twice);
        for ((b, &v), &o) in bright.iter_mut().zip(plane).zip(&twice) {
            *b = b.max(v - o);
        }
        filter.apply(plane, (w, h), radius, true, &mut once);
        filter.apply(&once, (w, h), radius, false, &mut twice);
        for ((d, &v), &c) in dark.iter_mut().zip(plane).zip(&twice) {
            *d = d.max(c - v);
        }
    }

    let params = Params {
        w,
        h,
        min_height: opts.min_height.max(1),
        max_height,
        threshold: opts.min_contrast.max(1e-6) as f32,
    };
    let mut boxes = Vec::new();
    for (response, is_bright) in [(&bright, true), (&dark, false)] {
        let mask: Vec<bool> = response.iter().map(|&v| v >= params.threshold).collect();
        let mut labeler = Labeler::new(w, h, &luminance, response, is_bright);
        let (components, raw) = candidates(&mask, &mut labeler, &params);
        boxes.extend(
            lines(&components, &mask, &params)
                .into_iter()
                .map(|l| extend(l, &raw)),
        );
    }
    // Burned-in text is drawn in one colour: zones of one flat colour with
    // a sharp edge all round find it whatever lies around it (text over
    // anatomy, half over a bright and half over a dark region, crossing a
    // line).
    let (zones, zone_mask) = flat_zones(&planes, &luminance, &params);
    boxes.extend(
        lines(&zones, &zone_mask, &params)
            .into_iter()
            .map(|l| extend(l, &zones)),
    );
    let margin = opts.margin;
    let mut regions: Vec<Region> = boxes
        .into_iter()
        .map(|b| {
            let x0 = b.x0.saturating_sub(margin);
            let y0 = b.y0.saturating_sub(margin);
            let x1 = (b.x1 + margin).min(w - 1);
            let y1 = (b.y1 + margin).min(h - 1);
            Region {
                x: x0,
                y: y0,
                width: x1 - x0 + 1,
                height: y1 - y0 + 1,
            }
        })
        .collect();
    merge_overlapping(&mut regions);
    regions
}

/// The smallest mean drop of the response across a glyph's boundary, as
/// a fraction of the response inside: drawn strokes end abruptly, anatomy
/// fades.
const MIN_SHARPNESS: f32 = 0.4;
/// The fewest glyphs (connected strokes) a line must have.
const MIN_GLYPHS: usize = 3;
/// How far the colours of a line's glyphs may be from their median, as a
/// fraction of the frame's range.
const LEVEL_TOLERANCE: f32 = 0.06;
/// Samples within this of a zone's first pixel (a fraction of the frame's
/// range) belong to one flat zone.
const FLAT_TOLERANCE: f32 = 0.02;
/// Pixels within this of a dominant luminance (a fraction of the frame's
/// range) are taken as one colour when splitting a component.
const COLOUR_TOLERANCE: f32 = 0.03;

struct Params {
    w: usize,
    h: usize,
    min_height: usize,
    max_height: usize,
    threshold: f32,
}

/// A detected line of text, inclusive bounds.
#[derive(Debug, Clone, Copy)]
struct Line {
    x0: usize,
    y0: usize,
    x1: usize,
    y1: usize,
}

fn lines(cands: &[Component], mask: &[bool], p: &Params) -> Vec<(Line, usize)> {
    let mut glyphs: Vec<Component> = cands.iter().filter(|c| c.glyph).copied().collect();
    glyphs.sort_by_key(|c| c.x0);
    let parts: Vec<Component> = cands
        .iter()
        .filter(|c| !c.glyph && c.pixels >= 2)
        .copied()
        .collect();
    let n = glyphs.len();
    let reach = p.max_height * 5 / 3 + 1;
    let mut parent: Vec<usize> = (0..n).collect();
    // Glyphs are at most `max_height` (t) high: a glyph joinable with
    // another starts at most 2t above its start and t below its end; one
    // joinable with a part, at most 5t/4 above the part's end and t/4 below
    // its start. Glyphs are indexed by bands of rows, each band's in order
    // of `x0`.
    let t = p.max_height.max(1);
    let s = (t / 4).max(1);
    // Each entry holds a glyph's index, `x0` and level.
    let mut bands: Vec<Vec<(usize, usize, f32)>> = vec![Vec::new(); p.h / s + 1];
    for (i, g) in glyphs.iter().enumerate() {
        bands[g.y0 / s].push((i, g.x0, g.level));
    }
    let near_bands = |y0: usize, y1: usize| {
        let lo = (y0 / s).min(bands.len() - 1);
        let hi = (y1 / s).min(bands.len() - 1);
        &bands[lo.min(hi + 1)..=hi]
    };
    for (i, a) in glyphs.iter().enumerate() {
        for band in near_bands(a.y0.saturating_sub(2 * t + 1), a.y1 + t + 1) {
            let start = band.partition_point(|&(j, _, _)| j <= i);
            for &(j, x0, level) in &band[start..] {
                if x0 > a.x1 + reach {
                    break;
                }
                if (a.level - level).abs() <= LEVEL_TOLERANCE && joinable(a, &glyphs[j], 5, 3) {
                    union(&mut parent, i, j);
                }
            }
        }
    }
    // Punctuation bridges a wider gap between consistent glyphs (`a: b`).
    let mut near_part: Vec<Vec<usize>> = vec![Vec::new(); parts.len()];
    // Parts in order of `x0`: where each band's glyphs near them start
    // only moves right.
    let mut order: Vec<usize> = (0..parts.len()).collect();
    order.sort_unstable_by_key(|&k| parts[k].x0);
    let mut starts = vec![0; bands.len()];
    for k in order {
        let q = &parts[k];
        let hi = ((q.y0 + t / 4 + 1) / s).min(bands.len() - 1);
        let lo = (q.y1.saturating_sub(t + t / 4 + 1) / s).min(hi);
        for (band, start) in bands[lo..=hi].iter().zip(&mut starts[lo..=hi]) {
            while *start < band.len() && band[*start].1 + reach < q.x0 {
                *start += 1;
            }
            for &(i, x0, level) in &band[*start..] {
                if x0 > q.x1 + reach {
                    break;
                }
                if (level - q.level).abs() <= LEVEL_TOLERANCE && joinable(&glyphs[i], q, 5, 3) {
                    near_part[k].push(i);
                }
            }
        }
        near_part[k].sort_unstable();
        for (x, &i) in near_part[k].iter().enumerate() {
            for &j in &near_part[k][x + 1..] {
                if joinable(&glyphs[i], &glyphs[j], 3, 1) {
                    union(&mut parent, i, j);
                }
            }
        }
    }
    let mut groups: std::collections::BTreeMap<usize, Vec<Component>> = Default::default();
    for (i, g) in glyphs.iter().enumerate() {
        let root = find(&mut parent, i);
        groups.entry(root).or_default().push(*g);
    }
    for (k, near) in near_part.iter().enumerate() {
        let mut roots: Vec<usize> = near.iter().map(|&i| find(&mut parent, i)).collect();
        roots.sort_unstable();
        roots.dedup();
        for root in roots {
            if let Some(group) = groups.get_mut(&root) {
                group.push(parts[k]);
            }
        }
    }
    groups
        .into_values()
        .filter_map(|members| accept_line(&members, mask, p))
        .collect()
}

/// Widens a line over the strokes beside it on its band (at most a word
/// space away): glyphs merged with something else (anatomy, a line) and
/// punctuation at its ends. Each step adds at most two glyph heights.
fn extend((mut line, cap): (Line, usize), raw: &[Component]) -> Line {
    let band = line.y1 - line.y0 + 1;
    for _ in 0..3 {
        let mut changed = false;
        for c in raw {
            let overlap = c.y1.min(line.y1) as isize - c.y0.max(line.y0) as isize + 1;
            if overlap * 2 < band as isize || c.height() > 3 * band {
                continue;
            }
            if c.x1 > line.x1 && c.x0 <= line.x1 + cap * 5 / 4 + 1 {
                line.x1 = c.x1.min(line.x1 + 2 * cap);
                changed = true;
            }
            if c.x0 < line.x0 && c.x1 + cap * 5 / 4 + 1 >= line.x0 {
                line.x0 = c.x0.max(line.x0.saturating_sub(2 * cap));
                changed = true;
            }
        }
        if !changed {
            break;
        }
    }
    line
}

/// Whether `a` and `b` can be neighbours on a line: glyphs of similar
/// height, colour and stroke sharing the baseline or the top line, with a
/// gap of at most `num / den` of their height (about a word space), or a
/// small part within a glyph's band near it.
fn joinable(a: &Component, b: &Component, num: usize, den: usize) -> bool {
    if (a.level - b.level).abs() > LEVEL_TOLERANCE {
        return false;
    }
    let gap =
        b.x0.saturating_sub(a.x1 + 1)
            .max(a.x0.saturating_sub(b.x1 + 1));
    let (ha, hb) = (a.height(), b.height());
    // A glyph under half the other's height (quotes, `^`, `-`) joins
    // as punctuation.
    let short = a.glyph && b.glyph && (ha.min(hb) * 2 < ha.max(hb));
    match (
        a.glyph && !(short && ha < hb),
        b.glyph && !(short && hb < ha),
    ) {
        (true, true) => {
            let (lo, hi) = (ha.min(hb), ha.max(hb));
            let tol = (hi / 5).max(1);
            let aligned = a.y1.abs_diff(b.y1) <= tol || a.y0.abs_diff(b.y0) <= tol;
            let (swa, swb) = (a.stroke_width(), b.stroke_width());
            let strokes = swa <= 2.0 * swb + 0.5 && swb <= 2.0 * swa + 0.5;
            hi * 2 <= lo * 5 && aligned && strokes && gap * den <= hi * num
        }
        (false, false) => false,
        _ => {
            let (g, q) = if a.glyph && !(short && ha < hb) {
                (a, b)
            } else {
                (b, a)
            };
            // Punctuation is often followed by a space: half a height more.
            let band = g.height() / 4;
            q.y0 + band >= g.y0 && q.y1 <= g.y1 + band && gap * den * 2 <= g.height() * num * 3
        }
    }
}

fn find(parent: &mut [usize], mut i: usize) -> usize {
    while parent[i] != i {
        parent[i] = parent[parent[i]];
        i = parent[i];
    }
    i
}

fn union(parent: &mut [usize], a: usize, b: usize) {
    let (ra, rb) = (find(parent, a), find(parent, b));
    if ra != rb {
        parent[ra.max(rb)] = ra.min(rb);
    }
}

/// The median of `values` (sorted in place); `values` is not empty.
fn median<T: Copy + PartialOrd>(values: &mut [T]) -> T {
    values.sort_unstable_by(|a, b| a.partial_cmp(b).unwrap_or(std::cmp::Ordering::Equal));
    values[values.len() / 2]
}

/// The line's box and typical glyph height when `group` (glyphs chained
/// together, and the punctuation next to them) looks like a line of text.
fn accept_line(group: &[Component], mask: &[bool], p: &Params) -> Option<(Line, usize)> {
    let glyphs: Vec<Component> = group.iter().filter(|c| c.glyph).copied().collect();
    if glyph_count(&glyphs) < MIN_GLYPHS {
        return None;
    }
    // Glyphs merged with something taller (a line, anatomy) count for the
    // line's length but not for its height.
    let cap = median(&mut glyphs.iter().map(Component::height).collect::<Vec<_>>());
    let tol = (cap / 5).max(1);
    let core: Vec<Component> = glyphs
        .iter()
        .filter(|c| c.height() * 2 >= cap && c.height() * 2 <= cap * 3 + 2)
        .copied()
        .collect();
    let mode = |values: Vec<usize>| -> usize {
        values
            .iter()
            .map(|&e| (values.iter().filter(|&&f| f.abs_diff(e) <= tol).count(), e))
            .max()
            .map_or(0, |(_, e)| e)
    };
    // Nearly all glyphs have one of two heights (capitals and digits,
    // lowercase).
    let heights: Vec<usize> = core.iter().map(Component::height).collect();
    let first = mode(heights.clone());
    let rest: Vec<usize> = heights
        .iter()
        .copied()
        .filter(|h| h.abs_diff(first) > tol)
        .collect();
    let second = mode(rest.clone());
    if rest.iter().filter(|h| h.abs_diff(second) > tol).count() * 4 > heights.len() {
        return None;
    }
    // Most glyphs sit on the baseline, the tallest of those reach the top
    // line, and the line's glyphs lie between the two (descenders a little
    // below), in one colour and one stroke width.
    let base = mode(core.iter().map(|c| c.y1).collect());
    let on_base: Vec<&Component> = core.iter().filter(|c| c.y1.abs_diff(base) <= tol).collect();
    let top = on_base.iter().map(|c| c.y0).min().unwrap_or(base).min(base);
    let band = base + 1 - top;
    if on_base.len() < 2 || band * 5 > cap * 8 + 10 {
        return None;
    }
    let level = median(&mut core.iter().map(|c| c.level).collect::<Vec<_>>());
    let stroke = median(&mut core.iter().map(Component::stroke_width).collect::<Vec<_>>());
    let aligned: Vec<Component> = core
        .iter()
        .filter(|c| {
            let sw = c.stroke_width();
            c.y0 + tol >= top
                && c.y1 <= base + tol.max(band * 2 / 5)
                && (c.level - level).abs() <= LEVEL_TOLERANCE
                && sw * 5.0 >= stroke * 3.0
                && sw * 3.0 <= stroke * 5.0
        })
        .copied()
        .collect();
    // Short glyphs (quotes, `^`) count as punctuation here.
    let tall = glyphs.iter().filter(|c| c.height() * 2 >= cap).count();
    if glyph_count(&aligned) < MIN_GLYPHS || aligned.len() * 10 < tall * 7 {
        return None;
    }
    let y0 = aligned.iter().map(|c| c.y0).min()?;
    let y1 = aligned.iter().map(|c| c.y1).max()?;
    // Everything on the band: glyphs, merged glyphs, punctuation.
    let on_band = |c: &&Component| {
        let overlap = c.y1.min(y1 + tol) as isize - c.y0.max(y0.saturating_sub(tol)) as isize + 1;
        overlap * 2 >= c.height().min(y1 - y0 + 1) as isize
    };
    let mut row: Vec<Component> = group.iter().filter(on_band).copied().collect();
    row.sort_unstable_by_key(|c| c.x0);
    let x0 = row.iter().map(|c| c.x0).min()?;
    let x1 = row.iter().map(|c| c.x1).max()?;
    let y0 = row
        .iter()
        .filter(|c| !c.glyph)
        .map(|c| c.y0)
        .fold(y0, usize::min);
    let y1 = row
        .iter()
        .filter(|c| !c.glyph)
        .map(|c| c.y1)
        .fold(y1, usize::max);
    let (lw, lh) = (x1 - x0 + 1, y1 - y0 + 1);
    if lw * 2 < cap * 3 {
        return None;
    }
    // Glyphs and punctuation close together, filling much of the line.
    let mut gaps: Vec<usize> = row
        .windows(2)
        .map(|pair| pair[1].x0.saturating_sub(pair[0].x1 + 1))
        .collect();
    gaps.sort_unstable();
    if !gaps.is_empty() && gaps[gaps.len() / 3] * 5 > cap * 4 {
        return None;
    }
    let (mut covered, mut end) = (0, x0);
    for c in &row {
        let start = c.x0.max(end);
        if c.x1 + 1 > start {
            covered += c.x1 + 1 - start;
        }
        end = end.max(c.x1 + 1);
    }
    if covered * 5 < lw * 2 {
        return None;
    }
    // Enough vertical strokes across the middle rows for its length.
    let strokes = (y0 + lh / 3..=y1 - lh / 3)
        .map(|y| runs(&mask[y * p.w + x0..=y * p.w + x1]))
        .max()
        .unwrap_or(0);
    if strokes < 2 || strokes * cap * 2 < lw {
        return None;
    }
    // A line stands out from what lies just above and below it; texture
    // (speckle, anatomy) is as dense there as on the line.
    let density = |ya: usize, yb: usize| {
        let rows = ya..yb.min(p.h);
        let on: usize = rows
            .clone()
            .map(|y| {
                mask[y * p.w + x0..=y * p.w + x1]
                    .iter()
                    .filter(|&&m| m)
                    .count()
            })
            .sum();
        (on, rows.len() * lw)
    };
    let strip = (cap / 3).max(2);
    let (on_in, all_in) = density(y0, y1 + 1);
    let (on_a, all_a) = density(y0.saturating_sub(strip), y0);
    let (on_b, all_b) = density(y1 + 1, y1 + 1 + strip);
    let inside = on_in as f64 / all_in.max(1) as f64;
    let outside = (on_a + on_b) as f64 / (all_a + all_b).max(1) as f64;
    if inside < outside + 0.1 {
        return None;
    }
    Some((Line { x0, y0, x1, y1 }, cap))
}

/// How many glyphs `glyphs` hold: a wide component of one flat colour with
/// sharp edges (a word of touching glyphs) counts for as many as its
/// width and the strokes across its middle allow.
fn glyph_count(glyphs: &[Component]) -> usize {
    glyphs
        .iter()
        .map(|c| {
            if c.flat >= 0.8 && c.sharp >= 0.6 {
                (c.width() / c.height()).min(c.runs.div_ceil(2)).max(1)
            } else {
                1
            }
        })
        .sum()
}

/// The runs of set pixels in `row`.
fn runs(row: &[bool]) -> usize {
    row.windows(2).filter(|pair| pair[1] && !pair[0]).count()
        + usize::from(row.first() == Some(&true))
}

/// Sets each component's [`Component::runs`] from the mask.
fn count_runs(components: &mut [Component], mask: &[bool], w: usize) {
    for c in components {
        let y = (c.y0 + c.y1) / 2;
        c.runs = runs(&mask[y * w + c.x0..=y * w + c.x1]);
    }
}

/// Merges overlapping regions until none overlap.
fn merge_overlapping(regions: &mut Vec<Region>) {
    let overlaps = |a: &Region, b: &Region| {
        a.x < b.x + b.width && b.x < a.x + a.width && a.y < b.y + b.height && b.y < a.y + a.height
    };
    loop {
        let mut merged = false;
        let mut i = 0;
        while i < regions.len() {
            let mut j = i + 1;
            while j < regions.len() {
                if overlaps(&regions[i], &regions[j]) {
                    let (a, b) = (regions[i], regions.swap_remove(j));
                    let x = a.x.min(b.x);
                    let y = a.y.min(b.y);
                    regions[i] = Region {
                        x,
                        y,
                        width: (a.x + a.width).max(b.x + b.width) - x,
                        height: (a.y + a.height).max(b.y + b.height) - y,
                    };
                    merged = true;
                } else {
                    j += 1;
                }
            }
            i += 1;
        }
        if !merged {
            break;
        }
    }
    regions.sort_unstable();
}

#[cfg(test)]
mod tests;
