//! Cleaning regions: every mode changes the regions as documented and
//! leaves every pixel outside them exactly as it was, on grey (unsigned
//! and signed, MONOCHROME1 and MONOCHROME2) and RGB frames.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use medanon_pixels::{
    CleanMode, DetectOptions, Error, Frame, Photometric, Region, clean_frame, detect_text,
    draw_text, text_size,
};

/// A small xorshift generator (Marsaglia 2003), seeded.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: i64) -> i64 {
        (self.next() % n as u64) as i64
    }
}

fn rect(x: usize, y: usize, width: usize, height: usize) -> Region {
    Region {
        x,
        y,
        width,
        height,
    }
}

/// A frame of noise in `lo..lo + span` with `text` drawn in `ink` at
/// (12, 10), scale 2.
fn frame(photometric: Photometric, samples: usize, lo: i64, span: i64, ink: &[i64]) -> Frame {
    let mut rng = Rng(0x2545_f491_4f6c_dd1d);
    let mut f = Frame::new(60, 120, samples, photometric);
    for v in &mut f.values {
        *v = lo + rng.below(span);
    }
    draw_text(&mut f, 12, 10, "DOE^JANE", 2, ink);
    f
}

/// The frames every mode is tried on, with the pixel value the mode
/// `Fill` must use (the darkest, or the brightest for MONOCHROME1).
fn frames() -> Vec<(&'static str, Frame, Vec<i64>)> {
    let grey = frame(Photometric::Monochrome2, 1, 100, 900, &[4000]);
    let signed = frame(Photometric::Monochrome1, 1, -1024, 2000, &[-2000]);
    let mut rgb = frame(Photometric::Rgb, 3, 20, 200, &[250, 250, 0]);
    // The darkest pixel decides, not the darkest sample of each channel.
    rgb.values[..3].copy_from_slice(&[1, 2, 3]);
    let darkest = |f: &Frame| *f.values.iter().min().unwrap();
    let brightest = |f: &Frame| *f.values.iter().max().unwrap();
    vec![
        ("grey", grey.clone(), vec![darkest(&grey)]),
        (
            "signed MONOCHROME1",
            signed.clone(),
            vec![brightest(&signed)],
        ),
        ("rgb", rgb, vec![1, 2, 3]),
    ]
}

fn modes() -> Vec<CleanMode> {
    vec![
        CleanMode::Fill,
        CleanMode::Blur,
        CleanMode::Pixelate,
        CleanMode::Pseudonym("ANON^X7".to_owned()),
    ]
}

/// The regions cleaned: the text, an overlapping one, one cut by the
/// frame's edge and an empty one.
fn regions() -> Vec<Region> {
    let (w, h) = text_size("DOE^JANE", 2);
    vec![
        rect(9, 7, w + 6, h + 6),
        rect(40, 15, 20, 20),
        rect(100, 45, 100, 100),
        rect(5, 5, 0, 9),
    ]
}

fn inside(regions: &[Region], row: usize, column: usize) -> bool {
    regions.iter().any(|r| r.contains(row, column))
}

#[test]
fn pixels_outside_the_regions_never_change() {
    for (name, original, _) in frames() {
        for mode in modes() {
            let mut cleaned = original.clone();
            clean_frame(&mut cleaned, &regions(), &mode).unwrap();
            let mut changed_inside = 0;
            for row in 0..original.rows {
                for column in 0..original.columns {
                    for s in 0..original.samples {
                        let (a, b) = (original.get(row, column, s), cleaned.get(row, column, s));
                        if inside(&regions(), row, column) {
                            changed_inside += usize::from(a != b);
                        } else {
                            assert_eq!(a, b, "{name} {mode:?}: ({row}, {column}, {s}) changed");
                        }
                    }
                }
            }
            assert!(
                changed_inside > 500,
                "{name} {mode:?}: only {changed_inside} changed"
            );
        }
    }
}

#[test]
fn fill_uses_the_background() {
    for (name, original, background) in frames() {
        let mut cleaned = original.clone();
        clean_frame(&mut cleaned, &regions(), &CleanMode::Fill).unwrap();
        for r in regions() {
            let r = r.clip(cleaned.rows, cleaned.columns);
            for row in r.y..r.y + r.height {
                for column in r.x..r.x + r.width {
                    let pixel: Vec<i64> = (0..cleaned.samples)
                        .map(|s| cleaned.get(row, column, s).unwrap())
                        .collect();
                    assert_eq!(pixel, background, "{name} at ({row}, {column})");
                }
            }
        }
    }
}

/// The text's region of `frame` as one sample plane (the first).
fn text_region(frame: &Frame) -> Vec<i64> {
    let r = regions()[0];
    (r.y..r.y + r.height)
        .flat_map(|row| (r.x..r.x + r.width).map(move |column| (row, column)))
        .map(|(row, column)| frame.get(row, column, 0).unwrap())
        .collect()
}

#[test]
fn blur_leaves_no_strokes() {
    // Text on a uniform background: after the blur the region varies by
    // much less than the text's contrast, and no pixel keeps the ink.
    for (photometric, samples, ink) in [
        (Photometric::Monochrome2, 1, vec![1000]),
        (Photometric::Rgb, 3, vec![1000, 0, 1000]),
    ] {
        let mut f = Frame::new(60, 120, samples, photometric);
        f.values.fill(200);
        draw_text(&mut f, 12, 10, "DOE^JANE", 2, &ink);
        clean_frame(&mut f, &regions()[..1], &CleanMode::Blur).unwrap();
        let region = text_region(&f);
        let (lo, hi) = (region.iter().min().unwrap(), region.iter().max().unwrap());
        assert!(hi - lo < 800 / 4, "blurred region spans {lo}..{hi}");
        assert!(!region.contains(&1000));
    }
}

#[test]
fn pixelate_makes_blocks_of_eight_or_more() {
    for (name, original, _) in frames() {
        let mut cleaned = original.clone();
        clean_frame(&mut cleaned, &regions()[..1], &CleanMode::Pixelate).unwrap();
        let r = regions()[0];
        let block = (r.height / 2).max(8);
        for by in (r.y..r.y + r.height).step_by(block) {
            for bx in (r.x..r.x + r.width).step_by(block) {
                for s in 0..cleaned.samples {
                    let first = cleaned.get(by, bx, s);
                    for row in by..(by + block).min(r.y + r.height) {
                        for column in bx..(bx + block).min(r.x + r.width) {
                            assert_eq!(cleaned.get(row, column, s), first, "{name}");
                        }
                    }
                }
            }
        }
        // Each block is the mean of what was there.
        let mean = (r.y..r.y + block)
            .flat_map(|row| (r.x..r.x + block).map(move |column| (row, column)))
            .map(|(row, column)| original.get(row, column, 0).unwrap() as f64)
            .sum::<f64>()
            / (block * block) as f64;
        assert_eq!(
            cleaned.get(r.y, r.x, 0),
            Some(mean.round() as i64),
            "{name}"
        );
    }
}

#[test]
fn pseudonym_is_drawn_inside_the_region() {
    for (name, original, background) in frames() {
        let mut cleaned = original.clone();
        let mode = CleanMode::Pseudonym("ANON^X7".to_owned());
        clean_frame(&mut cleaned, &regions()[..1], &mode).unwrap();
        let r = regions()[0];
        let mut ink = 0;
        for row in r.y..r.y + r.height {
            for column in r.x..r.x + r.width {
                let pixel: Vec<i64> = (0..cleaned.samples)
                    .map(|s| cleaned.get(row, column, s).unwrap())
                    .collect();
                if pixel != background {
                    ink += 1;
                }
            }
        }
        // "ANON^X7" at the largest scale that fits the region's height
        // (scale 2 here): some of the region is ink, most background.
        assert!(ink > 100 && ink < r.area() / 2, "{name}: {ink} ink pixels");
    }
}

#[test]
fn pseudonym_fits_small_regions() {
    let mut f = Frame::new(20, 40, 1, Photometric::Monochrome2);
    f.values.fill(7);
    f.values[0] = 0;
    f.values[1] = 99;
    // Too low for any glyph: filled only.
    let low = rect(2, 2, 30, 5);
    clean_frame(&mut f, &[low], &CleanMode::Pseudonym("AB".to_owned())).unwrap();
    assert!((2..7).all(|row| (2..32).all(|c| f.get(row, c, 0) == Some(0))));
    // Too narrow for the whole text: what fits, in the foreground value.
    let narrow = rect(2, 10, 14, 9);
    clean_frame(
        &mut f,
        &[narrow],
        &CleanMode::Pseudonym("ABCDEF".to_owned()),
    )
    .unwrap();
    let ink = (10..19)
        .flat_map(|row| (2..16).map(move |c| (row, c)))
        .filter(|&(row, c)| f.get(row, c, 0) == Some(99))
        .count();
    assert!(ink > 10, "{ink}");
    assert!((0..20).all(|row| (16..40).all(|c| row < 10 || f.get(row, c, 0) != Some(99))));
}

#[test]
fn cleaned_text_is_not_found_again() {
    let mut f = Frame::new(80, 200, 1, Photometric::Monochrome2);
    f.values.fill(10);
    draw_text(&mut f, 20, 30, "DOE^JANE 1961", 2, &[240]);
    let found = detect_text(&f, &DetectOptions::default());
    assert_eq!(found.len(), 1, "{found:?}");
    for mode in modes() {
        let mut cleaned = f.clone();
        clean_frame(&mut cleaned, &found, &mode).unwrap();
        if mode != CleanMode::Pseudonym("ANON^X7".to_owned()) {
            assert!(
                detect_text(&cleaned, &DetectOptions::default()).is_empty(),
                "{mode:?}"
            );
        }
    }
}

#[test]
fn no_regions_or_empty_regions_change_nothing() {
    for (_, original, _) in frames() {
        for mode in modes() {
            let mut cleaned = original.clone();
            clean_frame(&mut cleaned, &[], &mode).unwrap();
            clean_frame(
                &mut cleaned,
                &[rect(3, 3, 0, 0), rect(500, 500, 9, 9)],
                &mode,
            )
            .unwrap();
            assert_eq!(cleaned, original);
        }
    }
}

#[test]
fn inconsistent_frames_are_refused() {
    let mut f = Frame::new(4, 4, 1, Photometric::Monochrome2);
    f.values.pop();
    let before = f.clone();
    let err = clean_frame(&mut f, &[rect(0, 0, 2, 2)], &CleanMode::Fill).unwrap_err();
    assert!(matches!(err, Error::InvalidArgument(_)), "{err}");
    assert_eq!(f, before);
    let mut empty = Frame::new(4, 4, 0, Photometric::Monochrome2);
    assert!(clean_frame(&mut empty, &[rect(0, 0, 2, 2)], &CleanMode::Blur).is_err());
}
