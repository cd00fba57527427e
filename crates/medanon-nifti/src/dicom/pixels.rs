//! Pixel data to `f32` modality values (through `dicom-pixeldata`, which
//! decodes native, RLE, JPEG and deflated data) and back to 16-bit stored
//! values with a rescale.

use std::panic::{AssertUnwindSafe, catch_unwind};

use dicom_core::PrimitiveValue;
use dicom_object::DefaultDicomObject;
use dicom_pixeldata::{ConvertOptions, ModalityLutOption, PixelDecoder, PixelRepresentation};

use super::attr::format_ds;

/// A modality rescale: value = stored × slope + intercept.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) struct Rescale {
    /// Rescale Slope (times Dose Grid Scaling for RT Dose).
    pub slope: f64,
    /// Rescale Intercept.
    pub intercept: f64,
}

impl Rescale {
    /// Stored values are the values.
    pub const IDENTITY: Rescale = Rescale {
        slope: 1.0,
        intercept: 0.0,
    };
}

/// Decodes the frames of `object` (all of them: `rescales` has one entry
/// per frame) into modality values, one `Vec` per frame in row-major order.
pub(super) fn decode_frames(
    object: &DefaultDicomObject,
    rescales: &[Rescale],
) -> Result<Vec<Vec<f32>>, String> {
    catch_unwind(AssertUnwindSafe(|| decode_unguarded(object, rescales))).map_err(|_| {
        "the pixel data decoder failed (internal error; please report it)".to_owned()
    })?
}

fn decode_unguarded(
    object: &DefaultDicomObject,
    rescales: &[Rescale],
) -> Result<Vec<Vec<f32>>, String> {
    let decoded = object
        .decode_pixel_data()
        .map_err(|e| format!("cannot decode the pixel data: {e}"))?;
    if decoded.samples_per_pixel() != 1 || !decoded.photometric_interpretation().is_monochrome() {
        return Err(format!(
            "colour images are not supported ({} samples per pixel, {})",
            decoded.samples_per_pixel(),
            decoded.photometric_interpretation()
        ));
    }
    let frames = usize::try_from(decoded.number_of_frames()).unwrap_or(usize::MAX);
    if frames < rescales.len() {
        return Err(format!(
            "the pixel data holds {frames} frames where the header declares {}",
            rescales.len()
        ));
    }
    let mut out = Vec::with_capacity(rescales.len());
    for (frame, rescale) in (0u32..).zip(rescales) {
        let values = match decoded.bits_allocated() {
            8 | 16 => {
                let options = ConvertOptions::new().with_modality_lut(ModalityLutOption::Override(
                    dicom_pixeldata::Rescale::new(rescale.slope, rescale.intercept),
                ));
                decoded
                    .to_vec_frame_with_options::<f32>(frame, &options)
                    .map_err(|e| format!("cannot convert frame {}: {e}", frame + 1))?
            }
            32 => {
                let bytes = decoded
                    .frame_data(frame)
                    .map_err(|e| format!("cannot read frame {}: {e}", frame + 1))?;
                let signed = decoded.pixel_representation() == PixelRepresentation::Signed;
                let order = word_order(object);
                bytes
                    .chunks_exact(4)
                    .map(|b| {
                        let raw = match order {
                            WordOrder::Little => [b[0], b[1], b[2], b[3]],
                            WordOrder::SwappedWords => [b[2], b[3], b[0], b[1]],
                            WordOrder::Big => [b[3], b[2], b[1], b[0]],
                        };
                        let stored = if signed {
                            f64::from(i32::from_le_bytes(raw))
                        } else {
                            f64::from(u32::from_le_bytes(raw))
                        };
                        (stored * rescale.slope + rescale.intercept) as f32
                    })
                    .collect()
            }
            bits => return Err(format!("{bits} bits allocated per pixel is not supported")),
        };
        out.push(values);
    }
    Ok(out)
}

/// How the bytes of 32-bit samples are laid out in the decoded data.
enum WordOrder {
    /// Little endian (every little-endian transfer syntax).
    Little,
    /// Big endian data read as 16-bit words (OW): each word is in native
    /// order, but the high word comes first.
    SwappedWords,
    /// Big endian bytes (OB).
    Big,
}

/// The layout `dicom-pixeldata` hands 32-bit native samples in: the bytes
/// of the Pixel Data value, whose parsed form depends on the VR and the
/// transfer syntax's byte order.
fn word_order(object: &DefaultDicomObject) -> WordOrder {
    let big_endian = object
        .meta()
        .transfer_syntax()
        .trim_end_matches(['\0', ' '])
        == "1.2.840.10008.1.2.2"; // Explicit VR Big Endian (retired)
    let value = object
        .get(dicom_dictionary_std::tags::PIXEL_DATA)
        .and_then(|e| e.value().primitive());
    match value {
        _ if !big_endian => WordOrder::Little,
        Some(PrimitiveValue::U16(_) | PrimitiveValue::I16(_)) => WordOrder::SwappedWords,
        Some(PrimitiveValue::U8(_)) => WordOrder::Big,
        _ => WordOrder::Little,
    }
}

/// How values are stored on writing: 16-bit, signed or not, with a rescale.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) struct Encoding {
    /// value = stored × slope + intercept.
    pub rescale: Rescale,
    /// Pixel Representation 1 (two's complement) or 0.
    pub signed: bool,
}

impl Encoding {
    /// The stored value of `value`, rounded and clamped (NaN as 0).
    pub fn store(&self, value: f32) -> u16 {
        let stored = self.stored_f64(value).round();
        if self.signed {
            // Clamped to the i16 range first, so the casts are exact.
            stored.clamp(-32768.0, 32767.0) as i16 as u16
        } else {
            stored.clamp(0.0, 65535.0) as u16
        }
    }

    fn stored_f64(&self, value: f32) -> f64 {
        let value = if value.is_nan() {
            0.0
        } else {
            f64::from(value)
        };
        (value - self.rescale.intercept) / self.rescale.slope
    }
}

/// How far (in stored steps) a value may be off the template's grid of
/// representable values and still count as on it (`f32` rounding aside).
const GRID_TOLERANCE: f64 = 0.05;

/// The encoding with `rescale` (the template's), if every value fits in 16
/// bits with it (unsigned when no stored value is negative) and lies on its
/// grid of representable values, so that nothing is lost: a masked copy of
/// the source values qualifies, values from arithmetic usually do not.
pub(super) fn fit(values: impl Iterator<Item = f32>, rescale: Rescale) -> Option<Encoding> {
    if !(rescale.slope.is_finite() && rescale.slope != 0.0 && rescale.intercept.is_finite()) {
        return None;
    }
    let probe = Encoding {
        rescale,
        signed: false,
    };
    let (mut lo, mut hi) = (0.0f64, 0.0f64);
    for value in values {
        let exact = probe.stored_f64(value);
        let stored = exact.round();
        let f32_error = f64::from(value.abs()) * 1.2e-7 / rescale.slope.abs();
        if (exact - stored).abs() > GRID_TOLERANCE + f32_error {
            return None;
        }
        lo = lo.min(stored);
        hi = hi.max(stored);
    }
    if lo >= 0.0 && hi <= 65535.0 {
        Some(probe)
    } else if lo >= -32768.0 && hi <= 32767.0 {
        Some(Encoding {
            signed: true,
            ..probe
        })
    } else {
        None
    }
}

/// A new encoding for `values`: the values themselves when they are
/// integers that fit in 16 bits, else a slope with intercept 0 (so that 0,
/// the background of a masked image, stays exactly 0) spanning the range.
pub(super) fn recompute(values: impl Iterator<Item = f32>) -> Encoding {
    let (mut lo, mut hi, mut integers) = (0.0f64, 0.0f64, true);
    for value in values.filter(|v| v.is_finite()) {
        let value = f64::from(value);
        lo = lo.min(value);
        hi = hi.max(value);
        integers &= value.fract() == 0.0;
    }
    if integers && hi <= 65535.0 && lo >= 0.0 {
        return Encoding {
            rescale: Rescale::IDENTITY,
            signed: false,
        };
    }
    if integers && hi <= 32767.0 && lo >= -32768.0 {
        return Encoding {
            rescale: Rescale::IDENTITY,
            signed: true,
        };
    }
    let signed = lo < 0.0;
    let span = if signed {
        lo.abs().max(hi) / 32767.0
    } else {
        hi / 65535.0
    };
    let slope = if span > 0.0 && span.is_finite() {
        // The slope as written in the file (a 16-character DS), nudged up
        // when rounding the text made it smaller, so the range still fits.
        let written: f64 = format_ds(span).parse().unwrap_or(span);
        if written < span {
            format_ds(span * (1.0 + 1e-9)).parse().unwrap_or(span)
        } else {
            written
        }
    } else {
        1.0
    };
    Encoding {
        rescale: Rescale {
            slope,
            intercept: 0.0,
        },
        signed,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn template_rescale_is_kept_when_values_fit() {
        let ct = Rescale {
            slope: 1.0,
            intercept: -1024.0,
        };
        let fitted = fit([-1024.0f32, 0.0, 2000.0].into_iter(), ct).unwrap();
        assert_eq!(fitted.rescale, ct);
        assert!(!fitted.signed);
        assert_eq!(fitted.store(-1024.0), 0);
        assert_eq!(fitted.store(0.0), 1024);
        let signed = fit([-3000.0f32, 0.0].into_iter(), ct).unwrap();
        assert!(signed.signed);
        assert_eq!(signed.store(-3000.0) as i16, -1976);
        assert!(fit([1.0e6f32].into_iter(), ct).is_none(), "out of range");
        assert!(fit([0.5f32].into_iter(), ct).is_none(), "off the grid");
        let fine = Rescale {
            slope: 0.25,
            intercept: 0.0,
        };
        assert!(fit([0.5f32, 1.75, 3000.25].into_iter(), fine).is_some());
        assert!(fit([1.0f32].into_iter(), Rescale { slope: 0.0, ..ct }).is_none());
    }

    #[test]
    fn recomputed_encodings_keep_zero_and_span_the_range() {
        let ints = recompute([0.0f32, 7.0, 40000.0].into_iter());
        assert_eq!(ints.rescale, Rescale::IDENTITY);
        assert!(!ints.signed);
        let signed_ints = recompute([-5.0f32, 7.0].into_iter());
        assert!(signed_ints.signed);
        assert_eq!(signed_ints.rescale, Rescale::IDENTITY);

        let values = [0.0f32, 0.25, 1.0e6, 123.456];
        let enc = recompute(values.into_iter());
        assert!(!enc.signed);
        assert_eq!(enc.rescale.intercept, 0.0);
        assert_eq!(enc.store(0.0), 0);
        for v in values {
            let back = f64::from(enc.store(v)) * enc.rescale.slope;
            assert!((back - f64::from(v)).abs() <= enc.rescale.slope / 2.0 + 1e-6);
        }
        let neg = recompute([-2.5f32, 1.5, 0.0].into_iter());
        assert!(neg.signed);
        assert_eq!(neg.store(-2.5) as i16, -32767);
        assert_eq!(neg.store(f32::NAN), 0);
        assert_eq!(
            recompute([f32::NAN, 0.0].into_iter()).rescale,
            Rescale::IDENTITY
        );
    }
}
