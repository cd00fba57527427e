#![allow(clippy::unwrap_used, clippy::expect_used)]

use ndarray::Array3;

use super::*;
use crate::volume::Affine;

/// World centre and radius (mm) of the bright blob: the patient's right,
/// anterior, superior octant of a 64 mm field centred on the origin.
const BLOB: [f64; 3] = [16.0, 16.0, 16.0];
const RADIUS: f64 = 9.0;

/// A volume of `shape` whose affine has the linear part `linear` (columns
/// are voxel axes) and puts the array's centre at the world origin; voxels
/// are 100 with a 1000 blob at [`BLOB`].
fn blob_volume(linear: [[f64; 3]; 3], shape: [usize; 3]) -> Volume {
    let mut m = Affine::IDENTITY.0;
    for r in 0..3 {
        m[r][..3].copy_from_slice(&linear[r]);
        m[r][3] = -(0..3)
            .map(|c| linear[r][c] * (shape[c] as f64 - 1.0) / 2.0)
            .sum::<f64>();
    }
    let affine = Affine(m);
    let data = Array3::from_shape_fn(shape, |(i, j, k)| {
        let w = affine.apply([i as f64, j as f64, k as f64]);
        let d2: f64 = (0..3).map(|a| (w[a] - BLOB[a]).powi(2)).sum();
        if d2 <= RADIUS * RADIUS { 1000.0 } else { 100.0 }
    });
    Volume::from_3d(data, affine)
}

/// The voxel nearest to the blob centre.
fn blob_voxel(volume: &Volume) -> [usize; 3] {
    let ijk = volume.affine.inverse().unwrap().apply(BLOB);
    std::array::from_fn(|a| (ijk[a].round() as usize).min(volume.shape3()[a] - 1))
}

fn diag(s: [f64; 3]) -> [[f64; 3]; 3] {
    [[s[0], 0.0, 0.0], [0.0, s[1], 0.0], [0.0, 0.0, s[2]]]
}

fn rotation_z(degrees: f64) -> [[f64; 3]; 3] {
    let (s, c) = degrees.to_radians().sin_cos();
    [[c, -s, 0.0], [s, c, 0.0], [0.0, 0.0, 1.0]]
}

/// A way to store the anatomy: name, affine linear part, shape.
type Layout = (&'static str, [[f64; 3]; 3], [usize; 3]);

/// The same anatomy stored in several ways.
fn layouts() -> Vec<Layout> {
    vec![
        ("RAS 1 mm", diag([1.0, 1.0, 1.0]), [64, 64, 64]),
        ("LAS", diag([-1.0, 1.0, 1.0]), [64, 64, 64]),
        ("LPI 2 mm", diag([-2.0, -2.0, -2.0]), [32, 32, 32]),
        // i → posterior (1 mm), j → superior (2 mm), k → left (1.6 mm).
        (
            "PSL",
            [[0.0, 0.0, -1.6], [-1.0, 0.0, 0.0], [0.0, 2.0, 0.0]],
            [64, 32, 40],
        ),
        ("oblique 10°", rotation_z(10.0), [64, 64, 64]),
        ("anisotropic 1×1×3", diag([1.0, 1.0, 3.0]), [64, 64, 22]),
    ]
}

fn opts() -> ViewOptions {
    ViewOptions::default().with_labels(false).with_min_size(0)
}

/// Mean gray level of the four quadrants: [top-left, top-right,
/// bottom-left, bottom-right].
fn quadrants(image: &Image) -> [f64; 4] {
    let (w, h) = (image.width, image.height);
    let mean = |xs: std::ops::Range<usize>, ys: std::ops::Range<usize>| {
        let n = (xs.len() * ys.len()) as f64;
        let sum: f64 = ys
            .flat_map(|y| xs.clone().map(move |x| (x, y)))
            .map(|(x, y)| f64::from(image.value(x, y)))
            .sum();
        sum / n
    };
    [
        mean(0..w / 2, 0..h / 2),
        mean(w / 2..w, 0..h / 2),
        mean(0..w / 2, h / 2..h),
        mean(w / 2..w, h / 2..h),
    ]
}

#[test]
fn the_blob_is_top_right_and_round_in_every_view_whatever_the_storage() {
    for (name, linear, shape) in layouts() {
        let volume = blob_volume(linear, shape);
        let o = opts().with_slice(blob_voxel(&volume));
        let sizes = volume.voxel_size();
        let pixel = sizes.iter().copied().fold(f64::INFINITY, f64::min);
        let orientation = Orientation::from_affine(&volume.affine);
        let canon_shape = orientation.canonical_shape(shape);
        let canon_sizes = orientation.source_axes().map(|a| sizes[a]);
        let extent = |w: usize| (canon_shape[w] as f64 * canon_sizes[w] / pixel).round() as usize;
        for plane in Plane::ALL {
            let image = render_plane(&volume, plane, &o).unwrap();
            let q = quadrants(&image);
            // Axial: right = patient's right, top = anterior. Coronal: right =
            // patient's right, top = superior. Sagittal: right = anterior,
            // top = superior. The blob is right, anterior and superior.
            assert!(q[1] > 40.0, "{name} {plane:?}: top-right mean {q:?}");
            for (i, &m) in q.iter().enumerate().filter(|&(i, _)| i != 1) {
                assert!(m < 2.0, "{name} {plane:?}: quadrant {i} mean {m} ({q:?})");
            }

            // Square pixels: the view spans the physical extent.
            let (_, u, v) = plane.axes();
            assert_eq!(
                (image.width, image.height),
                (extent(u), extent(v)),
                "{name} {plane:?}"
            );
            // The blob is a sphere: its section is as wide as it is tall.
            let bright: Vec<(usize, usize)> = (0..image.height)
                .flat_map(|y| (0..image.width).map(move |x| (x, y)))
                .filter(|&(x, y)| image.value(x, y) > 128)
                .collect();
            let span = |f: fn(&(usize, usize)) -> usize| {
                bright.iter().map(f).max().unwrap() - bright.iter().map(f).min().unwrap()
            };
            let (bw, bh) = (span(|p| p.0) as f64, span(|p| p.1) as f64);
            let mm = |px: f64| px * pixel;
            // Coarse voxels cut the sphere unevenly: allow two voxels.
            let slack = 2.0 * canon_sizes[u].max(canon_sizes[v]) + 0.5;
            assert!(
                (mm(bw) - mm(bh)).abs() <= slack,
                "{name} {plane:?}: blob {bw}×{bh} px"
            );
            assert!(
                mm(bw) > 2.0 * RADIUS * 0.7,
                "{name} {plane:?}: blob {bw} px wide"
            );
        }
    }
}

#[test]
fn montage_comparison_and_frames() {
    let volume = blob_volume(diag([-1.0, 1.0, 3.0]), [64, 64, 22]);
    let o = opts().with_slice(blob_voxel(&volume));
    let views: Vec<Image> = Plane::ALL
        .iter()
        .map(|&p| render_plane(&volume, p, &o).unwrap())
        .collect();
    let montage = render_montage(&volume, &o).unwrap();
    let widths: usize = views.iter().map(|v| v.width).sum();
    assert_eq!(montage.width, widths + 2 * GAP);
    assert_eq!(
        montage.height,
        views.iter().map(|v| v.height).max().unwrap()
    );
    assert_eq!(montage.channels, 1);
    // The axial view sits at the left, vertically centred.
    let dy = (montage.height - views[0].height) / 2;
    assert_eq!(montage.value(50, dy + 10), views[0].value(50, 10));

    let clahe_opts = o.clone().with_enhance(Enhance::CLAHE);
    let both = render_comparison(&volume, &clahe_opts).unwrap();
    assert_eq!(both.height, 2 * montage.height + GAP);
    let top = Image {
        width: montage.width,
        height: montage.height,
        channels: 1,
        pixels: both.pixels[..montage.pixels.len()].to_vec(),
    };
    assert_eq!(top, montage, "top row is the percentile window");
    let bottom = render_montage(&volume, &clahe_opts).unwrap();
    let offset = (montage.height + GAP) * montage.width;
    assert_eq!(&both.pixels[offset..], &bottom.pixels[..]);
    assert_ne!(bottom, montage);
    assert_eq!(
        render_comparison(&volume, &clahe_opts).unwrap(),
        both,
        "deterministic"
    );

    // A second time point with the blob moved to the left: frame 1 shows it.
    let mut moved = volume.clone();
    let mut second = volume.data.clone();
    second.invert_axis(ndarray::Axis(0));
    moved.data =
        ndarray::concatenate(ndarray::Axis(3), &[volume.data.view(), second.view()]).unwrap();
    moved.ndim = 4;
    let mut slice = blob_voxel(&volume);
    slice[0] = 63 - slice[0];
    let axial = render_plane(
        &moved,
        Plane::Axial,
        &o.clone().with_frame(1).with_slice(slice),
    )
    .unwrap();
    let q = quadrants(&axial);
    assert!(q[0] > 40.0 && q[1] < 2.0, "frame 1: {q:?}");
    assert!(render_plane(&moved, Plane::Axial, &o.clone().with_frame(2)).is_err());
}

#[test]
fn every_enhancement_renders_and_bad_arguments_fail() {
    let volume = blob_volume(diag([1.0, 1.0, 1.0]), [40, 40, 40]);
    for enhance in [
        Enhance::None,
        Enhance::Percentile,
        Enhance::Equalize,
        Enhance::CLAHE,
    ] {
        let o = opts().with_enhance(enhance);
        let a = render_montage(&volume, &o).unwrap();
        assert_eq!(
            a,
            render_montage(&volume, &o).unwrap(),
            "{enhance:?} deterministic"
        );
    }
    let o = opts();
    assert!(render_plane(&volume, Plane::Axial, &o.clone().with_slice([40, 0, 0])).is_err());
    let bad = Enhance::Clahe {
        clip: 2.0,
        tiles: 0,
    };
    assert!(render_plane(&volume, Plane::Axial, &o.clone().with_enhance(bad)).is_err());
    let empty = Volume::from_3d(Array3::zeros((0, 3, 3)), Affine::IDENTITY);
    assert!(render_montage(&empty, &o).is_err());
    // All zero: black, no panic.
    let zeros = Volume::from_3d(Array3::zeros((5, 5, 5)), Affine::IDENTITY);
    let image = render_montage(&zeros, &o).unwrap();
    assert!(image.pixels.iter().all(|&p| p == 0));
}

#[test]
fn view_sizes_are_bounded_both_ways() {
    let small = blob_volume(diag([4.0, 4.0, 8.0]), [16, 16, 8]);
    let image = render_plane(&small, Plane::Coronal, &ViewOptions::default()).unwrap();
    assert_eq!(
        image.width.max(image.height),
        128,
        "magnified to the minimum size"
    );
    assert_eq!(image.width, image.height, "64 mm × 64 mm");
    let thin = Volume::from_3d(
        Array3::ones((10, 100, 100)),
        Affine::scaling([0.01, 1.0, 1.0]),
    );
    let image = render_plane(&thin, Plane::Coronal, &opts()).unwrap();
    assert_eq!(image.height, 4096);
    assert!(image.width >= 1 && image.width < 10);
}

#[test]
fn letters_mark_the_sides() {
    // The axial centre slice (k = 1) is black, but for the letters.
    let data = Array3::from_shape_fn((160, 160, 3), |(i, j, k)| {
        if i < 10 && j < 10 && k == 0 {
            1000.0
        } else {
            0.0
        }
    });
    let volume = Volume::from_3d(data, Affine::scaling([-1.0, 1.0, 1.0]));
    let plain = render_plane(&volume, Plane::Axial, &opts()).unwrap();
    let labelled = render_plane(&volume, Plane::Axial, &opts().with_labels(true)).unwrap();
    let (w, h) = (labelled.width, labelled.height);
    // Scale 2: glyphs of 10×14 pixels, 2 pixels from the edge.
    let check = |letter: char, x0: usize, y0: usize| {
        let rows = glyph(letter);
        for y in 0..14 {
            for x in 0..10 {
                let on = rows[y / 2] & (0x10 >> (x / 2)) != 0;
                let v = labelled.value(x0 + x, y0 + y);
                assert_eq!(v == 255, on, "{letter} at ({x}, {y}): {v}");
            }
        }
    };
    check('L', 2, (h - 14) / 2);
    check('R', w - 12, (h - 14) / 2);
    check('A', (w - 10) / 2, 2);
    check('P', (w - 10) / 2, h - 16);
    let changed = plain
        .pixels
        .iter()
        .zip(&labelled.pixels)
        .filter(|(a, b)| a != b)
        .count();
    assert!(changed < w * h / 20, "letters stay small: {changed} pixels");
    let tiny = Volume::from_3d(Array3::ones((8, 8, 8)), Affine::IDENTITY);
    let o = opts().with_labels(true);
    assert!(
        render_plane(&tiny, Plane::Axial, &o)
            .unwrap()
            .pixels
            .iter()
            .all(|&p| p == 255)
    );
}

#[test]
fn overlay_fills_and_outlines_the_mask() {
    let volume = blob_volume(diag([1.0, -1.0, 1.0]), [64, 64, 64]);
    let mask = volume
        .data
        .index_axis(ndarray::Axis(3), 0)
        .mapv(|v| v > 500.0);
    let o = opts().with_slice(blob_voxel(&volume));
    let style = OverlayStyle {
        color: [0, 255, 0],
        fill: 0.5,
        outline: true,
    };
    let plain = render_montage(&volume, &o).unwrap();
    let over = render_montage_with_overlay(&volume, mask.view(), style, &o).unwrap();
    assert_eq!(
        (over.width, over.height, over.channels),
        (plain.width, plain.height, 3)
    );
    let (mut outline, mut filled, mut same) = (0, 0, 0);
    for y in 0..plain.height {
        for x in 0..plain.width {
            let g = plain.value(x, y);
            match over.pixel(x, y).unwrap() {
                [0, 255, 0] => outline += 1,
                [r, gr, b]
                    if *r == *b && *r == ((f32::from(g) * 0.5).round() as u8) && *gr > *r =>
                {
                    filled += 1;
                }
                [r, gr, b] if (*r, *gr, *b) == (g, g, g) => same += 1,
                other => panic!("pixel ({x}, {y}) {other:?} over gray {g}"),
            }
        }
    }
    assert!(
        outline > 50 && filled > 3 * outline / 2,
        "{outline} outline, {filled} filled"
    );
    assert_eq!(outline + filled + same, plain.width * plain.height);
    let wrong = ndarray::Array3::from_elem((64, 64, 63), false);
    assert!(render_montage_with_overlay(&volume, wrong.view(), style, &o).is_err());
}
