#![allow(clippy::unwrap_used, clippy::expect_used)]

use ndarray::{Array1, Array3};

use super::*;

/// A deterministic pseudo-random sequence in [0, 1).
fn lcg(seed: &mut u64) -> f64 {
    *seed = seed
        .wrapping_mul(6_364_136_223_846_793_005)
        .wrapping_add(1_442_695_040_888_963_407);
    (*seed >> 11) as f64 / (1u64 << 53) as f64
}

/// The definition of [`robust_range`], by sorting.
fn by_sorting(values: &[f32], low: f64, high: f64) -> Option<(f32, f32)> {
    let mut kept: Vec<f32> = values
        .iter()
        .copied()
        .filter(|v| *v != 0.0 && v.is_finite())
        .collect();
    if kept.is_empty() {
        return None;
    }
    kept.sort_by(f32::total_cmp);
    let n = kept.len();
    let at = |p: f64| kept[((p / 100.0 * (n - 1) as f64).round() as usize).min(n - 1)];
    Some((at(low), at(high)))
}

#[test]
fn robust_range_matches_the_sorted_definition() {
    let mut seed = 7;
    let mut values: Vec<f32> = (0..20_000)
        .map(|i| match i % 10 {
            0..3 => 0.0,
            3 => f32::NAN,
            _ => (lcg(&mut seed) * lcg(&mut seed) * 3000.0) as f32 - 20.0,
        })
        .collect();
    values.push(1e9); // an outlier crowding everything into the first bins
    values.push(f32::INFINITY);
    let data = Array1::from(values.clone());
    for (low, high) in [
        (0.5, 99.5),
        (0.0, 100.0),
        (2.0, 98.0),
        (50.0, 50.0),
        (99.9, 0.1),
    ] {
        let got = robust_range(data.view(), low, high).unwrap();
        let want = by_sorting(&values, low.min(high), high.max(low)).unwrap();
        assert_eq!(got, want, "percentiles {low}–{high}");
    }
    let small: Vec<f32> = (1..=200).map(|v| v as f32).collect();
    let got = robust_range(Array1::from(small).view(), 0.5, 99.5).unwrap();
    assert_eq!(got, (2.0, 199.0), "rank round(0.005 × 199) = 1");
    assert_eq!(
        robust_range(Array1::from(vec![0.0f32; 5]).view(), 1.0, 99.0),
        None
    );
    assert_eq!(
        robust_range(Array1::from(vec![0.0, 4.0, 4.0]).view(), 1.0, 99.0),
        Some((4.0, 4.0))
    );
}

#[test]
fn percentile_window_maps_the_percentiles_to_black_and_white() {
    let mut seed = 3;
    let volume = Array3::from_shape_fn((40, 30, 20), |(i, j, k)| {
        if i < 5 {
            0.0
        } else {
            (lcg(&mut seed).powi(3) * 1000.0 + (j + k) as f64) as f32
        }
    });
    let (lo, hi) = robust_range(volume.view(), 0.5, 99.5).unwrap();
    assert!(lo < hi);
    assert_eq!(apply_window(lo, lo, hi), 0);
    assert_eq!(apply_window(hi, lo, hi), 255);
    assert_eq!(apply_window((lo + hi) / 2.0, lo, hi), 128);
    let nonzero: Vec<f32> = volume.iter().copied().filter(|&v| v != 0.0).collect();
    let n = nonzero.len() as f64;
    let share = |f: &dyn Fn(f32) -> bool| nonzero.iter().filter(|&&v| f(v)).count() as f64 / n;
    // 0.5 % of the voxels are at or below `lo`, and 0.5 % at or above `hi`.
    let slack = 1.0 / n;
    assert!(share(&|v| v < lo) <= 0.005 + slack && share(&|v| v <= lo) >= 0.005 - slack);
    assert!(share(&|v| v > hi) <= 0.005 + slack && share(&|v| v >= hi) >= 0.005 - slack);
    for &v in &nonzero {
        if v <= lo {
            assert_eq!(apply_window(v, lo, hi), 0);
        }
        if v >= hi {
            assert_eq!(apply_window(v, lo, hi), 255);
        }
    }
    assert_eq!(apply_window(f32::NAN, lo, hi), 0);
    assert_eq!(apply_window(5.0, 5.0, 5.0), 255);
    assert_eq!(apply_window(4.0, 5.0, 5.0), 0);
}

/// A skewed 8-bit image with many levels: a dark ramp with bright spots.
fn skewed(width: usize, height: usize) -> Vec<u8> {
    let mut seed = 11;
    (0..width * height)
        .map(|i| {
            let (x, y) = (i % width, i / width);
            let base = lcg(&mut seed).powi(3) * 120.0 + (x as f64 / width as f64) * 40.0;
            let spot = if (x / 16 + y / 16) % 5 == 0 {
                90.0
            } else {
                0.0
            };
            (base + spot).min(255.0) as u8
        })
        .collect()
}

#[test]
fn equalization_flattens_the_histogram() {
    let pixels = skewed(256, 256);
    let out = equalize(&pixels);
    let n = out.len() as f64;
    let mut hist = [0usize; 256];
    for &p in &out {
        hist[usize::from(p)] += 1;
    }
    let mut cdf = 0;
    let mut worst: f64 = 0.0;
    for (level, &count) in hist.iter().enumerate() {
        cdf += count;
        worst = worst.max((cdf as f64 / n - (level + 1) as f64 / 256.0).abs());
    }
    assert!(worst < 0.05, "CDF departs from a line by {worst}");
    // The input was far from flat.
    let mut hist_in = [0usize; 256];
    for &p in &pixels {
        hist_in[usize::from(p)] += 1;
    }
    let below_64 = hist_in[..64].iter().sum::<usize>() as f64 / n;
    assert!(below_64 > 0.5, "{below_64}");
    // Monotone, and the darkest level stays black.
    let min_in = *pixels.iter().min().unwrap();
    for (a, b) in pixels.iter().zip(&out) {
        if *a == min_in {
            assert_eq!(*b, 0);
        }
    }
    assert_eq!(equalize(&[7; 10]), vec![7; 10]);
    assert_eq!(equalize(&pixels), out, "deterministic");
}

#[test]
fn a_lower_clip_limit_changes_the_image_less() {
    let pixels = skewed(256, 128);
    let change = |clip: f32| {
        let out = clahe(&pixels, 256, 128, clip, 4).unwrap();
        let total: u64 = pixels
            .iter()
            .zip(&out)
            .map(|(a, b)| u64::from(a.abs_diff(*b)))
            .sum();
        total as f64 / pixels.len() as f64
    };
    let changes: Vec<f64> = [1.0, 2.0, 4.0, 0.0].into_iter().map(change).collect();
    for pair in changes.windows(2) {
        assert!(
            pair[0] < pair[1],
            "mean change by clip 1, 2, 4, none: {changes:?}"
        );
    }
    // An image whose tiles already have flat histograms is left as it is.
    let flat: Vec<u8> = (0..256 * 128)
        .map(|i| ((2 * (i % 256) + i / 256) % 256) as u8)
        .collect();
    let out = clahe(&flat, 256, 128, 1.0, 2).unwrap();
    let worst = flat
        .iter()
        .zip(&out)
        .map(|(a, b)| a.abs_diff(*b))
        .max()
        .unwrap();
    assert!(worst <= 2, "flat histogram moved by {worst}");
}

#[test]
fn clahe_respects_the_clip_limit() {
    let mut seed = 5;
    for clip in [1.5f32, 2.0, 3.0, 8.0] {
        for area in [64 * 64, 40 * 25] {
            let mut hist = [0usize; 256];
            for _ in 0..area {
                let level = (lcg(&mut seed).powi(4) * 255.0) as usize;
                hist[level] += 1;
            }
            let lut = tile_lut(hist, area, clip);
            let limit = clip_count(area, clip).unwrap();
            // After clipping each level holds at most limit + excess / 256 + 1
            // counts, so the mapping's slope is bounded.
            let max_step =
                ((limit + area / 256 + 1) as f64 * 255.0 / area as f64).ceil() as i32 + 1;
            for v in 1..256 {
                let step = i32::from(lut[v]) - i32::from(lut[v - 1]);
                assert!(
                    (0..=max_step).contains(&step),
                    "clip {clip} area {area} level {v}: step {step} > {max_step}"
                );
            }
            // Without the limit the densest level would jump much further.
            let free = tile_lut(hist, area, 0.0);
            let free_max = (1..256)
                .map(|v| i32::from(free[v]) - i32::from(free[v - 1]))
                .max()
                .unwrap();
            assert!(
                free_max > max_step,
                "clip {clip}: unclipped {free_max} vs {max_step}"
            );
        }
    }
    assert_eq!(clip_count(1000, 0.0), None);
    assert_eq!(
        clip_count(100, 0.5),
        Some(1),
        "at least one count per level"
    );
}

#[test]
fn clahe_is_local_deterministic_and_checks_its_arguments() {
    let (w, h) = (200, 150);
    let pixels = skewed(w, h);
    let out = clahe(&pixels, w, h, 3.0, 8).unwrap();
    assert_eq!(out.len(), pixels.len());
    assert_eq!(clahe(&pixels, w, h, 3.0, 8).unwrap(), out, "deterministic");
    let global = equalize(&pixels);
    let differing = out
        .iter()
        .zip(&global)
        .filter(|(a, b)| a.abs_diff(**b) > 8)
        .count();
    assert!(
        differing > pixels.len() / 10,
        "only {differing} pixels differ from global equalization"
    );
    // Local: a dim half and a bright half both get the full range.
    let halves: Vec<u8> = (0..w * h)
        .map(|i| {
            let (x, y) = (i % w, i / w);
            let wobble = ((x * 7 + y * 13) % 20) as u8;
            if x < w / 2 { 10 + wobble } else { 200 + wobble }
        })
        .collect();
    let out = clahe(&halves, w, h, 4.0, 4).unwrap();
    let spread = |range: std::ops::Range<usize>| {
        let values: Vec<u8> = (0..h)
            .flat_map(|y| range.clone().map(move |x| y * w + x))
            .map(|i| out[i])
            .collect();
        values.iter().max().unwrap() - values.iter().min().unwrap()
    };
    // Both halves span 19 levels in the input.
    assert!(
        spread(0..w / 4) > 60,
        "dim half stretched: {}",
        spread(0..w / 4)
    );
    assert!(
        spread(3 * w / 4..w) > 60,
        "bright half stretched: {}",
        spread(3 * w / 4..w)
    );
    // A single pixel and a tile grid larger than the image still work.
    assert_eq!(clahe(&[9], 1, 1, 2.0, 8).unwrap().len(), 1);
    assert!(clahe(&pixels, w, h + 1, 2.0, 8).is_err());
    assert!(clahe(&pixels, w, h, 2.0, 0).is_err());
    assert!(clahe(&pixels, w, h, f32::NAN, 8).is_err());
}

#[test]
fn tile_interpolation_weights_are_continuous() {
    let bounds = [0, 10, 20, 30];
    let weights = interpolation_weights(&bounds, 30);
    assert_eq!(weights[0], (0, 0, 0.0));
    assert_eq!(weights[29], (2, 2, 0.0));
    // Pixel 4.5 is the first centre; 14.5 the second.
    assert_eq!(weights[5].0, 0);
    assert!((weights[5].2 - 0.05).abs() < 1e-6);
    assert_eq!(weights[14], (0, 1, 0.95));
    assert_eq!(weights[15].0, 1);
}
