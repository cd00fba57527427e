//! Voxel values: the stored bytes (file order, `i` fastest) to scaled `f32`
//! in an `[i, j, k, t]` array, and back.

use ndarray::Array4;

use crate::volume::StoredType;

/// Bytes per voxel of a stored type.
pub(crate) fn voxel_bytes(stored: StoredType) -> usize {
    match stored {
        StoredType::U8 | StoredType::I8 => 1,
        StoredType::I16 | StoredType::U16 => 2,
        StoredType::I32 | StoredType::U32 | StoredType::F32 => 4,
        StoredType::I64 | StoredType::U64 | StoredType::F64 => 8,
        StoredType::Rgb24 => 3,
    }
}

/// Bytes per number (what a byte swap reverses): 1 for RGB24's channels.
fn component_bytes(stored: StoredType) -> usize {
    match stored {
        StoredType::Rgb24 => 1,
        other => voxel_bytes(other),
    }
}

/// Whether the type holds integers (the ones `scl_slope` is kept for on write).
pub(crate) fn is_integer(stored: StoredType) -> bool {
    !matches!(
        stored,
        StoredType::F32 | StoredType::F64 | StoredType::Rgb24
    )
}

/// The scaling to apply on read: `Some((slope, inter))` when `scl_slope` is
/// finite and non-zero (a non-finite `scl_inter` counts as 0), else none.
/// RGB24 is never scaled.
pub(crate) fn read_scaling(stored: StoredType, slope: f64, inter: f64) -> Option<(f64, f64)> {
    let valid = slope.is_finite() && slope != 0.0 && stored != StoredType::Rgb24;
    valid.then(|| (slope, if inter.is_finite() { inter } else { 0.0 }))
}

/// The range of an integer type, as `f64`.
fn int_range(stored: StoredType) -> (f64, f64) {
    match stored {
        StoredType::U8 | StoredType::Rgb24 => (0.0, f64::from(u8::MAX)),
        StoredType::I8 => (f64::from(i8::MIN), f64::from(i8::MAX)),
        StoredType::I16 => (f64::from(i16::MIN), f64::from(i16::MAX)),
        StoredType::U16 => (0.0, f64::from(u16::MAX)),
        StoredType::I32 => (f64::from(i32::MIN), f64::from(i32::MAX)),
        StoredType::U32 => (0.0, f64::from(u32::MAX)),
        StoredType::I64 => (i64::MIN as f64, i64::MAX as f64),
        StoredType::U64 => (0.0, u64::MAX as f64),
        StoredType::F32 | StoredType::F64 => (f64::NEG_INFINITY, f64::INFINITY),
    }
}

/// The `(scl_slope, scl_inter)` to write `data` in integer type `stored`
/// with: the header's own scaling when every value is exactly
/// representable with it (a read–write round trip is then lossless), else
/// 1 and 0 when every value is an integer in range, else (as nibabel does
/// for float data in an integer type) the scaling that maps the data's
/// finite range onto the type's range, values then rounded to the nearest
/// step. NaN is stored as 0.
pub(crate) fn choose_scaling(
    data: &Array4<f32>,
    stored: StoredType,
    slope: f64,
    inter: f64,
) -> (f64, f64) {
    let (lo, hi) = int_range(stored);
    let fits = |s: f64, i: f64| {
        data.iter().all(|&v| {
            let raw = ((f64::from(v) - i) / s).round();
            v.is_nan() || ((lo..=hi).contains(&raw) && (raw * s + i) as f32 == v)
        })
    };
    if let Some((s, i)) = read_scaling(stored, slope, inter) {
        if fits(s, i) {
            return (s, i);
        }
    }
    if fits(1.0, 0.0) {
        return (1.0, 0.0);
    }
    let (min, max) = data
        .iter()
        .filter(|v| v.is_finite())
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), &v| {
            (a.min(f64::from(v)), b.max(f64::from(v)))
        });
    if !(min.is_finite() && max.is_finite()) || max <= min {
        return (1.0, if min.is_finite() { min } else { 0.0 });
    }
    let slope = (max - min) / (hi - lo);
    (slope, min - lo * slope)
}

/// Reverses each number's bytes: big-endian data to little-endian.
pub(crate) fn swap_bytes(raw: &mut [u8], stored: StoredType) {
    let n = component_bytes(stored);
    if n > 1 {
        raw.chunks_exact_mut(n).for_each(<[u8]>::reverse);
    }
}

/// Calls `put(destination, bytes)` for each voxel of `raw` in file order,
/// where `destination` is the voxel's index in a standard-layout
/// `[i, j, k, t]` array of `shape`.
fn scatter<const N: usize>(raw: &[u8], shape: [usize; 4], mut put: impl FnMut(usize, [u8; N])) {
    let [ni, nj, nk, nt] = shape;
    let stride = nj * nk * nt;
    let mut chunks = raw.chunks_exact(N);
    for t in 0..nt {
        for k in 0..nk {
            for j in 0..nj {
                let base = (j * nk + k) * nt + t;
                for i in 0..ni {
                    let Some(chunk) = chunks.next() else { return };
                    let mut bytes = [0u8; N];
                    bytes.copy_from_slice(chunk);
                    put(base + i * stride, bytes);
                }
            }
        }
    }
}

/// Decodes `raw` (exactly `shape`'s voxel count × [`voxel_bytes`]) into a
/// standard-layout array, scaled.
pub(crate) fn decode(
    raw: &[u8],
    stored: StoredType,
    big_endian: bool,
    scaling: Option<(f64, f64)>,
    shape: [usize; 4],
) -> Vec<f32> {
    let count = shape.iter().product();
    let mut out = vec![0f32; count];
    let (slope, inter) = scaling.unwrap_or((1.0, 0.0));
    macro_rules! numbers {
        ($t:ty, $n:literal) => {
            scatter::<$n>(raw, shape, |at, b| {
                let v = if big_endian {
                    <$t>::from_be_bytes(b)
                } else {
                    <$t>::from_le_bytes(b)
                };
                out[at] = (v as f64 * slope + inter) as f32;
            })
        };
    }
    match stored {
        StoredType::U8 => numbers!(u8, 1),
        StoredType::I8 => numbers!(i8, 1),
        StoredType::I16 => numbers!(i16, 2),
        StoredType::U16 => numbers!(u16, 2),
        StoredType::I32 => numbers!(i32, 4),
        StoredType::U32 => numbers!(u32, 4),
        StoredType::I64 => numbers!(i64, 8),
        StoredType::U64 => numbers!(u64, 8),
        StoredType::F32 if scaling.is_none() => scatter::<4>(raw, shape, |at, b| {
            out[at] = if big_endian {
                f32::from_be_bytes(b)
            } else {
                f32::from_le_bytes(b)
            };
        }),
        StoredType::F32 => numbers!(f32, 4),
        StoredType::F64 => numbers!(f64, 8),
        StoredType::Rgb24 => scatter::<3>(raw, shape, |at, [r, g, b]| {
            // Rec. 601 luma in integers, so a gray (v, v, v) reads as v exactly.
            let luma = 299 * u32::from(r) + 587 * u32::from(g) + 114 * u32::from(b);
            out[at] = luma as f32 / 1000.0;
        }),
    }
    out
}

/// Encodes `data` in file order, little-endian, as `stored`: integers as
/// `round((v − inter) / slope)` clamped to the type's range (NaN to 0),
/// floats unscaled, RGB24 as gray `(v, v, v)` clamped to 0–255.
pub(crate) fn encode(data: &Array4<f32>, stored: StoredType, slope: f64, inter: f64) -> Vec<u8> {
    let mut out = Vec::with_capacity(data.len().saturating_mul(voxel_bytes(stored)));
    let values = data.view().reversed_axes();
    let raw = |v: f32| ((f64::from(v) - inter) / slope).round();
    macro_rules! ints {
        ($t:ty) => {
            for &v in values.iter() {
                // `as` saturates at the type's bounds and maps NaN to 0.
                out.extend_from_slice(&(raw(v) as $t).to_le_bytes());
            }
        };
    }
    match stored {
        StoredType::U8 => ints!(u8),
        StoredType::I8 => ints!(i8),
        StoredType::I16 => ints!(i16),
        StoredType::U16 => ints!(u16),
        StoredType::I32 => ints!(i32),
        StoredType::U32 => ints!(u32),
        StoredType::I64 => ints!(i64),
        StoredType::U64 => ints!(u64),
        StoredType::F32 => {
            for &v in values.iter() {
                out.extend_from_slice(&v.to_le_bytes());
            }
        }
        StoredType::F64 => {
            for &v in values.iter() {
                out.extend_from_slice(&f64::from(v).to_le_bytes());
            }
        }
        StoredType::Rgb24 => {
            for &v in values.iter() {
                let gray = v.round().clamp(0.0, 255.0) as u8;
                out.extend_from_slice(&[gray; 3]);
            }
        }
    }
    out
}
