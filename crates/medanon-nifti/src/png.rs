//! A small PNG encoder for the rendered views: 8-bit grayscale or 8-bit RGB,
//! no interlacing, one zlib stream (flate2) and the standard CRC-32.
//!
//! It is written here rather than taken from the `png` or `image` crates so
//! that the tree keeps a single `miniz_oxide`. Each scanline gets the PNG
//! filter (None, Sub, Up, Average or Paeth) with the smallest sum of
//! absolute filtered bytes, the heuristic the PNG specification suggests;
//! that roughly halves the size of medical slices against filter None.

use std::io::Write;
use std::path::Path;

use flate2::Compression;
use flate2::write::ZlibEncoder;

use crate::error::{Error, Result};

/// An 8-bit image in memory: rows top to bottom, pixels left to right,
/// `channels` bytes per pixel (1 = gray, 3 = RGB).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Image {
    /// Width in pixels.
    pub width: usize,
    /// Height in pixels.
    pub height: usize,
    /// 1 for grayscale, 3 for RGB.
    pub channels: usize,
    /// `width × height × channels` bytes, row-major.
    pub pixels: Vec<u8>,
}

/// The 8-byte PNG signature.
pub(crate) const SIGNATURE: [u8; 8] = [0x89, b'P', b'N', b'G', 0x0d, 0x0a, 0x1a, 0x0a];

impl Image {
    /// A black image.
    pub fn new(width: usize, height: usize, channels: usize) -> Self {
        Image {
            width,
            height,
            channels,
            pixels: vec![0; width * height * channels],
        }
    }

    /// A grayscale image from its pixels (`width × height` bytes).
    pub fn gray(width: usize, height: usize, pixels: Vec<u8>) -> Result<Self> {
        let image = Image {
            width,
            height,
            channels: 1,
            pixels,
        };
        image.check()?;
        Ok(image)
    }

    /// The pixel at column `x`, row `y` (`channels` bytes), if inside.
    pub fn pixel(&self, x: usize, y: usize) -> Option<&[u8]> {
        if x >= self.width || y >= self.height {
            return None;
        }
        let start = (y * self.width + x) * self.channels;
        self.pixels.get(start..start + self.channels)
    }

    /// The gray value at `(x, y)`: the byte itself for a gray image, the
    /// mean of R, G and B otherwise; 0 outside the image.
    pub fn value(&self, x: usize, y: usize) -> u8 {
        match self.pixel(x, y) {
            Some([v]) => *v,
            Some(rgb) if !rgb.is_empty() => {
                let sum: u32 = rgb.iter().map(|&b| u32::from(b)).sum();
                (sum / rgb.len() as u32) as u8
            }
            _ => 0,
        }
    }

    /// This image as RGB (a copy; gray values go to all three channels).
    pub fn to_rgb(&self) -> Image {
        if self.channels == 3 {
            return self.clone();
        }
        Image {
            width: self.width,
            height: self.height,
            channels: 3,
            pixels: self.pixels.iter().flat_map(|&v| [v, v, v]).collect(),
        }
    }

    /// Copies `other` (same channel count) with its top-left corner at `(x, y)`,
    /// cropping what falls outside.
    pub(crate) fn blit(&mut self, other: &Image, x: usize, y: usize) {
        let c = self.channels;
        if other.channels != c || x >= self.width || y >= self.height {
            return;
        }
        let w = other.width.min(self.width - x);
        for row in 0..other.height.min(self.height - y) {
            let src = row * other.width * c;
            let dst = ((y + row) * self.width + x) * c;
            self.pixels[dst..dst + w * c].copy_from_slice(&other.pixels[src..src + w * c]);
        }
    }

    fn check(&self) -> Result<()> {
        if self.channels != 1 && self.channels != 3 {
            return Err(Error::InvalidArgument(format!(
                "an image has 1 or 3 channels, not {}",
                self.channels
            )));
        }
        if self.width == 0 || self.height == 0 || self.width > 1 << 24 || self.height > 1 << 24 {
            return Err(Error::InvalidArgument(format!(
                "image size {}×{} is out of range",
                self.width, self.height
            )));
        }
        if self.pixels.len() != self.width * self.height * self.channels {
            return Err(Error::InvalidArgument(format!(
                "{} pixel bytes for a {}×{}×{} image",
                self.pixels.len(),
                self.width,
                self.height,
                self.channels
            )));
        }
        Ok(())
    }

    /// The PNG file contents.
    pub fn encode_png(&self) -> Result<Vec<u8>> {
        self.check()?;
        let mut out = Vec::with_capacity(self.pixels.len() / 2 + 64);
        out.extend_from_slice(&SIGNATURE);
        let mut ihdr = Vec::with_capacity(13);
        ihdr.extend_from_slice(&(self.width as u32).to_be_bytes());
        ihdr.extend_from_slice(&(self.height as u32).to_be_bytes());
        // Bit depth 8; colour type 0 (gray) or 2 (RGB); deflate; adaptive
        // filtering; no interlace.
        let colour = if self.channels == 1 { 0 } else { 2 };
        ihdr.extend_from_slice(&[8, colour, 0, 0, 0]);
        write_chunk(&mut out, b"IHDR", &ihdr);
        let filtered = filter_scanlines(&self.pixels, self.width * self.channels, self.channels);
        let mut z = ZlibEncoder::new(Vec::new(), Compression::best());
        let idat = z
            .write_all(&filtered)
            .and_then(|()| z.finish())
            .map_err(|e| Error::InvalidArgument(format!("zlib: {e}")))?;
        write_chunk(&mut out, b"IDAT", &idat);
        write_chunk(&mut out, b"IEND", &[]);
        Ok(out)
    }

    /// Writes the image as a PNG file, atomically: to a temporary file in the
    /// same directory, then renamed over `path` (an existing file is
    /// replaced). On error no partial file is left behind.
    pub fn write_png(&self, path: impl AsRef<Path>) -> Result<()> {
        let path = path.as_ref();
        let bytes = self.encode_png()?;
        crate::io::write_atomic(path, true, false, &[&bytes])
    }
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

/// The Paeth predictor of the PNG specification.
pub(crate) fn paeth(a: u8, b: u8, c: u8) -> u8 {
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
mod tests;
