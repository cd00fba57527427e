//! Orientation and views on the shared real NIfTI samples
//! (`../shared/testdata/nifti`), checked against nibabel.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod views_support;

use std::path::{Path, PathBuf};

use medanon_nifti::{
    Affine, Enhance, Image, Orientation, Plane, ViewOptions, Volume, axis_codes, render_comparison,
    render_montage, render_plane, to_canonical,
};
use ndarray::Axis;
use views_support::affine_of;

fn data_dir() -> Option<PathBuf> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/testdata/nifti");
    if dir.is_dir() {
        Some(dir)
    } else {
        println!("SKIPPED: {} is absent", dir.display());
        None
    }
}

fn read(path: &Path) -> Volume {
    views_support::read(path).unwrap()
}

/// File, axis codes, canonical shape, canonical affine rows.
type Axes = (&'static str, &'static str, [usize; 3], [[f64; 4]; 3]);

/// From nibabel 5.4.2: `aff2axcodes(img.affine)`, and the shape and affine
/// (rows x, y, z) of `as_closest_canonical(img)`.
const NIBABEL_AXES: [Axes; 6] = [
    (
        "nibabel_anatomical.nii",
        "LAS",
        [33, 41, 25],
        [
            [2.0, 0.0, 0.0, -32.0],
            [0.0, 2.0, 0.0, -40.0],
            [0.0, 0.0, 2.0, -16.0],
        ],
    ),
    (
        "nibabel_functional.nii",
        "LAS",
        [17, 21, 3],
        [
            [4.0, 0.0, 0.0, -32.0],
            [0.0, 4.0, 0.0, -40.0],
            [0.0, 0.0, 8.0, 0.0],
        ],
    ),
    (
        "nibabel_example4d.nii.gz",
        "LAS",
        [128, 96, 24],
        [
            [2.0, 0.0, 0.0, -136.1448974609375],
            [
                0.0,
                1.9737114906311035,
                -0.35552823543548584,
                -35.72294235229492,
            ],
            [
                0.0,
                0.3232076168060303,
                2.171081781387329,
                -7.248798370361327,
            ],
        ],
    ),
    (
        "nibabel_standard.nii.gz",
        "RAS",
        [4, 5, 7],
        [
            [1.0, 0.0, 0.0, 0.0],
            [0.0, 3.0, 0.0, 0.0],
            [0.0, 0.0, 2.0, 0.0],
        ],
    ),
    (
        "mni152_2009a_t1_brain_1mm.nii.gz",
        "RAS",
        [197, 233, 189],
        [
            [1.0, 0.0, 0.0, -98.0],
            [0.0, 1.0, 0.0, -134.0],
            [0.0, 0.0, 1.0, -72.0],
        ],
    ),
    (
        "head_t1_mean_1mm.nii.gz",
        "RAS",
        [176, 256, 256],
        [
            [
                0.9985747337341309,
                0.051109328866004944,
                0.010212389752268791,
                -100.00589752197266,
            ],
            [
                -0.052333083003759384,
                0.9752241373062134,
                -0.0005352350417524576,
                -113.15837860107422,
            ],
            [
                -0.01047183945775032,
                0.0,
                0.9765089750289917,
                -121.88970184326172,
            ],
        ],
    ),
];

/// From nibabel 5.4.2: the first frame of `as_closest_canonical(img)`, its
/// total and its centre of mass in voxel indices (the big files are only
/// checked through their headers above, to keep the tests fast).
const NIBABEL_DATA: [(&str, [f64; 4]); 4] = [
    (
        "nibabel_anatomical.nii",
        [
            284166082.0,
            16.0483234413599,
            19.330123117930732,
            12.239872424324027,
        ],
    ),
    (
        "nibabel_functional.nii",
        [
            3883746.552329719,
            8.018486164605836,
            9.78768130046222,
            1.0175161393737109,
        ],
    ),
    (
        "nibabel_example4d.nii.gz",
        [
            50994397.0,
            63.075574557730334,
            45.03221242129797,
            11.654918421723861,
        ],
    ),
    (
        "nibabel_standard.nii.gz",
        [7650.0, 1.6666666666666667, 2.033333333333333, 3.1],
    ),
];

#[test]
fn axis_codes_and_canonical_affines_match_nibabel() {
    let Some(dir) = data_dir() else { return };
    for (name, codes, shape, affine) in NIBABEL_AXES {
        let header = nifti::NiftiHeader::from_file(dir.join(name)).unwrap();
        let original = affine_of(&header);
        let got: String = axis_codes(&original).iter().collect();
        assert_eq!(got, codes, "{name}");
        let orientation = Orientation::from_affine(&original);
        let dims = [1, 2, 3].map(|i| usize::from(header.dim[i]));
        assert_eq!(orientation.canonical_shape(dims), shape, "{name}");
        let canonical = orientation.canonical_affine(&original, dims);
        for (got, want) in canonical.0.iter().zip(&affine) {
            for (g, w) in got.iter().zip(want) {
                assert!(
                    (g - w).abs() < 1e-4,
                    "{name}: {:?} vs {affine:?}",
                    canonical.0
                );
            }
        }
    }
}

#[test]
fn canonical_data_match_nibabel() {
    let Some(dir) = data_dir() else { return };
    for (name, moments) in NIBABEL_DATA {
        let volume = read(&dir.join(name));
        let (canon, _) = to_canonical(volume.frame(0).unwrap(), &volume.affine);
        let mut sums = [0.0f64; 4];
        for ((i, j, k), &v) in canon.indexed_iter() {
            let v = f64::from(v);
            sums[0] += v;
            sums[1] += v * i as f64;
            sums[2] += v * j as f64;
            sums[3] += v * k as f64;
        }
        let got = [
            sums[0],
            sums[1] / sums[0],
            sums[2] / sums[0],
            sums[3] / sums[0],
        ];
        for (g, want) in got.iter().zip(moments) {
            assert!(
                (g - want).abs() <= 1e-6 * want.abs().max(1.0),
                "{name}: {got:?} vs {moments:?}"
            );
        }
    }
}

/// The expected views of a 2 mm isotropic image computed by nibabel and
/// numpy (canonical data, slice through the centre voxel, percentile window,
/// rows flipped so +y or +z is up): width, height and hex pixels per plane.
const NIBABEL_VIEWS: &str = r#"
import sys, nibabel as nib, numpy as np
im = nib.load(sys.argv[1]); c = nib.as_closest_canonical(im)
d = np.asarray(c.get_fdata())
n = np.array(im.shape[:3])
world = im.affine @ np.r_[n // 2, 1]
ci = np.rint(np.linalg.inv(c.affine) @ world)[:3].astype(int)
v = np.sort(d[np.isfinite(d) & (d != 0)]); m = len(v)
rank = lambda p: min(int(np.floor(p / 100 * (m - 1) + 0.5)), m - 1)
lo, hi = v[rank(0.5)], v[rank(99.5)]
win = lambda x: np.floor(np.clip((x - lo) / (hi - lo), 0, 1) * 255 + 0.5).astype(np.uint8)
for s in (d[:, :, ci[2]], d[:, ci[1], :], d[ci[0], :, :]):
    img = win(s.T[::-1, :])
    print(img.shape[1], img.shape[0], img.tobytes().hex())
"#;

#[test]
fn anatomical_views_match_nibabel_pixel_for_pixel() {
    let Some(dir) = data_dir() else { return };
    let path = dir.join("nibabel_anatomical.nii");
    let out = std::process::Command::new("python3")
        .args(["-c", NIBABEL_VIEWS])
        .arg(&path)
        .output();
    let out = match out {
        Ok(o) if o.status.success() => String::from_utf8(o.stdout).unwrap(),
        _ => {
            println!("SKIPPED: python3 with nibabel is not available");
            return;
        }
    };
    let volume = read(&path);
    let opts = ViewOptions::default().with_labels(false).with_min_size(0);
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.len(), 3);
    for (plane, line) in Plane::ALL.into_iter().zip(lines) {
        let fields: Vec<&str> = line.split_whitespace().collect();
        let (w, h): (usize, usize) = (fields[0].parse().unwrap(), fields[1].parse().unwrap());
        let want: Vec<u8> = (0..fields[2].len() / 2)
            .map(|i| u8::from_str_radix(&fields[2][2 * i..2 * i + 2], 16).unwrap())
            .collect();
        let image = render_plane(&volume, plane, &opts).unwrap();
        assert_eq!((image.width, image.height), (w, h), "{plane:?}");
        let worst = image
            .pixels
            .iter()
            .zip(&want)
            .map(|(a, b)| a.abs_diff(*b))
            .max()
            .unwrap();
        assert!(worst <= 1, "{plane:?}: a pixel differs by {worst}");
        assert!(
            want.iter().filter(|&&p| p > 50).count() > w * h / 5,
            "{plane:?}: real content"
        );
    }
}

/// The anatomical image stored in another voxel order: axes permuted by
/// `perm` (new axis a is old axis perm[a]) and reversed where `flip`.
fn restore(volume: &Volume, perm: [usize; 3], flip: [bool; 3]) -> Volume {
    let mut view = volume
        .data
        .view()
        .permuted_axes([perm[0], perm[1], perm[2], 3]);
    let old = volume.shape3();
    // New index n → old index: old[perm[a]] = flip[a] ? len − 1 − n[a] : n[a].
    let mut t = [[0.0; 4]; 4];
    t[3][3] = 1.0;
    for a in 0..3 {
        if flip[a] {
            view.invert_axis(Axis(a));
            t[perm[a]][a] = -1.0;
            t[perm[a]][3] = (old[perm[a]] - 1) as f64;
        } else {
            t[perm[a]][a] = 1.0;
        }
    }
    let mut out = volume.clone();
    out.data = view.to_owned();
    out.affine = volume.affine.then(&Affine(t));
    out
}

#[test]
fn the_same_anatomy_in_any_voxel_order_renders_the_same() {
    let Some(dir) = data_dir() else { return };
    let volume = read(&dir.join("nibabel_anatomical.nii"));
    let voxel = [10, 25, 14];
    let opts = ViewOptions::default()
        .with_enhance(Enhance::CLAHE)
        .with_slice(voxel);
    let magnified = render_montage(&volume, &opts).unwrap();
    let reference = render_montage(&volume, &opts.clone().with_min_size(0)).unwrap();
    let perms = [
        [0, 1, 2],
        [0, 2, 1],
        [1, 0, 2],
        [1, 2, 0],
        [2, 0, 1],
        [2, 1, 0],
    ];
    let mut seen = std::collections::HashSet::new();
    for perm in perms {
        for bits in 0..8u8 {
            let flip = [bits & 1 != 0, bits & 2 != 0, bits & 4 != 0];
            let stored = restore(&volume, perm, flip);
            assert!(
                seen.insert(axis_codes(&stored.affine)),
                "48 distinct orientations"
            );
            let old = volume.shape3();
            let slice: [usize; 3] = std::array::from_fn(|a| {
                if flip[a] {
                    old[perm[a]] - 1 - voxel[perm[a]]
                } else {
                    voxel[perm[a]]
                }
            });
            // Magnified (bilinear) for one flip pattern, voxel scale for the rest.
            let o = opts.clone().with_slice(slice);
            let o = if bits == 5 { o } else { o.with_min_size(0) };
            let image = render_montage(&stored, &o).unwrap();
            let reference = if bits == 5 { &magnified } else { &reference };
            assert!(
                &image == reference,
                "stored {perm:?} flipped {flip:?} ({:?})",
                axis_codes(&stored.affine)
            );
        }
    }
}

#[test]
fn every_sample_renders() {
    let Some(dir) = data_dir() else { return };
    for name in [
        "nibabel_anatomical.nii",
        "nibabel_functional.nii",
        "nibabel_example4d.nii.gz",
        "nibabel_standard.nii.gz",
    ] {
        let volume = read(&dir.join(name));
        let last = volume.time_points() - 1;
        let opts = ViewOptions::default()
            .with_frame(last)
            .with_enhance(Enhance::CLAHE);
        let montage = render_montage(&volume, &opts).unwrap();
        assert!(
            montage.width >= 128 && montage.width > montage.height,
            "{name}: {}×{}",
            montage.width,
            montage.height
        );
        let both = render_comparison(&volume, &opts).unwrap();
        assert_eq!(both.width, montage.width);
        assert!(both.pixels.iter().any(|&p| p > 100), "{name}: not all dark");
        assert!(render_montage(&volume, &opts.clone().with_frame(last + 1)).is_err());
        let png = both.encode_png().unwrap();
        assert!(png.starts_with(b"\x89PNG"));
    }
    // Functional: 4 × 4 × 8 mm voxels, 68 × 84 × 24 mm; magnified so the
    // longest side is 128 pixels; square pixels keep the proportions.
    let functional = read(&dir.join("nibabel_functional.nii"));
    let coronal: Image =
        render_plane(&functional, Plane::Coronal, &ViewOptions::default()).unwrap();
    let ratio = coronal.width as f64 / coronal.height as f64;
    assert!(
        (ratio - 68.0 / 24.0).abs() < 0.1,
        "{}×{}",
        coronal.width,
        coronal.height
    );
}
