//! A small PNG encoder for medanon's rendered images: 8-bit grayscale or
//! 8-bit RGB, no interlacing, one zlib stream (flate2) and the standard
//! CRC-32.
//!
//! It is written here rather than taken from the `png` or `image` crates so
//! that the tree keeps a single `miniz_oxide`. Each scanline gets the PNG
//! filter (None, Sub, Up, Average or Paeth) with the smallest sum of
//! absolute filtered bytes, the heuristic the PNG specification suggests;
//! that roughly halves the size of medical slices against filter None.
//!
//! ```
//! let png = medanon_png::encode(2, 1, 1, &[0, 255])?;
//! assert_eq!(&png[..8], &medanon_png::SIGNATURE);
//! # Ok::<(), medanon_png::Error>(())
//! ```
#![forbid(unsafe_code)]

use std::io::Write;

use flate2::Compression;
use flate2::write::ZlibEncoder;

/// The 8-byte PNG signature.
pub const SIGNATURE: [u8; 8] = [0x89, b'P', b'N', b'G', 0x0d, 0x0a, 0x1a, 0x0a];

/// Why an image cannot be encoded.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// Not 1 (grey) or 3 (RGB) channels.
    #[error("an image has 1 or 3 channels, not {0}")]
    Channels(usize),
    /// Empty, or larger than this encoder writes (2^24 per side).
    #[error("image size {width}×{height} is out of range")]
    Size {
        /// Columns.
        width: usize,
        /// Rows.
        height: usize,
    },
    /// The pixel bytes do not number `width × height × channels`.
    #[error("{len} pixel bytes for a {width}×{height}×{channels} image")]
    Length {
        /// Bytes given.
        len: usize,
        /// Columns.
        width: usize,
        /// Rows.
        height: usize,
        /// Channels.
        channels: usize,
    },
    /// zlib failed.
    #[error("zlib: {0}")]
    Compression(#[from] std::io::Error),
}

/// The PNG file of a `width × height` image with `channels` (1 or 3)
/// interleaved 8-bit samples per pixel, row-major.
///
/// # Errors
/// [`Error`] for a wrong channel count, size or pixel length.
pub fn encode(
    width: usize,
    height: usize,
    channels: usize,
    pixels: &[u8],
) -> Result<Vec<u8>, Error> {
    if channels != 1 && channels != 3 {
        return Err(Error::Channels(channels));
    }
    if width == 0 || height == 0 || width > 1 << 24 || height > 1 << 24 {
        return Err(Error::Size { width, height });
    }
    if pixels.len() != width * height * channels {
        return Err(Error::Length {
            len: pixels.len(),
            width,
            height,
            channels,
        });
    }
    let mut out = Vec::with_capacity(pixels.len() / 2 + 64);
    out.extend_from_slice(&SIGNATURE);
    let mut ihdr = Vec::with_capacity(13);
    ihdr.extend_from_slice(&(width as u32).to_be_bytes());
    ihdr.extend_from_slice(&(height as u32).to_be_bytes());
    // Bit depth 8; colour type 0 (gray) or 2 (RGB); deflate; adaptive
    // filtering; no interlace.
    let colour = if channels == 1 { 0 } else { 2 };
    ihdr.extend_from_slice(&[8, colour, 0, 0, 0]);
    write_chunk(&mut out, b"IHDR", &ihdr);
    let filtered = filter_scanlines(pixels, width * channels, channels);
    let mut z = ZlibEncoder::new(Vec::new(), Compression::best());
    z.write_all(&filtered)?;
    let idat = z.finish()?;
    write_chunk(&mut out, b"IDAT", &idat);
    write_chunk(&mut out, b"IEND", &[]);
    Ok(out)
}

fn write_chunk(out: &mut Vec<u8>, kind: &[u8; 4], data: &[u8]) {
    out.extend_from_slice(&(data.len() as u32).to_be_bytes());
    out.extend_from_slice(kind);
    out.extend_from_slice(data);
    let mut crc = flate2::Crc::new();
    crc.update(kind);
    crc.update(data);
    out.extend_from_slice(&crc.sum().to_be_bytes());
}

/// The Paeth predictor of the PNG specification (also what a decoder needs
/// to undo filter 4).
pub fn paeth(a: u8, b: u8, c: u8) -> u8 {
    let p = i16::from(a) + i16::from(b) - i16::from(c);
    let (pa, pb, pc) = (
        (p - i16::from(a)).abs(),
        (p - i16::from(b)).abs(),
        (p - i16::from(c)).abs(),
    );
    if pa <= pb && pa <= pc {
        a
    } else if pb <= pc {
        b
    } else {
        c
    }
}

/// Each scanline prefixed by its filter type byte, filtered with the type
/// whose output has the smallest sum of absolute (signed) values.
fn filter_scanlines(pixels: &[u8], stride: usize, bpp: usize) -> Vec<u8> {
    let rows = pixels.len().checked_div(stride).unwrap_or(0);
    let mut out = Vec::with_capacity(rows * (stride + 1));
    let zero = vec![0u8; stride];
    let mut candidate = vec![0u8; stride];
    let mut best = vec![0u8; stride];
    for r in 0..rows {
        let line = &pixels[r * stride..(r + 1) * stride];
        let prior = if r == 0 {
            &zero[..]
        } else {
            &pixels[(r - 1) * stride..r * stride]
        };
        let mut best_type = 0u8;
        let mut best_cost = u64::MAX;
        for filter in 0..5u8 {
            for x in 0..stride {
                let a = if x >= bpp { line[x - bpp] } else { 0 };
                let b = prior[x];
                let c = if x >= bpp { prior[x - bpp] } else { 0 };
                let predicted = match filter {
                    0 => 0,
                    1 => a,
                    2 => b,
                    3 => ((u16::from(a) + u16::from(b)) / 2) as u8,
                    _ => paeth(a, b, c),
                };
                candidate[x] = line[x].wrapping_sub(predicted);
            }
            let cost: u64 = candidate
                .iter()
                .map(|&v| u64::from((v as i8).unsigned_abs()))
                .sum();
            if cost < best_cost {
                best_cost = cost;
                best_type = filter;
                std::mem::swap(&mut best, &mut candidate);
            }
        }
        out.push(best_type);
        out.extend_from_slice(&best);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bad_images_are_refused() {
        assert!(matches!(encode(2, 2, 2, &[0; 8]), Err(Error::Channels(2))));
        assert!(matches!(encode(0, 2, 1, &[]), Err(Error::Size { .. })));
        assert!(matches!(
            encode(2, 2, 3, &[0; 11]),
            Err(Error::Length { .. })
        ));
    }

    #[test]
    fn chunks_are_in_order_with_valid_crcs() {
        let png = encode(3, 2, 3, &[7; 18]).unwrap();
        assert_eq!(&png[..8], &SIGNATURE);
        let mut at = 8;
        let mut kinds = Vec::new();
        while at < png.len() {
            let len = u32::from_be_bytes(png[at..at + 4].try_into().unwrap()) as usize;
            let kind = &png[at + 4..at + 8];
            let mut crc = flate2::Crc::new();
            crc.update(&png[at + 4..at + 8 + len]);
            let stored = u32::from_be_bytes(png[at + 8 + len..at + 12 + len].try_into().unwrap());
            assert_eq!(crc.sum(), stored);
            kinds.push(String::from_utf8_lossy(kind).into_owned());
            at += 12 + len;
        }
        assert_eq!(kinds, ["IHDR", "IDAT", "IEND"]);
    }
}
