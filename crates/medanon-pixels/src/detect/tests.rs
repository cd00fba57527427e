#![allow(clippy::unwrap_used)]

use super::*;
use crate::font::{draw_text, text_size};
use crate::frame::Photometric;

/// A small xorshift generator (Marsaglia 2003), seeded.
struct Rng(u64);

impl Rng {
    fn below(&mut self, n: i64) -> i64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        (self.0 % n as u64) as i64
    }
}

fn filled(rows: usize, columns: usize, pixel: &[i64], photometric: Photometric) -> Frame {
    let mut f = Frame::new(rows, columns, pixel.len(), photometric);
    for p in f.values.chunks_exact_mut(pixel.len()) {
        p.copy_from_slice(pixel);
    }
    f
}

/// The bounding box of the ink of `text` drawn at (`x`, `y`), `scale`.
fn ink(x: usize, y: usize, text: &str, scale: usize) -> Region {
    let (w, h) = text_size(text, scale);
    let mut f = Frame::new(h, w, 1, Photometric::Monochrome2);
    draw_text(&mut f, 0, 0, text, scale, &[1]);
    let set: Vec<(usize, usize)> = (0..h)
        .flat_map(|r| (0..w).map(move |c| (r, c)))
        .filter(|&(r, c)| f.get(r, c, 0) == Some(1))
        .collect();
    let x0 = set.iter().map(|p| p.1).min().unwrap();
    let x1 = set.iter().map(|p| p.1).max().unwrap();
    let y0 = set.iter().map(|p| p.0).min().unwrap();
    let y1 = set.iter().map(|p| p.0).max().unwrap();
    Region {
        x: x + x0,
        y: y + y0,
        width: x1 - x0 + 1,
        height: y1 - y0 + 1,
    }
}

/// Whether one of `regions` covers the ink of `text` drawn at (`x`, `y`),
/// `scale`, reaching at most `slack` pixels beyond it.
fn covers(regions: &[Region], x: usize, y: usize, text: &str, scale: usize, slack: usize) -> bool {
    let b = ink(x, y, text, scale);
    regions.iter().any(|r| {
        let inside = r.x <= b.x
            && r.y <= b.y
            && r.x + r.width >= b.x + b.width
            && r.y + r.height >= b.y + b.height;
        let tight = r.x + slack >= b.x
            && r.y + slack >= b.y
            && r.x + r.width <= b.x + b.width + slack
            && r.y + r.height <= b.y + b.height + slack;
        inside && tight
    })
}

#[test]
fn finds_text_at_every_scale_and_depth() {
    let opts = DetectOptions::default();
    let cases: [(&[i64], &[i64], Photometric); 5] = [
        (&[0], &[255], Photometric::Monochrome2),
        (&[1000], &[3000], Photometric::Monochrome2),
        (&[-1024], &[-3000], Photometric::Monochrome2),
        (&[4000], &[0], Photometric::Monochrome1),
        (&[30, 30, 30], &[30, 220, 30], Photometric::Rgb),
    ];
    for (background, ink, photometric) in cases {
        for scale in 1..=4 {
            let mut f = filled(120, 400, background, photometric.clone());
            let text = "DOE^JOHN 1961";
            draw_text(&mut f, 17, 30, text, scale, ink);
            let found = detect_text(&f, &opts);
            assert!(
                covers(&found, 17, 30, text, scale, opts.margin),
                "{background:?} {ink:?} scale {scale}: {found:?}"
            );
            assert_eq!(found.len(), 1, "{found:?}");
        }
    }
}

#[test]
fn finds_text_over_noise() {
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    let mut f = Frame::new(100, 300, 1, Photometric::Monochrome2);
    for v in &mut f.values {
        *v = 1000 + rng.below(200);
    }
    draw_text(&mut f, 20, 40, "ID 12345678", 2, &[1700]);
    let found = detect_text(&f, &DetectOptions::default());
    // The line may reach over noise beside it.
    assert!(covers(&found, 20, 40, "ID 12345678", 2, 20), "{found:?}");
}

#[test]
fn finds_nothing_without_text() {
    let opts = DetectOptions::default();
    // Uniform, a smooth gradient, noise, a bright disc, thin lines.
    let uniform = filled(64, 64, &[7], Photometric::Monochrome2);
    let mut gradient = Frame::new(100, 200, 1, Photometric::Monochrome2);
    let mut noise = gradient.clone();
    let mut disc = gradient.clone();
    let mut lines = gradient.clone();
    let mut rng = Rng(0x2545_f491_4f6c_dd1d);
    for r in 0..100 {
        for c in 0..200 {
            gradient.set(r, c, 0, (r * 3 + c * 2) as i64);
            noise.set(r, c, 0, rng.below(4096));
            let d = (r as f64 - 50.0).hypot(c as f64 - 100.0);
            disc.set(r, c, 0, if d < 30.0 { 900 } else { 100 });
            lines.set(r, c, 0, if r % 20 == 0 || c % 50 == 0 { 255 } else { 0 });
        }
    }
    for (name, f) in [
        ("uniform", uniform),
        ("gradient", gradient),
        ("noise", noise),
        ("disc", disc),
        ("lines", lines),
    ] {
        assert_eq!(detect_text(&f, &opts), Vec::new(), "{name}");
    }
}

#[test]
fn inconsistent_or_tiny_frames_give_nothing() {
    let opts = DetectOptions::default();
    let mut f = Frame::new(10, 10, 1, Photometric::Monochrome2);
    f.values.pop();
    assert!(detect_text(&f, &opts).is_empty());
    assert!(detect_text(&Frame::new(0, 0, 1, Photometric::Monochrome2), &opts).is_empty());
    assert!(detect_text(&Frame::new(3, 2, 3, Photometric::Rgb), &opts).is_empty());
}

#[test]
fn regions_stay_inside_the_frame() {
    // Text against the frame's edges: the margin is clipped.
    let mut f = filled(20, 100, &[0], Photometric::Monochrome2);
    draw_text(&mut f, 0, 0, "ABCDEFGHIJKLMNOP", 1, &[200]);
    draw_text(&mut f, 5, 13, "QRSTUVWXYZ", 1, &[200]);
    let found = detect_text(&f, &DetectOptions::default());
    assert!(!found.is_empty());
    for r in &found {
        assert!(r.x + r.width <= 100 && r.y + r.height <= 20, "{r:?}");
    }
}

#[test]
fn options_bound_the_height() {
    let mut f = filled(200, 600, &[0], Photometric::Monochrome2);
    draw_text(&mut f, 10, 10, "SMALL TEXT", 1, &[255]);
    draw_text(&mut f, 10, 60, "LARGE TEXT", 6, &[255]);
    // Default: 5 to 40 pixels; the 42-pixel text is left out.
    let found = detect_text(&f, &DetectOptions::default());
    assert!(covers(&found, 10, 10, "SMALL TEXT", 1, 4), "{found:?}");
    assert!(found.iter().all(|r| r.y < 40), "{found:?}");
    let tall = DetectOptions {
        max_height: 60,
        ..DetectOptions::default()
    };
    let found = detect_text(&f, &tall);
    assert!(covers(&found, 10, 60, "LARGE TEXT", 6, 4), "{found:?}");
}

#[test]
fn running_extremes_match_a_naive_filter() {
    let mut rng = Rng(7);
    let (w, h) = (23, 17);
    let plane: Vec<f32> = (0..w * h).map(|_| rng.below(1000) as f32).collect();
    for r in [1, 2, 5, 30] {
        for max in [false, true] {
            let fast = filter_2d(&plane, w, h, r, max);
            for y in 0..h {
                for x in 0..w {
                    let mut best = if max { f32::MIN } else { f32::MAX };
                    for yy in y.saturating_sub(r)..=(y + r).min(h - 1) {
                        for xx in x.saturating_sub(r)..=(x + r).min(w - 1) {
                            let v = plane[yy * w + xx];
                            best = if max { best.max(v) } else { best.min(v) };
                        }
                    }
                    assert_eq!(fast[y * w + x], best, "r {r} max {max} at ({x}, {y})");
                }
            }
        }
    }
}

#[test]
fn overlapping_regions_merge() {
    let mut regions = vec![
        Region {
            x: 0,
            y: 0,
            width: 10,
            height: 10,
        },
        Region {
            x: 20,
            y: 0,
            width: 5,
            height: 5,
        },
        Region {
            x: 5,
            y: 5,
            width: 20,
            height: 2,
        },
        Region {
            x: 50,
            y: 50,
            width: 1,
            height: 1,
        },
    ];
    merge_overlapping(&mut regions);
    assert_eq!(
        regions,
        vec![
            Region {
                x: 0,
                y: 0,
                width: 25,
                height: 10
            },
            Region {
                x: 50,
                y: 50,
                width: 1,
                height: 1
            },
        ]
    );
}
