//! The whole extraction on a synthetic head with a known brain: accuracy,
//! parameters (f, g, skull, robust centre), geometry handling and errors.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use medanon_bet::{BetParams, Error, Image, extract};
use ndarray::Array3;

const VOXEL: f64 = 2.0;
const SHAPE: (usize, usize, usize) = (90, 110, 90);

/// The brain: an ellipsoid (mm) centred in the grid.
fn brain_distance(p: [f64; 3]) -> f64 {
    let r = [62.0, 78.0, 55.0];
    let q: f64 = (0..3).map(|a| (p[a] / r[a]).powi(2)).sum::<f64>().sqrt();
    // Approximate distance (mm) from the ellipsoid's surface, negative inside.
    (q - 1.0) * 60.0
}

fn centre_mm() -> [f64; 3] {
    [SHAPE.0 as f64, SHAPE.1 as f64, SHAPE.2 as f64].map(|n| (n - 1.0) * VOXEL / 2.0)
}

/// A T1-like head: brain (white matter 1000 with grey matter 750 in a
/// 4 mm rim and in islands inside, so that the median is between the two
/// as in real heads), CSF 150, skull 40, scalp 700, air; small noise.
fn head() -> (Array3<f32>, Array3<bool>) {
    let c = centre_mm();
    let mut seed = 0x2545_f491_4f6c_dd1du64;
    let mut noise = move || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        (seed % 1000) as f32 / 1000.0 - 0.5
    };
    let mut truth = Array3::from_elem(SHAPE, false);
    let data = Array3::from_shape_fn(SHAPE, |(i, j, k)| {
        let p = [
            i as f64 * VOXEL - c[0],
            j as f64 * VOXEL - c[1],
            k as f64 * VOXEL - c[2],
        ];
        let d = brain_distance(p);
        let islands = (p[0] * 0.21).sin() * (p[1] * 0.17).cos() * (p[2] * 0.19).sin() > 0.0;
        let v = if d < -4.0 {
            if islands { 750.0 } else { 1000.0 }
        } else if d < 0.0 {
            750.0
        } else if d < 3.0 {
            150.0
        } else if d < 9.0 {
            40.0
        } else if d < 16.0 {
            700.0
        } else {
            0.0
        };
        (v as f32 + 30.0 * noise()).max(0.0)
    });
    for ((i, j, k), t) in truth.indexed_iter_mut() {
        let p = [
            i as f64 * VOXEL - c[0],
            j as f64 * VOXEL - c[1],
            k as f64 * VOXEL - c[2],
        ];
        *t = brain_distance(p) < 0.0;
    }
    (data, truth)
}

fn dice(a: &Array3<bool>, b: &Array3<bool>) -> f64 {
    let both = a.iter().zip(b).filter(|(x, y)| **x && **y).count();
    let (na, nb) = (
        a.iter().filter(|&&x| x).count(),
        b.iter().filter(|&&x| x).count(),
    );
    2.0 * both as f64 / (na + nb) as f64
}

fn count(mask: &Array3<bool>) -> usize {
    mask.iter().filter(|&&m| m).count()
}

#[test]
fn finds_the_synthetic_brain() {
    let (data, truth) = head();
    let image = Image::with_voxel_size(data.view(), [VOXEL; 3]).unwrap();
    let out = extract(&image, &BetParams::default()).unwrap();
    let d = dice(&out.mask, &truth);
    assert!(d > 0.95, "dice {d}");
    assert!(!out.self_intersecting);
    assert_eq!(out.mesh.vertices.len(), 2562);
    assert!(out.mesh.volume() > 0.0);
    // The brain image keeps brain voxels and zeroes the scalp.
    let brain = out.brain_image(data.view()).unwrap();
    let c = [SHAPE.0 / 2, SHAPE.1 / 2, SHAPE.2 / 2];
    assert_eq!(brain[c], data[c]);
    let scalp = [
        SHAPE.0 / 2,
        SHAPE.1 / 2,
        SHAPE.2 / 2 + (55.0 + 12.0) as usize / 2,
    ];
    assert!(data[scalp] > 500.0, "the probe is in the scalp");
    assert_eq!(brain[scalp], 0.0);
}

#[test]
fn a_smaller_fractional_threshold_gives_a_larger_brain() {
    let (data, _) = head();
    let image = Image::with_voxel_size(data.view(), [VOXEL; 3]).unwrap();
    let small = extract(&image, &BetParams::default().fractional_threshold(0.8)).unwrap();
    let large = extract(&image, &BetParams::default().fractional_threshold(0.1)).unwrap();
    assert!(
        count(&large.mask) > count(&small.mask),
        "{} vs {}",
        count(&large.mask),
        count(&small.mask)
    );
}

#[test]
fn a_positive_vertical_gradient_shrinks_the_top_and_grows_the_bottom() {
    let (data, _) = head();
    let image = Image::with_voxel_size(data.view(), [VOXEL; 3]).unwrap();
    let halves = |mask: &Array3<bool>| {
        let mid = SHAPE.2 / 2;
        let top = mask
            .indexed_iter()
            .filter(|((_, _, k), m)| **m && *k > mid)
            .count();
        let bottom = mask
            .indexed_iter()
            .filter(|((_, _, k), m)| **m && *k < mid)
            .count();
        (top, bottom)
    };
    let flat = halves(&extract(&image, &BetParams::default()).unwrap().mask);
    let tilted = halves(
        &extract(&image, &BetParams::default().vertical_gradient(0.4))
            .unwrap()
            .mask,
    );
    assert!(tilted.0 < flat.0, "top: {tilted:?} vs {flat:?}");
    assert!(tilted.1 >= flat.1, "bottom: {tilted:?} vs {flat:?}");
}

#[test]
fn the_skull_estimate_lies_between_brain_and_scalp() {
    let (data, truth) = head();
    let image = Image::with_voxel_size(data.view(), [VOXEL; 3]).unwrap();
    let out = extract(&image, &BetParams::default().skull(true)).unwrap();
    let skull = out.skull.as_ref().expect("asked for");
    let c = centre_mm();
    let n = count(skull);
    assert!(n > 1000, "{n} skull voxels");
    let (mut in_shell, mut in_brain) = (0, 0);
    for ((i, j, k), &s) in skull.indexed_iter() {
        if s {
            assert!(!out.mask[(i, j, k)], "skull and brain overlap");
            in_brain += usize::from(truth[(i, j, k)]);
            let p = [
                i as f64 * VOXEL - c[0],
                j as f64 * VOXEL - c[1],
                k as f64 * VOXEL - c[2],
            ];
            let d = brain_distance(p);
            if (-1.0..10.0).contains(&d) {
                in_shell += 1;
            }
        }
    }
    assert!(
        in_shell as f64 > 0.9 * n as f64,
        "{in_shell} of {n} in the CSF and bone shell"
    );
    assert!(
        (in_brain as f64) < 0.05 * n as f64,
        "{in_brain} of {n} in the true brain"
    );
    assert!(
        extract(&image, &BetParams::default())
            .unwrap()
            .skull
            .is_none()
    );
}

#[test]
fn anisotropic_oblique_storage_gives_the_same_brain() {
    // The same head on 2 x 2 x 2 mm voxels, stored with i and k swapped and
    // j reversed, through an affine that keeps every voxel's world position.
    let (data, truth) = head();
    let image = Image::with_voxel_size(data.view(), [VOXEL; 3]).unwrap();
    let reference = extract(&image, &BetParams::default()).unwrap();
    let mut swapped = data.clone().permuted_axes([2, 1, 0]);
    swapped.invert_axis(ndarray::Axis(1));
    let swapped = swapped.as_standard_layout().to_owned();
    let nj = (SHAPE.1 - 1) as f64 * VOXEL;
    let affine = [
        [0.0, 0.0, VOXEL, 0.0],
        [0.0, -VOXEL, 0.0, nj],
        [VOXEL, 0.0, 0.0, 0.0],
        [0.0, 0.0, 0.0, 1.0],
    ];
    let out = extract(
        &Image::new(swapped.view(), affine).unwrap(),
        &BetParams::default(),
    )
    .unwrap();
    let mut back = out.mask.clone();
    back.invert_axis(ndarray::Axis(1));
    let back = back
        .permuted_axes([2, 1, 0])
        .as_standard_layout()
        .to_owned();
    assert!(dice(&back, &reference.mask) > 0.99);
    assert!(dice(&back, &truth) > 0.95);
}

#[test]
fn robust_centre_converges_to_the_same_brain() {
    let (data, truth) = head();
    let image = Image::with_voxel_size(data.view(), [VOXEL; 3]).unwrap();
    let out = extract(&image, &BetParams::default().robust_centre(true)).unwrap();
    assert!(out.centre_passes >= 1);
    assert!(dice(&out.mask, &truth) > 0.95);
}

#[test]
fn nan_voxels_count_as_background() {
    let (mut data, truth) = head();
    for (n, v) in data.iter_mut().enumerate() {
        if n % 97 == 0 && *v < 1.0 {
            *v = f32::NAN;
        }
    }
    let image = Image::with_voxel_size(data.view(), [VOXEL; 3]).unwrap();
    let out = extract(&image, &BetParams::default()).unwrap();
    assert!(dice(&out.mask, &truth) > 0.95);
}

#[test]
fn bad_input_gives_typed_errors() {
    let flat = Array3::<u8>::from_elem((20, 20, 20), 9);
    let image = Image::with_voxel_size(flat.view(), [1.0; 3]).unwrap();
    assert_eq!(
        extract(&image, &BetParams::default()).unwrap_err(),
        Error::NoContrast
    );

    let thin = Array3::<f32>::zeros((2, 50, 50));
    assert!(matches!(
        Image::with_voxel_size(thin.view(), [1.0; 3]),
        Err(Error::TooSmall { .. })
    ));
    let cube = Array3::<f32>::zeros((5, 5, 5));
    assert_eq!(
        Image::with_voxel_size(cube.view(), [1.0, 0.0, 1.0]).unwrap_err(),
        Error::BadAffine
    );
    let singular = [
        [1.0, 0.0, 0.0, 0.0],
        [2.0, 0.0, 0.0, 0.0],
        [0.0, 0.0, 1.0, 0.0],
        [0.0, 0.0, 0.0, 1.0],
    ];
    assert_eq!(
        Image::new(cube.view(), singular).unwrap_err(),
        Error::BadAffine
    );

    let (data, _) = head();
    let image = Image::with_voxel_size(data.view(), [VOXEL; 3]).unwrap();
    for params in [
        BetParams::default().fractional_threshold(1.5),
        BetParams::default().fractional_threshold(f64::NAN),
        BetParams::default().vertical_gradient(-2.0),
        BetParams::default().iterations(0),
        BetParams::default().subdivisions(9),
        BetParams::default().radius(Some(-3.0)),
        BetParams::default().centre(Some([0.0, f64::INFINITY, 0.0])),
    ] {
        let err = extract(&image, &params).unwrap_err();
        assert!(matches!(err, Error::Parameter { .. }), "{err}");
        assert!(!err.to_string().is_empty());
    }
    let out = extract(&image, &BetParams::default().iterations(50)).unwrap();
    let wrong = Array3::<f32>::zeros((3, 3, 3));
    assert!(matches!(
        out.brain_image(wrong.view()),
        Err(Error::ShapeMismatch { .. })
    ));
}

#[test]
fn the_result_is_deterministic() {
    let (data, _) = head();
    let image = Image::with_voxel_size(data.view(), [VOXEL; 3]).unwrap();
    let a = extract(&image, &BetParams::default()).unwrap();
    let b = extract(&image, &BetParams::default()).unwrap();
    assert_eq!(a.mask, b.mask);
    assert_eq!(a.mesh, b.mesh);
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig::with_cases(32))]

    /// Whatever the volume and the grid, the extraction returns a result
    /// or a typed error, never panics, and a mask of the volume's shape.
    #[test]
    fn arbitrary_volumes_never_panic(
        shape in proptest::array::uniform3(3usize..14),
        values in proptest::collection::vec(proptest::prelude::any::<i16>(), 14 * 14 * 14),
        scale in proptest::array::uniform3(0.3f64..4.0),
        angle in -3.2f64..3.2,
        f in 0.0f64..=1.0,
        g in -1.0f64..=1.0,
    ) {
        let (a, b, c) = (shape[0], shape[1], shape[2]);
        let data = Array3::from_shape_fn((a, b, c), |(i, j, k)| values[(i * 14 + j) * 14 + k]);
        let (cos, sin) = (angle.cos(), angle.sin());
        let affine = [
            [scale[0] * cos, -scale[1] * sin, 0.0, -5.0],
            [scale[0] * sin, scale[1] * cos, 0.0, 3.0],
            [0.0, 0.0, scale[2], 7.0],
            [0.0, 0.0, 0.0, 1.0],
        ];
        let image = Image::new(data.view(), affine).unwrap();
        let params = BetParams::default()
            .fractional_threshold(f)
            .vertical_gradient(g)
            .iterations(60)
            .skull(true)
            .robust_centre(true);
        match extract(&image, &params) {
            Ok(out) => {
                proptest::prop_assert_eq!(out.mask.dim(), (a, b, c));
                proptest::prop_assert_eq!(out.skull.map(|s| s.dim()), Some((a, b, c)));
            }
            Err(e) => proptest::prop_assert_eq!(e, Error::NoContrast),
        }
    }
}
