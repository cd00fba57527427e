//! Cleaning burned-in text: each region is filled with the frame's
//! background, blurred, pixelated or replaced by a pseudonym drawn with the
//! crate's bitmap font.
//!
//! Only pixels inside the regions change, and every mode reads nothing but
//! the region itself and the frame's background and foreground values, so
//! cleaning never smears text from inside a region to the outside or the
//! other way round. The blur and the block size grow with the region so
//! that no text of the region's height stays readable.

use crate::error::{Error, Result};
use crate::font::{ADVANCE, GLYPH_HEIGHT, draw_text_clipped, text_size};
use crate::frame::{Frame, Photometric, Region};

/// How a region is cleaned.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum CleanMode {
    /// Every pixel set to the frame's background (its darkest value;
    /// the brightest for MONOCHROME1).
    Fill,
    /// A box blur applied three times, with a radius of at least half the
    /// region's height.
    Blur,
    /// Every block (at least 8 pixels, or half the region's height) set to
    /// its mean.
    Pixelate,
    /// Filled as [`Fill`](Self::Fill), then the text drawn in the frame's
    /// foreground value, as large as fits the region. Characters that do
    /// not fit are left out.
    Pseudonym(String),
}

/// Cleans `regions` of `frame` (each clipped to the frame; empty ones are
/// skipped), leaving every pixel outside them exactly as it was.
///
/// # Errors
/// [`Error::InvalidArgument`] when the frame's values do not number
/// `rows × columns × samples` or it has no samples; nothing is changed then.
pub fn clean_frame(frame: &mut Frame, regions: &[Region], mode: &CleanMode) -> Result<()> {
    if frame.samples == 0 || frame.values.len() != frame.rows * frame.columns * frame.samples {
        return Err(Error::InvalidArgument(format!(
            "frame of {} values for {} rows, {} columns and {} samples",
            frame.values.len(),
            frame.rows,
            frame.columns,
            frame.samples
        )));
    }
    let (background, foreground) = match mode {
        CleanMode::Fill | CleanMode::Pseudonym(_) => extremes(frame),
        CleanMode::Blur | CleanMode::Pixelate => (Vec::new(), Vec::new()),
    };
    for region in regions {
        let region = region.clip(frame.rows, frame.columns);
        if region.area() == 0 {
            continue;
        }
        match mode {
            CleanMode::Fill => fill(frame, region, &background),
            CleanMode::Blur => blur(frame, region),
            CleanMode::Pixelate => pixelate(frame, region),
            CleanMode::Pseudonym(text) => {
                fill(frame, region, &background);
                pseudonym(frame, region, text, &foreground);
            }
        }
    }
    Ok(())
}

/// The frame's background and foreground pixels: the darkest and the
/// brightest (swapped for MONOCHROME1). Brightness is the value for grey,
/// the sum of the samples for RGB, and the first sample for YBR (its
/// luminance) and anything else (palette colour: the index).
fn extremes(frame: &Frame) -> (Vec<i64>, Vec<i64>) {
    let samples = frame.samples.max(1);
    let brightness = |p: &[i64]| -> i64 {
        match frame.photometric {
            Photometric::Rgb => p.iter().sum(),
            _ => p[0],
        }
    };
    let mut pixels = frame.values.chunks_exact(samples);
    let Some(first) = pixels.next() else {
        return (vec![0; samples], vec![0; samples]);
    };
    let (mut dark, mut bright) = (first, first);
    let (mut dark_b, mut bright_b) = (brightness(first), brightness(first));
    for p in pixels {
        let b = brightness(p);
        if b < dark_b {
            dark_b = b;
            dark = p;
        }
        if b > bright_b {
            bright_b = b;
            bright = p;
        }
    }
    if frame.photometric == Photometric::Monochrome1 {
        (bright.to_vec(), dark.to_vec())
    } else {
        (dark.to_vec(), bright.to_vec())
    }
}

fn fill(frame: &mut Frame, region: Region, value: &[i64]) {
    let samples = frame.samples;
    for row in region.y..region.y + region.height {
        let start = (row * frame.columns + region.x) * samples;
        let end = start + region.width * samples;
        for pixel in frame.values[start..end].chunks_exact_mut(samples) {
            pixel.copy_from_slice(&value[..samples]);
        }
    }
}

/// Three passes of a box blur along rows, then three along columns, the
/// region's edge pixels repeated beyond it.
fn blur(frame: &mut Frame, region: Region) {
    let radius = region.height.div_ceil(2).max(2);
    let samples = frame.samples;
    let (w, h) = (region.width, region.height);
    let mut line = Vec::new();
    let mut out = Vec::new();
    for s in 0..samples {
        let index = |row: usize, col: usize| {
            ((region.y + row) * frame.columns + region.x + col) * samples + s
        };
        // Work in f64: sums of i64 samples over a wide region cannot overflow.
        let mut plane: Vec<f64> = (0..h)
            .flat_map(|r| (0..w).map(move |c| (r, c)))
            .map(|(r, c)| frame.values[index(r, c)] as f64)
            .collect();
        for _ in 0..3 {
            for r in 0..h {
                line.clear();
                line.extend_from_slice(&plane[r * w..(r + 1) * w]);
                box_pass(&line, radius, &mut out);
                plane[r * w..(r + 1) * w].copy_from_slice(&out);
            }
        }
        for _ in 0..3 {
            for c in 0..w {
                line.clear();
                line.extend((0..h).map(|r| plane[r * w + c]));
                box_pass(&line, radius, &mut out);
                for (r, &v) in out.iter().enumerate() {
                    plane[r * w + c] = v;
                }
            }
        }
        for r in 0..h {
            for c in 0..w {
                frame.values[index(r, c)] = plane[r * w + c].round() as i64;
            }
        }
    }
}

/// The mean over `[i - radius, i + radius]` of `line`, its ends repeated.
fn box_pass(line: &[f64], radius: usize, out: &mut Vec<f64>) {
    let n = line.len();
    out.clear();
    let at = |i: isize| line[i.clamp(0, n as isize - 1) as usize];
    let r = radius as isize;
    let mut sum: f64 = (-r..=r).map(at).sum();
    let width = (2 * radius + 1) as f64;
    for i in 0..n as isize {
        out.push(sum / width);
        sum += at(i + r + 1) - at(i - r);
    }
}

fn pixelate(frame: &mut Frame, region: Region) {
    let block = (region.height / 2).max(8);
    let samples = frame.samples;
    let mut mean = vec![0i128; samples];
    for by in (region.y..region.y + region.height).step_by(block) {
        let bh = block.min(region.y + region.height - by);
        for bx in (region.x..region.x + region.width).step_by(block) {
            let bw = block.min(region.x + region.width - bx);
            mean.iter_mut().for_each(|m| *m = 0);
            for row in by..by + bh {
                for col in bx..bx + bw {
                    let base = (row * frame.columns + col) * samples;
                    for (s, m) in mean.iter_mut().enumerate() {
                        *m += i128::from(frame.values[base + s]);
                    }
                }
            }
            let count = (bw * bh) as i128;
            let value: Vec<i64> = mean
                .iter()
                .map(|&m| {
                    // Rounded to nearest; every mean lies between two i64 samples.
                    let half = if m >= 0 { count / 2 } else { -(count / 2) };
                    ((m + half) / count) as i64
                })
                .collect();
            fill(
                frame,
                Region {
                    x: bx,
                    y: by,
                    width: bw,
                    height: bh,
                },
                &value,
            );
        }
    }
}

/// Draws `text` as large as fits inside `region` (one pixel of padding
/// when there is room), centred vertically, from the left; characters
/// beyond the region's width are left out.
fn pseudonym(frame: &mut Frame, region: Region, text: &str, value: &[i64]) {
    let pad = usize::from(region.height >= GLYPH_HEIGHT + 2 && region.width >= ADVANCE + 2);
    let (w, h) = (region.width - 2 * pad, region.height - 2 * pad);
    let scale_h = h / GLYPH_HEIGHT;
    if scale_h == 0 || text.is_empty() {
        return;
    }
    let n = text.chars().count();
    let scale_w = (w + 1) / (n * ADVANCE);
    let (scale, text): (usize, String) = if scale_w >= 1 {
        (scale_h.min(scale_w), text.to_owned())
    } else {
        // Too long even at scale 1: keep what fits.
        let fit = (w + 1) / ADVANCE;
        (1, text.chars().take(fit).collect())
    };
    let (_, th) = text_size(&text, scale);
    let x = region.x + pad;
    let y = region.y + pad + (h - th) / 2;
    draw_text_clipped(frame, x, y, &text, scale, value, region);
}
