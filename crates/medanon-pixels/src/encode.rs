//! Writing frames back into an object as native pixel data.
//!
//! Cleaned frames are stored uncompressed, little-endian, with the bit
//! depth they had: re-encoding lossily would need an explicit choice, and
//! decompression never undoes a loss, so Lossy Image Compression and its
//! ratio and method stay as they were.

use dicom_core::value::PrimitiveValue;
use dicom_core::{DataElement, VR};
use dicom_dictionary_std::tags;
use dicom_object::DefaultDicomObject;
use dicom_transfer_syntax_registry::entries::EXPLICIT_VR_LITTLE_ENDIAN;

use crate::error::{Error, Result};
use crate::frame::{Frame, PixelInfo};

/// Replaces the object's Pixel Data with `frames` as native samples and
/// sets its transfer syntax to Explicit VR Little Endian.
///
/// Bits Allocated, Bits Stored and Pixel Representation stay those of
/// `info`; Planar Configuration becomes 0 for colour, Number of Frames is
/// set when present or when there is more than one frame, and Photometric
/// Interpretation becomes the frames' own (`RGB` for frames decoded from
/// YBR or JPEG). The Extended Offset Table, which described the compressed
/// fragments, is removed.
///
/// # Errors
/// [`Error::InvalidArgument`] when there are no frames, when a frame's
/// size, samples or photometric interpretation differ from the others or
/// from `info`, or when a value does not fit in Bits Stored; the object is
/// unchanged then.
pub fn store_frames(
    obj: &mut DefaultDicomObject,
    info: &PixelInfo,
    frames: &[Frame],
) -> Result<()> {
    let first = frames
        .first()
        .ok_or_else(|| Error::InvalidArgument("no frames to store".to_owned()))?;
    let samples = info.samples_per_pixel;
    for (index, frame) in frames.iter().enumerate() {
        if (frame.rows, frame.columns, frame.samples) != (info.rows, info.columns, samples)
            || frame.values.len() != info.rows * info.columns * samples
        {
            return Err(Error::InvalidArgument(format!(
                "frame {index} is {} × {} × {}, the pixel description {} × {} × {samples}",
                frame.rows, frame.columns, frame.samples, info.rows, info.columns
            )));
        }
        if frame.photometric != first.photometric {
            return Err(Error::InvalidArgument(format!(
                "frame {index} is {}, frame 0 {}",
                frame.photometric.as_str(),
                first.photometric.as_str()
            )));
        }
    }
    let bits = u32::from(info.bits_stored);
    let (low, high) = if info.signed {
        (-(1_i64 << (bits - 1)), (1_i64 << (bits - 1)) - 1)
    } else {
        (0, (1_i64 << bits) - 1)
    };
    for (index, frame) in frames.iter().enumerate() {
        if frame.values.iter().any(|v| !(low..=high).contains(v)) {
            return Err(Error::InvalidArgument(format!(
                "frame {index} holds values outside {low}..={high} ({} bits stored, {})",
                info.bits_stored,
                if info.signed { "signed" } else { "unsigned" }
            )));
        }
    }

    let bytes = pack(info, frames);
    let (vr, value) = if info.bits_allocated <= 8 {
        (VR::OB, PrimitiveValue::U8(bytes.into()))
    } else {
        let words: Vec<u16> = bytes
            .chunks_exact(2)
            .map(|c| u16::from_le_bytes([c[0], c[1]]))
            .collect();
        (VR::OW, PrimitiveValue::U16(words.into()))
    };

    obj.put(DataElement::new(tags::PIXEL_DATA, vr, value));
    obj.remove_element(tags::EXTENDED_OFFSET_TABLE);
    obj.remove_element(tags::EXTENDED_OFFSET_TABLE_LENGTHS);
    obj.put(DataElement::new(
        tags::PHOTOMETRIC_INTERPRETATION,
        VR::CS,
        PrimitiveValue::from(first.photometric.as_str()),
    ));
    if samples > 1 {
        obj.put(DataElement::new(
            tags::PLANAR_CONFIGURATION,
            VR::US,
            PrimitiveValue::from(0_u16),
        ));
    }
    if frames.len() > 1 || obj.get(tags::NUMBER_OF_FRAMES).is_some() {
        obj.put(DataElement::new(
            tags::NUMBER_OF_FRAMES,
            VR::IS,
            PrimitiveValue::from(frames.len().to_string()),
        ));
    }
    obj.update_meta(|meta| meta.set_transfer_syntax(&EXPLICIT_VR_LITTLE_ENDIAN));
    Ok(())
}

/// The frames as one little-endian byte stream of `info.bits_allocated`-bit
/// samples (1-bit samples packed least significant bit first, across frame
/// boundaries), padded to an even length.
fn pack(info: &PixelInfo, frames: &[Frame]) -> Vec<u8> {
    let values = frames.iter().flat_map(|f| f.values.iter().copied());
    let mut bytes = match info.bits_allocated {
        1 => {
            let count: usize = frames.iter().map(|f| f.values.len()).sum();
            let mut packed = vec![0_u8; count.div_ceil(8)];
            for (i, v) in values.enumerate() {
                if v & 1 != 0 {
                    packed[i / 8] |= 1 << (i % 8);
                }
            }
            packed
        }
        8 => values.map(|v| v as u8).collect(),
        16 => values.flat_map(|v| (v as u16).to_le_bytes()).collect(),
        _ => values.flat_map(|v| (v as u32).to_le_bytes()).collect(),
    };
    if bytes.len() % 2 == 1 {
        bytes.push(0);
    }
    bytes
}
