//! Brain extraction accuracy on synthetic heads with a known brain (built
//! from the MNI152 2009a brain in `../shared/testdata/nifti`, see
//! `support/phantom.rs`), its properties (one component, no holes, flips),
//! and the real 1 mm test head. Skips when the shared data is absent.
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "support/phantom.rs"]
mod phantom;

use std::collections::VecDeque;
use std::time::Instant;

use medanon::bet::{BetParams, Image, extract};
use ndarray::{Array3, Axis};
use phantom::{ALL, Kind, dice};

fn skip(what: &str) {
    eprintln!("SKIPPED: {what}: ../shared/testdata/nifti is absent (set MEDANON_SHARED_TESTDATA)");
}

#[test]
fn every_phantom_reaches_dice_0_95() {
    if phantom::phantom(Kind::NoisyLowRes).is_none() {
        return skip("phantom accuracy");
    }
    let mut failures = Vec::new();
    for kind in ALL {
        let p = phantom::phantom(kind).unwrap();
        let image = Image::new(p.data.view(), p.affine).unwrap();
        let start = Instant::now();
        let out = extract(&image, &BetParams::default()).unwrap();
        let d = dice(&out.mask, &p.truth);
        eprintln!(
            "{:<13} dice {d:.4}  brain {:.0} ml  truth {:.0} ml  re-runs {}  {:.2} s",
            p.name,
            out.brain_volume_ml(),
            p.truth.iter().filter(|&&t| t).count() as f64 * image.voxel_volume() / 1000.0,
            out.smoothing_passes,
            start.elapsed().as_secs_f64()
        );
        assert!(
            !out.self_intersecting,
            "{}: the final surface intersects itself",
            p.name
        );
        assert_single_component_without_holes(&out.mask, p.name);
        if d < 0.95 {
            failures.push(format!("{}: {d:.4}", p.name));
        }
    }
    assert!(failures.is_empty(), "Dice below 0.95: {failures:?}");
}

/// One 6-connected component, and every unmasked voxel reaches the grid's
/// border through unmasked voxels (an independent check of the crate's own
/// clean-up).
fn assert_single_component_without_holes(mask: &Array3<bool>, name: &str) {
    let (a, b, c) = mask.dim();
    let total = mask.iter().filter(|&&m| m).count();
    let flood = |want: bool, seeds: Vec<(usize, usize, usize)>| -> usize {
        let mut seen = Array3::from_elem((a, b, c), false);
        let mut queue: VecDeque<_> = seeds.into_iter().filter(|&s| mask[s] == want).collect();
        for &s in &queue {
            seen[s] = true;
        }
        let mut n = 0;
        while let Some((i, j, k)) = queue.pop_front() {
            n += 1;
            let mut next = |x: usize, y: usize, z: usize| {
                if mask[(x, y, z)] == want && !seen[(x, y, z)] {
                    seen[(x, y, z)] = true;
                    queue.push_back((x, y, z));
                }
            };
            if i > 0 {
                next(i - 1, j, k);
            }
            if i + 1 < a {
                next(i + 1, j, k);
            }
            if j > 0 {
                next(i, j - 1, k);
            }
            if j + 1 < b {
                next(i, j + 1, k);
            }
            if k > 0 {
                next(i, j, k - 1);
            }
            if k + 1 < c {
                next(i, j, k + 1);
            }
        }
        n
    };
    let first = mask
        .indexed_iter()
        .find(|(_, m)| **m)
        .map(|(ijk, _)| ijk)
        .expect("a brain");
    assert_eq!(
        flood(true, vec![first]),
        total,
        "{name}: the mask is not one 6-connected component"
    );
    let mut border = Vec::new();
    for ((i, j, k), _) in mask.indexed_iter() {
        if i == 0 || j == 0 || k == 0 || i + 1 == a || j + 1 == b || k + 1 == c {
            border.push((i, j, k));
        }
    }
    assert_eq!(
        flood(false, border),
        a * b * c - total,
        "{name}: the mask has holes"
    );
}

/// Reverses `axis` of the grid and changes the affine so that every voxel
/// keeps its world position: the same head, stored the other way round.
fn flip_storage(
    data: &Array3<f32>,
    affine: [[f64; 4]; 4],
    axis: usize,
) -> (Array3<f32>, [[f64; 4]; 4]) {
    let mut flipped = data.clone();
    flipped.invert_axis(Axis(axis));
    let flipped = flipped.as_standard_layout().to_owned();
    let n = data.shape()[axis] as f64 - 1.0;
    let mut a = affine;
    for row in a.iter_mut().take(3) {
        row[3] += row[axis] * n;
        row[axis] = -row[axis];
    }
    (flipped, a)
}

#[test]
fn flipping_the_storage_order_flips_the_mask() {
    let Some(p) = phantom::phantom(Kind::NoisyLowRes) else {
        return skip("flip properties");
    };
    let params = BetParams::default();
    let reference = extract(&Image::new(p.data.view(), p.affine).unwrap(), &params).unwrap();
    for axis in 0..3 {
        let (data, affine) = flip_storage(&p.data, p.affine, axis);
        let out = extract(&Image::new(data.view(), affine).unwrap(), &params).unwrap();
        let mut back = out.mask.clone();
        back.invert_axis(Axis(axis));
        let d = dice(&back.as_standard_layout().to_owned(), &reference.mask);
        eprintln!("axis {axis}: dice with the unflipped mask {d:.4}");
        assert!(d >= 0.99, "axis {axis}: {d}");
    }
}

#[test]
fn mirroring_the_head_left_right_mirrors_the_mask() {
    // Same affine, data reversed along the left-right axis: the anatomy
    // itself is mirrored in world space.
    let Some(p) = phantom::phantom(Kind::Integer) else {
        return skip("mirror property");
    };
    let params = BetParams::default();
    let reference = extract(&Image::new(p.data.view(), p.affine).unwrap(), &params).unwrap();
    let mut mirrored = p.data.clone();
    mirrored.invert_axis(Axis(0));
    let mirrored = mirrored.as_standard_layout().to_owned();
    let out = extract(&Image::new(mirrored.view(), p.affine).unwrap(), &params).unwrap();
    let mut back = out.mask.clone();
    back.invert_axis(Axis(0));
    let d = dice(&back.as_standard_layout().to_owned(), &reference.mask);
    eprintln!("mirrored: dice with the original mask {d:.4}");
    assert!(d >= 0.99, "{d}");
}

#[test]
fn integer_input_gives_the_same_brain_as_float_input() {
    let Some(p) = phantom::phantom(Kind::Integer) else {
        return skip("integer input");
    };
    let params = BetParams::default();
    let as_float = extract(&Image::new(p.data.view(), p.affine).unwrap(), &params).unwrap();
    let ints = p.data.mapv(|v| v as i16);
    let as_int = extract(&Image::new(ints.view(), p.affine).unwrap(), &params).unwrap();
    assert_eq!(as_int.mask, as_float.mask);
}

#[test]
fn the_real_head_keeps_cerebellum_and_brainstem_and_leaves_out_eyes_skull_and_neck() {
    let Some(dir) = phantom::nifti_dir() else {
        return skip("the 1 mm head");
    };
    let path = dir.join("head_t1_mean_1mm.nii.gz");
    if !path.is_file() {
        return skip("the 1 mm head");
    }
    let volume = medanon_nifti::read_volume(&path).unwrap().volume;
    let image = Image::new(volume.frame(0).unwrap(), volume.affine.0).unwrap();
    let out = extract(&image, &BetParams::default()).unwrap();
    let ml = out.brain_volume_ml();
    eprintln!("head: brain {ml:.0} ml, re-runs {}", out.smoothing_passes);
    assert!(
        (1000.0..1600.0).contains(&ml),
        "{ml} ml is not an adult brain"
    );
    // World millimetres of landmarks, read off the image.
    let inside = |xyz: [f64; 3]| {
        let v = image.to_voxel(xyz).map(|c| c.round() as usize);
        out.mask[(v[0], v[1], v[2])]
    };
    let near = |centre: [f64; 3], radius: f64| {
        let mut hits = 0;
        for dx in -10..=10 {
            for dy in -10..=10 {
                for dz in -10..=10 {
                    let d = [dx as f64, dy as f64, dz as f64].map(|c| c * radius / 10.0);
                    if d.iter().map(|c| c * c).sum::<f64>() <= radius * radius
                        && inside([centre[0] + d[0], centre[1] + d[1], centre[2] + d[2]])
                    {
                        hits += 1;
                    }
                }
            }
        }
        hits
    };
    for cerebellum in [[-25.0, -60.0, -35.0], [25.0, -60.0, -35.0]] {
        assert!(inside(cerebellum), "cerebellum at {cerebellum:?} left out");
    }
    assert!(inside([0.0, -18.0, -25.0]), "brainstem (pons) left out");
    for eye in [[-30.0, 75.0, -28.0], [30.0, 75.0, -28.0]] {
        assert_eq!(near(eye, 12.0), 0, "eye at {eye:?} in the brain");
    }
    // Neck and skull: nothing below the foramen magnum's level, nothing in
    // the top 8 mm of the head (its top is at z = 80 mm).
    let mut lowest = f64::INFINITY;
    let mut highest = f64::NEG_INFINITY;
    for ((i, j, k), &m) in out.mask.indexed_iter() {
        if m {
            let z = image.to_world([i as f64, j as f64, k as f64])[2];
            lowest = lowest.min(z);
            highest = highest.max(z);
        }
    }
    eprintln!("head: brain from z = {lowest:.1} to {highest:.1} mm");
    assert!(
        lowest > -75.0,
        "the brain reaches z = {lowest} mm: into the neck"
    );
    assert!(
        highest < 72.0,
        "the brain reaches z = {highest} mm: into the skull"
    );
}
