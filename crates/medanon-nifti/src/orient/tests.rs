#![allow(clippy::unwrap_used, clippy::expect_used)]

use ndarray::Array3;

use super::*;

fn affine(linear: [[f64; 3]; 3], offset: [f64; 3]) -> Affine {
    let mut m = Affine::IDENTITY.0;
    for r in 0..3 {
        m[r][..3].copy_from_slice(&linear[r]);
        m[r][3] = offset[r];
    }
    Affine(m)
}

fn rotation_z(degrees: f64) -> [[f64; 3]; 3] {
    let (s, c) = degrees.to_radians().sin_cos();
    [[c, -s, 0.0], [s, c, 0.0], [0.0, 0.0, 1.0]]
}

fn codes(a: &Affine) -> String {
    axis_codes(a).iter().collect()
}

#[test]
fn axis_codes_of_simple_affines() {
    let z = [0.0; 3];
    assert_eq!(codes(&Affine::IDENTITY), "RAS");
    assert_eq!(codes(&Affine::scaling([-2.0, 2.0, 2.0])), "LAS");
    assert_eq!(codes(&Affine::scaling([1.0, -1.0, -3.0])), "RPI");
    // i → posterior, j → superior, k → left.
    let psl = affine([[0.0, 0.0, -1.0], [-1.0, 0.0, 0.0], [0.0, 1.0, 0.0]], z);
    assert_eq!(codes(&psl), "PSL");
    // DICOM-like axial LPS stored as RAS+ with the rows going posterior.
    let lpi = affine([[-0.9, 0.0, 0.0], [0.0, -0.9, 0.0], [0.0, 0.0, -5.0]], z);
    assert_eq!(codes(&lpi), "LPI");
    assert_eq!(
        codes(&affine(rotation_z(10.0), z)),
        "RAS",
        "oblique: dominant axes"
    );
    assert_eq!(codes(&affine(rotation_z(80.0), z)), "ALS");
    assert_eq!(Orientation::from_affine(&psl).to_string(), "PSL");
    assert!(Orientation::from_affine(&Affine::scaling([3.0, 1.0, 0.5])).is_canonical());
    assert!(!Orientation::from_affine(&psl).is_canonical());
}

#[test]
fn shears_and_degenerate_affines() {
    // A strong shear: column j leans towards x, but polar decomposition
    // still gives each voxel axis its own world axis.
    let sheared = affine(
        [[1.0, 0.9, 0.0], [0.0, 1.0, 0.0], [0.0, 0.0, 1.0]],
        [0.0; 3],
    );
    assert_eq!(codes(&sheared), "RAS");
    // A zero column takes the world axis left over, positive.
    let flat = affine(
        [[0.0, 0.0, 2.0], [-1.0, 0.0, 0.0], [0.0, 0.0, 0.0]],
        [0.0; 3],
    );
    assert_eq!(codes(&flat), "PSR");
    assert_eq!(codes(&Affine([[0.0; 4]; 4])), "RAS");
}

/// Voxel `o` of `original` and voxel `n` of its canonical array hold the
/// same value exactly when they are at the same world position.
fn check_canonical(affine: Affine, shape: [usize; 3]) {
    let original = Array3::from_shape_fn(shape, |(i, j, k)| (i * 10_000 + j * 100 + k) as u32);
    let (canon, canon_affine) = to_canonical(original.view(), &affine);
    let orientation = Orientation::from_affine(&affine);
    assert_eq!(canon.shape(), orientation.canonical_shape(shape));
    assert!(
        Orientation::from_affine(&canon_affine).is_canonical(),
        "{}",
        codes(&canon_affine)
    );
    let inverse = affine.inverse().unwrap();
    for ((a, b, c), &value) in canon.indexed_iter() {
        let world = canon_affine.apply([a as f64, b as f64, c as f64]);
        let o = inverse.apply(world).map(|v| v.round() as usize);
        assert_eq!(original[o], value, "canonical voxel {:?}", [a, b, c]);
        assert_eq!(orientation.canonical_index(shape, o), [a, b, c]);
    }
    let (view, view_affine) = canonical_view(original.view(), &affine);
    assert_eq!(view, canon);
    assert_eq!(view_affine, canon_affine);
}

#[test]
fn canonical_reordering_keeps_every_voxel_in_place() {
    let shape = [4, 5, 6];
    let off = [10.0, -20.0, 30.0];
    check_canonical(Affine::IDENTITY, shape);
    check_canonical(Affine::scaling([-2.0, 2.0, 2.2]), shape);
    check_canonical(
        affine([[0.0, 0.0, -1.0], [-1.0, 0.0, 0.0], [0.0, 3.0, 0.0]], off),
        shape,
    );
    check_canonical(
        affine([[0.0, 1.5, 0.0], [0.0, 0.0, -1.0], [-1.0, 0.0, 0.0]], off),
        shape,
    );
    // Oblique: no interpolation, the tilt stays in the affine, so check
    // with the exact affine (world positions still map back to voxels).
    let mut tilted = rotation_z(10.0);
    tilted[0] = tilted[0].map(|v| -v);
    check_canonical(affine(tilted, off), shape);
}

#[test]
fn identity_is_left_alone_and_volumes_reorder_every_frame() {
    let data = Array3::from_shape_fn((3, 4, 5), |(i, j, k)| (i + 2 * j + 3 * k) as f32);
    let a = Affine::scaling([1.0, 2.0, 3.0]);
    let (same, same_affine) = to_canonical(data.view(), &a);
    assert_eq!(same, data);
    assert_eq!(same_affine, a);

    let flipped = Affine::scaling([-1.0, 1.0, 1.0]);
    let mut volume = Volume::from_3d(data.clone(), flipped);
    volume.data = ndarray::concatenate(
        ndarray::Axis(3),
        &[volume.data.view(), (volume.data.clone() * 2.0).view()],
    )
    .unwrap();
    volume.ndim = 4;
    volume.time_step = 2.5;
    let canon = volume_to_canonical(&volume);
    assert_eq!(canon.data.dim(), (3, 4, 5, 2));
    assert_eq!((canon.ndim, canon.time_step), (4, 2.5));
    assert_eq!(canon.data[[0, 1, 2, 0]], data[[2, 1, 2]]);
    assert_eq!(canon.data[[0, 1, 2, 1]], 2.0 * data[[2, 1, 2]]);
    assert_eq!(canon.affine.0[0], [1.0, 0.0, 0.0, -2.0]);
}

/// Compares with nibabel's `aff2axcodes` on many affines, when Python has
/// nibabel (`python3 -m pip install nibabel`); skipped otherwise.
#[test]
fn axis_codes_agree_with_nibabel() {
    let mut seed = 99u64;
    let mut rand = move || {
        seed = seed
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        (seed >> 11) as f64 / (1u64 << 53) as f64 * 2.0 - 1.0
    };
    let mut affines = Vec::new();
    let perms = [
        [0, 1, 2],
        [0, 2, 1],
        [1, 0, 2],
        [1, 2, 0],
        [2, 0, 1],
        [2, 1, 0],
    ];
    for n in 0..60 {
        let p = perms[n % 6];
        let mut linear = [[0.0; 3]; 3];
        for (col, &row) in p.iter().enumerate() {
            let size = 0.5 + rand().abs() * 3.0;
            linear[row][col] = if rand() < 0.0 { -size } else { size };
        }
        // Perturb: small obliques for most, strong ones for some.
        let strength = if n % 4 == 0 { 0.9 } else { 0.2 };
        for row in &mut linear {
            for v in row.iter_mut() {
                *v += rand() * strength;
            }
        }
        affines.push(affine(
            linear,
            [rand() * 100.0, rand() * 100.0, rand() * 100.0],
        ));
    }
    let text: Vec<String> = affines
        .iter()
        .map(|a| format!("{:?}", a.0.map(|r| r.to_vec()).to_vec()))
        .collect();
    let script = format!(
        "import nibabel, numpy\nfor a in [{}]:\n    print(''.join(nibabel.aff2axcodes(numpy.array(a))))",
        text.join(",")
    );
    let out = std::process::Command::new("python3")
        .args(["-c", &script])
        .output();
    let out = match out {
        Ok(o) if o.status.success() => String::from_utf8(o.stdout).unwrap(),
        _ => {
            println!("SKIPPED: python3 with nibabel is not available");
            return;
        }
    };
    let expected: Vec<&str> = out.lines().collect();
    assert_eq!(expected.len(), affines.len());
    for (a, want) in affines.iter().zip(expected) {
        assert_eq!(codes(a), want, "affine {:?}", a.0);
    }
}
