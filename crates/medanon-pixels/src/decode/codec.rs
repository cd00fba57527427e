//! Compressed pixel data through codecs: JPEG through `jpeg-decoder` with
//! the colour transform chosen here, JPEG 2000 and JPEG-LS through the
//! codecs of `dicom-transfer-syntax-registry`, all under `catch_unwind`.

use std::panic::{AssertUnwindSafe, catch_unwind};

use dicom_encoding::adapters::{PixelDataObject, PixelDataReader};
use dicom_object::DefaultDicomObject;

use super::transfer_syntax_name;
use crate::error::{Error, Result};
use crate::frame::{Photometric, PixelInfo};

/// One frame through a codec of the transfer syntax registry.
pub(super) fn codec_frame(
    info: &PixelInfo,
    obj: &DefaultDicomObject,
    reader: &dyn PixelDataReader,
    frame: usize,
) -> Result<Vec<i64>> {
    let fail = |reason: String| Error::Decode { frame, reason };
    if info.bits_allocated != 8 && info.bits_allocated != 16 {
        return Err(Error::UnsupportedPixelData(format!(
            "{} bits allocated in {}",
            info.bits_allocated,
            transfer_syntax_name(&info.transfer_syntax)
        )));
    }
    let index = u32::try_from(frame).map_err(|_| fail("frame index too large".to_owned()))?;
    if info.transfer_syntax.starts_with("1.2.840.10008.1.2.4.9")
        || info.transfer_syntax.starts_with("1.2.840.10008.1.2.4.20")
    {
        // The JPEG 2000 adapter fills a buffer of the declared size with
        // whatever the codestream holds: check that they agree.
        let data = PixelDataObject::frame_pixel_data(obj, index)
            .ok_or_else(|| fail("no fragment holds this frame".to_owned()))?;
        let (rows, columns, components) = j2k_size(&data)
            .ok_or_else(|| fail("no JPEG 2000 image header (SIZ) in the frame".to_owned()))?;
        if (rows, columns, components) != (info.rows, info.columns, info.samples_per_pixel) {
            return Err(fail(format!(
                "the JPEG 2000 codestream is {rows} × {columns} × {components}, the object {} × {} × {}",
                info.rows, info.columns, info.samples_per_pixel
            )));
        }
    }
    let mut dst = Vec::new();
    let source: &dyn PixelDataObject = obj;
    match catch_unwind(AssertUnwindSafe(|| {
        reader.decode_frame(source, index, &mut dst)
    })) {
        Err(_) => {
            return Err(fail(
                "the decoder gave up on malformed data (it panicked)".to_owned(),
            ));
        }
        Ok(Err(e)) => return Err(fail(error_chain(&e))),
        Ok(Ok(())) => {}
    }
    let width = usize::from(info.bits_allocated / 8);
    let expected = info.rows * info.columns * info.samples_per_pixel * width;
    if dst.len() != expected {
        return Err(fail(format!(
            "the decoder produced {} bytes where the Image Pixel module declares {expected}",
            dst.len()
        )));
    }
    Ok(if width == 1 {
        dst.iter().map(|&b| i64::from(b)).collect()
    } else {
        dst.chunks_exact(2)
            .map(|c| i64::from(u16::from_le_bytes([c[0], c[1]])))
            .collect()
    })
}

/// Rows, columns and components of a JPEG 2000 codestream (bare or in a
/// JP2 file), from its SIZ marker segment.
pub(super) fn j2k_size(data: &[u8]) -> Option<(usize, usize, usize)> {
    let start = data
        .windows(4)
        .position(|w| w == [0xFF, 0x4F, 0xFF, 0x51])?
        + 4;
    let siz = data.get(start..start + 38)?;
    let word = |i: usize| u32::from_be_bytes([siz[i], siz[i + 1], siz[i + 2], siz[i + 3]]);
    let (width, height) = (
        word(4).checked_sub(word(12))?,
        word(8).checked_sub(word(16))?,
    );
    let components = u16::from_be_bytes([siz[36], siz[37]]);
    Some((
        usize::try_from(height).ok()?,
        usize::try_from(width).ok()?,
        usize::from(components),
    ))
}

/// An error and its sources, joined by ": ".
pub(super) fn error_chain(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(e) = source {
        let next = e.to_string();
        if !text.contains(&next) {
            text.push_str(": ");
            text.push_str(&next);
        }
        source = e.source();
    }
    text
}

/// What the markers before a JPEG's first scan say.
#[derive(Debug, Default)]
pub(super) struct JpegMarkers {
    /// Sample precision of the frame header (8, 12, 16…).
    precision: u8,
    /// Whether the frame is DCT-based (not lossless).
    dct: bool,
    /// Component identifiers of the frame header.
    components: Vec<u8>,
    /// A JFIF APP0 segment is present (its data is YCbCr).
    jfif: bool,
    /// An Adobe APP14 segment with a transform flag is present (the flag
    /// decides).
    adobe: bool,
}

/// Reads the marker segments of a JPEG stream up to its first scan.
pub(super) fn jpeg_markers(data: &[u8]) -> Option<JpegMarkers> {
    let mut markers = JpegMarkers::default();
    let start = data.windows(2).position(|w| w == [0xFF, 0xD8])?;
    let mut i = start + 2;
    loop {
        // skip fill bytes
        while *data.get(i)? == 0xFF && *data.get(i + 1)? == 0xFF {
            i += 1;
        }
        if *data.get(i)? != 0xFF {
            return None;
        }
        let marker = *data.get(i + 1)?;
        if marker == 0xDA {
            return Some(markers);
        }
        if (0xD0..=0xD7).contains(&marker) || marker == 0x01 {
            i += 2;
            continue;
        }
        let len = usize::from(u16::from_be_bytes([*data.get(i + 2)?, *data.get(i + 3)?]));
        let payload = data.get(i + 4..i + 2 + len)?;
        match marker {
            0xE0 if payload.starts_with(b"JFIF\0") => markers.jfif = true,
            // a short Adobe segment has no transform flag: it decides nothing
            0xEE if payload.starts_with(b"Adobe") && payload.len() >= 12 => {
                markers.adobe = true;
            }
            0xC0..=0xCF if ![0xC4, 0xC8, 0xCC].contains(&marker) => {
                markers.precision = *payload.first()?;
                markers.dct = !matches!(marker, 0xC3 | 0xC7 | 0xCB | 0xCF);
                let count = usize::from(*payload.get(5)?);
                markers.components = (0..count)
                    .map(|c| payload.get(6 + 3 * c).copied())
                    .collect::<Option<_>>()?;
            }
            _ => {}
        }
        i += 2 + len;
    }
}

/// One frame of JPEG pixel data.
///
/// `jpeg-decoder` guesses the colour space from the markers and falls back
/// to YCbCr; DICOM's Photometric Interpretation says more. A stream with
/// neither a JFIF nor an Adobe segment nor `R`,`G`,`B` component
/// identifiers, in an object that says `RGB`, is RGB as stored (as dcmtk,
/// GDCM and pydicom read it).
pub(super) fn jpeg_frame(
    info: &PixelInfo,
    obj: &DefaultDicomObject,
    frame: usize,
) -> Result<Vec<i64>> {
    let fail = |reason: String| Error::Decode { frame, reason };
    let index = u32::try_from(frame).map_err(|_| fail("frame index too large".to_owned()))?;
    let data = PixelDataObject::frame_pixel_data(obj, index)
        .ok_or_else(|| fail("no fragment holds this frame".to_owned()))?;
    let markers = jpeg_markers(&data)
        .ok_or_else(|| fail("no JPEG frame header before the first scan".to_owned()))?;
    if markers.dct && markers.precision > 8 {
        return Err(Error::UnsupportedTransferSyntax {
            uid: info.transfer_syntax.clone(),
            name: format!(
                "{} with {}-bit samples",
                transfer_syntax_name(&info.transfer_syntax),
                markers.precision
            ),
        });
    }
    let samples = info.samples_per_pixel;
    if markers.components.len() != samples {
        return Err(fail(format!(
            "the JPEG stream has {} components, the object {samples} samples per pixel",
            markers.components.len()
        )));
    }
    let width = if markers.precision > 8 { 2 } else { 1 };
    if width != usize::from(info.bits_allocated / 8) {
        return Err(fail(format!(
            "the JPEG stream has {}-bit samples, the object allocates {} bits",
            markers.precision, info.bits_allocated
        )));
    }
    let raw_rgb =
        samples == 3 && info.photometric == Photometric::Rgb && !markers.jfif && !markers.adobe;
    let expected = info.rows * info.columns * samples * width;
    let decoded = catch_unwind(AssertUnwindSafe(|| {
        let mut decoder = jpeg_decoder::Decoder::new(&data[..]);
        if raw_rgb {
            decoder.set_color_transform(jpeg_decoder::ColorTransform::None);
        }
        decoder.set_max_decoding_buffer_size(expected);
        decoder.read_info()?;
        let size = decoder
            .info()
            .map(|i| (usize::from(i.height), usize::from(i.width)));
        if size != Some((info.rows, info.columns)) {
            return Ok(Err(size));
        }
        decoder.decode().map(Ok)
    }));
    let decoded = match decoded {
        Err(_) => {
            return Err(fail(
                "the JPEG decoder gave up on malformed data (it panicked)".to_owned(),
            ));
        }
        Ok(Err(e)) => return Err(fail(format!("JPEG: {e}"))),
        Ok(Ok(Err(size))) => {
            return Err(fail(format!(
                "the JPEG stream is {size:?} (rows, columns), the object {} × {}",
                info.rows, info.columns
            )));
        }
        Ok(Ok(Ok(decoded))) => decoded,
    };
    if decoded.len() != expected {
        return Err(fail(format!(
            "the JPEG decoder produced {} bytes where the Image Pixel module declares {expected}",
            decoded.len()
        )));
    }
    Ok(if width == 1 {
        decoded.iter().map(|&b| i64::from(b)).collect()
    } else {
        // jpeg-decoder hands 16-bit samples in native byte order
        decoded
            .chunks_exact(2)
            .map(|c| i64::from(u16::from_ne_bytes([c[0], c[1]])))
            .collect()
    })
}
