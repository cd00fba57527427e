//! Rendering a frame for display: 8-bit RGB through the standard's
//! grayscale pipeline (PS3.3 C.11: Modality LUT, VOI LUT or window,
//! MONOCHROME1 and Presentation LUT Shape inversion) or its colour models
//! (RGB, YBR, palette colour); PNG files through `medanon-png`, the encoder
//! the NIfTI views use too.

use std::io::Write;
use std::path::Path;

use dicom_core::Tag;
use dicom_core::value::{PrimitiveValue, Value};
use dicom_dictionary_std::tags;
use dicom_object::mem::InMemElement;
use dicom_object::{DefaultDicomObject, InMemDicomObject};

use crate::decode::{decode_frame, ybr_full_to_rgb};
use crate::error::{Error, Result};
use crate::frame::{Frame, Photometric};

/// What to render.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct RenderOptions {
    /// The frame (0-based).
    pub frame: usize,
    /// Window centre and width in modality units (after Rescale Slope and
    /// Intercept), overriding the file's windows and VOI LUTs; grey
    /// images only.
    pub window: Option<(f64, f64)>,
}

/// An 8-bit RGB image: rows top to bottom, pixels left to right.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RgbImage {
    /// Width in pixels.
    pub width: usize,
    /// Height in pixels.
    pub height: usize,
    /// `width × height × 3` bytes, row-major, R G B for each pixel.
    pub rgb: Vec<u8>,
}

/// Renders one frame of the object (see [`render_frame`]).
///
/// # Errors
/// As [`decode_frame`] and [`render_frame`].
pub fn render(obj: &DefaultDicomObject, options: &RenderOptions) -> Result<RgbImage> {
    let frame = decode_frame(obj, options.frame)?;
    render_frame(obj, &frame, options)
}

/// Renders a decoded frame of the object (frame `options.frame`, whose
/// functional groups apply), for instance a cleaned one.
///
/// Grey frames go through the Modality LUT (Rescale Slope and Intercept,
/// or a Modality LUT Sequence), then the VOI: `options.window`, else the
/// file's first Window Center/Width (with its VOI LUT Function), else its
/// first VOI LUT, else a window from the 1st to the 99th percentile of the
/// frame; MONOCHROME1 (or an INVERSE Presentation LUT Shape) is inverted.
/// Enhanced multi-frame objects' per-frame and shared functional groups are
/// honoured. Colour frames are shown as they are (RGB, YBR converted) and
/// palette colour through the Red, Green and Blue Palette Color Lookup
/// Tables (8- or 16-bit entries).
///
/// # Errors
/// [`Error::InvalidArgument`] for a window width not above 0;
/// [`Error::InvalidPixelInfo`] for a malformed lookup table;
/// [`Error::UnsupportedPixelData`] for segmented palettes and colour
/// models other than RGB, YBR and palette colour.
pub fn render_frame(
    obj: &DefaultDicomObject,
    frame: &Frame,
    options: &RenderOptions,
) -> Result<RgbImage> {
    if let Some((_, width)) = options.window {
        if !(width > 0.0 && width.is_finite()) {
            return Err(Error::InvalidArgument(format!(
                "window width must be above 0 (got {width})"
            )));
        }
    }
    let pixels = frame.rows * frame.columns;
    let rgb = match (&frame.photometric, frame.samples) {
        (Photometric::PaletteColor, 1) => palette(obj, frame)?,
        (_, 1) => {
            let grey = grey(obj, frame, options)?;
            let mut rgb = Vec::with_capacity(pixels * 3);
            for g in grey {
                rgb.extend_from_slice(&[g, g, g]);
            }
            rgb
        }
        (Photometric::Rgb | Photometric::YbrFull | Photometric::YbrFull422, 3) => {
            let mut values = frame.values.clone();
            let bits = bits_stored(obj);
            if frame.photometric != Photometric::Rgb {
                ybr_full_to_rgb(&mut values, bits);
            }
            let shift = bits.saturating_sub(8);
            values
                .iter()
                .map(|&v| (v.max(0) >> shift).min(255) as u8)
                .collect()
        }
        (other, samples) => {
            return Err(Error::UnsupportedPixelData(format!(
                "rendering {} with {samples} samples per pixel",
                other.as_str()
            )));
        }
    };
    Ok(RgbImage {
        width: frame.columns,
        height: frame.rows,
        rgb,
    })
}

/// Bits Stored, 8 when absent or out of range.
fn bits_stored(obj: &DefaultDicomObject) -> u32 {
    int(obj.get(tags::BITS_STORED))
        .and_then(|v| u32::try_from(v).ok())
        .filter(|v| (1..=32).contains(v))
        .unwrap_or(8)
}

/// The first value of an integer attribute.
fn int(element: Option<&InMemElement>) -> Option<i64> {
    element.and_then(|e| e.to_int::<i64>().ok())
}

/// All values of a numeric attribute as `f64`.
fn floats(element: Option<&InMemElement>) -> Option<Vec<f64>> {
    element
        .and_then(|e| e.to_multi_float64().ok())
        .filter(|v| !v.is_empty())
}

/// The string value of an attribute, trimmed.
fn text(element: Option<&InMemElement>) -> Option<String> {
    element
        .and_then(|e| e.to_str().ok())
        .map(|s| s.trim_matches(['\0', ' ']).to_owned())
}

/// The first item of a sequence attribute.
fn first_item(obj: &InMemDicomObject, tag: Tag) -> Option<&InMemDicomObject> {
    obj.get(tag)
        .and_then(|e| e.items())
        .and_then(|items| items.first())
}

/// Where the attributes that can vary by frame are looked up: the frame's
/// item of the Per-frame Functional Groups, the Shared Functional Groups,
/// then the top level.
fn frame_scopes(obj: &DefaultDicomObject, frame: usize) -> Vec<&InMemDicomObject> {
    let mut scopes = Vec::new();
    if let Some(item) = obj
        .get(tags::PER_FRAME_FUNCTIONAL_GROUPS_SEQUENCE)
        .and_then(|e| e.items())
        .and_then(|items| items.get(frame))
    {
        scopes.push(item);
    }
    if let Some(item) = first_item(obj, tags::SHARED_FUNCTIONAL_GROUPS_SEQUENCE) {
        scopes.push(item);
    }
    scopes
}

/// An attribute of a functional group macro (`group` sequence, first item)
/// for this frame, else the same attribute at the top level.
fn frame_attribute<'a>(
    obj: &'a DefaultDicomObject,
    scopes: &[&'a InMemDicomObject],
    group: Tag,
    tag: Tag,
) -> Option<&'a InMemElement> {
    scopes
        .iter()
        .find_map(|scope| first_item(scope, group).and_then(|item| item.get(tag)))
        .or_else(|| obj.get(tag))
}

/// A lookup table: LUT Descriptor (entries, first mapped value, bits) and
/// LUT Data, from one item or object.
#[derive(Debug)]
struct Lut {
    first: i64,
    bits: u32,
    data: Vec<i64>,
}

impl Lut {
    /// Reads a LUT whose descriptor and data are `descriptor` and `data`
    /// of `item`. `None` when absent.
    fn read(item: &InMemDicomObject, descriptor: Tag, data: Tag) -> Result<Option<Lut>> {
        let (Some(desc), Some(values)) = (item.get(descriptor), item.get(data)) else {
            return Ok(None);
        };
        let invalid = |what: &str| Error::InvalidPixelInfo(format!("lookup table: {what}"));
        let desc = desc
            .to_multi_int::<i64>()
            .map_err(|_| invalid("the descriptor is not numeric"))?;
        let [entries, first, bits] = desc[..] else {
            return Err(invalid("the descriptor does not have 3 values"));
        };
        // 0 entries means 65536; the first value mapped may be read as US
        // when it was meant as SS (PS3.3 C.11.1.1).
        let entries = match entries {
            0 => 65536,
            n if n < 0 => n + 65536,
            n => n,
        } as usize;
        let bits = u32::try_from(bits)
            .ok()
            .filter(|b| (1..=16).contains(b))
            .ok_or_else(|| invalid("the bit depth is not 1 to 16"))?;
        let words: Vec<i64> = match values.value() {
            Value::Primitive(PrimitiveValue::U16(v)) => v.iter().map(|&w| i64::from(w)).collect(),
            Value::Primitive(PrimitiveValue::I16(v)) => {
                v.iter().map(|&w| i64::from(w as u16)).collect()
            }
            Value::Primitive(PrimitiveValue::U8(v)) => {
                // OB or raw bytes: 8-bit entries one a byte, 16-bit ones
                // little-endian pairs
                if bits <= 8 && v.len() < 2 * entries {
                    v.iter().map(|&b| i64::from(b)).collect()
                } else {
                    v.chunks_exact(2)
                        .map(|c| i64::from(u16::from_le_bytes([c[0], c[1]])))
                        .collect()
                }
            }
            _ => return Err(invalid("the data is not binary")),
        };
        // 8-bit entries packed two to a 16-bit word (PS3.3 C.7.6.3.1.6)
        let data = if bits <= 8 && words.len() * 2 >= entries && words.len() < entries {
            words
                .iter()
                .flat_map(|w| [w & 0xFF, w >> 8])
                .take(entries)
                .collect()
        } else {
            words.into_iter().take(entries).collect::<Vec<_>>()
        };
        if data.is_empty() {
            return Err(invalid("no entries"));
        }
        Ok(Some(Lut { first, bits, data }))
    }

    /// The entry for `value` (values outside the table take its ends).
    fn get(&self, value: i64) -> i64 {
        let last = self.data.len() as i64 - 1;
        self.data[(value - self.first).clamp(0, last) as usize]
    }

    /// The largest entry value the table's bit depth allows.
    fn max(&self) -> f64 {
        ((1_u32 << self.bits) - 1) as f64
    }
}

/// The grey pipeline to 8-bit values.
fn grey(obj: &DefaultDicomObject, frame: &Frame, options: &RenderOptions) -> Result<Vec<u8>> {
    let scopes = frame_scopes(obj, options.frame);

    // Modality LUT
    let modality_lut = match first_item(obj, tags::MODALITY_LUT_SEQUENCE) {
        Some(item) => Lut::read(item, tags::LUT_DESCRIPTOR, tags::LUT_DATA)?,
        None => None,
    };
    let modality: Vec<f64> = if let Some(lut) = &modality_lut {
        frame.values.iter().map(|&v| lut.get(v) as f64).collect()
    } else {
        let group = tags::PIXEL_VALUE_TRANSFORMATION_SEQUENCE;
        let slope =
            floats(frame_attribute(obj, &scopes, group, tags::RESCALE_SLOPE)).map_or(1.0, |v| v[0]);
        let intercept = floats(frame_attribute(
            obj,
            &scopes,
            group,
            tags::RESCALE_INTERCEPT,
        ))
        .map_or(0.0, |v| v[0]);
        let slope = if slope.is_finite() && slope != 0.0 {
            slope
        } else {
            1.0
        };
        let intercept = if intercept.is_finite() {
            intercept
        } else {
            0.0
        };
        frame
            .values
            .iter()
            .map(|&v| v as f64 * slope + intercept)
            .collect()
    };

    // VOI
    let group = tags::FRAME_VOILUT_SEQUENCE;
    let file_window = || -> Option<(f64, f64, String)> {
        let centre = floats(frame_attribute(obj, &scopes, group, tags::WINDOW_CENTER))?;
        let width = floats(frame_attribute(obj, &scopes, group, tags::WINDOW_WIDTH))?;
        let function =
            text(frame_attribute(obj, &scopes, group, tags::VOILUT_FUNCTION)).unwrap_or_default();
        let (c, w) = (centre[0], width[0]);
        (c.is_finite() && w.is_finite() && w > 0.0).then_some((c, w, function))
    };
    let mut out: Vec<f64> = if let Some((c, w)) = options.window {
        let function = if w >= 1.0 { "LINEAR" } else { "LINEAR_EXACT" };
        modality
            .iter()
            .map(|&x| window(x, c, w, function))
            .collect()
    } else if let Some((c, w, function)) = file_window() {
        let function = if function == "LINEAR" && w < 1.0 {
            "LINEAR_EXACT".to_owned()
        } else {
            function
        };
        modality
            .iter()
            .map(|&x| window(x, c, w, &function))
            .collect()
    } else if let Some(lut) = match first_item(obj, tags::VOILUT_SEQUENCE) {
        Some(item) => Lut::read(item, tags::LUT_DESCRIPTOR, tags::LUT_DATA)?,
        None => None,
    } {
        let max = lut.max();
        modality
            .iter()
            .map(|&x| lut.get(x.round() as i64) as f64 / max)
            .collect()
    } else {
        let (low, high) = percentiles(&modality);
        let width = (high - low).max(f64::MIN_POSITIVE);
        modality
            .iter()
            .map(|&x| window(x, (low + high) / 2.0, width, "LINEAR_EXACT"))
            .collect()
    };

    // MONOCHROME1 (or an inverse presentation LUT) shows 0 as white
    let mut inverse = frame.photometric == Photometric::Monochrome1;
    if text(obj.get(tags::PRESENTATION_LUT_SHAPE)).as_deref() == Some("INVERSE") {
        inverse = !inverse;
    }
    if inverse {
        for v in &mut out {
            *v = 1.0 - *v;
        }
    }
    Ok(out
        .iter()
        .map(|&v| (v.clamp(0.0, 1.0) * 255.0).round() as u8)
        .collect())
}

/// The VOI window of PS3.3 C.11.2.1.2 (LINEAR, LINEAR_EXACT or SIGMOID;
/// anything else is LINEAR), to 0..=1.
fn window(x: f64, c: f64, w: f64, function: &str) -> f64 {
    match function {
        "SIGMOID" => 1.0 / (1.0 + (-4.0 * (x - c) / w).exp()),
        "LINEAR_EXACT" => {
            if x <= c - w / 2.0 {
                0.0
            } else if x > c + w / 2.0 {
                1.0
            } else {
                (x - c) / w + 0.5
            }
        }
        _ => {
            let (c, w) = (c - 0.5, w - 1.0);
            if x <= c - w / 2.0 {
                0.0
            } else if x > c + w / 2.0 {
                1.0
            } else if w <= 0.0 {
                0.5
            } else {
                (x - c) / w + 0.5
            }
        }
    }
}

/// The 1st and 99th percentiles of the values (the minimum and maximum
/// when those are equal).
fn percentiles(values: &[f64]) -> (f64, f64) {
    let mut sorted: Vec<f64> = values.iter().copied().filter(|v| v.is_finite()).collect();
    if sorted.is_empty() {
        return (0.0, 1.0);
    }
    let n = sorted.len();
    let low_index = (n - 1) / 100;
    let high_index = (n - 1) - (n - 1) / 100;
    let low = *sorted.select_nth_unstable_by(low_index, f64::total_cmp).1;
    let high = *sorted.select_nth_unstable_by(high_index, f64::total_cmp).1;
    if high > low {
        return (low, high);
    }
    let min = sorted.iter().copied().fold(f64::INFINITY, f64::min);
    let max = sorted.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    (min, max)
}

/// Palette colour through the Red, Green and Blue lookup tables.
fn palette(obj: &DefaultDicomObject, frame: &Frame) -> Result<Vec<u8>> {
    if obj
        .get(tags::SEGMENTED_RED_PALETTE_COLOR_LOOKUP_TABLE_DATA)
        .is_some()
        && obj.get(tags::RED_PALETTE_COLOR_LOOKUP_TABLE_DATA).is_none()
    {
        return Err(Error::UnsupportedPixelData(
            "segmented palette colour lookup tables".to_owned(),
        ));
    }
    let read = |descriptor, data, colour: &str| {
        Lut::read(obj, descriptor, data)?.ok_or_else(|| {
            Error::InvalidPixelInfo(format!("PALETTE COLOR without its {colour} lookup table"))
        })
    };
    let luts = [
        read(
            tags::RED_PALETTE_COLOR_LOOKUP_TABLE_DESCRIPTOR,
            tags::RED_PALETTE_COLOR_LOOKUP_TABLE_DATA,
            "red",
        )?,
        read(
            tags::GREEN_PALETTE_COLOR_LOOKUP_TABLE_DESCRIPTOR,
            tags::GREEN_PALETTE_COLOR_LOOKUP_TABLE_DATA,
            "green",
        )?,
        read(
            tags::BLUE_PALETTE_COLOR_LOOKUP_TABLE_DESCRIPTOR,
            tags::BLUE_PALETTE_COLOR_LOOKUP_TABLE_DATA,
            "blue",
        )?,
    ];
    let mut rgb = Vec::with_capacity(frame.values.len() * 3);
    for &v in &frame.values {
        for lut in &luts {
            let entry = lut.get(v);
            // 16-bit entries keep their high byte
            let byte = if lut.bits > 8 { entry >> 8 } else { entry };
            rgb.push(byte.clamp(0, 255) as u8);
        }
    }
    Ok(rgb)
}

impl RgbImage {
    /// The image as a PNG file (8-bit RGB, each row with the filter of
    /// smallest absolute sum, as the PNG specification suggests).
    ///
    /// # Errors
    /// [`Error::InvalidArgument`] when the image is empty, larger than PNG
    /// allows, or `rgb` is not `width × height × 3` bytes.
    pub fn encode_png(&self) -> Result<Vec<u8>> {
        medanon_png::encode(self.width, self.height, 3, &self.rgb)
            .map_err(|e| Error::InvalidArgument(format!("PNG: {e}")))
    }

    /// Writes the image as a PNG file, atomically (a temporary file beside
    /// it, then renamed), replacing an existing file only when `overwrite`.
    ///
    /// # Errors
    /// As [`encode_png`](Self::encode_png); [`Error::Tags`] wrapping
    /// `OutputExists` or `Write` from the atomic write.
    pub fn write_png(&self, path: impl AsRef<Path>, overwrite: bool) -> Result<()> {
        let bytes = self.encode_png()?;
        medanon_tags::atomic_write(path.as_ref(), overwrite, |writer| writer.write_all(&bytes))?;
        Ok(())
    }
}
