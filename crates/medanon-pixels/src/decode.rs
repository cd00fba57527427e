//! Decoding the frames of a DICOM object into stored sample values.
//!
//! Native pixel data is read here (`native`) rather than through
//! `dicom-pixeldata`, so that every layout the standard allows comes out
//! right: big-endian files (including 32-bit samples in OW and 8-bit samples
//! in word-swapped OW), 1-bit samples packed across frame boundaries, planar
//! configuration 1 and subsampled `YBR_FULL_422`. RLE Lossless is decoded
//! here too (PS3.5 Annex G): the registry's decoder handles neither 32-bit
//! samples nor truncated segments without panicking. JPEG goes through
//! `jpeg-decoder` directly, to choose its colour transform from DICOM's
//! Photometric Interpretation; JPEG 2000 and JPEG-LS (with the `jpeg-ls`
//! feature) through the codecs of `dicom-transfer-syntax-registry`
//! (`codec`). Codecs run under `catch_unwind`: the registry's index their
//! output by the sizes a hostile header declares.
//!
//! Every size is checked against the data before anything is allocated:
//! a frame holds at most [`MAX_FRAME_SAMPLES`] samples.

use dicom_core::header::HasLength;
use dicom_core::value::{PrimitiveValue, Value};
use dicom_dictionary_std::tags;
use dicom_encoding::transfer_syntax::{Codec, Endianness, TransferSyntaxIndex};
use dicom_object::DefaultDicomObject;
use dicom_object::mem::InMemElement;
use dicom_transfer_syntax_registry::TransferSyntaxRegistry;

use crate::error::{Error, Result};
use crate::frame::{Frame, Photometric, PixelInfo};

mod codec;
mod names;
mod native;

use codec::{codec_frame, jpeg_frame};
use names::TRANSFER_SYNTAX_NAMES;
use native::{NativeLayout, full_native_len, native_frame, native_len, rle_frame};

/// The most samples one frame may hold (2^28: 16384 × 16384 grey, or
/// about 9400 × 9400 RGB); a decoded frame of that size takes 2 GiB.
pub const MAX_FRAME_SAMPLES: usize = 1 << 28;

/// RLE Lossless.
const RLE_LOSSLESS: &str = "1.2.840.10008.1.2.5";

/// The JPEG processes `jpeg-decoder` handles: baseline, extended (8-bit),
/// lossless and lossless first-order prediction.
const JPEG: [&str; 4] = [
    "1.2.840.10008.1.2.4.50",
    "1.2.840.10008.1.2.4.51",
    "1.2.840.10008.1.2.4.57",
    "1.2.840.10008.1.2.4.70",
];

/// The name of a transfer syntax (PS3.6 Table A-1), or `"unknown"`.
pub fn transfer_syntax_name(uid: &str) -> String {
    let uid = uid.trim_end_matches(['\0', ' ']);
    if let Some((_, name)) = TRANSFER_SYNTAX_NAMES.iter().find(|(u, _)| *u == uid) {
        return (*name).to_owned();
    }
    TransferSyntaxRegistry
        .get(uid)
        .map(|ts| ts.name().to_owned())
        .unwrap_or_else(|| "unknown".to_owned())
}

/// The description of an object's pixel data, from its Image Pixel module
/// and the transfer syntax of its file meta.
///
/// # Errors
/// [`Error::NoPixelData`] when the object has no (or an empty) Pixel Data,
/// [`Error::UnsupportedPixelData`] for float pixel data, bit depths other
/// than 1, 8, 16 and 32, samples per pixel other than 1 and 3, and frames
/// above [`MAX_FRAME_SAMPLES`]; [`Error::InvalidPixelInfo`] when an
/// attribute is missing or out of range.
pub fn pixel_info(obj: &DefaultDicomObject) -> Result<PixelInfo> {
    let element = obj.get(tags::PIXEL_DATA);
    let empty = match element.map(InMemElement::value) {
        None => true,
        Some(Value::Primitive(p)) => p.is_empty(),
        Some(Value::PixelSequence(seq)) => seq.fragments().is_empty(),
        Some(Value::Sequence(_)) => {
            return Err(Error::InvalidPixelInfo(
                "Pixel Data is a sequence of items".to_owned(),
            ));
        }
    };
    if empty {
        if obj.get(tags::FLOAT_PIXEL_DATA).is_some()
            || obj.get(tags::DOUBLE_FLOAT_PIXEL_DATA).is_some()
        {
            return Err(Error::UnsupportedPixelData(
                "float pixel data (Float or Double Float Pixel Data)".to_owned(),
            ));
        }
        return Err(Error::NoPixelData);
    }

    let rows = required_int(obj, tags::ROWS, "Rows")?;
    let columns = required_int(obj, tags::COLUMNS, "Columns")?;
    if !(1..=65535).contains(&rows) || !(1..=65535).contains(&columns) {
        return Err(Error::InvalidPixelInfo(
            "Rows and Columns must be 1 to 65535".to_owned(),
        ));
    }
    let samples = optional_int(obj, tags::SAMPLES_PER_PIXEL, "Samples per Pixel")?.unwrap_or(1);
    if samples != 1 && samples != 3 {
        return Err(Error::UnsupportedPixelData(format!(
            "{samples} samples per pixel (1 and 3 are supported)"
        )));
    }
    let bits_allocated = required_int(obj, tags::BITS_ALLOCATED, "Bits Allocated")?;
    if ![1, 8, 16, 32].contains(&bits_allocated) {
        return Err(Error::UnsupportedPixelData(format!(
            "{bits_allocated} bits allocated (1, 8, 16 and 32 are supported)"
        )));
    }
    let bits_stored =
        optional_int(obj, tags::BITS_STORED, "Bits Stored")?.unwrap_or(bits_allocated);
    if bits_stored < 1 || bits_stored > bits_allocated {
        return Err(Error::InvalidPixelInfo(format!(
            "Bits Stored {bits_stored} with Bits Allocated {bits_allocated}"
        )));
    }
    let signed = match optional_int(obj, tags::PIXEL_REPRESENTATION, "Pixel Representation")? {
        None | Some(0) => false,
        Some(1) => true,
        Some(_) => {
            return Err(Error::InvalidPixelInfo(
                "Pixel Representation must be 0 or 1".to_owned(),
            ));
        }
    };
    // A missing, empty or zero Number of Frames means one frame, as
    // pydicom and most viewers read it.
    let frames = optional_int(obj, tags::NUMBER_OF_FRAMES, "Number of Frames")?.unwrap_or(1);
    if frames < 0 || frames > i64::from(u32::MAX) {
        return Err(Error::InvalidPixelInfo(
            "Number of Frames out of range".to_owned(),
        ));
    }
    let frames = frames.max(1);
    let photometric = match obj
        .get(tags::PHOTOMETRIC_INTERPRETATION)
        .and_then(|e| e.to_str().ok())
    {
        Some(value) if !value.trim_matches(['\0', ' ']).is_empty() => {
            Photometric::parse(value.trim_matches(['\0', ' ']))
        }
        _ if samples == 3 => Photometric::Rgb,
        _ => Photometric::Monochrome2,
    };
    // All checked above to be small and positive.
    let [rows, columns, samples, frames] =
        [rows, columns, samples, frames].map(|v| usize::try_from(v).unwrap_or(usize::MAX));
    let frame_samples = rows.saturating_mul(columns).saturating_mul(samples);
    if frame_samples > MAX_FRAME_SAMPLES {
        return Err(Error::UnsupportedPixelData(format!(
            "a frame of {rows} × {columns} × {samples} samples, more than the \
             {MAX_FRAME_SAMPLES} decoded here"
        )));
    }
    Ok(PixelInfo {
        rows,
        columns,
        samples_per_pixel: samples,
        frames,
        bits_allocated: u16::try_from(bits_allocated).unwrap_or(32),
        bits_stored: u16::try_from(bits_stored).unwrap_or(32),
        signed,
        photometric,
        transfer_syntax: obj
            .meta()
            .transfer_syntax()
            .trim_end_matches(['\0', ' '])
            .to_owned(),
    })
}

/// Decodes frame `frame` (0-based) of the object.
///
/// The values are the stored values (signed ones sign-extended from Bits
/// Stored, unsigned ones masked to it), row-major with the samples of a
/// pixel interleaved. Colour comes out as RGB for `RGB`, `YBR_FULL`,
/// `YBR_FULL_422` (native, RLE or JPEG) and JPEG 2000's `YBR_RCT`/`YBR_ICT`;
/// `PALETTE COLOR` stays indices and grey stays grey ([`Frame::photometric`]
/// says which).
///
/// # Errors
/// As [`pixel_info`]; [`Error::FrameOutOfRange`];
/// [`Error::UnsupportedTransferSyntax`] for compressed pixel data no
/// decoder here handles; [`Error::Decode`] for truncated or corrupt data.
pub fn decode_frame(obj: &DefaultDicomObject, frame: usize) -> Result<Frame> {
    let info = pixel_info(obj)?;
    if frame >= info.frames {
        return Err(Error::FrameOutOfRange {
            frame,
            frames: info.frames,
        });
    }
    Source::new(obj, &info)?.frame(frame)
}

/// Decodes every frame of the object (see [`decode_frame`]).
///
/// # Errors
/// As [`decode_frame`], for the first frame that fails.
pub fn decode_all(obj: &DefaultDicomObject) -> Result<Vec<Frame>> {
    let info = pixel_info(obj)?;
    let source = Source::new(obj, &info)?;
    (0..info.frames).map(|frame| source.frame(frame)).collect()
}

/// An integer attribute (US or IS), if present and not empty.
fn optional_int(obj: &DefaultDicomObject, tag: dicom_core::Tag, name: &str) -> Result<Option<i64>> {
    let Some(element) = obj.get(tag) else {
        return Ok(None);
    };
    if element.value().primitive().is_none_or(|p| p.is_empty()) {
        return Ok(None);
    }
    if let Ok(text) = element.to_str() {
        if text.trim_matches(['\0', ' ']).is_empty() {
            return Ok(None);
        }
    }
    element
        .to_int::<i64>()
        .map(Some)
        .map_err(|_| Error::InvalidPixelInfo(format!("{name} is not an integer")))
}

/// An integer attribute that must be present.
fn required_int(obj: &DefaultDicomObject, tag: dicom_core::Tag, name: &str) -> Result<i64> {
    optional_int(obj, tag, name)?
        .ok_or_else(|| Error::InvalidPixelInfo(format!("{name} is missing")))
}

/// Where a frame's samples come from.
enum Source<'a> {
    /// Native pixel data: a primitive value.
    Native {
        info: &'a PixelInfo,
        value: &'a PrimitiveValue,
        big_endian: bool,
        /// `YBR_FULL_422` stored subsampled: two samples a pixel.
        subsampled: bool,
        /// Planar Configuration 1: the frame's samples plane by plane.
        planar: bool,
    },
    /// JPEG (baseline, extended, lossless) through `jpeg-decoder`, with the
    /// colour transform chosen from the markers and the photometric value.
    Jpeg {
        info: &'a PixelInfo,
        obj: &'a DefaultDicomObject,
    },
    /// RLE Lossless, decoded here.
    Rle {
        info: &'a PixelInfo,
        obj: &'a DefaultDicomObject,
    },
    /// A codec of the transfer syntax registry.
    Codec {
        info: &'a PixelInfo,
        obj: &'a DefaultDicomObject,
        reader: &'a dyn dicom_encoding::adapters::PixelDataReader,
        /// Whether the codec hands colour as RGB (the JPEG family).
        rgb_out: bool,
    },
}

impl<'a> Source<'a> {
    fn new(obj: &'a DefaultDicomObject, info: &'a PixelInfo) -> Result<Source<'a>> {
        let element = obj.get(tags::PIXEL_DATA).ok_or(Error::NoPixelData)?;
        let unsupported = || Error::UnsupportedTransferSyntax {
            uid: info.transfer_syntax.clone(),
            name: transfer_syntax_name(&info.transfer_syntax),
        };
        let ts = TransferSyntaxRegistry.get(&info.transfer_syntax);
        match element.value() {
            Value::Primitive(value) => {
                let big_endian = ts.is_some_and(|ts| ts.endianness() == Endianness::Big);
                let subsampled = info.photometric == Photometric::YbrFull422
                    && info.samples_per_pixel == 3
                    && native_len(value) < full_native_len(info);
                let planar = info.samples_per_pixel == 3
                    && !subsampled
                    && obj
                        .get(tags::PLANAR_CONFIGURATION)
                        .and_then(|e| e.to_int::<i64>().ok())
                        == Some(1);
                Ok(Source::Native {
                    info,
                    value,
                    big_endian,
                    subsampled,
                    planar,
                })
            }
            Value::PixelSequence(_) if info.transfer_syntax == RLE_LOSSLESS => {
                Ok(Source::Rle { info, obj })
            }
            Value::PixelSequence(_) if JPEG.contains(&info.transfer_syntax.as_str()) => {
                Ok(Source::Jpeg { info, obj })
            }
            Value::PixelSequence(_) => {
                let ts = ts.ok_or_else(unsupported)?;
                match ts.codec() {
                    Codec::EncapsulatedPixelData(Some(reader), _) => Ok(Source::Codec {
                        info,
                        obj,
                        reader: &**reader,
                        rgb_out: info.transfer_syntax.starts_with("1.2.840.10008.1.2.4."),
                    }),
                    Codec::EncapsulatedPixelData(None, _) => Err(unsupported()),
                    _ => Err(Error::Decode {
                        frame: 0,
                        reason: format!(
                            "encapsulated pixel data under the native transfer syntax {}",
                            info.transfer_syntax
                        ),
                    }),
                }
            }
            Value::Sequence(_) => Err(Error::InvalidPixelInfo(
                "Pixel Data is a sequence of items".to_owned(),
            )),
        }
    }

    fn frame(&self, frame: usize) -> Result<Frame> {
        let (info, values, photometric) = match self {
            Source::Native {
                info,
                value,
                big_endian,
                subsampled,
                planar,
            } => {
                let layout = NativeLayout {
                    big_endian: *big_endian,
                    subsampled: *subsampled,
                    planar: *planar,
                };
                let (values, photometric) = native_frame(info, value, layout, frame)?;
                (*info, values, photometric)
            }
            Source::Rle { info, obj } => (
                *info,
                rle_frame(info, obj, frame)?,
                info.photometric.clone(),
            ),
            Source::Jpeg { info, obj } => {
                let values = jpeg_frame(info, obj, frame)?;
                let photometric = if info.samples_per_pixel == 3 {
                    Photometric::Rgb
                } else {
                    info.photometric.clone()
                };
                (*info, values, photometric)
            }
            Source::Codec {
                info,
                obj,
                reader,
                rgb_out,
            } => {
                let values = codec_frame(info, obj, *reader, frame)?;
                let photometric = if *rgb_out && info.samples_per_pixel == 3 {
                    Photometric::Rgb
                } else {
                    info.photometric.clone()
                };
                (*info, values, photometric)
            }
        };
        Ok(finish(info, values, photometric))
    }
}

/// Raw sample bit patterns to stored values (masked to Bits Stored, or
/// sign-extended from it) and YBR to RGB.
fn finish(info: &PixelInfo, mut values: Vec<i64>, photometric: Photometric) -> Frame {
    let bits = u32::from(info.bits_stored);
    let mask = (1_i64 << bits) - 1;
    if info.signed {
        let sign = 1_i64 << (bits - 1);
        for v in &mut values {
            let u = *v & mask;
            *v = if u & sign != 0 {
                u - (1_i64 << bits)
            } else {
                u
            };
        }
    } else {
        for v in &mut values {
            *v &= mask;
        }
    }
    let samples = info.samples_per_pixel;
    let photometric = match photometric {
        Photometric::YbrFull | Photometric::YbrFull422 if samples == 3 && !info.signed => {
            ybr_full_to_rgb(&mut values, bits);
            Photometric::Rgb
        }
        other => other,
    };
    Frame {
        rows: info.rows,
        columns: info.columns,
        samples,
        values,
        photometric,
    }
}

/// `YBR_FULL` to RGB in place (PS3.3 C.7.6.3.1.2), for `bits`-bit samples.
pub(crate) fn ybr_full_to_rgb(values: &mut [i64], bits: u32) {
    let half = (1_i64 << (bits - 1)) as f64;
    let max = ((1_i64 << bits) - 1) as f64;
    for pixel in values.chunks_exact_mut(3) {
        let y = pixel[0] as f64;
        let cb = pixel[1] as f64 - half;
        let cr = pixel[2] as f64 - half;
        let rgb = [
            y + 1.402 * cr,
            y - 0.344_136 * cb - 0.714_136 * cr,
            y + 1.772 * cb,
        ];
        for (out, v) in pixel.iter_mut().zip(rgb) {
            *out = v.round().clamp(0.0, max) as i64;
        }
    }
}
