//! Native pixel data (every byte order, VR and packing the standard allows)
//! and RLE Lossless (PS3.5 Annex G), decoded here.

use std::borrow::Cow;

use dicom_core::value::PrimitiveValue;
use dicom_encoding::adapters::PixelDataObject;
use dicom_object::DefaultDicomObject;

use crate::error::{Error, Result};
use crate::frame::{Photometric, PixelInfo};

/// Bytes (in the canonical little-endian stream) a native value holds.
pub(super) fn native_len(value: &PrimitiveValue) -> usize {
    match value {
        PrimitiveValue::U8(v) => v.len(),
        PrimitiveValue::U16(v) => v.len() * 2,
        PrimitiveValue::I16(v) => v.len() * 2,
        PrimitiveValue::U32(v) => v.len() * 4,
        PrimitiveValue::I32(v) => v.len() * 4,
        _ => 0,
    }
}

/// Bytes all frames take without subsampling.
pub(super) fn full_native_len(info: &PixelInfo) -> usize {
    info.frames
        .saturating_mul(info.rows * info.columns * info.samples_per_pixel)
        .saturating_mul(usize::from(info.bits_allocated / 8))
}

/// `len` bytes from `start` of the value as one little-endian stream of
/// samples `width` bytes wide, whatever VR and byte order the file had.
///
/// In a big-endian file, OW was byte-swapped word by word when read: 8-bit
/// samples in OW come out in order by taking each word's low byte first,
/// and 32-bit samples in OW need their two words exchanged. OB keeps the
/// file's bytes, which are big-endian samples there.
pub(super) fn native_bytes(
    value: &PrimitiveValue,
    big_endian: bool,
    width: usize,
    start: usize,
    len: usize,
) -> Option<Cow<'_, [u8]>> {
    let end = start.checked_add(len)?;
    if end > native_len(value) {
        return None;
    }
    let swap = |i: usize| -> usize {
        // Index in the file's byte stream of the little-endian byte `i`.
        let k = i % width;
        i - k + (width - 1 - k)
    };
    Some(match value {
        PrimitiveValue::U8(v) if !big_endian || width == 1 => Cow::Borrowed(&v[start..end]),
        PrimitiveValue::U8(v) => Cow::Owned((start..end).map(|i| v[swap(i)]).collect()),
        PrimitiveValue::U16(_) | PrimitiveValue::I16(_) => {
            let word = |w: usize| match value {
                PrimitiveValue::U16(v) => v[w],
                PrimitiveValue::I16(v) => v[w] as u16,
                _ => 0,
            };
            Cow::Owned(
                (start..end)
                    .map(|i| {
                        let w = if big_endian && width == 4 {
                            // exchange the two words of each sample
                            (i / 4) * 2 + (1 - (i % 4) / 2)
                        } else {
                            i / 2
                        };
                        word(w).to_le_bytes()[i % 2]
                    })
                    .collect(),
            )
        }
        PrimitiveValue::U32(v) => Cow::Owned(
            (start..end)
                .map(|i| v[i / 4].to_le_bytes()[i % 4])
                .collect(),
        ),
        PrimitiveValue::I32(v) => Cow::Owned(
            (start..end)
                .map(|i| (v[i / 4] as u32).to_le_bytes()[i % 4])
                .collect(),
        ),
        _ => return None,
    })
}

/// How native samples are laid out beyond the Image Pixel module.
#[derive(Debug, Clone, Copy)]
pub(super) struct NativeLayout {
    /// Explicit VR Big Endian.
    pub(super) big_endian: bool,
    /// `YBR_FULL_422` stored subsampled.
    pub(super) subsampled: bool,
    /// Planar Configuration 1.
    pub(super) planar: bool,
}

/// One frame of native pixel data: raw sample bit patterns, interleaved,
/// and their photometric interpretation.
pub(super) fn native_frame(
    info: &PixelInfo,
    value: &PrimitiveValue,
    layout: NativeLayout,
    frame: usize,
) -> Result<(Vec<i64>, Photometric)> {
    let NativeLayout {
        big_endian,
        subsampled,
        planar,
    } = layout;
    let pixels = info.rows * info.columns;
    let samples = info.samples_per_pixel;
    let short = |needed: usize| Error::Decode {
        frame,
        reason: format!(
            "the pixel data holds {} bytes, frame {frame} needs {needed} \
             (truncated or corrupt file)",
            native_len(value)
        ),
    };
    if !matches!(
        value,
        PrimitiveValue::U8(_)
            | PrimitiveValue::U16(_)
            | PrimitiveValue::I16(_)
            | PrimitiveValue::U32(_)
            | PrimitiveValue::I32(_)
    ) {
        return Err(Error::Decode {
            frame,
            reason: "the pixel data is not a binary value".to_owned(),
        });
    }
    if info.bits_allocated == 1 {
        let frame_bits = pixels * samples;
        let first_bit = frame
            .checked_mul(frame_bits)
            .ok_or_else(|| short(usize::MAX))?;
        let first_byte = first_bit / 8;
        let end_byte = (first_bit + frame_bits).div_ceil(8);
        let bytes = native_bytes(value, big_endian, 1, first_byte, end_byte - first_byte)
            .ok_or_else(|| short(end_byte))?;
        let values = (0..frame_bits)
            .map(|i| {
                let bit = first_bit % 8 + i;
                i64::from((bytes[bit / 8] >> (bit % 8)) & 1)
            })
            .collect();
        let values = if planar {
            interleave(values, samples)
        } else {
            values
        };
        return Ok((values, info.photometric.clone()));
    }
    let width = usize::from(info.bits_allocated / 8);
    let stored_samples = if subsampled {
        pixels * 2
    } else {
        pixels * samples
    };
    let frame_bytes = stored_samples * width;
    let start = frame
        .checked_mul(frame_bytes)
        .ok_or_else(|| short(usize::MAX))?;
    let bytes = native_bytes(value, big_endian, width, start, frame_bytes)
        .ok_or_else(|| short(start.saturating_add(frame_bytes)))?;
    let mut values: Vec<i64> = match width {
        1 => bytes.iter().map(|&b| i64::from(b)).collect(),
        2 => bytes
            .chunks_exact(2)
            .map(|c| i64::from(u16::from_le_bytes([c[0], c[1]])))
            .collect(),
        _ => bytes
            .chunks_exact(4)
            .map(|c| i64::from(u32::from_le_bytes([c[0], c[1], c[2], c[3]])))
            .collect(),
    };
    drop(bytes);
    if subsampled {
        // Y0 Y1 Cb Cr for each pair of pixels (PS3.3 C.7.6.3.1.2).
        if pixels % 2 != 0 {
            return Err(Error::Decode {
                frame,
                reason: "YBR_FULL_422 with an odd number of pixels".to_owned(),
            });
        }
        let mut full = Vec::with_capacity(pixels * 3);
        for quad in values.chunks_exact(4) {
            full.extend_from_slice(&[quad[0], quad[2], quad[3], quad[1], quad[2], quad[3]]);
        }
        return Ok((full, Photometric::YbrFull));
    }
    if planar {
        values = interleave(values, samples);
    }
    Ok((values, info.photometric.clone()))
}

/// `RRR…GGG…BBB…` to `RGBRGB…`.
pub(super) fn interleave(planes: Vec<i64>, samples: usize) -> Vec<i64> {
    let pixels = planes.len() / samples;
    let mut out = vec![0; planes.len()];
    for s in 0..samples {
        for p in 0..pixels {
            out[p * samples + s] = planes[s * pixels + p];
        }
    }
    out
}

/// One frame of RLE Lossless pixel data (PS3.5 Annex G): a 64-byte header
/// of segment offsets, then one PackBits segment per byte of each sample,
/// most significant byte first.
pub(super) fn rle_frame(
    info: &PixelInfo,
    obj: &DefaultDicomObject,
    frame: usize,
) -> Result<Vec<i64>> {
    let fail = |reason: String| Error::Decode { frame, reason };
    if info.bits_allocated == 1 {
        return Err(Error::UnsupportedPixelData(
            "1-bit samples in RLE Lossless".to_owned(),
        ));
    }
    let index = u32::try_from(frame).map_err(|_| fail("frame index too large".to_owned()))?;
    let data = PixelDataObject::frame_pixel_data(obj, index)
        .ok_or_else(|| fail("no fragment holds this frame".to_owned()))?;
    let header = data
        .get(..64)
        .ok_or_else(|| fail("the RLE header is truncated".to_owned()))?;
    let word = |i: usize| {
        let b = &header[4 * i..4 * i + 4];
        u32::from_le_bytes([b[0], b[1], b[2], b[3]]) as usize
    };
    let width = usize::from(info.bits_allocated / 8);
    let samples = info.samples_per_pixel;
    let count = word(0);
    if count != samples * width {
        return Err(fail(format!(
            "{count} RLE segments where {samples} samples of {width} bytes need {}",
            samples * width
        )));
    }
    let pixels = info.rows * info.columns;
    let mut values = vec![0_i64; pixels * samples];
    for segment in 0..count {
        let start = word(1 + segment);
        let end = if segment + 1 < count {
            word(2 + segment)
        } else {
            data.len()
        };
        let bytes = data
            .get(start..end)
            .ok_or_else(|| fail(format!("RLE segment {segment} lies outside the fragment")))?;
        let decoded = unpack_bits(bytes, pixels).ok_or_else(|| {
            fail(format!(
                "RLE segment {segment} decodes to fewer than {pixels} bytes"
            ))
        })?;
        let sample = segment / width;
        let shift = 8 * (width - 1 - segment % width);
        for (p, &byte) in decoded.iter().enumerate() {
            values[p * samples + sample] |= i64::from(byte) << shift;
        }
    }
    Ok(values)
}

/// The first `len` bytes a PackBits segment decodes to, or `None` if it
/// ends before. Like pydicom, what follows is ignored: some encoders pad
/// segments beyond the frame.
pub(super) fn unpack_bits(mut src: &[u8], len: usize) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(len);
    while out.len() < len {
        let (&header, rest) = src.split_first()?;
        src = rest;
        let n = header as i8;
        if n >= 0 {
            let count = n as usize + 1;
            let literal = src.get(..count)?;
            out.extend_from_slice(literal);
            src = &src[count..];
        } else if n != -128 {
            let (&byte, rest) = src.split_first()?;
            src = rest;
            let count = 1 + n.unsigned_abs() as usize;
            out.resize(out.len() + count, byte);
        }
    }
    out.truncate(len);
    Some(out)
}
