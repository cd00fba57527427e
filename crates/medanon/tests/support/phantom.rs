//! Synthetic T1-weighted head phantoms with a known brain mask, for testing
//! brain extraction (BET, Smith 2002).
//!
//! The brain is the MNI152 2009a skull-stripped T1, rescaled so that white
//! matter is about 1000; the truth is its mask (`> 0`) and nothing else.
//! Around it, layers follow a smooth envelope of the brain (a 7 mm closing,
//! so they bridge the sulci): CSF, inner table, diploe, outer table, scalp
//! muscle, subcutaneous fat and skin, their thicknesses varying slowly over
//! the head. Eyes in orbital fat, a crude face and nose with dark sinuses,
//! and a neck holding a spinal cord that continues the (cut) brainstem make
//! the head more than an ellipsoid.
//!
//! The 1 mm head is built once per process (partial volume by box-filtering
//! each layer profile) and each [`Kind`] resamples it trilinearly onto its
//! own grid, then applies a smooth multiplicative bias field and Rician noise
//! from a seeded generator: the same kind always gives the same voxels.
//!
//! Include it with `#[path = "support/phantom.rs"] mod phantom;` from a test
//! of `crates/medanon` or `benches/examples/make_phantoms.rs`.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use medanon_nifti as nifti;
use ndarray::Array3;

/// A synthetic head and the brain it contains.
#[derive(Debug, Clone)]
pub struct Phantom {
    /// The kind's name, e.g. `"iso1mm"` (also the file name of `make_phantoms`).
    pub name: &'static str,
    /// Voxel values, `[i, j, k]`, standard (C) layout; white matter ≈ 1000.
    pub data: Array3<f32>,
    /// Voxel indices to world millimetres (RAS+).
    pub affine: [[f64; 4]; 4],
    /// The true brain, same shape as `data`.
    pub truth: Array3<bool>,
}

/// The phantom variants.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// 1 mm isotropic, axis-aligned.
    Iso1mm,
    /// 0.9 × 1.3 × 2.6 mm voxels, axis-aligned.
    Anisotropic,
    /// 1.2 mm voxels on a grid rotated 15° about x and 10° about z; the head
    /// stays upright in world space.
    Oblique,
    /// The head pitched 20° (chin down) and rolled 8° in world space, on a
    /// 1.1 mm LPS-ordered grid (i towards the left, j posterior).
    Tilted,
    /// 2 mm isotropic, 6 % noise, ±25 % bias.
    NoisyLowRes,
    /// 1.5 mm isotropic, values rounded to integers in 0..=4095 (stored as `f32`).
    Integer,
}

/// Every kind, in the order above.
pub const ALL: [Kind; 6] = [
    Kind::Iso1mm,
    Kind::Anisotropic,
    Kind::Oblique,
    Kind::Tilted,
    Kind::NoisyLowRes,
    Kind::Integer,
];

impl Kind {
    /// The phantom's name: `iso1mm`, `anisotropic`, `oblique`, `tilted`,
    /// `noisy_lowres`, `integer`.
    pub fn name(self) -> &'static str {
        self.spec().name
    }

    fn spec(self) -> Spec {
        let plain = Spec {
            name: "iso1mm",
            voxel: [1.0; 3],
            flip: [1.0; 3],
            grid_rot: IDENTITY3,
            head_rot: IDENTITY3,
            noise: 0.03,
            bias: 0.22,
            integer: false,
            seed: 0x5EED_0001,
        };
        match self {
            Kind::Iso1mm => plain,
            Kind::Anisotropic => Spec {
                name: "anisotropic",
                voxel: [0.9, 1.3, 2.6],
                seed: 0x5EED_0002,
                ..plain
            },
            Kind::Oblique => Spec {
                name: "oblique",
                voxel: [1.2; 3],
                grid_rot: mat_mul(rot_z(10.0), rot_x(15.0)),
                seed: 0x5EED_0003,
                ..plain
            },
            Kind::Tilted => Spec {
                name: "tilted",
                voxel: [1.1; 3],
                flip: [-1.0, -1.0, 1.0],
                head_rot: mat_mul(rot_y(8.0), rot_x(-20.0)),
                seed: 0x5EED_0004,
                ..plain
            },
            Kind::NoisyLowRes => Spec {
                name: "noisy_lowres",
                voxel: [2.0; 3],
                noise: 0.06,
                bias: 0.3,
                seed: 0x5EED_0005,
                ..plain
            },
            Kind::Integer => Spec {
                name: "integer",
                voxel: [1.5; 3],
                integer: true,
                seed: 0x5EED_0006,
                ..plain
            },
        }
    }
}

const T1_FILE: &str = "mni152_2009a_t1_brain_1mm.nii.gz";
const WM_FILE: &str = "mni152_2009a_wm_1mm.nii.gz";

/// The shared NIfTI test-data directory (`$MEDANON_SHARED_TESTDATA/nifti`,
/// else `<workspace>/../shared/testdata/nifti`), or `None` when it is absent
/// (the caller prints `SKIPPED: ...` and returns).
pub fn nifti_dir() -> Option<PathBuf> {
    let dir = match std::env::var_os("MEDANON_SHARED_TESTDATA") {
        Some(dir) => PathBuf::from(dir).join("nifti"),
        None => workspace_root()?.join("../shared/testdata/nifti"),
    };
    dir.is_dir().then_some(dir)
}

fn workspace_root() -> Option<PathBuf> {
    let mut dir = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    loop {
        let manifest = std::fs::read_to_string(dir.join("Cargo.toml")).unwrap_or_default();
        if manifest.lines().any(|line| line.trim() == "[workspace]") {
            return Some(dir);
        }
        if !dir.pop() {
            return None;
        }
    }
}

/// Builds the phantom of `kind`, or `None` when the MNI152 files are absent.
///
/// The MNI sources are read and the 1 mm head is built once per process (a
/// `OnceLock`); each call then resamples it. Panics if the files exist but
/// cannot be read.
pub fn phantom(kind: Kind) -> Option<Phantom> {
    static BASE: OnceLock<Option<Base>> = OnceLock::new();
    let base = BASE
        .get_or_init(|| {
            let dir = nifti_dir()?;
            let present = [T1_FILE, WM_FILE].iter().all(|f| dir.join(f).is_file());
            present.then(|| Base::build(&dir))
        })
        .as_ref()?;
    Some(render(base, &kind.spec()))
}

/// The Dice coefficient `2|A∩B| / (|A| + |B|)` of two masks of the same
/// shape (1 when both are empty).
pub fn dice(a: &Array3<bool>, b: &Array3<bool>) -> f64 {
    assert_eq!(a.dim(), b.dim(), "dice of masks of different shapes");
    let (mut both, mut na, mut nb) = (0u64, 0u64, 0u64);
    ndarray::Zip::from(a).and(b).for_each(|&x, &y| {
        na += u64::from(x);
        nb += u64::from(y);
        both += u64::from(x && y);
    });
    if na + nb == 0 {
        1.0
    } else {
        2.0 * both as f64 / (na + nb) as f64
    }
}

// ---------------------------------------------------------------------------
// Intensities (T1-weighted, arbitrary units) and geometry (head frame = MNI
// world millimetres: +x right, +y anterior, +z superior).

const WM: f64 = 1000.0;
const CSF: f64 = 150.0;
const TABLE: f64 = 50.0;
const DIPLOE: f64 = 800.0;
const MUSCLE: f64 = 500.0;
const FAT: f64 = 900.0;
const SKIN: f64 = 400.0;
const ORBIT_FAT: f64 = 850.0;
const VITREOUS: f64 = 100.0;
const NECK: f64 = 550.0;
const CORD: f64 = 700.0;
const SINUS: f64 = 15.0;

/// The 1 mm head grid: MNI's voxel centres, extended for the face and neck.
const BASE_ORIGIN: [f64; 3] = [-98.0, -136.0, -152.0];
const BASE_DIM: [usize; 3] = [197, 245, 265];
/// Closing radius of the brain envelope the layers follow (mm).
const CLOSING: f64 = 7.0;
/// Centre of the head rotation of [`Kind::Tilted`] and of the bias field.
const HEAD_CENTRE: [f64; 3] = [0.0, -18.0, 10.0];
/// Air around the head on each side of a grid (mm), and how much of the neck
/// the inferior side cuts off (mm).
const MARGIN: f64 = 7.0;
const NECK_CUT: f64 = 4.0;

const NECK_AXIS: [f64; 2] = [0.0, -20.0];
const NECK_RADII: [f64; 2] = [54.0, 58.0];
const NECK_TOP: f64 = -25.0;
const FACE: Ellipsoid = Ellipsoid::new([0.0, 40.0, -62.0], [56.0, 48.0, 46.0]);
const NOSE: Ellipsoid = Ellipsoid::new([0.0, 84.0, -50.0], [11.0, 16.0, 22.0]);
const ORBITS: [Ellipsoid; 2] = [
    Ellipsoid::new([-31.0, 56.0, -39.0], [16.0, 20.0, 14.0]),
    Ellipsoid::new([31.0, 56.0, -39.0], [16.0, 20.0, 14.0]),
];
const GLOBES: [Ellipsoid; 2] = [
    Ellipsoid::new([-32.0, 60.0, -40.0], [12.0; 3]),
    Ellipsoid::new([32.0, 60.0, -40.0], [12.0; 3]),
];
const SINUSES: [Ellipsoid; 3] = [
    Ellipsoid::new([-24.0, 50.0, -66.0], [11.0, 14.0, 12.0]),
    Ellipsoid::new([24.0, 50.0, -66.0], [11.0, 14.0, 12.0]),
    Ellipsoid::new([0.0, 66.0, -56.0], [6.0, 16.0, 14.0]),
];

struct Spec {
    name: &'static str,
    voxel: [f64; 3],
    /// Signs of the grid axes before `grid_rot` (LPS-like order for Tilted).
    flip: [f64; 3],
    /// Rotation of the voxel grid in world space.
    grid_rot: [[f64; 3]; 3],
    /// Rotation of the head in world space, about [`HEAD_CENTRE`].
    head_rot: [[f64; 3]; 3],
    /// Noise sigma, as a fraction of white matter.
    noise: f64,
    /// Bias field amplitude (see [`bias`]).
    bias: f64,
    integer: bool,
    seed: u64,
}

/// Values on a regular axis-aligned grid, C order `[i, j, k]`.
struct Grid<T> {
    dim: [usize; 3],
    origin: [f64; 3],
    /// One over the voxel size (mm).
    inv_step: f64,
    data: Vec<T>,
    /// Beyond the edges: repeat the edge voxels (else zero; such grids
    /// have a border of zeros, so that they fade to zero within a voxel).
    clamp: bool,
}

impl<T: Copy + Into<f32>> Grid<T> {
    /// Trilinear interpolation at world position `p`.
    fn sample(&self, p: [f64; 3]) -> f64 {
        let mut index = 0;
        let mut frac = [0.0; 3];
        for a in 0..3 {
            let max = (self.dim[a] - 1) as f64;
            let mut u = (p[a] - self.origin[a]) * self.inv_step;
            if self.clamp {
                u = u.clamp(0.0, max);
            } else if !(u >= 0.0 && u < max) {
                return 0.0;
            }
            // `u` is not negative: truncation is floor (and `floor` is a
            // libm call on baseline x86-64).
            let f = (u as usize).min(self.dim[a] - 2);
            index = index * self.dim[a] + f;
            frac[a] = u - f as f64;
        }
        let (si, sj) = (self.dim[1] * self.dim[2], self.dim[2]);
        let d = &self.data[index..=index + si + sj + 1];
        let v = |o: usize| f64::from(d[o].into());
        let lerp = |a: f64, b: f64, t: f64| a + (b - a) * t;
        let [fx, fy, fz] = frac;
        let c00 = lerp(v(0), v(si), fx);
        let c10 = lerp(v(sj), v(si + sj), fx);
        let c01 = lerp(v(1), v(si + 1), fx);
        let c11 = lerp(v(sj + 1), v(si + sj + 1), fx);
        lerp(lerp(c00, c10, fy), lerp(c01, c11, fy), fz)
    }
}

/// The head built once: the 1 mm image, the MNI brain mask, and points of
/// the head for sizing grids.
struct Base {
    head: Grid<f32>,
    mask: Grid<u8>,
    /// Bounds of the brain (head frame, mm), a voxel wider on each side.
    brain_box: [[f64; 2]; 3],
    /// Head voxels (value > 1) on a 3 mm lattice, head frame.
    points: Vec<[f32; 3]>,
}

/// An MNI volume on its 1 mm axis-aligned grid.
struct Mni {
    dim: [usize; 3],
    origin: [f64; 3],
    data: Vec<f32>,
}

fn read_mni(path: &Path) -> Mni {
    let image =
        nifti::read_volume(path).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    let volume = image.volume;
    let [ni, nj, nk] = volume.shape3();
    let m = volume.affine.0;
    for (r, row) in m.iter().take(3).enumerate() {
        for (c, &v) in row.iter().take(3).enumerate() {
            let want = if r == c { 1.0 } else { 0.0 };
            assert!(
                (v - want).abs() < 1e-4,
                "{}: not a 1 mm RAS grid",
                path.display()
            );
        }
    }
    let origin = [m[0][3], m[1][3], m[2][3]];
    assert!(
        origin.iter().all(|o| (o - o.round()).abs() < 1e-4),
        "{}: origin off the millimetre lattice",
        path.display()
    );
    let data = volume.data.iter().copied().collect();
    Mni {
        dim: [ni, nj, nk],
        origin: origin.map(f64::round),
        data,
    }
}

/// The scale putting the median T1 of white matter (probability > 0.9) at [`WM`].
fn white_matter_scale(t1: &[f32], wm: &[f32]) -> f64 {
    let mut values: Vec<f32> = t1
        .iter()
        .zip(wm)
        .filter(|&(&t, &w)| t > 0.0 && w > 0.9 * 255.0)
        .map(|(&t, _)| t)
        .collect();
    assert!(!values.is_empty(), "MNI white matter map is empty");
    let mid = values.len() / 2;
    let (_, median, _) = values.select_nth_unstable_by(mid, f32::total_cmp);
    WM / f64::from(*median)
}

/// The spinal cord: a cylinder continuing the brainstem below MNI's last slice.
#[derive(Clone, Copy)]
struct Cord {
    x: f64,
    y: f64,
    radius: f64,
    /// World z of MNI's bottom slice; the cord is below it.
    top: f64,
    /// Mean (scaled) brainstem value just above the cut.
    value_top: f64,
}

impl Cord {
    fn from_mni(t1: &Mni, scale: f64) -> Cord {
        let [ni, nj, _] = t1.dim;
        let k = 2; // the first slices are partial
        let (mut n, mut sx, mut sy, mut sv) = (0.0, 0.0, 0.0, 0.0);
        for i in 0..ni {
            for j in 0..nj {
                let v = f64::from(t1.data[(i * nj + j) * t1.dim[2] + k]);
                if v > 0.0 {
                    n += 1.0;
                    sx += i as f64;
                    sy += j as f64;
                    sv += v;
                }
            }
        }
        assert!(n > 0.0, "MNI brain does not reach its bottom slices");
        Cord {
            x: t1.origin[0] + sx / n,
            y: t1.origin[1] + sy / n,
            radius: (n / std::f64::consts::PI).sqrt().clamp(4.0, 7.0),
            top: t1.origin[2],
            value_top: sv / n * scale,
        }
    }

    /// Centre in y at height `z`: drifts anteriorly down the neck.
    fn y_at(&self, z: f64) -> f64 {
        self.y + 0.12 * (self.top - z).max(0.0)
    }

    /// Partial-volume fraction of cord at `p`.
    fn fraction(&self, p: [f64; 3]) -> f64 {
        let r = ((p[0] - self.x).powi(2) + (p[1] - self.y_at(p[2])).powi(2)).sqrt();
        (self.radius - r + 0.5).clamp(0.0, 1.0) * (self.top - p[2]).clamp(0.0, 1.0)
    }

    fn value(&self, z: f64) -> f64 {
        let t = ((z - (self.top - 15.0)) / 15.0).clamp(0.0, 1.0);
        CORD + (self.value_top - CORD) * t
    }
}

impl Base {
    fn build(dir: &Path) -> Base {
        let t1 = read_mni(&dir.join(T1_FILE));
        let wm = read_mni(&dir.join(WM_FILE));
        assert_eq!(t1.dim, wm.dim, "MNI T1 and WM maps differ in shape");
        let scale = white_matter_scale(&t1.data, &wm.data);
        drop(wm);
        let cord = Cord::from_mni(&t1, scale);
        let [ni, nj, nk] = t1.dim;
        let mut mask = Grid {
            dim: [ni + 2, nj + 2, nk + 2],
            origin: t1.origin.map(|o| o - 1.0),
            inv_step: 1.0,
            data: vec![0u8; (ni + 2) * (nj + 2) * (nk + 2)],
            clamp: false,
        };
        let mut brain_box = [[f64::INFINITY, f64::NEG_INFINITY]; 3];
        for (n, _) in t1.data.iter().enumerate().filter(|&(_, &v)| v > 0.0) {
            let (i, j, k) = (n / (nj * nk), n / nk % nj, n % nk);
            mask.data[((i + 1) * (nj + 2) + j + 1) * (nk + 2) + k + 1] = 1;
            for (a, m) in [i, j, k].into_iter().enumerate() {
                let x = t1.origin[a] + m as f64;
                brain_box[a] = [brain_box[a][0].min(x - 1.0), brain_box[a][1].max(x + 1.0)];
            }
        }
        let sdf = envelope_distance(&t1, &cord);
        let anatomy = Anatomy { cord, sdf: &sdf };

        let [ni, nj, nk] = BASE_DIM;
        let off: [isize; 3] = std::array::from_fn(|a| (t1.origin[a] - BASE_ORIGIN[a]) as isize);
        let mut head = vec![0f32; ni * nj * nk];
        parallel_slabs(&mut head, nj * nk, |i, slab| {
            let mi = i as isize - off[0];
            for j in 0..nj {
                let mj = j as isize - off[1];
                for k in 0..nk {
                    let mk = k as isize - off[2];
                    let m = [mi, mj, mk];
                    let in_mni = (0..3).all(|a| m[a] >= 0 && (m[a] as usize) < t1.dim[a]);
                    let brain = if in_mni {
                        let idx = (mi as usize * t1.dim[1] + mj as usize) * t1.dim[2] + mk as usize;
                        t1.data[idx]
                    } else {
                        0.0
                    };
                    slab[j * nk + k] = if brain > 0.0 {
                        (f64::from(brain) * scale) as f32
                    } else {
                        let p = [
                            BASE_ORIGIN[0] + i as f64,
                            BASE_ORIGIN[1] + j as f64,
                            BASE_ORIGIN[2] + k as f64,
                        ];
                        anatomy.value(p) as f32
                    };
                }
            }
        });
        let head = Grid {
            dim: BASE_DIM,
            origin: BASE_ORIGIN,
            inv_step: 1.0,
            data: head,
            // Repeat the edges: air on every side but the bottom, where the
            // neck goes on out of the grid as it does out of a real scan.
            clamp: true,
        };
        let mut points = Vec::new();
        for i in (0..ni).step_by(3) {
            for j in (0..nj).step_by(3) {
                for k in (0..nk).step_by(3) {
                    if head.data[(i * nj + j) * nk + k] > 1.0 {
                        let p: [f64; 3] =
                            std::array::from_fn(|a| BASE_ORIGIN[a] + [i, j, k][a] as f64);
                        points.push(p.map(|v| v as f32));
                    }
                }
            }
        }
        Base {
            head,
            mask,
            brain_box,
            points,
        }
    }
}

/// Signed distance (mm, positive outside) to the smooth envelope of the
/// brain and cord: a closing by [`CLOSING`] on a 2 mm grid, through exact
/// Euclidean distance transforms.
fn envelope_distance(t1: &Mni, cord: &Cord) -> Grid<f32> {
    let step = 2.0;
    let dim: [usize; 3] = std::array::from_fn(|a| (BASE_DIM[a] - 1) / 2 + 1);
    let index = |c: [usize; 3]| (c[0] * dim[1] + c[1]) * dim[2] + c[2];
    let mut seed = vec![false; dim[0] * dim[1] * dim[2]];
    // Every brain voxel marks the coarse voxel it falls in.
    let [_, nj, nk] = t1.dim;
    for (n, _) in t1.data.iter().enumerate().filter(|&(_, &v)| v > 0.0) {
        let m = [n / (nj * nk), n / nk % nj, n % nk];
        let c = std::array::from_fn(|a| {
            let base = t1.origin[a] + m[a] as f64 - BASE_ORIGIN[a];
            ((base / step + 0.5) as usize).min(dim[a] - 1)
        });
        seed[index(c)] = true;
    }
    for i in 0..dim[0] {
        for j in 0..dim[1] {
            for k in 0..dim[2] {
                let p: [f64; 3] =
                    std::array::from_fn(|a| BASE_ORIGIN[a] + step * [i, j, k][a] as f64);
                if p[2] < cord.top + 1.0 {
                    let r = ((p[0] - cord.x).powi(2) + (p[1] - cord.y_at(p[2])).powi(2)).sqrt();
                    seed[index([i, j, k])] |= r <= cord.radius + 0.5;
                }
            }
        }
    }
    let r2 = CLOSING * CLOSING;
    let dilated: Vec<bool> = edt(&seed, dim, step).iter().map(|&d| d <= r2).collect();
    let outside: Vec<bool> = dilated.iter().map(|&d| !d).collect();
    let envelope: Vec<bool> = edt(&outside, dim, step).iter().map(|&d| d > r2).collect();
    let d_out = edt(&envelope, dim, step);
    let not_envelope: Vec<bool> = envelope.iter().map(|&e| !e).collect();
    let d_in = edt(&not_envelope, dim, step);
    let half = step / 2.0;
    let data = envelope
        .iter()
        .zip(d_out.iter().zip(&d_in))
        .map(|(&inside, (&o, &i))| {
            if inside {
                (half - i.sqrt()) as f32
            } else {
                (o.sqrt() - half) as f32
            }
        })
        .collect();
    Grid {
        dim,
        origin: BASE_ORIGIN,
        inv_step: 1.0 / step,
        data,
        clamp: true,
    }
}

/// Squared Euclidean distance (mm²) from each voxel to the nearest voxel of
/// `feature` (infinite when there is none): Felzenszwalb and Huttenlocher's
/// separable lower envelope of parabolas, O(N).
fn edt(feature: &[bool], dim: [usize; 3], step: f64) -> Vec<f64> {
    let mut d: Vec<f64> = feature
        .iter()
        .map(|&f| if f { 0.0 } else { f64::INFINITY })
        .collect();
    let strides = [dim[1] * dim[2], dim[2], 1];
    let longest = dim.iter().copied().max().unwrap_or(0);
    let mut line = vec![0.0; longest];
    let mut out = vec![0.0; longest];
    let mut v = vec![0usize; longest];
    let mut z = vec![0.0; longest + 1];
    for axis in 0..3 {
        let (b, c) = ((axis + 1) % 3, (axis + 2) % 3);
        let len = dim[axis];
        for ib in 0..dim[b] {
            for ic in 0..dim[c] {
                let start = ib * strides[b] + ic * strides[c];
                for q in 0..len {
                    line[q] = d[start + q * strides[axis]];
                }
                edt_line(&line[..len], &mut out[..len], &mut v, &mut z, step);
                for q in 0..len {
                    d[start + q * strides[axis]] = out[q];
                }
            }
        }
    }
    d
}

fn edt_line(f: &[f64], out: &mut [f64], v: &mut [usize], z: &mut [f64], step: f64) {
    let pos = |q: usize| q as f64 * step;
    let mut k = 0usize;
    for q in 0..f.len() {
        if !f[q].is_finite() {
            continue;
        }
        let mut s = f64::NEG_INFINITY;
        while k > 0 {
            let p = v[k - 1];
            s = ((f[q] + pos(q) * pos(q)) - (f[p] + pos(p) * pos(p))) / (2.0 * (pos(q) - pos(p)));
            if s <= z[k - 1] {
                k -= 1;
            } else {
                break;
            }
        }
        if k == 0 {
            s = f64::NEG_INFINITY;
        }
        v[k] = q;
        z[k] = s;
        k += 1;
    }
    if k == 0 {
        out.fill(f64::INFINITY);
        return;
    }
    let mut j = 0;
    for (q, o) in out.iter_mut().enumerate() {
        while j + 1 < k && z[j + 1] <= pos(q) {
            j += 1;
        }
        let dx = pos(q) - pos(v[j]);
        *o = dx * dx + f[v[j]];
    }
}

/// An axis-aligned ellipsoid.
#[derive(Clone, Copy)]
struct Ellipsoid {
    centre: [f64; 3],
    radii: [f64; 3],
}

impl Ellipsoid {
    const fn new(centre: [f64; 3], radii: [f64; 3]) -> Self {
        Ellipsoid { centre, radii }
    }

    /// Approximate signed depth below the surface (mm, positive inside);
    /// [`FAR`] outside at most.
    fn depth(&self, p: [f64; 3]) -> f64 {
        let d: [f64; 3] = std::array::from_fn(|a| p[a] - self.centre[a]);
        if (0..3).any(|a| d[a].abs() > self.radii[a] + FAR) {
            return -FAR;
        }
        let q = (0..3)
            .map(|a| (d[a] / self.radii[a]).powi(2))
            .sum::<f64>()
            .sqrt();
        let g = (0..3)
            .map(|a| (d[a] / (self.radii[a] * self.radii[a])).powi(2))
            .sum::<f64>()
            .sqrt();
        let min_r = self.radii.iter().copied().fold(f64::INFINITY, f64::min);
        if g < 1e-12 {
            min_r
        } else {
            ((1.0 - q) * q / g).clamp(-FAR, min_r)
        }
    }
}

/// How far outside shapes are measured (mm): beyond it a shape cannot
/// reach the surface, even through [`smax`].
const FAR: f64 = 8.0;

/// Depth inside the neck: an elliptic cylinder below [`NECK_TOP`].
fn neck_depth(p: [f64; 3]) -> f64 {
    let d = [p[0] - NECK_AXIS[0], p[1] - NECK_AXIS[1]];
    let [a, b] = NECK_RADII;
    if d[0].abs() > a + FAR || d[1].abs() > b + FAR || p[2] > NECK_TOP + FAR {
        return -FAR;
    }
    let q = ((d[0] / a).powi(2) + (d[1] / b).powi(2)).sqrt();
    let g = ((d[0] / (a * a)).powi(2) + (d[1] / (b * b)).powi(2)).sqrt();
    let radial = if g < 1e-12 {
        a.min(b)
    } else {
        (1.0 - q) * q / g
    };
    radial.min(NECK_TOP - p[2]).max(-FAR)
}

/// Smooth maximum (polynomial, blending over `k` mm): rounds the joins.
fn smax(a: f64, b: f64, k: f64) -> f64 {
    let h = (k - (a - b).abs()).max(0.0) / k;
    a.max(b) + h * h * k * 0.25
}

/// Length of `[x - 0.5, x + 0.5]` inside `[lo, hi]`: a 1 mm box filter.
fn overlap(x: f64, lo: f64, hi: f64) -> f64 {
    ((x + 0.5).min(hi) - (x - 0.5).max(lo)).max(0.0)
}

/// Partial-volume fraction inside a surface at signed depth `e`.
fn inside(e: f64) -> f64 {
    (e + 0.5).clamp(0.0, 1.0)
}

/// Everything outside the brain, at the 1 mm resolution of the base grid.
struct Anatomy<'a> {
    cord: Cord,
    sdf: &'a Grid<f32>,
}

/// Outer radii (mm from the envelope) of CSF, inner table, diploe and outer
/// table, and the thicknesses of muscle, fat and skin, varying slowly.
struct Layers {
    bounds: [f64; 4],
    muscle: f64,
    fat: f64,
    skin: f64,
}

impl Layers {
    fn at([x, y, z]: [f64; 3]) -> Layers {
        let wave = |kx: f64, ky: f64, kz: f64, phase: f64, amp: f64| {
            1.0 + amp * fast_sin(kx * x + ky * y + kz * z + phase)
        };
        let csf = 2.5 * wave(0.045, 0.02, -0.03, 0.7, 0.2);
        let table = 2.0 * wave(0.03, -0.04, 0.035, 1.9, 0.2);
        let diploe = 2.6 * wave(-0.04, 0.025, 0.03, 3.0, 0.2);
        let soft = wave(-0.025, 0.035, 0.04, 4.1, 0.25);
        let b1 = csf;
        let b2 = b1 + table;
        let b3 = b2 + diploe;
        let b4 = b3 + table * 0.9;
        Layers {
            bounds: [b1, b2, b3, b4],
            muscle: 3.5 * soft,
            fat: 4.0 * (2.0 - soft),
            skin: 1.0,
        }
    }
}

/// Neck and face soft tissue: muscle-like with lobules of fat.
fn soft_tissue([x, y, z]: [f64; 3]) -> f64 {
    let s = fast_sin(0.21 * x + 0.07 * y + 0.05 * z) * fast_sin(0.16 * y - 0.09 * z + 1.3)
        + 0.5 * fast_sin(0.11 * x - 0.19 * z + 0.4);
    let fat = ((s - 0.45) / 0.35).clamp(0.0, 1.0);
    NECK + (FAT - NECK) * 0.9 * fat * fat * (3.0 - 2.0 * fat)
}

impl Anatomy<'_> {
    /// The value of a non-brain voxel at `p`.
    fn value(&self, p: [f64; 3]) -> f64 {
        let d = self.sdf.sample(p);
        // The thickest head (all layers at their maximum) is about 21 mm.
        let layers = (d < 24.0).then(|| Layers::at(p));
        let (bounds, skin, fat, e_head) = match &layers {
            Some(l) => {
                let total = l.bounds[3] + l.muscle + l.fat + l.skin;
                (l.bounds, l.skin, l.fat, total - d)
            }
            None => ([0.0; 4], 1.0, 4.0, -FAR),
        };
        let e_neck = neck_depth(p);
        let e_face = smax(FACE.depth(p), NOSE.depth(p), 4.0);
        let e_orbit = ORBITS[0].depth(p).max(ORBITS[1].depth(p));
        if layers.is_none() && e_neck.max(e_face).max(e_orbit) <= -FAR {
            return 0.0;
        }
        let e_soft = smax(e_neck, e_face, 8.0);
        let e = smax(smax(e_head, e_soft, 8.0), e_orbit, 4.0);
        if e <= -0.5 {
            return 0.0;
        }
        let deep = skin + fat;
        let mut interior = 0.0;
        if e + 0.5 > deep {
            // Beyond the skull: scalp muscle, or neck and face tissue.
            let w = ((e_soft - e_head) / 8.0 + 0.5).clamp(0.0, 1.0);
            let tissue = if w > 0.0 {
                MUSCLE + (soft_tissue(p) - MUSCLE) * w
            } else {
                MUSCLE
            };
            let [b1, b2, b3, b4] = bounds;
            interior = CSF * overlap(d, f64::NEG_INFINITY, b1)
                + TABLE * overlap(d, b1, b2)
                + DIPLOE * overlap(d, b2, b3)
                + TABLE * overlap(d, b3, b4)
                + tissue * overlap(d, b4, f64::INFINITY);
            let cord = self.cord.fraction(p);
            if cord > 0.0 {
                interior += (self.cord.value(p[2]) - interior) * cord;
            }
            // The orbits lie under the frontal lobes, beyond the inner table.
            let a = inside(e_orbit) * (d - b2).clamp(0.0, 1.0);
            interior += (ORBIT_FAT - interior) * a;
            let a = SINUSES
                .iter()
                .map(|s| inside(s.depth(p)))
                .fold(0.0, f64::max)
                * (d - b4).clamp(0.0, 1.0);
            interior += (SINUS - interior) * a;
        }
        let mut v = SKIN * overlap(e, 0.0, skin)
            + FAT * overlap(e, skin, deep)
            + interior * overlap(e, deep, f64::INFINITY);
        let globe = GLOBES
            .iter()
            .map(|g| inside(g.depth(p)))
            .fold(0.0, f64::max);
        if globe > 0.0 {
            let a = globe * (d - bounds[1]).clamp(0.0, 1.0) * (e - skin).clamp(0.0, 1.0);
            v += (VITREOUS - v) * a;
        }
        v
    }
}

/// Resamples the base head onto the grid of `spec`, with bias and noise.
fn render(base: &Base, spec: &Spec) -> Phantom {
    let scaled: [[f64; 3]; 3] = std::array::from_fn(|r| {
        std::array::from_fn(|c| {
            if r == c {
                spec.voxel[c] * spec.flip[c]
            } else {
                0.0
            }
        })
    });
    let lin = mat_mul(spec.grid_rot, scaled);
    let inv = inverse3(lin);
    let rot = spec.head_rot;
    let c = HEAD_CENTRE;

    // Grid extent: the head's points in index space, plus air around.
    let mut lo = [f64::INFINITY; 3];
    let mut hi = [f64::NEG_INFINITY; 3];
    for p in &base.points {
        let p = p.map(f64::from);
        let w = add(mat_vec(rot, sub(p, c)), c);
        let u = mat_vec(inv, w);
        for a in 0..3 {
            lo[a] = lo[a].min(u[a]);
            hi[a] = hi[a].max(u[a]);
        }
    }
    let mut start = [0.0; 3];
    let mut dim = [0usize; 3];
    // The grid axis closest to world z, and whether its index rises upwards.
    let up_axis = (0..3)
        .max_by(|&a, &b| {
            (lin[2][a] / spec.voxel[a])
                .abs()
                .total_cmp(&(lin[2][b] / spec.voxel[b]).abs())
        })
        .unwrap_or(2);
    for a in 0..3 {
        let margin = (MARGIN + 2.0) / spec.voxel[a];
        let (mut first, mut last) = ((lo[a] - margin).floor(), (hi[a] + margin).ceil());
        if a == up_axis {
            let cut = (NECK_CUT + MARGIN + 2.0) / spec.voxel[a];
            if lin[2][a] > 0.0 {
                first = (lo[a] + cut - margin).floor();
            } else {
                last = (hi[a] - cut + margin).ceil();
            }
        }
        start[a] = first;
        dim[a] = (last - first) as usize + 1;
    }
    let t = mat_vec(lin, start);
    let affine: [[f64; 4]; 4] = std::array::from_fn(|r| {
        if r == 3 {
            [0.0, 0.0, 0.0, 1.0]
        } else {
            [lin[r][0], lin[r][1], lin[r][2], t[r]]
        }
    });
    // Voxel to head frame: p = rotᵀ (lin·ijk + t − c) + c.
    let back = mat_mul(transpose(rot), lin);
    let back_t = add(mat_vec(transpose(rot), sub(t, c)), c);

    let [_, nj, nk] = dim;
    let voxel = |i: usize, j: usize, k: usize| [i as f64, j as f64, k as f64];
    let sigma = spec.noise * WM;
    let mut data = vec![0f32; dim.iter().product()];
    parallel_slabs(&mut data, nj * nk, |i, slab| {
        // One generator per slab: the same voxels whatever the threads.
        let mut rng = SplitMix(spec.seed ^ (i as u64 + 1).wrapping_mul(0xD1B5_4A32_D192_ED03));
        for j in 0..nj {
            for k in 0..nk {
                let ijk = voxel(i, j, k);
                let p = add(mat_vec(back, ijk), back_t);
                let w = add(mat_vec(lin, ijk), t);
                let clean = base.head.sample(p) * bias(w, spec.bias);
                // Rician: the magnitude of a complex signal with Gaussian noise.
                let (re, im) = (clean + sigma * rng.gaussian(), sigma * rng.gaussian());
                let v = (re * re + im * im).sqrt();
                slab[j * nk + k] = if spec.integer {
                    v.round().clamp(0.0, 4095.0) as f32
                } else {
                    v as f32
                };
            }
        }
    });
    let mut truth = vec![false; data.len()];
    let brain = base.brain_box;
    parallel_slabs(&mut truth, nj * nk, |i, slab| {
        for j in 0..nj {
            for k in 0..nk {
                let p = add(mat_vec(back, voxel(i, j, k)), back_t);
                let near = (0..3).all(|a| (brain[a][0]..=brain[a][1]).contains(&p[a]));
                slab[j * nk + k] = near && base.mask.sample(p) >= 0.5;
            }
        }
    });
    Phantom {
        name: spec.name,
        data: Array3::from_shape_vec(dim, data).expect("shape matches"),
        affine,
        truth: Array3::from_shape_vec(dim, truth).expect("shape matches"),
    }
}

/// A smooth multiplicative field: `1 ± 0.8 amplitude` over the head,
/// `1 ± 0.7 amplitude` over the brain.
fn bias(w: [f64; 3], amplitude: f64) -> f64 {
    let u: [f64; 3] = std::array::from_fn(|a| (w[a] - HEAD_CENTRE[a]) / 100.0);
    let g = 0.5 * fast_sin(1.3 * u[0] + 0.2)
        + 0.35 * fast_sin(1.1 * u[1] + 0.3 * u[2])
        + 0.35 * fast_sin(1.2 * u[2] - 0.1);
    1.0 + amplitude * g
}

fn worker_count() -> usize {
    std::thread::available_parallelism()
        .map_or(2, |n| n.get())
        .clamp(1, 8)
}

/// Runs `f(i, slab)` over the `i` slabs (`plane` values each) of `data` on
/// a few threads.
fn parallel_slabs<T: Send, F>(data: &mut [T], plane: usize, f: F)
where
    F: Fn(usize, &mut [T]) + Sync,
{
    let n = data.len() / plane;
    let per = n.div_ceil(worker_count()).max(1);
    std::thread::scope(|scope| {
        for (c, chunk) in data.chunks_mut(per * plane).enumerate() {
            let f = &f;
            scope.spawn(move || {
                for (s, slab) in chunk.chunks_mut(plane).enumerate() {
                    f(c * per + s, slab);
                }
            });
        }
    });
}

/// splitmix64 (Steele, Lea and Flood 2014): small, fast, reproducible.
struct SplitMix(u64);

impl SplitMix {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A standard normal value, approximately: the sum of four uniform
    /// values, rescaled (Irwin–Hall; tails end at ±3.5 sigma), cheaper than
    /// Box–Muller's logarithm and sine.
    fn gaussian(&mut self) -> f64 {
        let r = self.next();
        let sum: u64 = (0..4).map(|n| (r >> (16 * n)) & 0xFFFF).sum();
        (sum as f64 / 65536.0 - 2.0) * 3f64.sqrt()
    }
}

/// A smooth periodic function close to `sin(t)` (within 0.001), without
/// libm: the phantom only needs smooth and reproducible.
fn fast_sin(t: f64) -> f64 {
    let mut x = t * (0.5 / std::f64::consts::PI);
    x -= (x as i64) as f64;
    if x > 0.5 {
        x -= 1.0;
    } else if x < -0.5 {
        x += 1.0;
    }
    let y = 8.0 * x * (1.0 - 2.0 * x.abs());
    0.225 * (y * y.abs() - y) + y
}

// Small 3×3 linear algebra.

const IDENTITY3: [[f64; 3]; 3] = [[1.0, 0.0, 0.0], [0.0, 1.0, 0.0], [0.0, 0.0, 1.0]];

fn rot_x(degrees: f64) -> [[f64; 3]; 3] {
    let (s, c) = degrees.to_radians().sin_cos();
    [[1.0, 0.0, 0.0], [0.0, c, -s], [0.0, s, c]]
}

fn rot_y(degrees: f64) -> [[f64; 3]; 3] {
    let (s, c) = degrees.to_radians().sin_cos();
    [[c, 0.0, s], [0.0, 1.0, 0.0], [-s, 0.0, c]]
}

fn rot_z(degrees: f64) -> [[f64; 3]; 3] {
    let (s, c) = degrees.to_radians().sin_cos();
    [[c, -s, 0.0], [s, c, 0.0], [0.0, 0.0, 1.0]]
}

fn mat_mul(a: [[f64; 3]; 3], b: [[f64; 3]; 3]) -> [[f64; 3]; 3] {
    std::array::from_fn(|r| std::array::from_fn(|c| (0..3).map(|k| a[r][k] * b[k][c]).sum()))
}

fn mat_vec(m: [[f64; 3]; 3], v: [f64; 3]) -> [f64; 3] {
    std::array::from_fn(|r| m[r][0] * v[0] + m[r][1] * v[1] + m[r][2] * v[2])
}

fn transpose(m: [[f64; 3]; 3]) -> [[f64; 3]; 3] {
    std::array::from_fn(|r| std::array::from_fn(|c| m[c][r]))
}

fn inverse3(m: [[f64; 3]; 3]) -> [[f64; 3]; 3] {
    let det = m[0][0] * (m[1][1] * m[2][2] - m[1][2] * m[2][1])
        - m[0][1] * (m[1][0] * m[2][2] - m[1][2] * m[2][0])
        + m[0][2] * (m[1][0] * m[2][1] - m[1][1] * m[2][0]);
    std::array::from_fn(|r| {
        std::array::from_fn(|c| {
            let (r1, r2) = ((c + 1) % 3, (c + 2) % 3);
            let (c1, c2) = ((r + 1) % 3, (r + 2) % 3);
            (m[r1][c1] * m[r2][c2] - m[r1][c2] * m[r2][c1]) / det
        })
    })
}

fn add(a: [f64; 3], b: [f64; 3]) -> [f64; 3] {
    std::array::from_fn(|i| a[i] + b[i])
}

fn sub(a: [f64; 3], b: [f64; 3]) -> [f64; 3] {
    std::array::from_fn(|i| a[i] - b[i])
}
